# Two commands do all set-up on a fresh machine with Python 3.11:
#   make demo   - venv, install with the lab extra, lab up, seed, open the console
#   make test   - venv if needed, then the whole suite against a throw-away lab

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test check bench screenshots scenes snapshots-update lab-down clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/mrconsole lab up
	$(BIN)/mrconsole lab seed --name demo
	$(BIN)/mrconsole --lab --stack demo

test: $(STAMP) check
	$(BIN)/python -m pytest -ra

# Static checks (also part of `make test`): lint, import contracts, types.
check: $(STAMP)
	$(BIN)/ruff check mrconsole tests tools
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[lab,test,bench]'
	$(BIN)/python tests/bench/run_all.py

screenshots: $(STAMP)
	$(BIN)/python tools/screenshots.py

# The fast tier's data: scenes captured from a lab of their own (tests/screens/capture.py),
# then the snapshot SVGs rewritten from them (review the diff before committing).
scenes: $(STAMP)
	$(BIN)/python -m tests.screens.capture

snapshots-update: $(STAMP)
	$(BIN)/python -m pytest tests/test_screens.py tests/test_snapshots.py --snapshot-update -q

lab-down:
	$(BIN)/mrconsole lab down

clean:
	rm -rf $(VENV) build *.egg-info
