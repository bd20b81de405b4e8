# Crossings: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 4

.PHONY: run serve test lint reliability bench bench-large bench-peers messages clean

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

# Benchmark (see README, Benchmark). STORIES, BENCH_WORKERS (gunicorn workers on each side)
# and BENCH_ARGS (more bench.run options) may be set.
STORIES ?= 20000
BENCH_WORKERS ?= 2
BENCH_ARGS ?=
PEERS_VENV := .venv-peers

bench: $(VENV)/.runtime
	$(BIN)/python -m bench.run --stories $(STORIES) --workers $(BENCH_WORKERS) $(BENCH_ARGS)

bench-large: $(VENV)/.runtime
	$(BIN)/python -m bench.run --stories 100000 --workers $(BENCH_WORKERS) $(BENCH_ARGS)

# Datasette lives in its own virtualenv, from its own hash-pinned file, away from the app's packages.
$(PEERS_VENV)/.installed: bench/requirements-peers.txt
	$(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/python -m pip install --quiet --require-hashes -r bench/requirements-peers.txt
	touch $@

bench-peers: $(VENV)/.runtime $(PEERS_VENV)/.installed
	$(BIN)/python -m bench.run --stories $(STORIES) --workers $(BENCH_WORKERS) --peers $(PEERS_VENV)/bin/datasette $(BENCH_ARGS)

# Every user-facing string is marked for translation; this collects them for translators.
messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -o messages.pot --ignore-dirs=".venv bench tests" .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
