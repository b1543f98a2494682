"""The .deb and .rpm of the frozen bundle (installer/os_packages.py, `make packages`).

The frozen tests build both packages twice from the bundle `make dist` produced (xz level 0 to
keep the test short; the level changes the compression, not what makes the bytes reproducible)
and check: identical bytes, declared host dependencies, the signed SHA384SUMS verified with
openssl alone, an install into a test root with dpkg and with rpm from which `reviewstation
--version` runs, and that removal leaves nothing of the package behind.

The host-dependency check (an unmapped host library fails the build) runs in the default suite.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import reviewstation

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "installer" / "os_packages.py"
BUNDLE = Path(os.environ.get("REVIEWSTATION_FROZEN_BUNDLE", REPO / "dist" / "reviewstation"))
VERSION = reviewstation.__version__
DEB = f"reviewstation_{VERSION}_amd64.deb"
RPM = f"reviewstation-{VERSION}-1.x86_64.rpm"
TOOLS = ("dpkg-deb", "dpkg", "rpmbuild", "rpm", "openssl", "objdump", "sha384sum")


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("os_packages", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["os_packages"] = module
    spec.loader.exec_module(module)
    return module


def test_unmapped_host_library_fails_the_build(tmp_path: Path) -> None:
    if shutil.which("objdump") is None:
        pytest.skip("objdump (binutils) is not installed")
    packages = load_script()
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    # A system program that links a library no bundle carries and HOST_LIBRARIES does not map.
    probe = next(
        (Path(p) for p in ("/usr/bin/ls", "/bin/ls", "/usr/bin/openssl") if Path(p).is_file()),
        None,
    )
    if probe is None:
        pytest.skip("no system ELF program to probe")
    shutil.copy(probe, bundle / "probe")
    needed = subprocess.run(["objdump", "-p", str(probe)], capture_output=True, text=True).stdout
    foreign = [
        line.split()[1]
        for line in needed.splitlines()
        if line.split()[:1] == ["NEEDED"]
        and line.split()[1] not in packages.GLIBC_SONAMES
        and line.split()[1] not in packages.HOST_LIBRARIES
    ]
    if not foreign:
        pytest.skip(f"{probe} needs only glibc")
    with pytest.raises(packages.PackageError, match=foreign[0].replace(".", r"\.")):
        packages.host_requirements(bundle)
    # Once the library is in the bundle it is no longer a host dependency.
    for name in foreign:
        (bundle / name).write_bytes(b"")
    host, glibc = packages.host_requirements(bundle)
    assert host == [] and glibc.startswith("2.")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    # CI (.ci/run) sets REVIEWSTATION_REQUIRE_PACKAGING=1: there a missing tool is a failure.
    give_up = pytest.fail if os.environ.get("REVIEWSTATION_REQUIRE_PACKAGING") else pytest.skip
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        give_up(f"{', '.join(missing)} not installed (apt-get install rpm binutils)")
    if not (BUNDLE / "reviewstation").is_file():
        give_up(f"no frozen bundle at {BUNDLE}; build it with `make dist`")
    outs = []
    for n in (1, 2):
        out = tmp_path_factory.mktemp(f"packages{n}")
        result = subprocess.run(
            [sys.executable, str(SCRIPT), "--bundle", str(BUNDLE), "--out", str(out), "-z0"],
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, result.stderr
        outs.append(out)
    return outs[0], outs[1]


@pytest.mark.frozen
@pytest.mark.parametrize("name", [DEB, RPM, f"{DEB}.cdx.json", f"{RPM}.cdx.json", "SHA384SUMS"])
def test_two_builds_are_identical(builds: tuple[Path, Path], name: str) -> None:
    first, second = builds
    assert (first / name).read_bytes() == (second / name).read_bytes()


@pytest.mark.frozen
def test_checksums_verify_with_openssl_alone(builds: tuple[Path, Path]) -> None:
    out = builds[0]
    verify = [
        "openssl", "dgst", "-sha384", "-verify", "release-key.pub.pem",
        "-signature", "SHA384SUMS.sig", "SHA384SUMS",
    ]  # fmt: skip
    assert subprocess.run(verify, cwd=out, capture_output=True).returncode == 0
    listed = sorted(line.split()[1] for line in (out / "SHA384SUMS").read_text().splitlines())
    assert listed == sorted([DEB, RPM, f"{DEB}.cdx.json", f"{RPM}.cdx.json"])
    check = subprocess.run(["sha384sum", "--strict", "-c", "SHA384SUMS"], cwd=out)
    assert check.returncode == 0
    # One changed byte in the list, or a list signed by another key, fails verification.
    tampered = out / "tampered"
    tampered.mkdir()
    for name in ("SHA384SUMS", "SHA384SUMS.sig", "release-key.pub.pem"):
        shutil.copy(out / name, tampered / name)
    text = (tampered / "SHA384SUMS").read_text()
    (tampered / "SHA384SUMS").write_text(text.replace(text[0], "0" if text[0] != "0" else "1", 1))
    assert subprocess.run(verify, cwd=tampered, capture_output=True).returncode != 0
    shutil.copy(builds[1] / "release-key.pub.pem", tampered / "release-key.pub.pem")
    (tampered / "SHA384SUMS").write_text(text)
    assert subprocess.run(verify, cwd=tampered, capture_output=True).returncode != 0


@pytest.mark.frozen
def test_declared_dependencies_and_sbom(builds: tuple[Path, Path]) -> None:
    out = builds[0]
    fields = subprocess.run(
        ["dpkg-deb", "-f", str(out / DEB), "Depends"], capture_output=True, text=True, check=True
    ).stdout
    depends = [d.strip() for d in fields.split(",")]
    assert depends[0].startswith("libc6 (>= 2.")
    assert {"libxcb1", "libgl1", "fontconfig"} <= set(depends)
    requires = subprocess.run(
        ["rpm", "-qpR", str(out / RPM)], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert "libxcb.so.1()(64bit)" in requires and "fontconfig" in requires
    assert any(r.startswith("libc.so.6(GLIBC_2.") for r in requires)
    for name, kind in ((f"{DEB}.cdx.json", "deb"), (f"{RPM}.cdx.json", "rpm")):
        sbom = json.loads((out / name).read_text())
        assert sbom["metadata"]["component"]["purl"].startswith(f"pkg:{kind}/reviewstation@")
        host = {c["name"] for c in sbom["components"] if c["bom-ref"].startswith(f"host:{kind}:")}
        assert ("libxcb1" if kind == "deb" else "libxcb") in host
        # Every Python distribution of the bundle's SBOM is still there.
        assert any(c.get("purl", "").startswith("pkg:pypi/pyside6") for c in sbom["components"])


def leftovers(root: Path, database: str) -> list[str]:
    """Anything of the package left in the root: files, links, or a directory it owned."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if not p.relative_to(root).as_posix().startswith(database)
        and (not p.is_dir() or p.is_symlink() or "reviewstation" in p.name)
    )


