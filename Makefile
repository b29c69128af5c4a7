# Doorstep: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export DOORSTEP_ENV ?= development

.PHONY: run test install install-test migrate demo check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files make a second `make run` start in a second, yet notice a changed pyproject.toml.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/doorstep db upgrade

demo: migrate
	$(BIN)/doorstep demo load

run: demo
	@echo "Serving Doorstep on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(BIN)/doorstep run --host $(HOST) --port $(PORT)

check: install
	$(BIN)/doorstep content check

test: install-test
	DOORSTEP_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
