#!/usr/bin/env bash
# make dist-bullseye: the frozen bundle built in a Debian 11 (bullseye, glibc 2.31) root, so that it
# runs on glibc 2.31 and newer (RHEL 9, Ubuntu 22.04, Debian 11+; installer/README.md).
#
#   installer/bullseye.sh            # -> dist/bullseye/reviewstation, then the glibc floor check
#
# Needs root (debootstrap, chroot, mount), debootstrap, curl, patch and git on the host, and the
# Debian mirror and PyPI.
# Steps, each timed:
#  1. debootstrap bullseye (minbase + compilers + the X11/xcb libraries Qt's xcb plugin links, so
#     PyInstaller bundles them) into $BULLSEYE_CACHE/build-<key>; <key> is a hash of the package
#     list and the mirror, so an unchanged list reuses the root.
#  2. CPython $PY_VERSION from Debian's source package (the orig tarball and Debian's packaging,
#     SHA-256 pinned below) with Debian bookworm's security fixes and installer/patches/ applied,
#     ./configure --enable-shared, into /opt/python3.11 of that root; rebuilt when build_python,
#     the pinned sources or installer/patches/ change (a stamp file keyed by their hash).
#  3. A fresh venv in the root: installer/requirements-bullseye.lock with --require-hashes and
#     --only-binary=:all: (pip of a glibc 2.31 system picks the manylinux wheels that run there;
#     the chosen wheel files are printed), then PyInstaller (pyproject's dev pins) and
#     ReviewStation itself (no deps), from a copy of this checkout's files.
#  4. installer/build.py in the root (the spec, the notices, the SBOM), copied out to
#     dist/bullseye/reviewstation.
#  5. installer/glibc_floor.py: fails if any ELF file in the bundle needs a GLIBC_ version above 2.31.
#
# Environment: BULLSEYE_CACHE (default ~/.cache/reviewstation/bullseye), DEBIAN_MIRROR,
# BULLSEYE_OUT (default dist/bullseye), PYTHON (the host Python for the floor check).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
CACHE=${BULLSEYE_CACHE:-${HOME:-/root}/.cache/reviewstation/bullseye}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
OUT=${BULLSEYE_OUT:-$REPO/dist/bullseye}
PYTHON=${PYTHON:-python3}
GLIBC_FLOOR=2.31
PY_VERSION=3.11.2
PY_ORIG=python3.11_${PY_VERSION}.orig.tar.gz
PY_ORIG_SHA256=2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849
PY_ORIG_URL=$MIRROR/pool/main/p/python3.11/$PY_ORIG
# Debian bookworm's packaging of it: its security and crash fixes are applied (the series from
# shutdown-deadlock.diff on; the patches before it adapt the layout to Debian's and are not).
PY_DEBIAN=python3.11_3.11.2-6+deb12u8.debian.tar.xz
PY_DEBIAN_SHA256=ece2d63c70ac0b7a401fbe6b51b0103be997c294a01a3865549be1862794ba97
PY_DEBIAN_FIRST_FIX=shutdown-deadlock.diff
PYINSTALLER_PINS=$(grep -o '"pyinstaller[a-z-]*==[^"]*"' pyproject.toml | tr -d '"' | tr '\n' ' ')

# CPython's build dependencies (no Tk, readline, curses, gdbm: the bundle excludes them). No git:
# the checkout is copied in, and its commit and date are passed from the host.
BUILD_PACKAGES=build-essential,pkg-config,ca-certificates,binutils,xz-utils,zlib1g-dev,libbz2-dev
BUILD_PACKAGES+=,liblzma-dev,libffi-dev,libssl-dev,libsqlite3-dev,uuid-dev
# What Qt's xcb platform plugin and QtGui link from the system; PyInstaller copies these into the
# bundle from this root (except libxcb.so.1 and the libglvnd libraries, left to the host).
BUILD_PACKAGES+=,libxcb1,libx11-6,libx11-xcb1,libxcb-cursor0,libxcb-icccm4,libxcb-image0
BUILD_PACKAGES+=,libxcb-keysyms1,libxcb-randr0,libxcb-render-util0,libxcb-render0,libxcb-shape0
BUILD_PACKAGES+=,libxcb-shm0,libxcb-sync1,libxcb-xfixes0,libxcb-xinerama0,libxcb-xkb1
BUILD_PACKAGES+=,libxcb-util1,libxkbcommon0,libxkbcommon-x11-0,libfontconfig1,libfreetype6
BUILD_PACKAGES+=,libdbus-1-3,libglib2.0-0,libgl1,libegl1,libopengl0

MOUNTED=()

log() { printf 'bullseye: %s\n' "$*" >&2; }
cleanup() {
    local m
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        m=${MOUNTED[i]}
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
}
trap cleanup EXIT
mount_into() { # mount_into ROOT: /proc, /dev, /dev/pts, /sys and the host's resolv.conf
    local root=$1
    for fs in proc sys dev dev/pts; do
        mkdir -p "$root/$fs"
        if [ "$fs" = proc ]; then mount -t proc proc "$root/proc"; else mount --bind "/$fs" "$root/$fs"; fi
        MOUNTED+=("$root/$fs")
    done
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}
in_root() { # in_root ROOT COMMAND: a clean environment, nothing of the host's
    local root=$1
    shift
    chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin ${ROOT_ENV:-} /bin/bash -euo pipefail -c "$1"
}
timed() { # timed NAME COMMAND...: runs it, records the wall time
    local name=$1 start=$SECONDS
    shift
    "$@"
    TIMES+=("$name $((SECONDS - start)) s")
}
TIMES=()

[ "$(id -u)" = 0 ] || { echo "bullseye: needs root (debootstrap, chroot)" >&2; exit 2; }
command -v debootstrap >/dev/null || {
    echo "bullseye: needs debootstrap (apt-get install debootstrap)" >&2
    exit 2
}
mkdir -p "$CACHE"

debootstrap_root() {
    local root=$1 packages=$2
    rm -rf "$root.tmp"
    nice -n 10 debootstrap --variant=minbase --include="$packages" bullseye "$root.tmp" "$MIRROR" \
        >"$root.debootstrap.log" 2>&1 || {
        tail -20 "$root.debootstrap.log" >&2
        echo "bullseye: debootstrap failed (log: $root.debootstrap.log)" >&2
        exit 1
    }
    rm -rf "$root.tmp/var/cache/apt/archives/"*.deb
    mv "$root.tmp" "$root"
}

fetch_pinned() { # fetch_pinned URL SHA256: into the cache once, checked every time
    local file=$CACHE/${1##*/}
    if ! echo "$2  $file" | sha256sum -c --status 2>/dev/null; then
        curl -fsSL -o "$file.part" "$1"
        mv "$file.part" "$file"
    fi
    echo "$2  $file" | sha256sum -c --quiet || {
        echo "bullseye: ${1##*/} does not match its pinned SHA-256" >&2
        exit 1
    }
}

build_python() {
    local src=$ROOT/usr/src/python patch
    fetch_pinned "$PY_ORIG_URL" "$PY_ORIG_SHA256"
    fetch_pinned "$MIRROR/pool/main/p/python3.11/$PY_DEBIAN" "$PY_DEBIAN_SHA256"
    rm -rf "$src" "$ROOT/usr/src/python-debian"
    mkdir -p "$src" "$ROOT/usr/src/python-debian"
    tar -xzf "$CACHE/$PY_ORIG" -C "$src" --strip-components=1
    tar -xJf "$CACHE/$PY_DEBIAN" -C "$ROOT/usr/src/python-debian"
    # Debian's fixes in its series order, then ours (installer/patches/cpython-3.11-*.patch).
    for patch in $(sed -n "/^$PY_DEBIAN_FIRST_FIX\$/,\$p" \
        "$ROOT/usr/src/python-debian/debian/patches/series"); do
        patch -d "$src" -p1 -s -N <"$ROOT/usr/src/python-debian/debian/patches/$patch"
    done
    for patch in installer/patches/cpython-3.11-*.patch; do
        patch -d "$src" -p1 -s -N <"$patch"
    done
    # --enable-shared: PyInstaller bundles libpython3.11.so; the rpath lets the venv find it.
    # The bundled expat and libmpdec (CPython's own), not the system's.
    in_root "$ROOT" "cd /usr/src/python && nice -n 10 ./configure --prefix=/opt/python3.11 \
        --enable-shared LDFLAGS=-Wl,-rpath,/opt/python3.11/lib --with-ensurepip=install \
        >/usr/src/python-configure.log 2>&1 \
        && nice -n 10 make -j$(nproc) >/usr/src/python-make.log 2>&1 \
        && make install >/usr/src/python-install.log 2>&1 \
        && /opt/python3.11/bin/python3.11 -c 'import ctypes, lzma, bz2, zlib, sqlite3, _hashlib, ssl, uuid'" || {
        tail -n 30 "$ROOT"/usr/src/python-*.log >&2
        echo "bullseye: the CPython build failed (logs in $ROOT/usr/src/)" >&2
        exit 1
    }
    rm -rf "$ROOT/usr/src/python" "$ROOT/usr/src/python-debian"
    touch "$ROOT/.python-$PY_KEY"
}
# The root is keyed by what debootstrap installs; its Python by how it is built (the function
# above, the pinned sources and installer/patches/). A changed key rebuilds only that part.
ROOT_KEY=$(printf '%s\n' "$BUILD_PACKAGES" "$MIRROR" | sha256sum | cut -c1-16)
ROOT=$CACHE/build-$ROOT_KEY
PY_KEY=$({
    sed -n '/^build_python() {/,/^}/p' installer/bullseye.sh
    printf '%s\n' "$PY_ORIG_SHA256" "$PY_DEBIAN_SHA256" "$PY_DEBIAN_FIRST_FIX"
    cat installer/patches/cpython-3.11-*.patch
} | sha256sum | cut -c1-16)

install_venv() {
    local tools
    # The SBOM's schema validation (build.py) needs pyproject's jsonschema and packaging pins.
    tools=$(grep -o '"\(jsonschema\|packaging\)[^"]*"' pyproject.toml | tr -d '"' \
        | while read -r r; do printf '%q ' "$r"; done)
    rm -rf "$ROOT/src" "$ROOT/build-venv"
    mkdir -p "$ROOT/src"
    # This checkout's files (tracked and new, not ignored), not its build/ or dist/.
    git ls-files -z --cached --others --exclude-standard \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$ROOT/src"
    # The host's CA bundle: PyPI may be reached through a site's TLS-inspecting proxy whose CA
    # the host trusts and bullseye's ca-certificates does not.
    cp -L "${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}" \
        "$ROOT/etc/ssl/host-ca-certificates.crt"
    in_root "$ROOT" "/opt/python3.11/bin/python3.11 -m venv /build-venv
        export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1
        export PIP_CERT=/etc/ssl/host-ca-certificates.crt
        nice -n 10 /build-venv/bin/python -m pip install --quiet --require-hashes \
            --only-binary=:all: --report /build-venv/lock-report.json \
            -r /src/installer/requirements-bullseye.lock
        nice -n 10 /build-venv/bin/python -m pip install --quiet $PYINSTALLER_PINS $tools 'setuptools>=69'
        # The project asks for 3.11.4+ for the gh-103861 zipfile fix, which this 3.11.2 carries
        # as a patch (installer/patches/), so its version number alone is not the floor here.
        nice -n 10 /build-venv/bin/python -m pip install --quiet --no-deps --no-build-isolation \
            --ignore-requires-python /src
        /build-venv/bin/python - <<'EOF'
import json
report = json.load(open('/build-venv/lock-report.json'))
for item in report['install']:
    url = item['download_info']['url']
    if 'linux' in url:
        print('bullseye: wheel', url.rsplit('/', 1)[-1])
EOF"
}

freeze() {
    local epoch commit patches patch
    epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
    commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
    # The CPython patches, named in the SBOM's python component (no spaces: ROOT_ENV is split).
    patches="debian:${PY_DEBIAN%.debian.tar.xz}:series-from-$PY_DEBIAN_FIRST_FIX"
    for patch in installer/patches/cpython-3.11-*.patch; do patches+=",${patch##*/}"; done
    ROOT_ENV="SOURCE_DATE_EPOCH=$epoch REVIEWSTATION_GIT_COMMIT=$commit \
        REVIEWSTATION_PYTHON_PATCHES=$patches" in_root "$ROOT" \
        "cd /src && nice -n 10 /build-venv/bin/python installer/build.py \
            --distpath /src/dist --workpath /src/build/pyinstaller"
    rm -rf "$OUT/reviewstation"
    mkdir -p "$OUT"
    cp -a "$ROOT/src/dist/reviewstation" "$OUT/reviewstation"
}

if [ ! -d "$ROOT" ]; then
    log "debootstrap bullseye into $ROOT (first run for this script's hash)"
    timed debootstrap debootstrap_root "$ROOT" "$BUILD_PACKAGES"
else
    log "reusing $ROOT"
fi
mount_into "$ROOT"
if [ ! -e "$ROOT/.python-$PY_KEY" ]; then
    log "building CPython $PY_VERSION (--enable-shared) in the root"
    rm -rf "$ROOT"/.python-* "$ROOT/opt/python3.11"
    timed cpython build_python
fi
log "venv from installer/requirements-bullseye.lock"
timed venv install_venv
log "PyInstaller in the root"
timed pyinstaller freeze
cleanup
MOUNTED=()
log "glibc floor of $OUT/reviewstation"
timed glibc-floor "$PYTHON" installer/glibc_floor.py --max "$GLIBC_FLOOR" "$OUT/reviewstation"
log "times: ${TIMES[*]}"
log "bundle: $OUT/reviewstation ($(du -sh "$OUT/reviewstation" | cut -f1))"
