# fromscratchtoml: `make test` runs every check, `make book` executes and renders the whole book.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export MPLBACKEND ?= Agg
export PYTHONHASHSEED ?= 0
# Notebooks run two at a time: each gets half the cores for BLAS, or the threads oversubscribe the
# cores and busy-wait (a 10x slowdown seen on 2-core machines).
NPROC := $(shell nproc 2>/dev/null || echo 2)
HALF := $(shell n=$$(( $(NPROC) / 2 )); [ $$n -gt 0 ] && echo $$n || echo 1)
BLAS_PER_JOB := OMP_NUM_THREADS=$(HALF) OPENBLAS_NUM_THREADS=$(HALF) MKL_NUM_THREADS=$(HALF)

.PHONY: help install export check-sync readme test test-nbs test-py test-site book site lab bench clean
.PHONY: exercises workshop slides test-workshop

help:
	@echo "make test   - install, check notebooks/package sync, run notebook tests (quick mode), pytest and the site check"
	@echo "make book   - install, execute every chapter at full size and render the HTML book into _docs/"
	@echo "make lab    - open the notebooks in JupyterLab"
	@echo "make readme - regenerate README.md from nbs/index.ipynb"
	@echo "make bench  - run the benchmarks (not part of the tests); figures also in _build/bench.json"
	@echo "              BENCH_ARGS='--quick' for a try-out, '--only mlp,lstm' to choose, '--help' for the rest"
	@echo "make workshop  - write the attendee notebooks into workshop/ and open them in JupyterLab, in quick mode"
	@echo "make exercises - write the attendee notebooks (exercises as stubs) into workshop/"
	@echo "make slides    - build the workshop's reveal.js decks into _build/slides/ (served locally, no CDN)"

$(STAMP): settings.ini setup.py constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# A chapter may feed several modules: each of those is created by its API page in nbs/api/ (sorted first),
# and the chapter's cells are appended, so a plain nbdev_export rebuilds every module the same way each time.
export: install
	$(BIN)/nbdev_export

# Fails when the exported package, the cleaned notebooks or README.md differ from what the notebooks give.
check-sync: install
	$(BIN)/python .ci/check_sync.py

# README.md is generated from nbs/index.ipynb (nbdev's doc processors + nbconvert, no Quarto needed).
readme: install
	$(BIN)/python .ci/make_readme.py

test-nbs: install
	$(BLAS_PER_JOB) FSTML_QUICK=1 $(BIN)/nbdev_test --n_workers 2 --timing

test-py: install
	FSTML_QUICK=1 $(BIN)/python -m pytest -q tests

# Quick build of the index and the first chapters, then headless Chromium checks maths, figures, offline
# loading and search; screenshots land in _build/site-quick/screenshots/. Without Chromium the browser check
# is skipped with one line saying how to install it; FSTML_REQUIRE_BROWSER=1 makes that an error.
test-site: install
	$(BLAS_PER_JOB) FSTML_QUICK=1 $(BIN)/python .ci/build_site.py --quick --out _build/site-quick nbs/index.ipynb nbs/00_core.ipynb nbs/01_data.ipynb
	$(BIN)/python .ci/browser_check.py _build/site-quick

test: check-sync test-nbs test-py test-site test-workshop
	@echo "make test: all checks passed"

book: export
	$(BLAS_PER_JOB) $(BIN)/python .ci/build_site.py --out _docs
	$(BIN)/python .ci/make_slides.py --out _docs/slides
	$(BIN)/python .ci/browser_check.py _docs --all --links
	$(BIN)/python .ci/browser_check.py _docs/slides --slides
	@echo "The book is at $$(pwd)/_docs/index.html"

lab: install
	$(BIN)/jupyter lab nbs

# Every workload at several shapes, at 1 thread and at the machine's thread count, each in its own process
# (thread pools are sized when BLAS loads). About 15 minutes on 2 cores; BENCH_ARGS=--quick takes a few.
BENCH_ARGS ?=
bench: install
	$(BIN)/python benchmarks/_harness.py --json _build/bench.json $(BENCH_ARGS)

clean:
	rm -rf _build _docs _proc

# The workshop. Attendees install with `pip install -e ".[workshop]"` (no torch), so these targets use the
# Python of .venv when there is one and otherwise the one on PATH, and never run the dev install.
WS_PY := $(shell test -x $(BIN)/python && echo $(BIN)/python || echo python3)

exercises:
	$(WS_PY) .ci/make_exercises.py --out workshop

workshop: exercises
	FSTML_QUICK=1 $(WS_PY) -m jupyter lab workshop

# reveal.js comes from npm (pinned in .ci/make_slides.py) into _build/, MathJax from jupyter-server-mathjax.
slides: install
	$(BIN)/python .ci/make_slides.py --out _build/slides
	$(BIN)/python .ci/browser_check.py _build/slides --slides

# The attendee's path: a fresh virtualenv with only the workshop extra (torch must be missing there) runs
# the attendee notebooks in quick mode; every exercise check must fail on its stub and pass on the solution.
WS_VENV := _build/workshop-venv
test-workshop: install
	test -x $(WS_VENV)/bin/python || $(PYTHON) -m venv $(WS_VENV)
	$(WS_VENV)/bin/python -m pip install -q --upgrade pip setuptools wheel
	$(WS_VENV)/bin/python -m pip install -q -c constraints.txt -e '.[workshop]'
	! $(WS_VENV)/bin/python -c "import torch" 2>/dev/null || { echo "test-workshop: torch is installed in $(WS_VENV)"; exit 1; }
	$(BIN)/python .ci/make_exercises.py --out _build/workshop-nbs
	cd _build/workshop-nbs && env -u FSTML_REQUIRE_ORACLES $(BLAS_PER_JOB) FSTML_QUICK=1 \
	  ../../$(WS_VENV)/bin/python ../../.ci/run_workshop.py --jobs 2 --book ../../nbs *.ipynb
