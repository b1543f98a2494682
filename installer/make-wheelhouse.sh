#!/usr/bin/env bash
# Gather the offline install kit into wheelhouse/: a wheel for every pin of
# installer/requirements.lock (hash-checked on download), ReviewStation's own wheel, and
# SHA256SUMS over all of them. Run it on a connected machine with the same OS, CPU and Python
# minor version as the air-gapped target, or name the target (installer/README.md):
#   WHEELHOUSE_TARGET="--platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311" \
#       installer/make-wheelhouse.sh
# On the air-gapped machine (from a copy of this repository's installer/ and the wheelhouse/):
#   python3.11 -m venv /opt/reviewstation
#   /opt/reviewstation/bin/pip install --no-index --find-links wheelhouse --require-hashes -r installer/requirements.lock
#   /opt/reviewstation/bin/pip install --no-index --no-deps wheelhouse/reviewstation-*.whl
# (installer/install-offline.sh does these three steps after checking SHA256SUMS).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
out="${WHEELHOUSE:-wheelhouse}"
rm -rf "$out"
mkdir -p "$out"
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
export SOURCE_DATE_EPOCH
# Binary wheels only: a wheel built here from an sdist would not match the lock's hashes.
# shellcheck disable=SC2086  # WHEELHOUSE_TARGET is a list of options
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --require-hashes \
    ${WHEELHOUSE_TARGET:-} -r installer/requirements.lock -d "$out"
# ReviewStation itself (pure Python; its checklists travel as the wheel's data files).
"$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$out" .
(cd "$out" && sha256sum -- *.whl > SHA256SUMS)
cp installer/requirements.lock "$out/requirements.lock"
echo "wheelhouse: $out ($(ls "$out"/*.whl | wc -l) wheels, $(du -sh "$out" | cut -f1))"
