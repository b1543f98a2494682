# Two entry points for people: `make run` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test test-long lint bench bench-intake bench-gui screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reviewstation $(VAULT)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q
	$(BIN)/ruff check reviewstation tests benchmarks tools
	$(BIN)/mypy

# The long hardening runs (many kill -9 runs, long fuzzing); figures go to RS_FIGURES.
test-long: $(STAMP)
	RS_FIGURES=$${RS_FIGURES:-.hardening-figures.jsonl} QT_QPA_PLATFORM=offscreen \
		$(BIN)/python -m pytest -q -s -m long tests/hardening

lint: $(STAMP)
	$(BIN)/ruff check reviewstation tests benchmarks tools
	$(BIN)/ruff format --check reviewstation tests tools
	$(BIN)/mypy

# Benchmarks print figures and ratios against a reference measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m benchmarks.cli_startup
	$(BIN)/python -m benchmarks.report_scale
	$(BIN)/python -m benchmarks.findings_scale
	$(BIN)/python -m benchmarks.intake $(INTAKE_ARGS)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.gui_responsiveness $(GUI_ARGS)

# Artifact import/export of a 2 GiB file against dd conv=fsync, openssl sha384 and a tee/openssl/age
# pipeline, with peak RSS (INTAKE_ARGS="--size-mib N"; docs/benchmarks.md).
bench-intake: $(STAMP)
	$(BIN)/python -m benchmarks.intake $(INTAKE_ARGS)

# Event-loop stalls during a 2 GiB GUI import, and the findings table over 100,000 findings
# (GUI_ARGS="--size-mib N --findings N").
bench-gui: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.gui_responsiveness $(GUI_ARGS)

# The README's screenshots, light and dark, rendered offscreen on a fresh demo vault.
screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m tools.screenshots --out docs/screenshots

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache

# The frozen app and the air-gapped install kit (installer/README.md).
.PHONY: dist test-frozen repro lock kit test-kit packages dist-bullseye test-bullseye \
	packages-bullseye lock-bullseye

# One-folder PyInstaller bundle: dist/reviewstation/reviewstation (+ SBOM, licence notices).
dist: $(STAMP)
	$(BIN)/python installer/build.py

# Builds dist, then smoke-tests the frozen app with the venv stripped from the environment.
test-frozen: dist
	$(BIN)/python -m pytest -q -m frozen tests/installer
	$(BIN)/ruff check installer tests/installer
	$(BIN)/mypy --strict installer/build.py installer/repro.py installer/launcher.py \
		installer/os_packages.py installer/glibc_floor.py

# .deb and .rpm of the bundle (/opt/reviewstation), their SBOMs and a signed SHA384SUMS, in
# dist/packages/ (needs dpkg-deb and rpmbuild: apt-get install rpm). RELEASE_KEY=<EC P-384 PEM>
# signs with the organisation's key; without it an ephemeral key signs (installer/README.md).
packages: dist
	$(BIN)/python installer/os_packages.py $(if $(RELEASE_KEY),--key $(RELEASE_KEY))

# The glibc 2.31 bundle: built in a Debian 11 (bullseye) root with its own CPython and
# installer/requirements-bullseye.lock, into dist/bullseye/reviewstation; fails if any file needs
# a glibc newer than 2.31 (installer/bullseye.sh; needs root, debootstrap, the Debian mirror and
# PyPI; the root is cached in BULLSEYE_CACHE, default ~/.cache/reviewstation/bullseye).
dist-bullseye:
	PYTHON=$(PYTHON) installer/bullseye.sh

# The frozen smoke tests (CLI, demo, verify, GUI on Xvfb) inside a second, minimal bullseye root
# with no Python (installer/bullseye-test.sh). .ci/run runs it on every build.
test-bullseye: dist-bullseye $(STAMP)
	PYTEST="$(BIN)/python -m pytest" installer/bullseye-test.sh

# The .deb and .rpm of the glibc 2.31 bundle (what a release ships), in dist/bullseye/packages/.
packages-bullseye: dist-bullseye $(STAMP)
	$(BIN)/python installer/os_packages.py --bundle dist/bullseye/reviewstation \
		--out dist/bullseye/packages $(if $(RELEASE_KEY),--key $(RELEASE_KEY))

# Builds HEAD twice from two clones and compares every file (report in build/repro/).
repro: $(STAMP)
	$(BIN)/python installer/repro.py

# Re-pins installer/requirements.lock with hashes (needs PyPI).
lock:
	installer/lock.sh

# Re-pins installer/requirements-bullseye.lock: the same, with installer/bullseye-pins.txt.
lock-bullseye:
	installer/lock.sh bullseye

# Gathers wheelhouse/ for the lock (needs PyPI), then installs from it offline into a fresh venv.
kit: $(STAMP)
	installer/make-wheelhouse.sh

test-kit: kit
	installer/test-kit.sh
