# Urban Exchange: `make run` serves the app, `make test` runs every test. Both start from a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_APP=wsgi $(BIN)/flask
STAMP := $(VENV)/.installed
LANGS := fr de es it zh ko id
PG_PORT ?= 55432
# One test process per core (pytest-xdist); each gets its own database.
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: run test test-pg install translations extract-messages lint bench clean test-deps

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) translations

## Compile the message catalogues (translations/*/LC_MESSAGES/messages.mo).
translations: $(STAMP)
	$(BIN)/pybabel compile -d translations --statistics 2>&1 | grep -v '^$$' || true
	@$(BIN)/pybabel compile -d translations >/dev/null

## Re-extract strings into messages.pot and merge them into each catalogue.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --ignore-dirs ".* .venv node_modules" -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

instance/.seeded: $(STAMP)
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	touch instance/.seeded

run: install instance/.seeded
	$(FLASK) db upgrade
	$(FLASK) run --host 127.0.0.1 --port 5000

## What the suite needs from Debian: Chromium and the CJK fonts (browser tests), PostgreSQL's
## server binaries and Redis (backup tests, two app instances on one database and one Redis).
test-deps:
	@need=""; \
	[ -x /usr/bin/chromium ] || need="$$need chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need="$$need fonts-noto-cjk"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	command -v redis-server >/dev/null || need="$$need redis-server"; \
	if [ -n "$$need" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages for the tests:$$need"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; \
	  else \
	    echo "The tests need these Debian packages:$$need"; \
	    echo "Install them with: sudo apt-get install$$need   (then run make test again)"; \
	    exit 1; \
	  fi; \
	fi

test: install test-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

## The same suite on PostgreSQL: TEST_DATABASE_URL if set, else a throwaway cluster.
## Tests marked engine_independent (their own databases, or only what the browser shows;
## listed in tests/conftest.py) ran in the SQLite pass and are left out here.
PG_SELECT ?= -m "not engine_independent"
test-pg: install test-deps
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  $(BIN)/python -m pytest -q $(PYTEST_ARGS) $(PG_SELECT); \
	else \
	  PG_PORT=$(PG_PORT) bash scripts/with-postgres.sh $(BIN)/python -m pytest -q $(PYTEST_ARGS) $(PG_SELECT); \
	fi

## Pages under load (bench/README.md): builds instance/bench/ once, then gunicorn + wrk.
## BENCH_DATABASE_URL=postgresql+psycopg://… for PostgreSQL; BENCH_DURATION=seconds per page.
bench: install
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing wrk..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "make bench needs wrk: sudo apt-get install wrk"; exit 1; \
	  fi; \
	fi
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check app tests config.py wsgi.py
	$(BIN)/ruff format --check app tests config.py wsgi.py

clean:
	rm -rf $(VENV) instance/.seeded