def runs_version(root: Path) -> str:
    exe = root / "usr" / "bin" / "reviewstation"
    assert exe.is_symlink()
    result = subprocess.run(
        ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", f"HOME={root}", str(exe), "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


EXPECTED_FILES = (
    "opt/reviewstation/reviewstation",
    "opt/reviewstation/sbom.cdx.json",
    "usr/share/applications/reviewstation.desktop",
    "usr/share/icons/hicolor/scalable/apps/reviewstation.svg",
    "usr/share/doc/reviewstation/copyright",
    "usr/share/doc/reviewstation/licenses/THIRD-PARTY-NOTICES.txt",
    "usr/share/doc/reviewstation/sbom.cdx.json",
    "usr/share/doc/reviewstation/package.cdx.json",
)


@pytest.mark.frozen
def test_deb_installs_runs_and_removes(builds: tuple[Path, Path], tmp_path: Path) -> None:
    root = tmp_path / "root"
    admin = root / "var/lib/dpkg"
    for folder in ("info", "updates"):
        (admin / folder).mkdir(parents=True)
    for name in ("status", "available"):
        (admin / name).touch()
    dpkg = ["dpkg", f"--root={root}", "--force-not-root"]
    # The test root has none of the host libraries, so dependencies are not checked here
    # (test_declared_dependencies_and_sbom checks what is declared).
    install = subprocess.run(
        [*dpkg, "--force-depends", "-i", str(builds[0] / DEB)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    for rel in EXPECTED_FILES:
        assert (root / rel).is_file(), rel
    assert runs_version(root) == f"reviewstation {VERSION}"
    remove = subprocess.run([*dpkg, "--purge", "reviewstation"], capture_output=True, text=True)
    assert remove.returncode == 0, remove.stderr
    assert leftovers(root, "var/lib/dpkg") == []


@pytest.mark.frozen
def test_rpm_installs_runs_and_removes(builds: tuple[Path, Path], tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    rpm = ["rpm", "--root", str(root), "--dbpath", "/var/lib/rpm"]
    subprocess.run([*rpm, "--initdb"], check=True)
    install = subprocess.run(
        [*rpm, "--nodeps", "-i", str(builds[0] / RPM)], capture_output=True, text=True
    )
    assert install.returncode == 0, install.stderr
    for rel in EXPECTED_FILES:
        assert (root / rel).is_file(), rel
    query = subprocess.run([*rpm, "-qa"], capture_output=True, text=True, check=True)
    assert query.stdout.split() == [f"reviewstation-{VERSION}-1.x86_64"]
    assert runs_version(root) == f"reviewstation {VERSION}"
    remove = subprocess.run([*rpm, "-e", "reviewstation"], capture_output=True, text=True)
    assert remove.returncode == 0, remove.stderr
    # Directories the package does not own (/usr/bin, /opt...) stay, as on a real system.
    assert leftovers(root, "var/lib/rpm") == []


def test_checksums_signed_with_a_given_key(tmp_path: Path) -> None:
    """`make packages RELEASE_KEY=...`: that key signs, and its public half is published."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    packages = load_script()
    out = tmp_path / "out"
    out.mkdir()
    artifacts = [out / "b.deb", out / "a.rpm"]
    for path in artifacts:
        path.write_bytes(path.name.encode() * 1000)
    key = tmp_path / "release.pem"
    generate = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]
    subprocess.run([*generate, "-out", str(key)], check=True)
    packages.sign_checksums(out, artifacts, key, 1_700_000_000)
    assert [line.split()[1] for line in (out / "SHA384SUMS").read_text().splitlines()] == [
        "a.rpm",
        "b.deb",
    ]
    public = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-pubout"], capture_output=True, check=True
    ).stdout
    assert (out / "release-key.pub.pem").read_bytes() == public
    verify = ["openssl", "dgst", "-sha384", "-verify", "release-key.pub.pem"]
    verify += ["-signature", "SHA384SUMS.sig", "SHA384SUMS"]
    assert subprocess.run(verify, cwd=out, capture_output=True).returncode == 0
    assert (out / "SHA384SUMS").stat().st_mtime == 1_700_000_000
    # A missing key, or one of another kind, is a one-line error and changes nothing.
    before = {name: (out / name).read_bytes() for name in ("SHA384SUMS", "SHA384SUMS.sig")}
    (out / "a.rpm").write_bytes(b"changed")
    with pytest.raises(packages.PackageError, match="no release key"):
        packages.sign_checksums(out, artifacts, tmp_path / "missing.pem", 1_700_000_000)
    other = tmp_path / "p256.pem"
    generate[-1] = "ec_paramgen_curve:P-256"
    subprocess.run([*generate, "-out", str(other)], check=True)
    with pytest.raises(packages.PackageError, match="not an EC P-384"):
        packages.sign_checksums(out, artifacts, other, 1_700_000_000)
    assert {name: (out / name).read_bytes() for name in before} == before
