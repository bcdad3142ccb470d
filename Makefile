# The verbs people type. Everything runs from the project's own .venv, made on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export LB_DATA_DIR ?= $(CURDIR)/var

.PHONY: port-free setup run serve migrate seed train test test-sqlite test-postgres lint format bench report clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Laborbridge needs Python 3.11+; set PYTHON=python3.11")'
	@echo "==> [1/5] creating the virtualenv and installing dependencies (first run: a few minutes)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -q --upgrade pip
	@$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -e '.[dev]'
	@touch $@

setup: $(STAMP)

migrate: setup
	@echo "==> [2/5] migrating the database ($${LB_DATABASE_URL:-SQLite file var/laborbridge.db})"
	@$(BIN)/laborbridge db upgrade

seed: migrate
	@echo "==> [3/5] loading demo data if the database is empty"
	@$(BIN)/laborbridge seed --if-empty --workers 3000 --vacancies 400 --years 3 --seed 7

train: migrate
	@$(BIN)/laborbridge train

# Checked first, with the system Python: a taken port should not cost the set-up work below.
port-free:
	@$(PYTHON) app/portcheck.py

run: port-free seed
	@echo "==> [3b/5] fitting the matcher's models if none are active (a restart skips this)"
	@$(BIN)/laborbridge train --if-missing
	@echo "==> [3c/5] departure risk of every active placement (reuses a model younger than a week)"
	@$(BIN)/laborbridge departure score || echo "   (not enough placement history to score departure risk yet)"
	@echo "==> [4/5] demo keys"
	@$(BIN)/laborbridge demo-keys || echo "   (no demo keys: this database was not seeded here; create one with 'laborbridge org create')"
	@echo "==> [5/5] serving"
	@$(BIN)/laborbridge serve

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Coverage is measured on the SQLite run (the PostgreSQL run exercises the same code) and printed as one figure.
test-sqlite: setup
	$(BIN)/python -m pytest --db sqlite --cov=app --cov=matching --cov-report=
	@echo "line coverage of app/ and matching/ (SQLite run): $$($(BIN)/python -m coverage report --format=total)%"

test-postgres: setup
	$(BIN)/python -m pytest --db postgresql

test: lint test-sqlite test-postgres

bench: setup
	$(BIN)/python -m bench

report: migrate   ## last week's retention reports for every scope, into var/reports/<week>/
	$(BIN)/laborbridge report run-weekly

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache .coverage
