# The two commands of the README: `make run` and `make test`. Both set everything up on a bare machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench train clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

lint: $(STAMP)
	$(BIN)/ruff check bot coach storage tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/intents.py
	$(BIN)/python bench/drafts.py
	$(BIN)/python bench/updates.py
	$(BIN)/python bench/nudges.py
	$(BIN)/python bench/crash.py
	$(BIN)/python bench/webhook.py

# Retrains coach/reading's models from the labelled data beside them (scikit-learn, only needed here).
train: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,train]'
	$(BIN)/python -m coach.reading.train

clean:
	rm -rf $(VENV)
