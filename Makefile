# The two commands in the README: `make run` and `make test`. Each sets up what it needs.
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HASH   := $(shell cat pyproject.toml | md5sum | cut -c1-8)
# What running needs, and on top of it what testing needs: one stamp each, so `make run`
# installs no test tools and `make test` after it adds only those.
RUNTIME := $(VENV)/.runtime-$(HASH)
STAMP   := $(VENV)/.installed-$(HASH)
SGDS   := casework/static/vendor/sgds
ASSETS := $(SGDS)/.built-$(shell cat package.json package-lock.json | md5sum | cut -c1-8)

.PHONY: run test lint docs bench assets fuzz

$(RUNTIME): pyproject.toml
	test -x $(BIN)/pip || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	rm -f $(VENV)/.runtime-*
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The Scottish Government Design System, from npm, copied where Flask serves it.
$(ASSETS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(SGDS) && mkdir -p $(SGDS)/images
	cp node_modules/@scottish-government/design-system/dist/css/design-system.min.css $(SGDS)/
	cp node_modules/@scottish-government/design-system/dist/scripts/design-system.js $(SGDS)/
	cp -r node_modules/@scottish-government/design-system/dist/images/icons $(SGDS)/images/
	cp node_modules/@scottish-government/design-system/LICENSE.txt $(SGDS)/
	touch $(ASSETS)

assets: $(ASSETS)

run: $(RUNTIME) $(ASSETS)
	$(BIN)/casework serve --demo --port $(PORT)

test: $(STAMP) $(ASSETS)
	.ci/services
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto

# Schemathesis over the whole OpenAPI document, longer than in `make test`.
fuzz: $(STAMP) $(ASSETS)
	.ci/services
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-500} FUZZ_STEPS=$${FUZZ_STEPS:-40} $(BIN)/pytest tests/fuzz -n 2

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

docs: $(STAMP)
	$(BIN)/casework docs

# The benchmarks (issue 13), on scratch databases named bench_* and Redis db 15: seed
# bench_$(SCALE) if it is missing or older than the migrations, run the event pipeline
# against bare dramatiq, then every HTTP measure, the CSV and the sweep against the bare
# Flask + psycopg baseline. One table, printed and written to bench/latest.md.
#   make bench                 100,000 register records
#   make bench SCALE=1000000   a million
# BENCH_ARGS go to bench/run.py (e.g. --duration 3), PIPELINE_ARGS to bench/pipeline.py.
SCALE ?= 100000
BENCH_PG ?= postgresql://postgres@127.0.0.1:5432
BENCH_REDIS ?= redis://127.0.0.1:6379/15
bench: $(STAMP)
	.ci/services
	command -v wrk >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python -c 'import psycopg_pool' 2>/dev/null || $(BIN)/pip install -q 'psycopg-pool~=3.2'
	BENCH_PG=$(BENCH_PG) PYTHONPATH=. $(BIN)/python bench/seed.py --scale $(SCALE) --if-stale
	PYTHONPATH=. $(BIN)/python bench/pipeline.py --redis-url $(BENCH_REDIS) \
	  --database-url $(subst postgresql://,postgresql+psycopg://,$(BENCH_PG))/bench_pipeline \
	  $(PIPELINE_ARGS)
	BENCH_PG=$(BENCH_PG) BENCH_REDIS_URL=$(BENCH_REDIS) PYTHONPATH=. $(BIN)/python bench/run.py \
	  --scale $(SCALE) --pipeline bench/results/pipeline.json $(BENCH_ARGS)
