# The two commands: `make run` (embedded default) and `make test` (PostgreSQL and Redis).
# Everything else here is what they need. Variables can be overridden: `make run PORT=8001`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SCALE ?= demo
PYTEST_ARGS ?=

.PHONY: run test setup lint format services messages benchmark-demo clean

## run: set up, migrate on SQLite, load the demo district, serve http://127.0.0.1:$(PORT)
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py generate_demo --scale $(SCALE)
	$(PY) manage.py collectstatic --noinput -v 0
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C stops)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: set up, make sure PostgreSQL and Redis run, then the whole suite against them
test: setup services
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

## setup: the virtual environment and the front-end packages (re-run when the pins change)
setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (python3.11 or python3)"; exit 1; }
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

## services: start PostgreSQL and Redis on 127.0.0.1 if they are not running
services:
	bash .ci/services

## lint: what CI checks besides the tests
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## messages: refresh the translation catalogue (then translate the new entries in the .po)
messages: setup
	$(PY) manage.py makemessages --locale zh_Hans --ignore ".venv/*" --ignore "node_modules/*" --ignore "staticfiles/*" --ignore "tests/*" --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore ".venv/*" --ignore "node_modules/*"

## benchmark-demo: time the demo generation at a scale on PostgreSQL (SCALE=district|city)
benchmark-demo: setup services
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cpr_bench} bash .ci/benchmark-demo $(SCALE)

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
