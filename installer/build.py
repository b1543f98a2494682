"""Build the one-folder ReviewStation bundle: dist/reviewstation/reviewstation.

Usage (from a checkout whose venv has the dev dependencies, e.g. `make dist`):
    python installer/build.py [--distpath DIR] [--workpath DIR]

Steps:
1. SOURCE_DATE_EPOCH (the last commit's time unless already set) and PYTHONHASHSEED=0 for
   PyInstaller, so that two builds of one commit give the same files (installer/repro.py).
2. PyInstaller with installer/reviewstation.spec.
3. Beside the executable: `licenses/` (every bundled distribution's licence files and the notices
   from resources/licenses, with THIRD-PARTY-NOTICES.txt), `sbom.cdx.json` (CycloneDX 1.6 of the
   app and everything it carries; validated against the official schema) and `share/` (desktop
   entry and icon for Linux).
4. Every file's modification time set to SOURCE_DATE_EPOCH, so an archive of the tree is
   reproducible too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import uuid
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's reviewstation, whatever the venv has installed
APP = "reviewstation"
LICENSE_NAME = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
# Components inside the distributions that the metadata does not name (see resources/licenses).
NOTICE_FOR = {
    "pyside6-essentials": "Qt-PySide6.txt",
    "shiboken6": "Qt-PySide6.txt",
    "sqlcipher3": "SQLCipher.txt",
    "cryptography": "OpenSSL.txt",
}


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def source_date_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        raise SystemExit(
            "build: not a git checkout; set SOURCE_DATE_EPOCH to the source's date"
        ) from None


def git_commit() -> str:
    # Set by installer/bullseye.sh, which builds from a copy of the checkout without .git.
    if os.environ.get("REVIEWSTATION_GIT_COMMIT"):
        return os.environ["REVIEWSTATION_GIT_COMMIT"]
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO, check=True, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# --- the runtime closure --------------------------------------------------------------------------


def runtime_closure() -> list[metadata.Distribution]:
    """ReviewStation's installed runtime dependencies (no extras), recursively, sorted by name."""
    from packaging.requirements import Requirement

    seen: dict[str, metadata.Distribution] = {}
    pending = [APP]
    while pending:
        name = normalize(pending.pop())
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                pending.append(req.name)
    del seen[APP]
    return sorted(seen.values(), key=lambda d: normalize(d.metadata["Name"]))


def requirements_of(dist: metadata.Distribution) -> list[str]:
    from packaging.requirements import Requirement

    names = []
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            names.append(normalize(req.name))
    return sorted(set(names))


# Declared licences that are not SPDX identifiers, and one that is not declared at all.
SPDX_FOR = {
    "MIT License": "MIT",
    "Apache 2.0": "Apache-2.0",
    "Apache Software License": "Apache-2.0",
    "PSFL": "PSF-2.0",
    "LGPLv3+": "LGPL-3.0-or-later",
    "BSD License": "BSD-3-Clause",
}
UNDECLARED = {"sqlcipher3": "Zlib"}  # its LICENSE is the zlib licence (pysqlite heritage)


def declared_license(dist: metadata.Distribution) -> str:
    name = normalize(dist.metadata["Name"])
    if name in UNDECLARED:
        return UNDECLARED[name]
    found = _declared_license(dist)
    return SPDX_FOR.get(found, found)


def _declared_license(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta["License-Expression"]
    if expression:
        return str(expression)
    text = (meta["License"] or "").strip().splitlines()
    if text and len(text[0]) <= 80:
        return text[0]
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if "License" in c]
    return "; ".join(classifiers) or (text[0][:80] if text else "unknown")


def license_files(dist: metadata.Distribution) -> list[Path]:
    files = []
    for entry in dist.files or []:
        parts = Path(str(entry)).parts
        if not parts or not parts[0].endswith(".dist-info"):
            continue
        if LICENSE_NAME.search(parts[-1]) or "licenses" in parts:
            path = Path(str(dist.locate_file(entry)))
            if path.is_file():
                files.append(path)
    return sorted(files)


# --- licences -------------------------------------------------------------------------------------


