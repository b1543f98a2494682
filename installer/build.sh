#!/usr/bin/env bash
# Build dist/reviewstation/reviewstation from this checkout (see installer/README.md).
# Creates the project's venv with the dev dependencies first if it is missing (as `make dist`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
fi
exec .venv/bin/python installer/build.py "$@"
