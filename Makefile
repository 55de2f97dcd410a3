# ftscore: two commands on a fresh machine.
#   make run    create .venv if needed, install, score the bundled sample into out/
#   make test   the same set-up, then the whole test suite
#   make docs   regenerate docs/cli.md from the commands' --help
#   make coverage  the suite under coverage: the share of pipeline/ it runs, file by file
#   make bench  speed and memory against a floor and a naive pipeline (minutes; see bench/README.md)
#   make bench-sample  only the 25-row sample's five runs (start-up), nothing written to results.md
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
NAIVE_VENV ?= .venv-naive
NAIVE_STAMP := $(NAIVE_VENV)/.installed

.PHONY: run test coverage docs bench bench-sample clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,postgres]'
	touch $(STAMP)

# The sample carries deliberate problems, so ftscore exits 1 (workbook written,
# some rows with errors); any other non-zero code fails the target.
run: $(STAMP)
	@mkdir -p out
	$(BIN)/ftscore score samples/portfolio.xlsx -o out/portfolio-scored.xlsx; \
	  code=$$?; test $$code -eq 0 -o $$code -eq 1

test: run
	$(BIN)/python -m pytest -q

# The whole suite under coverage (slower than make test); the report lists pipeline/ file by file.
coverage: run
	$(BIN)/python -m coverage run --source=pipeline -m pytest -q
	$(BIN)/python -m coverage report --skip-covered --sort=cover

# docs/cli.md from the commands' --help (a test fails when it is out of date)
docs: $(STAMP)
	$(BIN)/python docs/generate_cli_md.py

# ftscore's .venv as a user installs it, plus psutil for the runner. No pandas or numpy there: pandera
# imports them whenever they are installed (~0.45 s a run); an older make bench put them in .venv.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m pip uninstall --quiet --quiet --yes pandas numpy
	touch $(BENCH_STAMP)

# The naive reference (bench/naive.py) runs in its own venv, with pandas and openpyxl only.
$(NAIVE_STAMP): bench/naive-requirements.txt
	test -x $(NAIVE_VENV)/bin/python || $(PYTHON) -m venv $(NAIVE_VENV)
	$(NAIVE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NAIVE_VENV)/bin/python -m pip install --quiet -r bench/naive-requirements.txt
	touch $(NAIVE_STAMP)

# Not part of `make test`. BENCH_SIZES=1000,10000 for a quick run; BENCH_FULL=1 adds 1,000,000 rows.
# Writes bench/results.md; inputs are cached in bench/data/, outputs go to bench/out/.
bench: $(BENCH_STAMP) $(NAIVE_STAMP)
	BENCH_NAIVE_PYTHON=$(NAIVE_VENV)/bin/python $(BIN)/python bench/run.py

# The start-up target alone: seconds, not minutes.
bench-sample: $(BENCH_STAMP)
	$(BIN)/python bench/run.py sample

clean:
	rm -rf $(VENV) $(NAIVE_VENV) out build *.egg-info
