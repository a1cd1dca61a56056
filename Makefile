# arealsirk: the two commands of the README's quick start, and a few helpers.
#   make demo   - install what is needed and run the whole pipeline on the embedded demo region
#   make test   - install everything (Python packages, Debian's QGIS and Chromium), lint, run all tests
#   make lint   - ruff (style, imports, complexity <= 15) and mypy (pyproject's stated strictness)
#   make docs   - regenerate docs/api.md, docs/defaults.md and docs/scenario.md
SHELL := /bin/bash
VENV ?= .venv
QGIS_VENV ?= .venv-qgis
OUT ?= demo-out

.PHONY: demo test lint test-python test-qgis test-notebooks setup setup-all setup-browser setup-qgis setup-gdal \
        plugin-zip bench defaults docs clean mutation

demo: setup
	$(VENV)/bin/arealsirk demo --out $(OUT)

test: setup-all setup-browser setup-qgis setup-gdal lint test-python test-qgis test-notebooks

setup:
	bash scripts/setup_env.sh

setup-all:
	bash scripts/setup_env.sh all

setup-browser: setup-all
	bash scripts/setup_browser.sh $(VENV)

setup-qgis:
	bash scripts/setup_qgis.sh $(QGIS_VENV)

# gdaldem is the independent reference for the slope tests
setup-gdal:
	@command -v gdaldem >/dev/null || { SUDO=$$( [ "$$(id -u)" -ne 0 ] && echo sudo ); \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends gdal-bin; }

# `make test` sets AREALSIRK_NO_SKIP=1: a skipped test fails (tests/conftest.py), so a missing
# browser, QGIS or gdaldem can never pass silently.
test: export AREALSIRK_NO_SKIP = 1

# lint runs before the suites: a style, complexity or type error fails `make test` first
lint:
	$(VENV)/bin/python -m ruff check arealsirk tests qgis_plugin benchmarks scripts
	$(VENV)/bin/python -m mypy

test-python:
	$(VENV)/bin/python -m pytest tests

test-qgis:
	QT_QPA_PLATFORM=offscreen $(QGIS_VENV)/bin/python -m pytest tests_qgis -o qgis_gui_enabled=false

test-notebooks:
	$(VENV)/bin/python -m pytest --nbmake --nbmake-timeout=300 notebooks

plugin-zip: setup
	$(VENV)/bin/python scripts/build_plugin_zip.py

bench: setup-all
	for f in benchmarks/bench_*.py; do echo "== $$f"; $(VENV)/bin/python $$f || exit 1; done

# Mutation testing (issue 16, docs/mutation.md): mutmut over resources.py, workflows/, locate/ and
# suitability/maths.py with ONE worker.  Takes hours: never part of `make test`.
#   make mutation                                   every mutant (config: pyproject [tool.mutmut])
#   make mutation MUTANTS='arealsirk.resources.*'   one module (mutant-name globs, space-separated)
# mutmut runs the tests from a copy in mutants/, so the shared data are named explicitly.
MUTANTS ?=
mutation:
	bash scripts/setup_env.sh all,dev
	AREALSIRK_DATA=$${AREALSIRK_DATA:-$(abspath ..)/shared/data} \
	AREALSIRK_BENCH=$${AREALSIRK_BENCH:-$(abspath ..)/shared/bench} \
	$(VENV)/bin/mutmut run --max-children 1 $(MUTANTS)
	$(VENV)/bin/mutmut results
	$(VENV)/bin/python scripts/mutation_summary.py

defaults: setup
	$(VENV)/bin/arealsirk defaults --markdown > docs/defaults.md

# the generated pages: the API reference (from the docstrings), the defaults table, the scenario keys
docs: setup-all
	$(VENV)/bin/arealsirk defaults --markdown > docs/defaults.md.tmp && mv docs/defaults.md.tmp docs/defaults.md
	$(VENV)/bin/python -m arealsirk._apidoc > docs/api.md.tmp && mv docs/api.md.tmp docs/api.md
	$(VENV)/bin/python -m arealsirk.scenario > docs/scenario.md.tmp && mv docs/scenario.md.tmp docs/scenario.md

clean:
	rm -rf $(OUT) dist build test-artifacts .pytest_cache
