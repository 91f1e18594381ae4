# Chronos: `make run` to start, `make test` to test. Needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
# caldav's HTTP client (niquests) brings urllib3-future, whose wheel replaces urllib3's files for
# every program in the virtualenv (schemathesis breaks on it). Built from source with this flag it
# installs beside urllib3 instead (requirements.txt asks for the source build).
export URLLIB3_NO_OVERRIDE := 1

.PHONY: run install test test-postgres test-schema test-browser screenshots lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)

## Start web server (CHRONOS_HOST:CHRONOS_PORT, default 0.0.0.0:8080) and worker; Ctrl-C stops both.
run: $(RUNTIME_STAMP)
	$(BIN)/python manage.py start

## The whole suite on the embedded SQLite database.
test: $(DEV_STAMP)
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## The same suite on PostgreSQL with Redis as the task broker.
test-postgres: $(DEV_STAMP)
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## The OpenAPI schema against the running server (schemathesis, fixed seed, bounded examples).
test-schema: $(DEV_STAMP)
	env -u DATABASE_URL -u REDIS_URL .ci/schema-test

## The admin in a real browser: Debian's chromium driven by Playwright against `manage.py start`.
test-browser: $(DEV_STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	env -u DATABASE_URL -u REDIS_URL CHRONOS_BROWSER_TESTS=1 $(BIN)/python -m pytest -p no:xdist tests/browser $(PYTEST_ARGS)

## Screenshots of the admin pages for docs/admin.md (the browser tests, saving each page).
screenshots: $(DEV_STAMP)
	SCREENSHOTS=docs/screenshots $(MAKE) test-browser

lint: $(DEV_STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
