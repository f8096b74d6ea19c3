# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DIR ?= .demo
PACKAGES := errors connectors quality matching warehouse stewardship serving pipelines demo

.PHONY: install demo demo-console ui test test-fast check lint layers typecheck format bench clean

# The venv is rebuilt when pyproject.toml changes.
$(BIN)/hub: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo,dev]'
	touch $@

install: $(BIN)/hub

## Run the hub end to end on generated demo sources into a SQLite warehouse.
demo: install
	$(BIN)/hub demo --out $(DEMO_DIR)

## Serve the steward console on the demo warehouse (http://127.0.0.1:8050).
demo-console: install
	test -f $(DEMO_DIR)/warehouse.sqlite || $(BIN)/hub demo --out $(DEMO_DIR)
	$(BIN)/hub steward --config $(DEMO_DIR)/hub.yaml

## Start the Dagster UI on the demo sources (http://127.0.0.1:3000).
ui: install
	test -f $(DEMO_DIR)/hub.yaml || $(BIN)/hub demo --out $(DEMO_DIR) --generate-only
	mkdir -p $(DEMO_DIR)/dagster
	HUB_CONFIG=$(DEMO_DIR)/hub.yaml DAGSTER_HOME=$(abspath $(DEMO_DIR)/dagster) \
		$(BIN)/dagster dev -m pipelines.definitions

## Lint, type-check and run the test suite.
test: check
	$(BIN)/pytest

## Run the tests that need no full hub run, database server or browser (a few minutes).
test-fast: install
	$(BIN)/pytest -m "not slow and not services and not browser"

check: lint layers typecheck

lint: install
	$(BIN)/ruff check $(PACKAGES) tests bench
	$(BIN)/ruff format --check $(PACKAGES) tests bench

## Check that the packages keep to their layers and boundaries (docs/architecture.md).
layers: install
	$(BIN)/lint-imports --no-cache

typecheck: install
	$(BIN)/mypy

format: install
	$(BIN)/ruff format $(PACKAGES) tests bench
	$(BIN)/ruff check --fix $(PACKAGES) tests bench

clean:
	rm -rf $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
