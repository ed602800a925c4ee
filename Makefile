# Set-up and everyday commands. `make demo` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
DEMO_OUT ?= demo_output

.PHONY: install install-dev system-deps demo test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --upgrade pip

# torch is pinned and installed first so that nothing pulls a different (multi-GB) build.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install "torch==2.13.0"
	$(BIN)/pip install -e ".[images,ray]"
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -e ".[images,ray,dev]"
	# lightly 1.5.26 (last release with LightlyOne's generated API models) as the tests' independent reader of
	# report_v2.json and selection configs; --no-deps: its requirements would pull torch/torchvision.
	$(BIN)/pip install --no-deps "lightly==1.5.26"
	touch $(DEV_STAMP)

install: $(STAMP)
	@echo "installed: $(BIN)/embedscope"

install-dev: $(DEV_STAMP)

# Debian tools the tests use: pdftotext/pdftoppm (poppler-utils), headless chromium and its chromedriver (selenium).
SYSTEM_PACKAGES := poppler-utils chromium chromium-driver
system-deps:
	@if ! command -v pdftotext >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); \
		else sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); fi; \
	fi

demo: install
	$(BIN)/python -m embedscope.demo --out $(DEMO_OUT)

test: install-dev system-deps
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/bench_neighbors.py
	$(BIN)/python benchmarks/bench_select.py
	$(BIN)/python benchmarks/bench_run.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache
