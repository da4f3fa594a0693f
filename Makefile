# sfsync: `make demo` and `make test` work on a fresh machine with only Python 3 and make.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench install clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependency list changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/sfsync demo

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The report's browser test needs Chromium: install Debian's when it is missing and we are
# root. Best effort and quiet; without it the test skips (or fails: REQUIRE_BROWSER_TEST=1).
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium and chromium-driver (the report's browser test)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver) >/dev/null 2>&1 || echo "Could not install Chromium."; \
	  fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check sfsync tests benchmarks scripts
	$(BIN)/ruff format --check sfsync tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
