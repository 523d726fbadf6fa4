# Quick start: `make demo` runs the demo, `make test` runs the tests. Both set up .venv first.
# `make demo HTTPS=1` serves it over HTTPS to the local network, for a tablet's camera.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: demo demo-oidc test lint format lock bench clean

$(INSTALLED): requirements/development.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/development.txt
	@touch $@

demo: $(INSTALLED)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py run_demo $(if $(HTTPS),--https)

# The demo with staff signing in through a loopback OpenID Connect provider, as with Cognito.
demo-oidc: $(INSTALLED)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py run_demo --oidc

# Test processes (pytest-xdist): two per CPU, as the tests mostly wait (on workers, browsers,
# partners), at most 8, as each holds a browser, an SQS server and a test database. Each file's
# tests run in one process, so its module fixtures (the order pipeline's worker) start once.
# TEST_PROCESSES=0 runs them all in this one.
TEST_PROCESSES ?= $(shell $(PYTHON) -c 'import os; print(min(8, 2 * (os.cpu_count() or 1)))')
test: $(INSTALLED)
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Re-pin every dependency (with hashes) after changing pyproject.toml.
lock: $(INSTALLED)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check pip-tools
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements/production.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links --extra dev -o requirements/development.txt pyproject.toml

bench: $(INSTALLED)
	$(PY) -m bench.broker
	$(PY) -m bench.partner_lookup
	$(PY) -m bench.mappings
	$(PY) -m bench.catalog_fanout
	$(PY) -m bench.catalog_pages
	$(PY) -m bench.order_pipeline
	$(PY) -m bench.order_chaos

clean:
	rm -rf $(VENV) var/*.sqlite3* var/celerybeat-schedule* staticfiles
