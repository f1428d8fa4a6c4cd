# ConvLab: `make run` opens the app, `make test` runs the whole suite headless.
# `make run` installs what running needs (requirements.txt) into .venv, `make test` adds
# what testing needs (requirements-dev.txt: JAX and the test tools); each does so when
# .venv lacks it or its file is newer than the last install, so a second run reuses it.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.requirements-installed
DEV_STAMP := $(VENV)/.requirements-dev-installed
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-k resnet -x"`.
PYTEST_ARGS ?=
# The suite is mostly single-threaded Python (building Keras graphs), so it runs in one
# process per core (pytest-xdist), at most four: each holds its own TensorFlow.
# `make test TEST_WORKERS=0` runs it in this process. Work stealing keeps both workers
# busy to the end (the real-training tests are long and would otherwise queue on one).
TEST_WORKERS ?= auto

.PHONY: run test venv dev-venv bench clean

run: $(STAMP)
	$(PY) main.py

test: $(DEV_STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest tests -n $(TEST_WORKERS) --maxprocesses=4 \
		--dist worksteal --durations=25 $(PYTEST_ARGS)

venv: $(STAMP)

dev-venv: $(DEV_STAMP)

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

$(DEV_STAMP): requirements-dev.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(DEV_STAMP)

# Every benchmark once, on whatever machine this is; each prints its own ratios.
bench: $(STAMP)
	@for b in benchmarks/*.py; do echo "== $$b"; QT_QPA_PLATFORM=offscreen $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
