# The two commands a user types on a fresh clone are `make demo` and `make test`;
# each builds or refreshes .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench emulator clean help

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)  ## run the main job on the embedded defaults
	$(BIN)/zoombridge demo

# The portal's browser tests drive Debian's Chromium (Playwright's own download is not used).
CHROMIUM ?= /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	else echo "make: install Debian's chromium (sudo apt-get install chromium) for the browser tests"; fi

test: $(STAMP) $(CHROMIUM)  ## run the test suite
	@# pytest exits 5 when it collects nothing: say so plainly instead of failing cryptically.
	@$(BIN)/python -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests"; exit 0; fi; \
	exit $$status

check: $(STAMP)  ## format, lint, type-check and check the architecture
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP)  ## measure emulator throughput, client pacing and the archive (python -m bench NAME: one)
	$(BIN)/python -m bench

emulator: $(STAMP)  ## start the Zoom emulator on 127.0.0.1:9000
	$(BIN)/zoombridge emulator --host 127.0.0.1 --port 9000 --scenario demo --seed 1

clean:  ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache build src/*.egg-info
