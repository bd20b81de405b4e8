# Crossings: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 4

.PHONY: run serve test lint reliability bench bench-large bench-peers messages catalogues clean

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

run: $(VENV)/.runtime catalogues
	$(FLASK) migrate
	$(FLASK) demo load --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production serving: gunicorn with WORKERS workers (settings in gunicorn.conf.py).
serve: $(VENV)/.runtime catalogues
	$(FLASK) migrate
	CROSSINGS_BIND=$(HOST):$(PORT) CROSSINGS_WORKERS=$(WORKERS) exec $(BIN)/gunicorn --config gunicorn.conf.py

test: lint catalogues
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

# Every user-facing string is marked for translation. `make messages` collects them into
# translations/messages.pot and brings each language's catalogue up to date (new strings
# empty, no fuzzy guesses, obsolete ones dropped); translators then fill the .po files.
messages: $(VENV)/.dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project=Crossings --copyright-holder=Crossings -o translations/messages.pot \
		--ignore-dirs=".venv bench tests translations docs" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

# The compiled catalogues (.mo) are built from the .po files, never committed.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations/%.mo: translations/%.po | $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -i $< -o $@
catalogues: $(CATALOGUES)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
