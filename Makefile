# Vignette: `make run` to try it, `make test` to check it. `make help` lists the rest.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
RUN_ENV := DEBUG=true

.DEFAULT_GOAL := help
.PHONY: help run test fuzz lint fmt demo-passwords migrate schema-snapshot screenshots bench bench-import bench-blocks bench-exam bench-analytics bench-results bench-smoke bench-data load chaos clean

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

migrate: $(BIN)/.installed ## Create or update the local SQLite database under var/.
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input

run: migrate ## Set up and serve on http://127.0.0.1:8000 (SQLite, tasks in process).
	$(RUN_ENV) $(BIN)/python manage.py load_starter_bank
	$(RUN_ENV) $(BIN)/python manage.py demo_accounts
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops)"
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

demo-passwords: migrate ## Give the demo accounts new passwords and print them.
	$(RUN_ENV) $(BIN)/python manage.py demo_accounts --new-passwords

test: $(BIN)/.installed ## Run the whole suite (SQLite, or DATABASE_URL's database).
	$(BIN)/pytest $(PYTEST_ARGS)

fuzz: $(BIN)/.installed ## The hostile-input tests at full size (make test runs a sample): every XSS payload down every path, generated input to every API operation, every hostile upload down every upload path, the password and login-throttle rules.
	VIGNETTE_FUZZ=full $(BIN)/pytest tests/questions/test_xss_everywhere.py tests/questions/test_sanitize.py tests/core/test_idempotency_abuse.py tests/core/test_api_fuzz.py tests/questions/test_hostile_uploads.py tests/accounts/test_password_fuzz.py $(PYTEST_ARGS)

lint: $(BIN)/.installed ## ruff, migrations check, OpenAPI validation, app layering.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(RUN_ENV) $(BIN)/python manage.py makemigrations --check --dry-run
	$(RUN_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/lint-imports

fmt: $(BIN)/.installed ## Format and fix what ruff can.
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## Remove the virtualenv and local data.
	rm -rf $(VENV) var

schema-snapshot: $(BIN)/.installed ## Refresh tests/snapshots/openapi.json after an intended API change.
	$(RUN_ENV) $(BIN)/python manage.py spectacular --format openapi-json --file tests/snapshots/openapi.json

screenshots: $(BIN)/.installed ## Screenshots of the exam interface into docs/screenshots/ (Chromium).
	$(BIN)/python docs/make_screenshots.py

bench-import: $(BIN)/.installed ## Import throughput against bulk_create (DATABASE_URL picks the database).
	$(BIN)/python -m bench.import_bench

bench-blocks: $(BIN)/.installed ## Block creation and the change endpoint (PROFILE=tiny|cohort-20k|bank-100k).
	$(BIN)/python -m bench.blocks_bench --profile $(or $(PROFILE),tiny)

bench-exam: $(BIN)/.installed ## The exam page with the CPU throttled 4x against a static page.
	$(BIN)/python -m bench.exam_bench

bench-analytics: $(BIN)/.installed ## Report recompute and nightly rebuild (PROFILE=tiny|cohort-20k|bank-100k).
	$(BIN)/python -m bench.analytics_bench --profile $(or $(PROFILE),tiny)

$(BIN)/.installed-load: pyproject.toml $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,load]'
	touch $@

load: $(BIN)/.installed-load ## Simulated students against gunicorn, PostgreSQL, Redis and Celery (SCENARIO=steady|start|deadline, SERVERS=1|2; needs DATABASE_URL and REDIS_URL).
	$(BIN)/python -m bench.load.run --scenario $(or $(SCENARIO),steady) --servers $(or $(SERVERS),1) $(if $(SECONDS),--seconds $(SECONDS))

SMOKE_DIR := var/bench-smoke
bench-smoke: $(BIN)/.installed-load ## Every benchmark, then 30 s of load with one fault, all on the tiny profile: that they run end to end (CI), not that they pass; figures under var/bench-smoke/.
	rm -rf $(SMOKE_DIR)
	export VIGNETTE_BENCH_RESULTS=$(SMOKE_DIR)/results; \
	$(BIN)/python -m bench.import_bench --items 500 && \
	$(BIN)/python -m bench.blocks_bench --profile tiny --runs 3 --requests 200 --rounds 1 && \
	$(BIN)/python -m bench.exam_bench --runs 2 && \
	$(BIN)/python -m bench.analytics_bench --profile tiny --runs 3 && \
	$(BIN)/python -m bench.load.chaos --profile tiny --seconds 30 --faults postgres && \
	$(BIN)/python -m bench.results

bench-data: $(BIN)/.installed ## Build a generator profile into DATABASE_URL's database (a bench database!).
	$(BIN)/python -m bench.generator --profile $(or $(PROFILE),tiny)

bench: bench-import bench-blocks bench-exam bench-analytics bench-results ## Every benchmark, then bench/RESULTS.md (set DATABASE_URL and PROFILE for the full figures).

bench-results: $(BIN)/.installed ## Gather the latest figures of every benchmark into bench/RESULTS.md and .json.
	$(BIN)/python -m bench.results

chaos: $(BIN)/.installed-load ## The steady load while PostgreSQL, Redis and the Celery worker fail in turn (private services; FAULTS=postgres,redis,... to choose).
	$(BIN)/python -m bench.load.chaos $(if $(FAULTS),--faults $(FAULTS)) $(if $(SECONDS),--seconds $(SECONDS)) $(if $(PROFILE),--profile $(PROFILE)) $(if $(USERS),--users $(USERS))
