# Crossings: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 4

.PHONY: run serve test lint reliability bench bench-large messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime requirements are hash-pinned; pip checks every download against them.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

# The development set includes the runtime one; both are hash-checked.
$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(FLASK) migrate
	$(FLASK) demo load --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production serving: gunicorn with WORKERS workers (settings in gunicorn.conf.py).
serve: $(VENV)/.runtime
	$(FLASK) migrate
	CROSSINGS_BIND=$(HOST):$(PORT) CROSSINGS_WORKERS=$(WORKERS) exec $(BIN)/gunicorn --config gunicorn.conf.py

test: lint
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Load, SIGKILL and index-damage run against make serve; a dated copy goes to bench/results/.
reliability: $(VENV)/.dev
	$(BIN)/python -m tests.reliability.run --out bench/results/reliability-$$(date +%F).md

bench: $(VENV)/.dev
	$(BIN)/python -m bench.run

bench-large: $(VENV)/.dev
	$(BIN)/python -m bench.run --stories 100000

# Every user-facing string is marked for translation; this collects them for translators.
messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -o messages.pot --ignore-dirs=".venv bench tests" .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
