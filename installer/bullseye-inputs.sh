#!/usr/bin/env bash
# The hash of what the glibc 2.31 bundle is built from, other than the application's own code:
# every file under installer/ (the scripts, the spec, both locks, the pins) and pyproject.toml.
# `make test-bullseye` records it in installer/bullseye.verified after a passing run; .ci/run
# builds and tests the bullseye bundle when the current hash differs (installer/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
{
    git ls-files -z --cached --others --exclude-standard -- installer pyproject.toml \
        | tr '\0' '\n' | grep -v '^installer/bullseye\.verified$' | LC_ALL=C sort \
        | while IFS= read -r f; do
            [ -f "$f" ] && printf '%s  %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"
        done
} | sha256sum | cut -d' ' -f1
