# Every target makes .venv first if needed, with exactly the versions in constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# pywb, the web-archive replay tool the WARC test replays with, pins libraries ours cannot share: own venv
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed-stamp
PIP_VERSION := 26.3

.PHONY: install test soak demo run serve bench lint format clean chromium

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==$(PIP_VERSION)"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

$(PYWB_STAMP): constraints-pywb.txt
	@test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --upgrade "pip==$(PIP_VERSION)"
	$(PYWB_VENV)/bin/python -m pip install --quiet -c constraints-pywb.txt pywb
	@touch $(PYWB_STAMP)

install: $(STAMP)

# headless Chromium and Chinese fonts for the reader's browser tests: Debian's packages, installed with apt-get where
# missing (as root); where they cannot be installed the browser tests skip, saying why
CHROMIUM_STAMP := $(VENV)/.chromium-stamp
$(CHROMIUM_STAMP):
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK"; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		|| echo "chromium could not be installed here: the browser tests will skip"; fi
	@if command -v chromium >/dev/null 2>&1; then mkdir -p $(VENV) && touch $(CHROMIUM_STAMP); fi

chromium: $(CHROMIUM_STAMP)

# test files run in parallel, each file on one worker (pytest-xdist)
TEST_WORKERS ?= auto

test: $(STAMP) $(PYWB_STAMP) $(CHROMIUM_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# the fault tests with more iterations (200 kill -9 loops): run before a release, not on every change
soak: $(STAMP)
	COURTNEWS_SOAK=1 $(BIN)/python -m pytest tests/test_faults.py

demo: $(STAMP)
	$(BIN)/courtnews demo

run: $(STAMP)
	$(BIN)/courtnews daemon

serve: $(STAMP)
	$(BIN)/courtnews serve

bench: $(STAMP)
	$(BIN)/python bench/crawl_bench.py
	$(BIN)/python bench/extract_bench.py
	$(BIN)/python bench/query_bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(PYWB_VENV) data/demo.db data/demo-site
