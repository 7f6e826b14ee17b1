# Two commands for learners and teachers (see README.md):
#   make lab    set everything up, then open the lessons in JupyterLab
#   make test   set everything up, lint with ruff, then run the whole test suite (unit tests + every notebook in smoke mode)
# Override the interpreter with e.g. `make lab PYTHON=python3.12`.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup lab test notebooks check-notebooks benchmark clean

$(STAMP): pyproject.toml requirements.txt requirements-dev.txt requirements-snapshots.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 13) else "This course needs Python 3.11, 3.12 or 3.13 (TensorFlow has no wheels for %d.%d). Fix: make lab PYTHON=python3.12" % v)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

# Inside a container you are often root, which Jupyter refuses unless told it is deliberate.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/00_index.ipynb

test: setup
	$(BIN)/python -m ruff check .
	$(BIN)/python -m pytest

# Maintainers: execute every lesson in full mode (what learners see) and commit the outputs.
notebooks: setup
	$(BIN)/python tools/run_notebooks.py

check-notebooks: setup
	$(BIN)/python tools/run_notebooks.py --check
	$(BIN)/python tools/sync_notebooks.py --check

benchmark: setup
	$(BIN)/python benchmarks/benchmark_forecast.py

clean:
	rm -rf $(VENV) .pytest_cache
