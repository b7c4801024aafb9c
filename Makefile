# The two commands a newcomer needs (see README.md): `make chat` and `make test`.
# Everything the tests need is installed from this repository's own files.

VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: chat serve test lint catalogs readings

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chat: $(VENV)/.installed
	$(PY) -m bot chat

serve: $(VENV)/.installed
	$(PY) -m bot serve

lint: $(VENV)/.installed
	$(PY) -m ruff check bot tests bench
	$(PY) -m ruff format --check bot tests bench
	$(PY) -m mypy bot

test: $(VENV)/.installed node_modules/.installed lint
	$(PY) -m bot faq check
	$(PY) -m pytest

# Re-extract UI texts after changing them in code, then translate the new entries.
catalogs: $(VENV)/.installed
	$(PY) -m babel.messages.frontend extract -F pyproject.toml --no-location --sort-output \
		--project clinic-bot -o locales/messages.pot .
	$(PY) -m babel.messages.frontend update -i locales/messages.pot -d locales --ignore-obsolete --no-fuzzy-matching

# Regenerate the kana readings of the shipped FAQ's kanji (bot/nlu/readings.json) after editing
# the FAQ, so that a first start needs no dictionary; tests fail while it is out of date.
readings: $(VENV)/.installed
	$(PY) -m bot faq readings
