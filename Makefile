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

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(DEMO_DATA) bench/out
