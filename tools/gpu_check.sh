#!/usr/bin/env bash
# The GPU check (tools/benchmark/gpu_check.py) on a CUDA machine that already has torch.
#
#   bash tools/gpu_check.sh download DIR [PYVER]   # on a machine with internet: the wheels of
#                                                  # requirements/gpu-check.txt for Python PYVER
#                                                  # (default 3.12), x86-64 Linux
#   bash tools/gpu_check.sh run [--wheels DIR] [gpu_check.py options, e.g. --out gpu.json]
#
# `run` makes a virtual environment that sees the machine's packages (VENV, default
# .venv-gpu-check), adds requirements/gpu-check.txt to it (from DIR alone with --wheels: no
# network needed) without touching the machine's torch, and runs the check.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
REQS=requirements/gpu-check.txt

case "${1:-}" in
download)
    dir=${2:?usage: gpu_check.sh download DIR [PYVER]}
    $PY -m pip download --no-deps --only-binary=:all: --python-version "${3:-3.12}" \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$dir" -r "$REQS"
    ;;
run)
    shift
    wheels=()
    if [ "${1:-}" = "--wheels" ]; then
        wheels=(--no-index --find-links "${2:?--wheels needs a folder}")
        shift 2
    fi
    venv=${VENV:-.venv-gpu-check}
    [ -x "$venv/bin/python" ] || $PY -m venv --system-site-packages "$venv"
    "$venv/bin/python" -m pip install -q --no-deps "${wheels[@]}" -r "$REQS"
    "$venv/bin/python" tools/benchmark/gpu_check.py "$@"
    ;;
*)
    sed -n '2,11p' "$0"
    exit 2
    ;;
esac