def write_licenses(target: Path, closure: Iterable[metadata.Distribution]) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    notices = REPO / "resources" / "licenses"
    shutil.copytree(notices, target / "notices")
    lines = [
        "ReviewStation: third-party components in this bundle",
        "=" * 53,
        "",
        "Each Python distribution's own licence files are in the folder named after it; the",
        "notices/ folder covers what they do not (Qt/PySide6 LGPL-3.0 with the source offer,",
        "SQLCipher, OpenSSL, Python, the PyInstaller bootloader) and holds the full licence texts.",
        "",
        f"{'component':32} {'version':14} licence",
    ]
    pyinstaller = metadata.distribution("pyinstaller")
    for dist in [*closure, pyinstaller]:
        name = normalize(dist.metadata["Name"])
        folder = target / f"{name}-{dist.version}"
        copied = license_files(dist)
        if copied:
            folder.mkdir()
            for path in copied:
                shutil.copyfile(path, folder / path.name)
        where = folder.name + "/" if copied else ""
        if name in NOTICE_FOR:
            where = f"{where} notices/{NOTICE_FOR[name]}".strip()
        if not where:
            where = "notices/packages-without-licence-files.txt"
        lines.append(f"{name:32} {dist.version:14} {declared_license(dist)}  [{where}]")
    python_license = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_license.is_file():
        (target / "python").mkdir()
        shutil.copyfile(python_license, target / "python" / "LICENSE.txt")
    lines.append(
        f"{'python':32} {sys.version.split()[0]:14} PSF-2.0  "
        "[python/LICENSE.txt notices/Python.txt]"
    )
    lines += [
        f"{'qt':32} {metadata.version('pyside6-essentials'):14} LGPL-3.0-only  "
        "[notices/Qt-PySide6.txt]",
        f"{'sqlcipher':32} {sqlcipher_version():14} BSD-3-Clause  [notices/SQLCipher.txt]",
        f"{'openssl':32} {openssl_version():14} Apache-2.0  [notices/OpenSSL.txt]",
        "",
    ]
    (target / "THIRD-PARTY-NOTICES.txt").write_text("\n".join(lines), encoding="utf-8")


def sqlcipher_version() -> str:
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    try:
        return str(conn.execute("PRAGMA cipher_version").fetchone()[0]).split()[0]
    finally:
        conn.close()


def sqlcipher_openssl_version() -> str:
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    try:
        conn.execute("PRAGMA key = 'version probe'")
        row = conn.execute("PRAGMA cipher_provider_version").fetchone()
        return str(row[0]).split()[1] if row else "unknown"
    finally:
        conn.close()


def openssl_version() -> str:
    from cryptography.hazmat.backends.openssl.backend import backend

    return str(backend.openssl_version_text()).split()[1]


# --- SBOM -----------------------------------------------------------------------------------------


