# Two commands for a newcomer: `make run` (demo app on SQLite) and `make test`.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: setup run test lint format browsers clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/muster init
	$(BIN)/muster demo --if-empty
	$(BIN)/muster serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests benchmarks migrations
	$(BIN)/ruff format --check src tests benchmarks migrations

format: setup
	$(BIN)/ruff format src tests benchmarks migrations
	$(BIN)/ruff check --fix src tests benchmarks migrations

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache

# Reliability (docs/reliability.md): long API fuzzing, API load, dependency audit.
.PHONY: fuzz load audit
FUZZ_ARGS ?= --examples 50
LOAD_ARGS ?= --clients 50 --workers 2

fuzz: setup
	$(BIN)/python benchmarks/fuzz.py $(FUZZ_ARGS)

load: setup
	$(BIN)/python benchmarks/load.py $(LOAD_ARGS)

audit: setup
	$(BIN)/pip-audit --strict --progress-spinner off --skip-editable
