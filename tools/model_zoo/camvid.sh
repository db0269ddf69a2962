#!/usr/bin/env bash
# The CamVid model zoo of docs/model_zoo.md: train on CamVid, then test every scorer of each model
# on the real anomaly sets (RoadAnomaly, SMIYC AnomalyTrack val, Fishyscapes Static val).
#
#   bash tools/model_zoo/camvid.sh SEED [MODEL ...]
#
# MODEL: dlv3p m2f (ImageNet MobileNetV2 initialisation) and rba rba-plain rpl rpl-plain
# (outlier fine-tuning, with and without style alignment, from the seed-0 base model).
# Default: all six. One folder per model and seed under $ZOO_DIR (work_dirs/zoo): the training
# log, checkpoints, and bench_<SET>/metrics.json per anomaly set. A finished step is skipped,
# so the script can be re-run after an interruption. The checkpoint tested is picked on CamVid
# val only (the best-mIoU one where the schedule keeps it, else the last).
set -euo pipefail
SEED=${1:?usage: camvid.sh SEED [MODEL ...]}
shift
MODELS=${*:-dlv3p m2f rba rba-plain rpl rpl-plain}
PY=${PYTHON:-.venv/bin/python}
ZOO=${ZOO_DIR:-work_dirs/zoo}
export ANOMSEG_SHARED=${ANOMSEG_SHARED:-../shared}
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 \
    MALLOC_TOP_PAD_=1073741824
ZOO_MODELS=tools/model_zoo/zoo_models.py  # model definitions: checkpoints/camvid/models.json
field() { "$PY" "$ZOO_MODELS" "$1" "$2"; }
declare -A BENCH_ROOT=()
while read -r name folder; do BENCH_ROOT[$name]=$ANOMSEG_SHARED/$folder; done \
    < <("$PY" "$ZOO_MODELS" benchmarks)

work_dir() { echo "$ZOO/$(field "$1" name)/seed$2"; }

checkpoint() { "$PY" "$ZOO_MODELS" checkpoint "$1"; }  # the CamVid-val pick of a training

train() {  # MODEL SEED
    local dir base extra=()
    dir=$(work_dir "$1" "$2")
    [ -f "$dir/trained" ] && return
    base=$(field "$1" base)
    if [ -n "$base" ]; then
        # the fine-tuning configs paste objects from this bank (built in seconds, no download)
        [ -f data/ood_bank/skimage/index.json ] || "$PY" data_prep/ood_bank.py skimage \
            --out data/ood_bank/skimage --num-objects 300
        train "$base" 0
        extra=("load_from=$(checkpoint "$(work_dir "$base" 0)")")
    fi
    mkdir -p "$dir"
    echo "[$(date +%T)] train $1 seed $2 -> $dir"
    /usr/bin/time -f 'wall %e s' "$PY" tools/train.py "$(field "$1" config)" --work-dir "$dir" \
        --cfg-options "randomness.seed=$2" "${extra[@]}" >"$dir/train.log" 2>&1
    tail -n 1 "$dir/train.log"
    touch "$dir/trained"
}

evaluate() {  # MODEL SEED
    local dir set
    dir=$(work_dir "$1" "$2")
    for set in "${!BENCH_ROOT[@]}"; do
        [ -f "$dir/bench_$set/metrics.json" ] && continue
        echo "[$(date +%T)] test $1 seed $2 on $set"
        /usr/bin/time -f 'wall %e s' "$PY" tools/test.py "$(field "$1" config)" "$(checkpoint "$dir")" \
            --work-dir "$dir/bench_$set" --benchmark "$set" --benchmark-root "${BENCH_ROOT[$set]}" \
            --no-report ${SCORERS:+--scorer "$SCORERS"} >"$dir/bench_$set.log" 2>&1
        tail -n 1 "$dir/bench_$set.log"
    done
}

for model in $MODELS; do
    field "$model" config >/dev/null
done
for model in $MODELS; do
    train "$model" "$SEED"
    evaluate "$model" "$SEED"
done
