# Every target makes .venv first if needed, with exactly the versions in constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# pywb, the web-archive replay tool the WARC test replays with, pins libraries ours cannot share: own venv
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed-stamp
PIP_VERSION := 26.3
# cosmic-ray, for `make mutation` only, in a venv of its own
MUTATION_VENV := mutation/.venv
MUTATION_STAMP := $(MUTATION_VENV)/.installed-stamp

.PHONY: install test soak gate demo run serve bench lint format clean redis-server coverage mutation chromium

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

$(MUTATION_STAMP): mutation/constraints.txt
	@test -x $(MUTATION_VENV)/bin/python || $(PYTHON) -m venv $(MUTATION_VENV)
	$(MUTATION_VENV)/bin/python -m pip install --quiet --upgrade "pip==$(PIP_VERSION)"
	$(MUTATION_VENV)/bin/python -m pip install --quiet -c mutation/constraints.txt cosmic-ray
	@touch $(MUTATION_STAMP)

install: $(STAMP)

# the distributed tests run a real Redis: Debian's redis-server, installed where missing (apt-get needs root,
# as on CI); where it cannot be installed those tests skip, saying why
redis-server:
	@command -v redis-server >/dev/null 2>&1 || test -x /usr/bin/redis-server || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } || \
	  echo "redis-server could not be installed here: the distributed tests will be skipped"

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

test: $(STAMP) $(PYWB_STAMP) redis-server $(CHROMIUM_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# the fault tests with more iterations (200 kill -9 loops), then the daemon soak (a few minutes of short
# cadences, a changing fixture site, SIGHUPs and kill -9 of crawls; COURTNEWS_SOAK_SECONDS, default 180),
# which prints the runs by status (also in build/soak-daemon.txt): before a release, not on every change
soak: $(STAMP)
	COURTNEWS_SOAK=1 $(BIN)/python -m pytest tests/test_faults_*.py tests/test_distributed_faults.py
	COURTNEWS_SOAK=1 $(BIN)/python -m pytest tests/test_daemon_soak.py

# the suite under coverage, every process it starts measured (crawls, extraction workers, the daemon); prints
# the figures per module, then the lines the mutation-tested modules leave unrun (see CONTRIBUTING.md)
COVERAGE_DIR := build/coverage
# where a silent regression corrupts the archive or its trust: what `make mutation` mutates
MUTATION_MODULES := archive/store.py archive/content.py crawler/pipeline/records.py crawler/pipeline/pipelines.py crawler/crawling/middlewares.py \
  crawler/extract/rules/challenge.py crawler/extract/decode.py crawler/extract/rules/line_rules.py \
  crawler/extract/rules/spam_blocks.py crawler/extract/rules/node_rules.py crawler/service/scheduling.py crawler/service/daemon.py
comma := ,
space := $(subst ,, )
coverage: $(STAMP) $(PYWB_STAMP)
	rm -rf $(COVERAGE_DIR) && mkdir -p $(COVERAGE_DIR)
	COVERAGE_PROCESS_START=$(CURDIR)/pyproject.toml COVERAGE_FILE=$(CURDIR)/$(COVERAGE_DIR)/.coverage \
	  PYTHONPATH=$(CURDIR)/tests/network_audit $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -q; \
	  status=$$?; \
	  COVERAGE_FILE=$(CURDIR)/$(COVERAGE_DIR)/.coverage $(BIN)/python -m coverage combine -q --keep $(COVERAGE_DIR); \
	  COVERAGE_FILE=$(CURDIR)/$(COVERAGE_DIR)/.coverage $(BIN)/python -m coverage report; \
	  COVERAGE_FILE=$(CURDIR)/$(COVERAGE_DIR)/.coverage $(BIN)/python -m coverage report -m --skip-covered \
	    --include="$(subst $(space),$(comma),$(strip $(MUTATION_MODULES)))"; \
	  COVERAGE_FILE=$(CURDIR)/$(COVERAGE_DIR)/.coverage $(BIN)/python -m coverage html -q; \
	  exit $$status

# mutation testing of $(MUTATION_MODULES) against mutation/score.toml (slow: hours; not part of `make test`).
# One module: make mutation MODULES=crawler/service/scheduling.py. See CONTRIBUTING.md for when to run it.
MUTATION_JOBS ?= 2
mutation: $(STAMP) $(MUTATION_STAMP)
	$(BIN)/python mutation/run.py --jobs $(MUTATION_JOBS) $(MODULES)

demo: $(STAMP)
	$(BIN)/courtnews demo

run: $(STAMP)
	$(BIN)/courtnews daemon

serve: $(STAMP)
	$(BIN)/courtnews serve

# the extraction quality figures against the floors pinned in crawler/extract/quality/quality_floors.toml
gate: $(STAMP)
	$(BIN)/python bench/extract_bench.py --gate

bench: $(STAMP)
	$(BIN)/python bench/crawl_bench.py
	$(BIN)/python bench/extract_bench.py
	$(BIN)/python bench/extract_bench.py --hostile
	$(BIN)/python bench/query_bench.py
	$(BIN)/python bench/operations_bench.py
	$(BIN)/python bench/distributed_bench.py
	$(BIN)/python bench/copies_bench.py
	$(BIN)/python bench/edits_bench.py
	$(BIN)/python bench/evidence_bench.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(PYWB_VENV) data/demo.db data/demo-site
