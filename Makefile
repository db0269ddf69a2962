# make demo        install if needed, then the released Cityscapes ERFNet and ERFNet + RPL on the real RoadAnomaly
#                  frames: metrics beside the published ones, heatmaps, report.html (no training)
# make quickstart  install if needed, then SynthRoad -> train -> anomaly eval + heatmaps
# make test        install if needed, then the whole test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# MMCV=lite (default): mmcv-lite, no compiler; MMCV=full: mmcv compiled with its C++/CUDA ops.
MMCV ?= lite
ifeq ($(filter $(MMCV),lite full),)
$(error MMCV must be lite or full, not '$(MMCV)')
endif
STAMP := $(VENV)/.anomseg-installed-mmcv-$(MMCV)
REQS := requirements/build.txt requirements/mmcv-$(MMCV).txt requirements/runtime.txt \
	requirements/tests.txt requirements/constraints.txt
PIN := -c requirements/constraints.txt
PRETRAIN := pretrain/mobilenet_v2-b0353104_mmseg.pth
export ANOMSEG_SHARED ?= $(abspath ../shared)
# glibc hands large buffers back to the OS after every step otherwise: CPU training 2-3x slower.
export MALLOC_MMAP_THRESHOLD_ ?= 4294967296
export MALLOC_TRIM_THRESHOLD_ ?= 68719476736
export MALLOC_TOP_PAD_ ?= 1073741824

.PHONY: install demo quickstart test test-fast pretrain assets gpu-check

install: $(STAMP)

# Pins from requirements/ (measured: docs/install.md). mmcv-lite and mmcv both provide the `mmcv`
# package, so switching flavour removes the other one first.
$(STAMP): $(REQS) setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/.anomseg-installed-*
ifeq ($(MMCV),full)
	-@$(PY) -m pip uninstall -q -y mmcv-lite 2>/dev/null
	$(PY) -m pip install -q $(PIN) -r requirements/build.txt wheel==0.48.0 ninja==1.13.2
	@echo "compiling mmcv 2.1.0 (about 10 minutes on 2 cores the first time; pip caches the wheel)"
	MAX_JOBS=2 $(PY) -m pip install -q $(PIN) --no-build-isolation -r requirements/mmcv-full.txt
	$(PY) -m pip install -q $(PIN) -r requirements/runtime.txt -r requirements/tests.txt
	$(PY) -m pip install -q --no-build-isolation --no-deps -e .
	$(PY) -c "import anomseg.ops as o; o.remove_startup_hook()"
else
	-@$(PY) -m pip uninstall -q -y mmcv 2>/dev/null
	$(PY) -m pip install -q $(PIN) -r requirements/build.txt -r requirements/mmcv-lite.txt \
		-r requirements/runtime.txt -r requirements/tests.txt
	$(PY) -m pip install -q --no-build-isolation --no-deps -e .
	@# the explicit opt-in of this mmcv-lite environment: mmcv's ops import in any order
	$(PY) -c "import anomseg.ops as o; print('startup hook:', o.write_startup_hook())"
endif
	@touch $@

pretrain: $(PRETRAIN)

# The public files the demo needs: from $ANOMSEG_SHARED, the cache ($ANOMSEG_DATA), or downloaded
# from their official addresses (tools/fetch_assets.py; `make assets ASSETS=camvid-zoo` for more).
ASSETS ?= demo quickstart
assets: install
	$(PY) tools/fetch_assets.py $(ASSETS)

$(PRETRAIN): | install
	src=$$($(PY) tools/fetch_assets.py mobilenet_v2 --print-path) && \
		$(PY) tools/model_converters/mobilenetv2_torchvision2mmseg.py "$$src" $@

demo: install
	$(PY) tools/demo.py

quickstart: install $(PRETRAIN)
	$(PY) tools/quickstart.py

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not slow"

# The GPU check on this machine's CUDA device (docs/gpu.md); a tiny CPU run with GPU_CHECK="--device
# cpu --tiny --out work_dirs/gpu_check_tiny.json".
GPU_CHECK ?= --out work_dirs/gpu_check.json
gpu-check: install
	$(PY) tools/benchmark/gpu_check.py $(GPU_CHECK)
