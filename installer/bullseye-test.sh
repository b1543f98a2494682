#!/usr/bin/env bash
# make test-bullseye: the frozen smoke tests (tests/installer/test_frozen.py) against the bundle of
# `make dist-bullseye`, run inside a fresh, minimal Debian 11 (bullseye, glibc 2.31) root that has
# nothing of the build's Python: debootstrap minbase plus only what installer/README.md tells a
# host to provide (RUNTIME_PACKAGES). The bundle is copied to /opt/reviewstation of that root.
#
#   installer/bullseye-test.sh [BUNDLE]     # default dist/bullseye/reviewstation
#
# The tests themselves run from the host's venv (pytest is not in the root, by design): each run
# of the app is `chroot ROOT env -i ... /opt/reviewstation/reviewstation ...`, with its temporary
# files inside the root (pytest --basetemp). The GUI test opens the app on an Xvfb display that
# the host starts; the root reaches it through the X socket (libxcb, Linux abstract socket).
#
# Environment: BULLSEYE_CACHE (default ~/.cache/reviewstation/bullseye), DEBIAN_MIRROR, PYTEST
# (default .venv/bin/python -m pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
CACHE=${BULLSEYE_CACHE:-${HOME:-/root}/.cache/reviewstation/bullseye}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BUNDLE=${1:-$REPO/dist/bullseye/reviewstation}
# What the host must provide (installer/README.md, "Host requirements"): libxcb, the libglvnd
# GL/EGL front ends (they pull Mesa, as on any desktop), fontconfig and one font.
RUNTIME_PACKAGES=libxcb1,libgl1,libegl1,fontconfig,fonts-dejavu-core
KEY=$(printf '%s\n' "$RUNTIME_PACKAGES" "$MIRROR" | sha256sum | cut -c1-16)
ROOT=$CACHE/runtime-$KEY
MOUNTED=()

cleanup() {
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" 2>/dev/null || true
    done
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bullseye-test: needs root (debootstrap, chroot)" >&2; exit 2; }
start=$SECONDS
if [ ! -d "$ROOT" ]; then
    echo "bullseye-test: debootstrap the runtime root $ROOT" >&2
    mkdir -p "$CACHE"
    rm -rf "$ROOT.tmp"
    nice -n 10 debootstrap --variant=minbase --include="$RUNTIME_PACKAGES" bullseye "$ROOT.tmp" \
        "$MIRROR" >"$ROOT.debootstrap.log" 2>&1 || {
        tail -20 "$ROOT.debootstrap.log" >&2
        echo "bullseye-test: debootstrap failed (log: $ROOT.debootstrap.log)" >&2
        exit 1
    }
    rm -rf "$ROOT.tmp/var/cache/apt/archives/"*.deb
    mv "$ROOT.tmp" "$ROOT"
    echo "bullseye-test: runtime root in $((SECONDS - start)) s" >&2
fi
[ -x "$BUNDLE/reviewstation" ] || {
    echo "bullseye-test: no bundle at $BUNDLE; build it with make dist-bullseye" >&2
    exit 2
}
# Nothing of a Python in the root: no interpreter, no standard library.
if compgen -G "$ROOT/usr/bin/python*" >/dev/null || compgen -G "$ROOT/usr/lib/python3*" >/dev/null; then
    echo "bullseye-test: the runtime root has a Python; it must not" >&2
    exit 1
fi
rm -rf "$ROOT/opt/reviewstation" "$ROOT/tmp/pytest"
mkdir -p "$ROOT/opt" "$ROOT/tmp/pytest"
cp -a "$BUNDLE" "$ROOT/opt/reviewstation"
for fs in proc dev; do
    if [ "$fs" = proc ]; then mount -t proc proc "$ROOT/proc"; else mount --bind /dev "$ROOT/dev"; fi
    MOUNTED+=("$ROOT/$fs")
done
if [ -n "${PYTEST:-}" ]; then read -r -a pytest <<<"$PYTEST"; else pytest=("$REPO/.venv/bin/python" -m pytest); fi
QT_QPA_PLATFORM=offscreen REVIEWSTATION_FROZEN_ROOT="$ROOT" \
    REVIEWSTATION_FROZEN_APP="$ROOT/opt/reviewstation/reviewstation" \
    REVIEWSTATION_REQUIRE_X11="${REVIEWSTATION_REQUIRE_X11:-1}" \
    "${pytest[@]}" -q -m frozen -p no:cacheprovider --basetemp="$ROOT/tmp/pytest" \
    tests/installer/test_frozen.py
echo "bullseye-test: done in $((SECONDS - start)) s" >&2
