"""Build the .deb and .rpm of the frozen bundle, reproducibly, and a signed SHA384SUMS.

Usage (after `make dist`; `make packages` runs both):

    python installer/os_packages.py [--bundle dist/reviewstation] [--out dist/packages]
                                    [--xz-level 6] [--key release-key.pem]

What it does:

1. Reads the bundle's SBOM for the version and SOURCE_DATE_EPOCH (the bundle is the input, so two
   runs on one bundle give the same packages whatever the clock says).
2. Finds the libraries the bundle needs from the host: every NEEDED entry (`objdump -p`) of every
   ELF file in the bundle that no file of the bundle provides, and the highest GLIBC_ symbol
   version (`objdump -T`). Each soname maps to a Debian package (HOST_LIBRARIES); an unknown one
   fails the build, so a new host dependency cannot slip into a package undeclared. The RPM
   requires the sonames themselves (`libxcb.so.1()(64bit)`), as rpm's own dependency generator
   would write them, so any RPM distribution resolves them to its own package names.
3. Stages one tree: /opt/reviewstation (the bundle), /usr/bin/reviewstation (symlink), the desktop
   entry and icon under /usr/share, and /usr/share/doc/reviewstation (copyright = the third-party
   notices, the licence texts, the bundle's SBOM and the package's SBOM). Every directory 0755,
   every file 0644 or 0755, every mtime = SOURCE_DATE_EPOCH.
4. `dpkg-deb --root-owner-group --build` (dpkg-deb sorts the archive members and clamps their times
   to SOURCE_DATE_EPOCH) and `rpmbuild -bb` with a generated spec (fixed build host, build time =
   SOURCE_DATE_EPOCH, mtimes clamped, no build-id links, no debuginfo, no strip/byte-compile
   post-processing, no automatic dependencies: the bundle's private libraries must not become
   Provides of the system).
5. SHA384SUMS over the packages and their SBOMs, signed (ECDSA P-384, SHA-384) with --key, or with
   an ephemeral key generated here whose public half is written beside it (release-key.pub.pem).
   Verification needs openssl only: see installer/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NAME = "reviewstation"
PREFIX = Path("opt") / NAME
ARCH_DEB = "amd64"
ARCH_RPM = "x86_64"
MAINTAINER = "ReviewStation team <reviewstation@invalid>"
SUMMARY = "Offline workstation for confidential review of frontier AI models"

# glibc's own libraries: required through the libc6 (>= version) / GLIBC_x.y requirement.
GLIBC_SONAMES = frozenset(
    {
        "libc.so.6",
        "libm.so.6",
        "libpthread.so.0",
        "libdl.so.2",
        "librt.so.1",
        "libutil.so.1",
        "ld-linux-x86-64.so.2",
    }
)

# soname the host provides -> (Debian/Ubuntu package, RHEL 9 package). The RPM requires the soname
# itself; the RHEL name is documentation (installer/README.md) and a check of this table.
HOST_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libGLX.so.0": ("libglx0", "libglvnd-glx"),
    "libGLdispatch.so.0": ("libglvnd0", "libglvnd"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
}

# Not a linked library, but needed at run time: the bundled libfontconfig reads the host's
# /etc/fonts configuration (and the fonts it names).
HOST_DATA: list[tuple[str, str]] = [("fontconfig", "fontconfig")]


class PackageError(Exception):
    """A one-line reason the packages cannot be built."""


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )
    if result.returncode != 0:
        raise PackageError(f"{Path(str(args[0])).name} failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def bundle_identity(bundle: Path) -> tuple[str, int, dict[str, Any]]:
    """Version, SOURCE_DATE_EPOCH and SBOM of the bundle that `installer/build.py` wrote."""
    sbom_path = bundle / "sbom.cdx.json"
    exe = bundle / NAME
    if not exe.is_file() or not sbom_path.is_file():
        raise PackageError(f"no frozen bundle at {bundle}; build it with `make dist`")
    sbom = json.loads(sbom_path.read_text(encoding="utf-8"))
    component = sbom["metadata"]["component"]
    props = {p["name"]: p["value"] for p in component.get("properties", [])}
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH") or props["reviewstation:source-date-epoch"])
    return str(component["version"]), epoch, sbom


def elf_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def host_requirements(bundle: Path) -> tuple[list[str], str]:
    """The sonames the bundle needs from the host (sorted) and the highest GLIBC_ version."""
    files = elf_files(bundle)
    provided = {p.name for p in bundle.rglob("*")}
    needed: set[str] = set()
    glibc = (2, 0)
    for chunk in (files[i : i + 40] for i in range(0, len(files), 40)):
        for line in run("objdump", "-p", *chunk).splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "NEEDED":
                needed.add(parts[1])
            elif len(parts) == 2 and parts[0] == "SONAME":
                provided.add(parts[1])
        for match in re.finditer(r"\bGLIBC_(\d+)\.(\d+)\b", run("objdump", "-T", *chunk)):
            glibc = max(glibc, (int(match[1]), int(match[2])))
    host = sorted(needed - provided - GLIBC_SONAMES)
    unknown = [s for s in host if s not in HOST_LIBRARIES]
    if unknown:
        raise PackageError(
            f"the bundle needs {', '.join(unknown)} from the host; add it to HOST_LIBRARIES in "
            "installer/os_packages.py with its Debian and RHEL package"
        )
    return host, f"{glibc[0]}.{glibc[1]}"


def normalise(root: Path, epoch: int) -> None:
    """Fixed permissions (0755 dirs and executables, 0644 the rest) and mtimes."""
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_symlink():
            os.utime(path, (epoch, epoch), follow_symlinks=False)
            continue
        mode = path.stat().st_mode
        executable = path.is_dir() or mode & stat.S_IXUSR
        path.chmod(0o755 if executable else 0o644)
        os.utime(path, (epoch, epoch))
    root.chmod(0o755)
    os.utime(root, (epoch, epoch))


def package_sbom(
    bundle_sbom: dict[str, Any], kind: str, version: str, host: list[str], glibc: str
) -> dict[str, Any]:
    """The bundle's SBOM, re-rooted at the OS package, with the host's packages as required."""
    sbom: dict[str, Any] = json.loads(json.dumps(bundle_sbom))
    meta = sbom["metadata"]
    app = meta["component"]
    if kind == "deb":
        purl = f"pkg:deb/{NAME}@{version}?arch={ARCH_DEB}"
        deps = [(HOST_LIBRARIES[s][0], s) for s in host] + [(d, "") for d, _ in HOST_DATA]
        deps.append(("libc6", f"glibc >= {glibc}"))
        dep_purl = "pkg:deb/debian/{}?arch=" + ARCH_DEB
    else:
        purl = f"pkg:rpm/{NAME}@{version}-1?arch={ARCH_RPM}"
        deps = [(HOST_LIBRARIES[s][1], s) for s in host] + [(r, "") for _, r in HOST_DATA]
        deps.append(("glibc", f"glibc >= {glibc}"))
        dep_purl = "pkg:rpm/redhat/{}?arch=" + ARCH_RPM
    package_ref = f"{kind}:{NAME}"
    meta["component"] = {
        "bom-ref": package_ref,
        "type": "application",
        "name": NAME,
        "version": version,
        "purl": purl,
        "description": f"{SUMMARY} ({kind} package of the frozen bundle, in /opt/{NAME})",
        "supplier": app.get("supplier", {"name": "ReviewStation team"}),
        "properties": app.get("properties", []),
    }
    app["scope"] = "required"
    sbom["components"] = [app, *sbom["components"]]
    host_refs = []
    seen: set[str] = set()
    for name, why in deps:
        if name in seen:
            continue
        seen.add(name)
        ref = f"host:{kind}:{name}"
        host_refs.append(ref)
        props = [{"name": "reviewstation:provided-by", "value": "host (declared dependency)"}]
        if why:
            props.append({"name": "reviewstation:needed-for", "value": why})
        sbom["components"].append(
            {
                "bom-ref": ref,
                "type": "library",
                "name": name,
                "purl": dep_purl.format(name),
                "scope": "required",
                "properties": props,
            }
        )
        sbom["dependencies"].append({"ref": ref})
    sbom["dependencies"].append({"ref": package_ref, "dependsOn": [app["bom-ref"], *host_refs]})
    digest = hashlib.sha256(f"{kind}:{version}:{meta['timestamp']}".encode()).digest()
    sbom["serialNumber"] = f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=5)}"
    tools = meta.setdefault("tools", {}).setdefault("components", [])
    tools.append(
        {
            "type": "application",
            "name": "reviewstation installer/os_packages.py",
            "version": version,
        }
    )
    text = json.dumps(sbom, indent=2, sort_keys=True) + "\n"
    validate_sbom(text)
    return sbom


def validate_sbom(text: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise PackageError(f"the package SBOM is invalid: {error}")


def stage(bundle: Path, root: Path, epoch: int) -> None:
    """The installed tree, the same for both formats."""
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(bundle, root / PREFIX, symlinks=True)
    (root / "usr/bin").mkdir(parents=True)
    (root / "usr/bin" / NAME).symlink_to(Path("../..") / PREFIX / NAME)
    share = root / "usr/share"
    shutil.copytree(bundle / "share", share)
    doc = share / "doc" / NAME
    doc.mkdir(parents=True)
    shutil.copytree(bundle / "licenses", doc / "licenses")
    notices = (bundle / "licenses" / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    (doc / "copyright").write_text(
        f"ReviewStation, installed in /{PREFIX}. Proprietary; copyright the ReviewStation team.\n"
        f"Third-party components and their licences (texts in ./licenses):\n\n{notices}",
        encoding="utf-8",
    )
    shutil.copy2(bundle / "sbom.cdx.json", doc / "sbom.cdx.json")


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def installed_size_kib(root: Path) -> int:
    total = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += (path.stat().st_size + 1023) // 1024
    return total


def stage_with_sbom(bundle: Path, root: Path, epoch: int, sbom: dict[str, Any]) -> None:
    """The bundle staged under ``root`` (``stage``) with the package's own SBOM beside its docs."""
    stage(bundle, root, epoch)
    write_json(root / "usr/share/doc" / NAME / "package.cdx.json", sbom)


