# Two commands do everything on a fresh machine (see README):
#   make run    install, ingest the bundled corpus, link, and serve the API and web page
#   make test   install, lint and run the whole test suite
#   make lint   ruff over the repository
#   make bench  every benchmark in bench/ (bench/run_all.py; BENCH_ARGS=--quick for the short runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	bash scripts/system-deps.sh
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/policykg ingest
	$(BIN)/policykg link
	$(BIN)/policykg serve

test: lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)
