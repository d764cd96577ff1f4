# The targets here are exactly what the README and CI run.
.PHONY: setup demo test quick lint bench clean

VENV := .venv
BIN := $(VENV)/bin

setup:
	@bash scripts/setup.sh

## Quick start: set everything up and run the main job on the embedded database.
demo: setup
	$(BIN)/estate demo
	$(BIN)/estate serve

## Set everything up, lint, and run the whole test suite (what CI runs).
test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/typecheck.py
	$(BIN)/python -m pytest

## The suite without the wheel's install test, for a quick local run.
quick: setup
	$(BIN)/python -m pytest -m "not wheel"

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/typecheck.py

bench: setup
	$(BIN)/python -m bench.run

clean:
	-$(BIN)/estate db down
	rm -rf $(VENV) .estate