def build_deb(
    bundle: Path,
    work: Path,
    out: Path,
    version: str,
    epoch: int,
    host: list[str],
    glibc: str,
    sbom: dict[str, Any],
    xz_level: int,
) -> Path:
    root = work / "deb"
    stage_with_sbom(bundle, root, epoch, package_sbom(sbom, "deb", version, host, glibc))
    depends = [f"libc6 (>= {glibc})"]
    depends += sorted({HOST_LIBRARIES[s][0] for s in host} | {d for d, _ in HOST_DATA})
    control = root / "DEBIAN"
    control.mkdir()
    sums = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        if not rel.startswith("DEBIAN/"):
            sums.append(
                f"{hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()}  {rel}\n"
            )
    (control / "md5sums").write_text("".join(sums), encoding="utf-8")
    (control / "control").write_text(
        f"Package: {NAME}\nVersion: {version}\nArchitecture: {ARCH_DEB}\n"
        f"Maintainer: {MAINTAINER}\nInstalled-Size: {installed_size_kib(root)}\n"
        f"Depends: {', '.join(depends)}\nSection: utils\nPriority: optional\n"
        f"Description: {SUMMARY}\n"
        " Encrypted vault, checklists, findings and signed review packages, with no network use.\n"
        f" The frozen application is installed in /{PREFIX}; `{NAME}` is on PATH.\n",
        encoding="utf-8",
    )
    normalise(root, epoch)
    target = out / f"{NAME}_{version}_{ARCH_DEB}.deb"
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    run("dpkg-deb", "--root-owner-group", "-Zxz", f"-z{xz_level}", "--build", root, target, env=env)
    return target


