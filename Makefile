# make demo   install if needed, then the quickstart: SynthRoad -> train -> anomaly eval + heatmaps
# make test   install if needed, then the whole test suite (what CI runs)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.anomseg-installed
REQS := requirements/build.txt requirements/mmcv.txt requirements/runtime.txt requirements/tests.txt
PRETRAIN := pretrain/mobilenet_v2-b0353104_mmseg.pth
export ANOMSEG_SHARED ?= $(abspath ../shared)
# glibc hands large buffers back to the OS after every step otherwise: CPU training 2-3x slower.
export MALLOC_MMAP_THRESHOLD_ ?= 4294967296
export MALLOC_TRIM_THRESHOLD_ ?= 68719476736
export MALLOC_TOP_PAD_ ?= 1073741824

.PHONY: install demo test test-fast pretrain

install: $(STAMP)

# Order and pins from ../shared/STACK.md: torch first, then mmcv compiled against it (about ten
# minutes on two cores the first time; pip caches the wheel), then the rest.
$(STAMP): $(REQS) setup.cfg pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements/build.txt
	@echo "installing mmcv (compiled on first install: about 10 minutes on 2 cores)"
	MAX_JOBS=2 $(PY) -m pip install -q --no-build-isolation -r requirements/mmcv.txt
	$(PY) -m pip install -q -r requirements/runtime.txt -r requirements/tests.txt
	$(PY) -m pip install -q --no-build-isolation --no-deps -e .
	@touch $@

pretrain: $(PRETRAIN)

$(PRETRAIN): | install
	$(PY) tools/model_converters/mobilenetv2_torchvision2mmseg.py \
		$(ANOMSEG_SHARED)/weights/mobilenet_v2-b0353104.pth $@

demo: install $(PRETRAIN)
	$(PY) tools/quickstart.py

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not slow"
