# Switchboard: `make run` sets up and runs the hub; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)

.PHONY: run setup test lint format clean bench-outbound bench-ingest bench-sync

run: setup ## migrate, bootstrap the demo, then web + worker + beat in the foreground
	rm -rf var/prometheus && mkdir -p var/prometheus
	PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/var/prometheus honcho --procfile Procfile start

setup: $(VENV)/.installed
	python manage.py migrate --noinput
	python manage.py collectstatic --noinput --verbosity 0
	python manage.py bootstrap_demo

test: $(VENV)/.installed-dev ## the whole suite against real PostgreSQL and Redis
	pytest

lint: $(VENV)/.installed-dev
	ruff check .
	ruff format --check .

format: $(VENV)/.installed-dev
	ruff check --fix .
	ruff format .

bench-outbound: $(VENV)/.installed ## outbound deliveries/s and latency vs django-webhook (not in CI)
	test -f bench/.venv-peer/.installed || { $(PYTHON) -m venv bench/.venv-peer && \
	  bench/.venv-peer/bin/python -m pip install --quiet --upgrade pip && \
	  bench/.venv-peer/bin/python -m pip install --quiet -r bench/peer/requirements.txt && \
	  touch bench/.venv-peer/.installed; }
	python bench/outbound.py $(BENCH_ARGS)

bench-ingest: $(VENV)/.installed ## wrk against POST /webhooks/<id> vs a bare WSGI insert (not in CI)
	command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	python bench/ingest.py $(BENCH_ARGS)

bench-sync: $(VENV)/.installed ## a 50,000-contact CRM backfill from the sandbox, records/s (not in CI)
	python bench/sync.py $(BENCH_ARGS)

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) var .pytest_cache
