# Two commands for a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
export FLASK_APP := wsgi

.PHONY: run test lint format venv system-packages clean

# Debian splits venv/ensurepip out of python3; install it when it is missing (as root, as CI is).
system-packages:
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  (echo "installing python3-venv"; apt-get update -qq && apt-get install -y -qq python3-venv)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --scale small --if-empty
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance
