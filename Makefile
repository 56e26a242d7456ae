# Maarifa: the two commands a newcomer needs.
#   make demo   install everything, load the sample data in demo/, serve on http://127.0.0.1:5000
#   make test   install everything the tests need (services included) and run them

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MAARIFA := $(VENV)/bin/maarifa
DEMO_DATA ?= maarifa-data
STAMP := $(VENV)/.installed

.PHONY: demo test fuzz install translations browser-deps bench clean lock lint

# every package pinned with its hashes (requirements-test.lock: the app and what the tests run),
# then the project itself without resolving anything again
$(STAMP): pyproject.toml requirements-test.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-test.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# refresh the lock files from pyproject.toml: new dependencies are added, the other pins kept;
# `make lock UPGRADE=--upgrade` moves every pin to the newest release that satisfies pyproject
LOCK := $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe $(UPGRADE)
lock: $(STAMP)
	$(PY) -m pip install --quiet pip-tools
	$(LOCK) -o requirements.lock pyproject.toml
	$(LOCK) --extra test -o requirements-test.lock pyproject.toml

# the UI's message catalogs (the .po files are in git, the compiled .mo files are not)
translations: $(STAMP)
	$(VENV)/bin/pybabel -q compile -d web/translations

install: $(STAMP) translations

demo: install
	$(MAARIFA) --data-dir $(DEMO_DATA) demo

# the npm packages the tests run (axe-core for the browser tests, Digital Bazaar's verifier for
# the badge tests), reinstalled whenever package.json or package-lock.json is newer than the stamp
NPM_STAMP := node_modules/.npm-ci.stamp

$(NPM_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

# what the browser and badge tests need: Debian's Chromium and its driver, and the npm packages
browser-deps: $(NPM_STAMP)
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

# OpenSearch (downloaded from Maven Central into ~/.cache/maarifa on first use) runs for the
# whole test session on 127.0.0.1:9250 and is stopped afterwards, whatever pytest returns.
# the dependency direction of ARCHITECTURE.md (contracts in pyproject.toml) and the code rules
lint: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .

test: install browser-deps lint
	scripts/opensearch.sh start
	MAARIFA_TEST_OPENSEARCH_URL=$$(scripts/opensearch.sh url) $(PY) -m pytest; \
	status=$$?; scripts/opensearch.sh stop; exit $$status

# the fuzz suite (tests/fuzz, issue 13) with thousands of examples per target instead of the
# bounded number `make test` runs; --hypothesis-show-statistics prints how many each target ran
fuzz: install browser-deps
	scripts/opensearch.sh start
	MAARIFA_TEST_OPENSEARCH_URL=$$(scripts/opensearch.sh url) $(PY) -m pytest tests/fuzz --fuzz-long \
	  --hypothesis-show-statistics -p no:cacheprovider; \
	status=$$?; scripts/opensearch.sh stop; exit $$status

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(DEMO_DATA) bench/out
