# Quick start: `make demo` runs the main job on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test

.PHONY: demo test check lint types audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/erpsync demo

check: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Test files run in parallel (pytest-xdist, one file per worker at a time: module fixtures stay shared).
TEST_WORKERS ?= 4
test: check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# Known vulnerabilities in the installed dependencies (PyPI's JSON API, the PyPA advisory data). --strict fails
# when a package could not be audited, so an audit that checked nothing never passes as clean.
audit: $(STAMP)
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache erpsync.db*
