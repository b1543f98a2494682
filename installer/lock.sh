#!/usr/bin/env bash
# Regenerate installer/requirements.lock: every runtime dependency of ReviewStation (pyproject's
# [project.dependencies], no extras), pinned, with the SHA-256 of every file PyPI offers for that
# version. pip-compile (pip-tools) runs from a throwaway venv with a pinned version, against PyPI
# only (local pip config, mirrors and find-links are ignored, so the hashes are PyPI's).
#   LOCK_INDEX_URL=https://mirror.example/simple installer/lock.sh   # a vetted mirror instead
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
PIP_TOOLS_VERSION=7.6.2
env_dir=build/lockenv
if [ ! -x "$env_dir/bin/pip-compile" ]; then
    "$PYTHON" -m venv "$env_dir"
    "$env_dir/bin/python" -m pip install --quiet "pip-tools==$PIP_TOOLS_VERSION"
fi
PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= \
    "$env_dir/bin/pip-compile" --quiet --generate-hashes --strip-extras --allow-unsafe \
    --index-url "${LOCK_INDEX_URL:-https://pypi.org/simple}" --no-emit-index-url \
    --output-file installer/requirements.lock pyproject.toml
echo "lock: installer/requirements.lock ($(grep -c '==' installer/requirements.lock) packages)"
