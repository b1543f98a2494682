#!/usr/bin/env bash
# Regenerate installer/requirements.lock: every runtime dependency of ReviewStation (pyproject's
# [project.dependencies], no extras), pinned, with the SHA-256 of every file PyPI offers for that
# version. pip-compile (pip-tools) runs from a throwaway venv with a pinned version, against PyPI
# only (local pip config, mirrors and find-links are ignored, so the hashes are PyPI's).
#   LOCK_INDEX_URL=https://mirror.example/simple installer/lock.sh   # a vetted mirror instead
#   installer/lock.sh bullseye   # installer/requirements-bullseye.lock: the same dependencies
#                                # with installer/bullseye-pins.txt in place of pyproject's pins
#                                # (the glibc 2.31 bundle, installer/bullseye.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
PIP_TOOLS_VERSION=7.6.2
env_dir=build/lockenv
if [ ! -x "$env_dir/bin/pip-compile" ]; then
    "$PYTHON" -m venv "$env_dir"
    "$env_dir/bin/python" -m pip install --quiet "pip-tools==$PIP_TOOLS_VERSION"
fi
source=pyproject.toml
output=installer/requirements.lock
if [ "${1:-}" = bullseye ]; then
    # pyproject's dependencies, each name pinned in bullseye-pins.txt replaced by that pin.
    source=build/bullseye.in
    output=installer/requirements-bullseye.lock
    mkdir -p build
    "$PYTHON" - "$source" <<'EOF'
import re
import sys
import tomllib
from pathlib import Path


def name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


pins = [
    line.strip()
    for line in Path("installer/bullseye-pins.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
deps = tomllib.loads(Path("pyproject.toml").read_text())["project"]["dependencies"]
pinned = {name(p): p for p in pins}
unknown = set(pinned) - {name(d) for d in deps}
if unknown:
    raise SystemExit(f"lock: bullseye-pins.txt names {sorted(unknown)}, not in pyproject")
Path(sys.argv[1]).write_text("\n".join(pinned.get(name(d), d) for d in deps) + "\n")
EOF
    # Seeded with the main lock: pip-compile keeps an output file's pins where they still fit,
    # so only the pinned packages and what they alone require differ from requirements.lock.
    cp installer/requirements.lock "$output"
fi
PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= \
    "$env_dir/bin/pip-compile" --quiet --generate-hashes --strip-extras --allow-unsafe \
    --index-url "${LOCK_INDEX_URL:-https://pypi.org/simple}" --no-emit-index-url \
    --output-file "$output" "$source"
echo "lock: $output ($(grep -c '==' "$output") packages)"
