# The two commands: `make demo` runs the whole congress, `make test` runs every test.
# Both first run scripts/bootstrap.sh, which installs what is missing and says what it does.
SHELL := bash
export UV_PYTHON_DOWNLOADS := never
PY := .venv/bin/python
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: bootstrap demo up test test-unit test-integration test-e2e bench lint format schemas soak faults

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap ## Kafka, every service and the simulated congress; Ctrl-C stops all
	@$(PY) -m services.cli.main demo $(DEMO_ARGS)

up: bootstrap ## Kafka and every service, no simulator
	@$(PY) -m services.cli.main up --tail

test: bootstrap ## every test: unit, integration (real Kafka, PostgreSQL, stripe-mock, SMTP), browser and the fault suite
	@echo "==> running every test (unit, integration, e2e, faults)"
	@PYTHONUNBUFFERED=1 $(PY) -m pytest -ra --durations=15 $(PYTEST_ARGS) tests

faults: bootstrap ## the fault suite alone (also in make test): 300 delegates, 6 faults, its table printed
	@PYTHONUNBUFFERED=1 $(PY) -m pytest -s -ra tests/faults

soak: bootstrap ## the fault suite at scale: 2,500 delegates and 20 faults (tests/faults)
	@PYTHONUNBUFFERED=1 FAULTS_DELEGATES=$${FAULTS_DELEGATES:-2500} FAULTS_ROUNDS=$${FAULTS_ROUNDS:-20} \
		FAULTS_SETTLE_SECONDS=$${FAULTS_SETTLE_SECONDS:-600} FAULTS_TIMEOUT=3600 $(PY) -m pytest -s -ra tests/faults

test-unit: bootstrap
	@$(PY) -m pytest -q tests/unit

bench: bootstrap ## prints figures beside their baselines and writes bench/results/*.json
	@for b in bench/[a-z]*.py; do m=$$(basename $$b .py); echo "==> bench $$m"; $(PY) -m bench.$$m || exit 1; done

lint: bootstrap
	@echo "==> ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
	@echo "==> mypy"; .venv/bin/mypy
	@echo "==> import contracts"; .venv/bin/lint-imports

format: bootstrap
	@.venv/bin/ruff format . && .venv/bin/ruff check --fix .

schemas: ## refresh JSON Schema snapshots (refuses breaking changes) and the AsyncAPI document
	@$(PY) -m schemas.snapshots
