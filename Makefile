# Switchboard: `make run` sets up and runs the hub; `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Exact versions with hashes, compiled by `make lock` from pyproject.toml's ranges; every
# install (make run, make test, the Dockerfile) takes them, so each machine gets what CI tested.
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK     := requirements/dev.txt
TOOLS_LOCK   := requirements/tools.txt
# The runtime dependencies alone, no dev extras (what production installs): the suite starts
# a Celery worker from it (tests/test_runtime_install.py).
RUNTIME_VENV := .venv-runtime
LOCKED       := -m pip install --quiet --require-hashes
UV_COMPILE    = $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(LOCK_ARGS)

.PHONY: run setup test lint format clean lock bench-outbound bench-ingest bench-sync
.PRECIOUS: %/bin/python

run: setup ## migrate, bootstrap the demo, then web + worker + beat in the foreground
	rm -rf var/prometheus && mkdir -p var/prometheus
	PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/var/prometheus honcho --procfile Procfile start

setup: $(VENV)/.installed
	python manage.py migrate --noinput
	python manage.py collectstatic --noinput --verbosity 0
	python manage.py bootstrap_demo

test: $(VENV)/.installed-dev $(RUNTIME_VENV)/.installed ## the whole suite against real PostgreSQL and Redis
	pytest

lock: $(BIN)/uv ## re-resolve the locks from pyproject.toml (LOCK_ARGS=--upgrade: newest releases)
	$(UV_COMPILE) pyproject.toml -o $(RUNTIME_LOCK)
	$(UV_COMPILE) pyproject.toml --extra dev -c $(RUNTIME_LOCK) -o $(DEV_LOCK)
	$(UV_COMPILE) requirements/tools.in -o $(TOOLS_LOCK)

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

# A virtualenv with the locked pip, setuptools (to build the editable install) and uv (make lock).
%/bin/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is required (set PYTHON=...)")'
	$(PYTHON) -m venv $*
	$*/bin/python $(LOCKED) -r $(TOOLS_LOCK)

$(BIN)/uv: $(TOOLS_LOCK) | $(BIN)/python
	$(BIN)/python $(LOCKED) -r $(TOOLS_LOCK)
	touch $@

# Locked dependencies first (the build tools too: a virtualenv made before the locks has older
# ones), then the project itself without resolving anything; pip check fails when
# pyproject.toml asks for something the lock lacks (run make lock).
define install-locked
	$1/bin/python $(LOCKED) -r $(TOOLS_LOCK) -r $2
	PYTHONWARNINGS=ignore $1/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$1/bin/python -m pip check
endef

$(VENV)/.installed: $(RUNTIME_LOCK) $(TOOLS_LOCK) pyproject.toml | $(BIN)/python
	$(call install-locked,$(VENV),$(RUNTIME_LOCK))
	touch $@

$(VENV)/.installed-dev: $(DEV_LOCK) $(TOOLS_LOCK) pyproject.toml | $(BIN)/python
	$(call install-locked,$(VENV),$(DEV_LOCK))
	touch $@ $(VENV)/.installed

$(RUNTIME_VENV)/.installed: $(RUNTIME_LOCK) $(TOOLS_LOCK) pyproject.toml | $(RUNTIME_VENV)/bin/python
	$(call install-locked,$(RUNTIME_VENV),$(RUNTIME_LOCK))
	touch $@

clean:
	rm -rf $(VENV) $(RUNTIME_VENV) var .pytest_cache
