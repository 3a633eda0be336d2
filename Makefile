# The targets here are exactly what CI runs (.ci/run calls `make test`).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The /docs page's API reference: Scalar's browser bundle from npm, pinned by version and checksum,
# shipped inside the package (nothing is fetched from a CDN at run time).
SCALAR_VERSION := 1.76.0
SCALAR_SHA256  := f1821c173d387d3dd4722215b946ad9aec3610f177616f0a312e4eb159b9c378
SCALAR_JS      := src/turnout/openapi/assets/scalar-api-reference.js

.PHONY: install serve test soak lint format bench bench-quick bench-webhooks bench-workers clean browser screenshots

install: $(STAMP) tests/js/node_modules/.installed tests/nhub_js/node_modules/.installed tests/axe/node_modules/.installed $(SCALAR_JS) browser

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# The real Cronofy Node SDK, pinned by tests/js/package-lock.json.
tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	cd tests/js && npm ci --silent --no-audit --no-fund
	touch $@

# The Azure Notification Hubs JS SDKs (@azure/notification-hubs, azure-sb), pinned by tests/nhub_js/package-lock.json.
tests/nhub_js/node_modules/.installed: tests/nhub_js/package.json tests/nhub_js/package-lock.json
	cd tests/nhub_js && npm ci --silent --no-audit --no-fund
	touch $@

# axe-core for the browser tests' accessibility check, pinned by tests/axe/package-lock.json.
tests/axe/node_modules/.installed: tests/axe/package.json tests/axe/package-lock.json
	cd tests/axe && npm ci --silent --no-audit --no-fund
	touch $@

$(SCALAR_JS): Makefile
	rm -rf $(VENV)/scalar && mkdir -p $(VENV)/scalar $(dir $@)
	cd $(VENV)/scalar && npm pack --silent @scalar/api-reference@$(SCALAR_VERSION) >/dev/null
	echo "$(SCALAR_SHA256)  $(VENV)/scalar/scalar-api-reference-$(SCALAR_VERSION).tgz" | sha256sum -c --quiet
	tar -xzf $(VENV)/scalar/scalar-api-reference-$(SCALAR_VERSION).tgz -C $(VENV)/scalar package/dist/browser/standalone.js
	cp $(VENV)/scalar/package/dist/browser/standalone.js $@
	rm -rf $(VENV)/scalar

# The browser tests drive Debian's Chromium (Playwright never downloads one here).
browser:
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

# The screenshots in docs/DASHBOARD.md, made by the browser tests at desktop and phone sizes.
screenshots: install
	TURNOUT_SCREENSHOTS=docs/screenshots $(BIN)/pytest tests/test_browser.py -q -k "sqlite and screenshots"

# The benchmark's own extras (matplotlib, for the chart), pinned beside the main lock.
$(VENV)/.bench-installed: $(STAMP) requirements-bench.lock
	$(BIN)/pip install --quiet -r requirements-bench.lock
	touch $@

serve: $(STAMP)
	$(BIN)/turnout serve

# Two processes (this machine has two cores); each starts its own servers and databases, and a
# test file stays in one process.
test: install
	$(BIN)/pytest -n 2 --dist loadfile

# The long runs (`soak` marker): the state machine at 500 examples × 30 steps, 20 SIGKILLs per
# database instead of 3, schemathesis at 1,000 examples per operation per database, and the HTTP
# and parser fuzzers for 300 s each (FUZZ_SOAK_SECONDS, FUZZ_PARSERS_SOAK_SECONDS).
soak: install
	$(BIN)/pytest -m soak

# turnout beside its ceiling; with TURNOUT_DATABASE_URL=postgresql://..., beside pgbench instead.
bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run --full
	$(BIN)/python -m bench.webhooks
	$(BIN)/python -m bench.nhub

# What webhooks cost: upserts with one subscribed endpoint beside none; delivery throughput.
bench-webhooks: $(STAMP)
	$(BIN)/python -m bench.webhooks

# --workers N on PostgreSQL, turnout and wrk pinned to disjoint CPUs; CPU time per request.
bench-workers: $(VENV)/.bench-installed
	$(BIN)/python -m bench.workers

bench-quick: $(VENV)/.bench-installed
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) tests/js/node_modules tests/nhub_js/node_modules tests/axe/node_modules var bench/out $(SCALAR_JS)
