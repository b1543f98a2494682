# Two entry points for people: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-long lint bench bench-intake clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reviewstation $(VAULT)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q
	$(BIN)/ruff check reviewstation tests benchmarks
	$(BIN)/mypy

# The long hardening runs (many kill -9 runs, long fuzzing); figures go to RS_FIGURES.
test-long: $(STAMP)
	RS_FIGURES=$${RS_FIGURES:-.hardening-figures.jsonl} QT_QPA_PLATFORM=offscreen \
		$(BIN)/python -m pytest -q -s -m long tests/hardening

lint: $(STAMP)
	$(BIN)/ruff check reviewstation tests benchmarks
	$(BIN)/ruff format --check reviewstation tests
	$(BIN)/mypy

# Benchmarks print figures and ratios against a reference measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.findings_scale
	$(BIN)/python -m benchmarks.intake $(INTAKE_ARGS)

# Artifact import/export of a 2 GiB file against dd conv=fsync (INTAKE_ARGS="--size-mib N").
bench-intake: $(STAMP)
	$(BIN)/python -m benchmarks.intake $(INTAKE_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