RPM_SPEC = """\
%define _buildhost reproducible
%define use_source_date_epoch_as_buildtime 1
%define clamp_mtime_to_source_epoch 1
%define _build_id_links none
%define debug_package %{{nil}}
%define __os_install_post %{{nil}}
%define __brp_mangle_shebangs %{{nil}}
%define _binary_payload w{xz_level}.xzdio
%define _binary_filedigest_algorithm 8
%define _source_payload w{xz_level}.xzdio
%define _unpackaged_files_terminate_build 1

Name: {name}
Version: {version}
Release: 1
Summary: {summary}
License: Proprietary
URL: https://reviewstation.invalid/
BuildArch: {arch}
AutoReqProv: no
{requires}

%description
Encrypted vault, checklists, findings and signed review packages, with no network use.
The frozen application is installed in /{prefix}; `{name}` is on PATH.

%install
cp -a {stage}/. %{{buildroot}}/

%files
%defattr(-,root,root,-)
/{prefix}
/usr/bin/{name}
/usr/share/applications/{name}.desktop
/usr/share/icons/hicolor/scalable/apps/{name}.svg
%dir /usr/share/doc/{name}
/usr/share/doc/{name}/*
"""


def build_rpm(
    bundle: Path,
    work: Path,
    out: Path,
    version: str,
    epoch: int,
    host: list[str],
    glibc: str,
    sbom: dict[str, Any],
    xz_level: int,
) -> Path:
    root = work / "rpm-root"
    stage_with_sbom(bundle, root, epoch, package_sbom(sbom, "rpm", version, host, glibc))
    normalise(root, epoch)
    requires = [f"Requires: libc.so.6(GLIBC_{glibc})(64bit)"]
    requires += [f"Requires: {s}()(64bit)" for s in host]
    requires += [f"Requires: {r}" for _, r in HOST_DATA]
    top = work / "rpmbuild"
    if top.exists():
        shutil.rmtree(top)
    (top / "SPECS").mkdir(parents=True)
    spec = top / "SPECS" / f"{NAME}.spec"
    spec.write_text(
        RPM_SPEC.format(
            name=NAME,
            version=version,
            summary=SUMMARY,
            arch=ARCH_RPM,
            prefix=PREFIX.as_posix(),
            requires="\n".join(requires),
            stage=root,
            xz_level=xz_level,
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "TZ": "UTC", "LC_ALL": "C"}
    run(
        "rpmbuild",
        "-bb",
        "--quiet",
        "--define",
        f"_topdir {top}",
        "--define",
        f"_rpmdir {top / 'RPMS'}",
        "--target",
        ARCH_RPM,
        spec,
        env=env,
    )
    built = top / "RPMS" / ARCH_RPM / f"{NAME}-{version}-1.{ARCH_RPM}.rpm"
    target = out / built.name
    shutil.copyfile(built, target)
    return target


def sign_checksums(out: Path, artifacts: list[Path], key: Path | None, epoch: int) -> None:
    """SHA384SUMS (sha384sum format), its ECDSA P-384 signature, and the public key beside it.

    All three are made and verified in a temporary folder first: a bad key changes nothing."""
    lines = [f"{hashlib.sha384(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(artifacts)]
    names = ("SHA384SUMS", "SHA384SUMS.sig", "release-key.pub.pem")
    with tempfile.TemporaryDirectory() as tmp:
        sums, sig, pub = (Path(tmp) / name for name in names)
        sums.write_text("".join(lines), encoding="ascii")
        if key is None:
            key = Path(tmp) / "ephemeral.pem"
            curve = "ec_paramgen_curve:P-384"
            run("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", curve, "-out", key)
        elif not key.is_file():
            raise PackageError(f"no release key at {key}")
        if "secp384r1" not in run("openssl", "pkey", "-in", key, "-noout", "-text_pub"):
            raise PackageError(f"the release key {key} is not an EC P-384 (secp384r1) key")
        run("openssl", "pkey", "-in", key, "-pubout", "-out", pub)
        run("openssl", "dgst", "-sha384", "-sign", key, "-out", sig, sums)
        run("openssl", "dgst", "-sha384", "-verify", pub, "-signature", sig, sums)
        for path in (sums, sig, pub):
            os.utime(path, (epoch, epoch))
            shutil.copy2(path, out / path.name)


def build(
    bundle: Path, out: Path, xz_level: int, key: Path | None, formats: list[str]
) -> list[Path]:
    for tool in (
        "objdump",
        "openssl",
        *(("dpkg-deb",) if "deb" in formats else ()),
        *(("rpmbuild",) if "rpm" in formats else ()),
    ):
        if shutil.which(tool) is None:
            raise PackageError(
                f"{tool} is not installed (Debian: apt-get install rpm binutils openssl)"
            )
    version, epoch, sbom = bundle_identity(bundle)
    host, glibc = host_requirements(bundle)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(
        tempfile.mkdtemp(
            prefix="rs-packages-", dir=REPO / "build" if (REPO / "build").is_dir() else None
        )
    )
    artifacts: list[Path] = []
    try:
        for kind, builder in (("deb", build_deb), ("rpm", build_rpm)):
            if kind not in formats:
                continue
            pkg = builder(bundle, work, out, version, epoch, host, glibc, sbom, xz_level)
            sbom_out = out / f"{pkg.name}.cdx.json"
            write_json(sbom_out, package_sbom(sbom, kind, version, host, glibc))
            os.utime(sbom_out, (epoch, epoch))
            artifacts += [pkg, sbom_out]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    sign_checksums(out, artifacts, key, epoch)
    return artifacts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPO / "dist" / NAME)
    parser.add_argument("--out", type=Path, default=REPO / "dist" / "packages")
    parser.add_argument("-z", "--xz-level", type=int, default=6, choices=range(10))
    parser.add_argument("--key", type=Path, help="PEM private key (EC P-384) to sign SHA384SUMS")
    parser.add_argument("--format", action="append", choices=["deb", "rpm"], dest="formats")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        artifacts = build(
            args.bundle, args.out, args.xz_level, args.key, args.formats or ["deb", "rpm"]
        )
    except PackageError as exc:
        print(f"packages: {exc}", file=sys.stderr)
        return 1
    for path in artifacts:
        print(f"{path}  {path.stat().st_size / 2**20:.1f} MiB")
    print(f"packages: built in {time.monotonic() - started:.0f} s; SHA384SUMS signed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
