# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
export FLASK_APP := wsgi

.PHONY: run test lint format venv system-packages test-system-packages clean

# Debian packages the steps need: venv/ensurepip (split out of python3 on Debian), and for the
# tests Chromium (browser tests), a TrueType CJK font (pages and PDFs), poppler-utils (pdftotext) and
# zbar-tools (the journey test reads the report's QR code).
# Installed only when missing; needs root, as on CI.
APT_TEST_PACKAGES := chromium fonts-wqy-zenhei fonts-dejavu-core poppler-utils zbar-tools
system-packages:
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  (echo "installing python3-venv"; apt-get update -qq && apt-get install -y -qq python3-venv)

test-system-packages:
	@missing=""; for p in $(APT_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

# The job consumer (huey: invitation expiry, notifications) runs beside the web server and stops with it.
# `make run PORT=5101` serves on another port; PUBLIC_BASE_URL (printed in QR codes) follows it unless set.
HOST ?= 127.0.0.1
PORT ?= 5000
run: export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
run: venv
	@echo "serving on http://$(HOST):$(PORT); report QR codes point at PUBLIC_BASE_URL=$$PUBLIC_BASE_URL (set it to the address the public reaches)"
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --scale small --if-empty --demo
	$(BIN)/flask search check >/dev/null 2>&1 || $(BIN)/flask search reindex
	$(BIN)/huey_consumer webapp.jobs.huey --workers 1 --quiet & consumer=$$!; \
	trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	SEARCH_BACKGROUND_WRITER=1 $(BIN)/flask run --host $(HOST) --port $(PORT)

# Two workers on this 2-core machine; each builds its own template database (SQLite file or PostgreSQL schema).
TEST_WORKERS ?= auto
test: venv test-system-packages
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance
