# aseancyber: `make run` for a populated local platform, `make test` for every check.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHECK_DB := var/alembic-check.db
# pytest-xdist workers: one per core. The tests are CPU-bound (their servers and nodes too), and
# each worker pays its own start-up (imports, collection, migrations), so more workers than
# cores buy nothing; PYTEST_WORKERS=3 make pytest to try another count.
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install browser run serve demo test check lint typecheck migrations-check pytest bench migration lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create the virtual environment and install the project with its tools

SYSTEM_PACKAGES := chromium chromium-driver libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gnupg

browser: ## install the Debian packages for browser tests, PDFs and CSAF signature checks (Chromium, Pango, GnuPG; needs root)
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	else echo "please install the Debian packages: sudo apt-get install $$missing"; fi

run: install browser ## migrate and load demo data into var/aseancyber.db, then serve on http://127.0.0.1:8000
	mkdir -p var
	$(BIN)/aseancyber init
	$(BIN)/aseancyber demo
	$(BIN)/aseancyber cases csaf-key
	$(BIN)/aseancyber serve

test: install browser check pytest ## every check: format, lint, types, migrations, tests

check: lint typecheck migrations-check ## static checks only

lint:
	$(BIN)/ruff format --check src tests benchmarks migrations
	$(BIN)/ruff check src tests benchmarks migrations

typecheck:
	$(BIN)/mypy

migrations-check: ## models and migrations must not drift
	mkdir -p var && rm -f $(CHECK_DB)
	ASEANCYBER_DATABASE_URL=sqlite:///$(CHECK_DB) $(BIN)/alembic upgrade head
	ASEANCYBER_DATABASE_URL=sqlite:///$(CHECK_DB) $(BIN)/alembic check
	rm -f $(CHECK_DB)

pytest: ## the test suite in parallel (SQLite; set ASEANCYBER_TEST_DATABASE_URL for PostgreSQL)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=25 $(PYTEST_ARGS)

bench: install ## benchmarks, side by side with the peers users would otherwise pick
	$(PY) -m benchmarks

migration: install ## new migration from model changes: make migration m="what changed"
	$(BIN)/alembic revision --autogenerate -m "$(m)"

lock: install ## record the installed versions in constraints.txt, after a deliberate upgrade
	{ echo "# The versions the test suite last passed with; pip installs within these (make lock refreshes)."; \
	  $(BIN)/pip freeze --exclude-editable; } > constraints.txt

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var
