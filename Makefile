# Aduan developer tasks. Needs only Python >= 3.11 (with venv) and make; everything else
# is installed into .venv from requirements.lock.
#
#   make run      set up, migrate, load demo data and serve on $(HOST):$(PORT) with a worker
#   make test     run the test suite (SQLite unless DATABASE_URL is set)
#   make lint     ruff check, ruff format --check, mypy
#   make bench-load  fill $(BENCH_DATABASE_URL) with $(BENCH_COMPLAINTS) generated complaints
#   make bench    server time of lists, dashboards and statistics on that database (docs/benchmarks.md)
#   make lock     regenerate requirements.lock from pyproject.toml (installs uv into .venv)
#   make messages update and compile the Indonesian translations (needs GNU gettext)
#   make clean    remove .venv, caches and build output (keeps the database and var/)

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/aduan_bench
BENCH_COMPLAINTS ?= 1000000

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ADUAN := $(CURDIR)/$(BIN)/aduan

.DEFAULT_GOAL := help

.PHONY: help install run test lint lock messages clean bench bench-load

help:
	@sed -n 's/^#   make /make /p' $(firstword $(MAKEFILE_LIST))

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Aduan needs Python >= 3.11; $(PYTHON) is $$($(PYTHON) -V 2>&1). Use: make PYTHON=python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)

# The stamp is newer than the lock and pyproject.toml once both are installed, so a repeated
# run skips pip entirely.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -r requirements.lock
	$(BIN)/pip install --no-deps -e .
	touch $@

install: $(STAMP)

# One background worker (notifications, sweep, periodic jobs) runs beside the web server and is
# stopped (SIGTERM: it finishes its current task) when the server stops, however it stops.
run: $(STAMP)
	$(BIN)/aduan migrate --noinput
	$(BIN)/aduan load_demo
	@# Both run in the background so that the shell is in `wait`, where a trapped signal acts at
	@# once: Ctrl+C, or SIGTERM to make alone (make passes it on to this shell), stops both.
	$(BIN)/aduan worker & worker=$$!; \
	$(BIN)/aduan runserver $(HOST):$(PORT) & web=$$!; \
	trap 'kill -TERM $$web $$worker 2>/dev/null' INT TERM; \
	wait $$web; status=$$?; \
	kill -TERM $$web $$worker 2>/dev/null; wait $$worker 2>/dev/null; exit $$status

# pyproject's addopts already has -q; a second -q would hide the closing "N passed" line. They
# also run the suite on one pytest-xdist worker per CPU (-n auto); `$(BIN)/pytest -n0 ...` runs
# in one process.
test: $(STAMP)
	$(BIN)/pytest

# The benchmark database is separate from the development one; it is created if missing.
bench-load: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.bench.prepare
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/aduan migrate --noinput
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/aduan load_demo --no-complaints
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/aduan loadgen --complaints $(BENCH_COMPLAINTS)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/aduan search rebuild

bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.bench.bench_lists
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.bench.bench_dashboards
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.bench.bench_trends
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.bench.bench_search --json bench-results/search.json
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m tests.bench.bench_export --json bench-results/export.json
	$(BIN)/python -m tests.bench.bench_duplicates
	$(BIN)/python -m tests.bench.bench_routing --json bench-results/routing.json

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src

# uv is not part of the lock (nor on a fresh machine), so it is installed on demand. The
# command matches the one recorded in the lock file's header.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11

# Run from src/aduan: makemessages and compilemessages walk the current directory, and from the
# repository root they would walk .venv too. The compiled .mo files are committed, because a
# fresh machine may have no msgfmt.
messages: $(STAMP)
	@command -v msgfmt >/dev/null || { echo "make messages needs GNU gettext (apt-get install gettext)"; exit 1; }
	cd src/aduan && $(ADUAN) makemessages --locale id --no-obsolete --ignore migrations
	cd src/aduan && $(ADUAN) compilemessages --locale id

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache .hypothesis src/*.egg-info
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +
