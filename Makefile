# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := shop
# Where `make run` and `make prod` listen: `make run PORT=8000`.
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run prod test lint format setup bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask shop seed

## Set up (virtualenv, migrations, demo content) and serve the shop on http://$(HOST):$(PORT),
## with the job worker (emails, Stripe calls, the schedule) beside it, stopped on exit.
## Emailed links use SHOP_BASE_URL, which follows the port unless it is set.
run: setup
	export SHOP_BASE_URL=$${SHOP_BASE_URL:-http://$(HOST):$(PORT)}; \
	$(BIN)/flask jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## Production-style, on one machine: migrations, then gunicorn (gunicorn.conf.py), the job
## worker and the scheduler as separate processes, stopped together (the Procfile's processes).
prod: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask jobs worker --no-schedule & worker=$$!; $(BIN)/flask jobs scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) HOST=$(HOST) $(BIN)/gunicorn --config gunicorn.conf.py 'shop:create_app()'

## Run the whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

## Check the layers (import-linter), lint and formatting (ruff); CI runs this before the tests
lint: $(VENV)/.installed-dev
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Fix what ruff can fix and format the code
format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Run the benchmarks in bench/ (bench/README.md); Lighthouse's needs Node.js and Chromium: run it alone
bench: $(VENV)/.installed-dev
	@for script in bench/*.py; do \
	  case $$script in bench/lighthouse.py) continue;; esac; \
	  echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache .ruff_cache .import_linter_cache .grimp_cache .hypothesis
