#!/usr/bin/env bash
# Install ReviewStation on an air-gapped machine from the kit: this script's folder (installer/,
# with requirements.lock) and a wheelhouse/ folder beside it. No network is used (--no-index).
#   installer/install-offline.sh /opt/reviewstation [wheelhouse]
set -euo pipefail
target="${1:?usage: install-offline.sh TARGET_VENV [WHEELHOUSE]}"
here="$(cd "$(dirname "$0")" && pwd)"
wheelhouse="${2:-$here/../wheelhouse}"
PYTHON="${PYTHON:-python3.11}"
(cd "$wheelhouse" && sha256sum --check --quiet SHA256SUMS)
"$PYTHON" -m venv "$target"
"$target/bin/python" -m pip install --quiet --no-index --find-links "$wheelhouse" \
    --require-hashes -r "$here/requirements.lock"
"$target/bin/python" -m pip install --quiet --no-index --no-deps "$wheelhouse"/reviewstation-*.whl
"$target/bin/reviewstation" --version
