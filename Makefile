# Two commands do all the set-up: `make run` (the product on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
CATALOGUES := $(wildcard web/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)
NODE_STAMP := node_modules/.installed

.PHONY: run test lint bench bench-worker clean setup frontend

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# UI translations: Nynorsk and Bokmål catalogues, compiled for Flask-Babel.
%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

# bpmn-js (the case diagram) and axe-core (accessibility tests) from the npm registry.
# Without npm the set-up still succeeds; the case page then says the viewer is missing.
frontend:
	@if [ -f $(NODE_STAMP) ] && [ $(NODE_STAMP) -nt package-lock.json ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "npm not found: the diagram viewer is not installed (the rest works)"; fi

setup: $(STAMP) $(COMPILED) frontend

# Plain http on this machine: no Secure cookies, no HSTS (SOMEFLYT_ENV=development).
run: setup
	$(BIN)/someflyt init --demo
	SOMEFLYT_ENV=development $(BIN)/someflyt up --port $(PORT)

test: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

bench-worker: $(STAMP)
	$(BIN)/python benchmarks/bench_worker.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache node_modules $(COMPILED)
