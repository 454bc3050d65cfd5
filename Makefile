# One command per job. A fresh machine needs only Python 3.11, pip, make and Node 20 (npm, for axe-core).
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# axe-core for the accessibility check in the browser tests (npm registry, pinned in package-lock.json).
AXE    := node_modules/axe-core/axe.min.js

.PHONY: run test lint bench bench-web clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: set up, create the SQLite database, seed the synthetic demo cohort, start the clinic app on 127.0.0.1:8000
run: $(STAMP)
	$(VENV)/bin/cnocare serve --demo

$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(AXE)

## test: set up, then run the whole test suite (browser and PostgreSQL suites skip without them, fail in CI)
test: $(STAMP) $(AXE)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

bench: $(STAMP)
	$(PY) bench/assess_bench.py --cases 10000

## bench-web: the patient page on a small SQLite cohort (in-process server time + a 10 s loopback load test);
## the recorded figures (5,000 patients, SQLite and PostgreSQL) come from the command in docs/benchmarks.md
BENCH_WEB_ARGS ?= --db sqlite --patients 300 --samples 100 --users 20 --duration 10 --load-patients 100 --out bench/results/web_bench_small.json
bench-web: $(STAMP)
	$(PY) bench/web_bench.py $(BENCH_WEB_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
