# casework: `make run` to use it, `make test` to check it. `make help` lists every target.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test lint format db db-stop migrations messages clean bench guide

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP) ## set up everything (database, migrations, admin units, demo data) and serve on :8000 with Celery
	$(PY) scripts/devstack.py run

test: $(STAMP) ## set up everything, then lint, check migrations and run the whole suite (browser and worker tests included)
	$(PY) scripts/devstack.py test $(PYTEST_ARGS)

lint: $(STAMP) ## ruff lint and format check
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

format: $(STAMP) ## apply ruff's fixes and formatting
	$(PY) -m ruff check --fix . && $(PY) -m ruff format .

db: $(STAMP) ## start the embedded PostgreSQL (for manage.py commands by hand)
	$(PY) scripts/devstack.py db-start

db-stop: $(STAMP) ## stop the embedded PostgreSQL
	$(PY) scripts/devstack.py db-stop

migrations: $(STAMP) ## make migrations after a model change
	$(PY) manage.py makemigrations

messages: $(STAMP) ## extract translatable strings into locale/vi/LC_MESSAGES/django.po (needs Debian gettext)
	$(PY) manage.py makemessages --locale vi --no-location --no-obsolete -i ".venv/*" -i ".data/*" -i "scripts/*"

bench: $(STAMP) ## benchmark the registry (casework_bench), the survey import (casework_bench_review), the allowance engine (casework_bench_allowances), payment runs (casework_bench_payments), the loan import (casework_bench_support) and the reports (casework_bench_reports), then print the table of targets (BENCHES="registry reports" for some)
	$(PY) scripts/devstack.py db-start > /dev/null
	DJANGO_SETTINGS_MODULE=casework.settings.base $(PY) -m bench $(BENCHES)

guide: $(STAMP) ## retake the user guide's screenshots (docs/huong-dan/anh/) on the demo, loaded on the tests' DEMO_DAY
	$(PY) scripts/devstack.py db-start > /dev/null
	$(PY) scripts/guide_screenshots.py

clean: ## stop the database and remove .data/ and .venv/
	-$(PY) scripts/devstack.py db-stop
	rm -rf .data $(VENV)
