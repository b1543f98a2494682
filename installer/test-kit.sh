#!/usr/bin/env bash
# Test the offline kit: into a fresh venv, with no pip configuration, no index and no venv on
# PATH, run the documented air-gapped install from wheelhouse/ (make kit), then the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
base_python="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/home"
clean=(env -i PATH=/usr/bin:/bin "HOME=$tmp/home" PIP_CONFIG_FILE=/dev/null)
"${clean[@]}" "$base_python" -m venv "$tmp/venv"
(cd wheelhouse && sha256sum --check --quiet SHA256SUMS)
set -x
"${clean[@]}" "$tmp/venv/bin/pip" install --no-index --find-links wheelhouse --require-hashes -r installer/requirements.lock
"${clean[@]}" "$tmp/venv/bin/pip" install --no-index --no-deps wheelhouse/reviewstation-*.whl
"${clean[@]}" "$tmp/venv/bin/reviewstation" --version
"${clean[@]}" "$tmp/venv/bin/reviewstation" demo "$tmp/demo"
echo demo-passphrase | "${clean[@]}" "$tmp/venv/bin/reviewstation" vault verify "$tmp/demo/Demo.rsvault" >/dev/null
"${clean[@]}" "$tmp/venv/bin/reviewstation" package verify "$tmp/demo/Demo-package.rspkg" --trust "$tmp/demo/demo.card" >/dev/null
"${clean[@]}" "$tmp/venv/bin/pip" check
set +x
echo "kit: installed offline from wheelhouse/ and ran the demo"
