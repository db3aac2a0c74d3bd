# Lotse: `make run` serves everything on SQLite; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
POS := $(wildcard locales/*/LC_MESSAGES/messages.po)
MOS := $(POS:.po=.mo)

.PHONY: run test check lint catalogs i18n eval bench bench-load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

catalogs: $(MOS)

# `make run PORT=8080 HOST=0.0.0.0` serves elsewhere.
HOST ?= 127.0.0.1
PORT ?= 8000

run: $(STAMP) catalogs
	$(BIN)/lotse run --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests: installed when missing (needs root). Without it the
# browser tests are skipped with a message; under CI=true a missing browser fails the run.
test: $(STAMP) catalogs
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || \
		(apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) || true
	@command -v chromium >/dev/null || [ -n "$$CI" ] || \
		echo "chromium is missing and could not be installed (needs root: sudo apt-get install chromium); the browser tests will be skipped"
	@command -v pdftoppm >/dev/null && command -v qpdf >/dev/null || [ "$$(id -u)" != 0 ] || \
		(DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils qpdf) || true
	$(BIN)/lotse check
	$(BIN)/pytest

check lint: $(STAMP) catalogs
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests
	$(BIN)/mypy
	$(BIN)/lotse check

# Editors: after changing dialogs or msg("…") ids, refresh the template and the catalogs.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k msg --no-default-keywords --project Lotse \
		--copyright-holder Lotse --sort-by-file -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --width 100

eval: $(STAMP) catalogs
	$(BIN)/python -m bot.understanding.evaluate
	$(BIN)/python -m bot.understanding.evaluate --set tests/data/understanding_holdout.yaml
	$(BIN)/python -m bot.understanding.evaluate --set tests/data/understanding_blind.yaml
	$(BIN)/python -m bot.answers.evaluate

bench: $(STAMP) catalogs
	$(BIN)/python -m bot.bench

# Load: a fake Bot API and `lotse run` on 127.0.0.1 (PostgreSQL `lotse_bench` when
# LOTSE_TEST_DATABASE_URL is set, else SQLite); ARGS passes options (python -m bot.benchload -h).
bench-load: $(STAMP) catalogs
	$(BIN)/python -m bot.benchload $(ARGS)

clean:
	rm -rf $(VENV) var locales/*/LC_MESSAGES/*.mo
