# Maarifa: the two commands a newcomer needs.
#   make demo   install everything, load the sample data in demo/, serve on http://127.0.0.1:5000
#   make test   install everything the tests need (services included) and run them

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
MAARIFA := $(VENV)/bin/maarifa
DEMO_DATA ?= maarifa-data
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean services-start services-stop

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(MAARIFA) --data-dir $(DEMO_DATA) demo

# OpenSearch (downloaded from Maven Central into ~/.cache/maarifa on first use) runs for the
# whole test session on 127.0.0.1:9250 and is stopped afterwards, whatever pytest returns.
test: $(STAMP)
	scripts/opensearch.sh start
	MAARIFA_TEST_OPENSEARCH_URL=$$(scripts/opensearch.sh url) $(PY) -m pytest; \
	status=$$?; scripts/opensearch.sh stop; exit $$status

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(DEMO_DATA) bench/out
