# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Databases for `make test`: SQLite and an embedded PostgreSQL 18 (no server needed).
FOUNDATION_TEST_DB ?= sqlite,postgresql
export FOUNDATION_TEST_DB
# pytest-xdist workers for `make test` (one per CPU, at most 4; each has its own databases).
TEST_WORKERS ?= auto
# The reference service served by `make run`.
RUN_ENV := PYTHONPATH=examples FOUNDATION_DATABASE__MIGRATIONS=examples/taskboard/migrations
APP := taskboard.app:create_app
# One tox environment for `make tox ENV=...` (`.venv/bin/tox list` shows them); tox finds
# pyenv's interpreters itself (toxfile.py).
ENV ?=

.PHONY: run test lint type check tox matrix bench fuzz clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# `make run` installs only what serving needs; `make test` and the rest the dev toolchain.
$(VENV)/.serving: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

run: $(VENV)/.serving
	$(RUN_ENV) $(BIN)/foundation serve --app $(APP)

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

type: $(VENV)/.installed
	$(BIN)/mypy

check: lint type test

tox: $(VENV)/.installed
	@test -n "$(ENV)" || { echo "usage: make tox ENV=py312-sqlite ($(BIN)/tox list shows the environments)" >&2; exit 2; }
	$(BIN)/tox -e $(ENV)

matrix: $(VENV)/.installed
	$(BIN)/python .ci/tox_lanes.py --lanes 2

bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .tox .pytest_cache .mypy_cache .ruff_cache foundation.db*
