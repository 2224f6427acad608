# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := shop

.PHONY: run test lint format setup bench clean

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

## Set up (virtualenv, migrations, demo content) and serve the shop on http://127.0.0.1:5000,
## with the job worker (emails, Stripe calls, the schedule) beside it, stopped on exit
run: setup
	$(BIN)/flask jobs worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

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

bench: $(VENV)/.installed-dev
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache .ruff_cache .import_linter_cache .grimp_cache
