# The two commands a newcomer needs (see README.md): `make chat` and `make test`.
# Everything the tests need is installed from this repository's own files.

VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: chat serve test lint catalogs readings lock

# Exact versions from the lock (hash-checked), then the bot itself without resolving anything.
# requirements-dev.lock: the runtime and the test extra; requirements.lock: the runtime alone
# (the Dockerfile). Both come from pyproject.toml with `make lock`.
$(VENV)/.installed: pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
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

# Regenerate both lock files after changing dependencies in pyproject.toml (pip-tools in a venv
# of its own). Pins already in the files are kept where they still fit; `make lock
# UPGRADE=--upgrade` moves everything to the newest allowed versions. Commit both files.
LOCK_VENV := .venv-lock
LOCK_FLAGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links $(UPGRADE)
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet pip-tools==7.6.2
	$(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) --extra test -o requirements-dev.lock pyproject.toml
	$(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) -c requirements-dev.lock -o requirements.lock \
		pyproject.toml