def write_sbom(path: Path, closure: list[metadata.Distribution], epoch: int, exe: Path) -> None:
    from cyclonedx.contrib.license.factories import LicenseFactory
    from cyclonedx.model import HashAlgorithm, HashType, Property
    from cyclonedx.model.bom import Bom, BomMetaData
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.model.tool import ToolRepository
    from cyclonedx.output.json import JsonV1Dot6
    from packageurl import PackageURL

    import reviewstation

    licenses = LicenseFactory()
    commit = git_commit()
    app = Component(
        type=ComponentType.APPLICATION,
        name=APP,
        version=reviewstation.__version__,
        bom_ref=APP,
        description="Offline workstation for confidential pre-release review of frontier AI "
        "models (one-folder PyInstaller bundle)",
        supplier=OrganizationalEntity(name="ReviewStation team"),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha256(exe))],
        properties=[
            Property(name="reviewstation:git-commit", value=commit),
            Property(name="reviewstation:source-date-epoch", value=str(epoch)),
            Property(name="reviewstation:platform", value=sysconfig.get_platform()),
        ],
    )
    components: dict[str, Component] = {}
    for dist in closure:
        name = normalize(dist.metadata["Name"])
        components[name] = Component(
            type=ComponentType.LIBRARY,
            name=dist.metadata["Name"],
            version=dist.version,
            bom_ref=f"pypi:{name}",
            purl=PackageURL(type="pypi", name=name, version=dist.version),
            licenses=[licenses.make_from_string(declared_license(dist))],
        )
    embedded = [
        ("python", sys.version.split()[0], "PSF-2.0", "generic", "the interpreter"),
        ("qt", metadata.version("pyside6-essentials"), "LGPL-3.0-only", "generic", "in PySide6"),
        ("sqlcipher", sqlcipher_version(), "BSD-3-Clause", "generic", "in sqlcipher3"),
        ("openssl", openssl_version(), "Apache-2.0", "generic", "in cryptography"),
        ("openssl", sqlcipher_openssl_version(), "Apache-2.0", "generic", "in sqlcipher3"),
        (
            "pyinstaller-bootloader",
            metadata.version("pyinstaller"),
            "GPL-2.0-or-later WITH Bootloader-exception",
            "pypi",
            "the executable",
        ),
    ]
    # installer/bullseye.sh builds its own CPython with patches (Debian's security fixes and
    # ours) and names them here, so the SBOM does not claim an unmodified upstream release.
    python_patches = os.environ.get("REVIEWSTATION_PYTHON_PATCHES", "")
    extra: list[Component] = []
    for name, version, spdx, purl_type, where in embedded:
        ref = f"embedded:{name}@{version}:{where.split()[-1]}"
        properties = [Property(name="reviewstation:embedded", value=where)]
        if name == "python" and python_patches:
            properties += [
                Property(name="reviewstation:patch", value=patch)
                for patch in python_patches.split(",")
            ]
        extra.append(
            Component(
                type=ComponentType.LIBRARY,
                name=name,
                version=version,
                bom_ref=ref,
                purl=PackageURL(type=purl_type, name=name, version=version),
                licenses=[licenses.make_from_string(spdx)],
                properties=properties,
            )
        )
    bom = Bom(
        serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"urn:reviewstation:{commit}:{epoch}"),
        metadata=BomMetaData(
            timestamp=dt.datetime.fromtimestamp(epoch, tz=dt.UTC),
            component=app,
            tools=ToolRepository(
                components=[
                    Component(
                        type=ComponentType.APPLICATION,
                        name="reviewstation installer/build.py",
                        version=reviewstation.__version__,
                    )
                ]
            ),
        ),
    )
    for component in [*components.values(), *extra]:
        bom.components.add(component)
    direct = requirements_of(metadata.distribution(APP))
    bom.register_dependency(app, [components[n] for n in direct if n in components] + extra)
    for name, component in components.items():
        deps = requirements_of(metadata.distribution(name))
        bom.register_dependency(component, [components[n] for n in deps if n in components])
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    validate_sbom(text)
    path.write_text(text + "\n", encoding="utf-8")


def validate_sbom(text: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise SystemExit(f"build: the SBOM is not valid CycloneDX 1.6: {error}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- the build ------------------------------------------------------------------------------------


def run_pyinstaller(distpath: Path, workpath: Path, epoch: int) -> None:
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch), PYTHONHASHSEED="0")
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--clean",
        "--log-level",
        os.environ.get("PYINSTALLER_LOG_LEVEL", "WARN"),
        "--distpath",
        str(distpath),
        "--workpath",
        str(workpath),
        str(REPO / "installer" / "reviewstation.spec"),
    ]
    subprocess.run(command, check=True, env=env, cwd=REPO)


def add_share(bundle: Path) -> None:
    applications = bundle / "share" / "applications"
    icons = bundle / "share" / "icons" / "hicolor" / "scalable" / "apps"
    applications.mkdir(parents=True, exist_ok=True)
    icons.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "installer" / "reviewstation.desktop", applications / f"{APP}.desktop")
    shutil.copyfile(REPO / "resources" / "icons" / f"{APP}.svg", icons / f"{APP}.svg")


def clamp_mtimes(root: Path, epoch: int) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(path, (epoch, epoch), follow_symlinks=False)
    os.utime(root, (epoch, epoch))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--distpath", type=Path, default=REPO / "dist")
    parser.add_argument("--workpath", type=Path, default=REPO / "build" / "pyinstaller")
    args = parser.parse_args(argv)
    started = time.monotonic()
    epoch = source_date_epoch()
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    log(f"SOURCE_DATE_EPOCH={epoch} PYTHONHASHSEED=0; PyInstaller into {args.distpath}")
    run_pyinstaller(args.distpath.resolve(), args.workpath.resolve(), epoch)
    bundle = args.distpath.resolve() / APP
    exe = bundle / (f"{APP}.exe" if sys.platform == "win32" else APP)
    closure = runtime_closure()
    write_licenses(bundle / "licenses", closure)
    write_sbom(bundle / "sbom.cdx.json", closure, epoch, exe)
    add_share(bundle)
    clamp_mtimes(bundle, epoch)
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files)
    log(
        f"{exe} ({len(files)} files, {size / 2**20:.0f} MiB) "
        f"in {time.monotonic() - started:.0f} s; SBOM valid ({len(closure)} distributions)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
