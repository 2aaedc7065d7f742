# Propflow: `make run` serves the app, `make test` runs the whole suite. Both set up .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export PROPFLOW_TEST_DB
# pytest-xdist: two processes, a test module's tests in one of them (its module fixtures once);
# PYTEST_WORKERS= runs the suite in this process alone.
PYTEST_WORKERS ?= -n 2 --dist loadscope

.DEFAULT_GOAL := help
.PHONY: help run test check fmt bench screenshot lock clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP) ## migrate and serve on SQLite at http://127.0.0.1:8000 (editor at /editor/)
	$(BIN)/propflow serve --host $(HOST) --port $(PORT)

test: $(STAMP) ## run the whole suite (PostgreSQL, Redis and Chromium tests skip when absent outside CI)
	@# flow_graph is pure: its unit tests (seconds, always all of them) cover every branch, and
	@# the rest of the suite runs without coverage tracing, which would slow it by a sixth.
	$(BIN)/pytest -q -p no:cacheprovider tests/flow_graph --cov=flow_graph --cov-branch --cov-report=term:skip-covered --cov-fail-under=100
	$(BIN)/pytest --ignore=tests/flow_graph $(PYTEST_WORKERS) $(PYTEST_ARGS)

check: $(STAMP) ## ruff format --check, ruff check, mypy
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

fmt: $(STAMP) ## format and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP) ## print the benchmark table
	$(BIN)/python -m bench.run

screenshot: $(STAMP) ## serve the demos and save docs/editor.png and docs/inbox.png
	$(BIN)/python -m tests.browser.screenshot
	$(BIN)/python -m tests.browser.inbox_screenshot

lock: $(STAMP) ## pin the image's dependencies, with hashes, in docker/requirements.lock (uv)
	$(BIN)/uv pip compile pyproject.toml docker/build-requirements.in --universal --python-version 3.11 --generate-hashes \
		--no-header --quiet --output-file docker/requirements.lock
	@sed -i '1i # `make lock` writes this file from pyproject.toml and docker/build-requirements.in (uv pip compile --generate-hashes).' docker/requirements.lock

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
