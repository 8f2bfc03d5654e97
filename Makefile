# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: install test demo run clean

$(VENV)/.installed: pyproject.toml
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch first and pinned: it takes the CPU wheel on disk instead of a multi-GB CUDA build.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[all,dev]'
	$(PIP) check
	touch $@

install: $(VENV)/.installed

test: $(VENV)/.installed
	bash scripts/test.sh

demo: $(VENV)/.installed
	$(VENV)/bin/albert-edge run --corpus tweets --out runs/demo $(DEMO_ARGS)

# Your own data: make run RUN_ARGS="--data FILE --text-column text --label-column label --out runs/mine"
run: $(VENV)/.installed
	$(VENV)/bin/albert-edge run $(RUN_ARGS)

clean:
	rm -rf runs build android_demo/core/build
