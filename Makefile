# The targets here are exactly what the README and CI run.
.PHONY: setup demo test lint bench clean

VENV := .venv
BIN := $(VENV)/bin

setup:
	@bash scripts/setup.sh

## Quick start: set everything up and run the main job on the embedded database.
demo: setup
	$(BIN)/estate demo
	$(BIN)/estate serve

## Set everything up and run the whole test suite.
test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m bench.run

clean:
	-$(BIN)/estate db down
	rm -rf $(VENV) .estate
