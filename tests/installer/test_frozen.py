"""Smoke test of the frozen app, run with no venv in sight (``env -i``, PATH=/usr/bin:/bin).

Covers the CLI contract (--version, demo, vault verify, package verify), the resources and
licence notices it carries, the SBOM beside it, and that the GUI starts on the offscreen platform.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import reviewstation

pytestmark = [
    pytest.mark.frozen,
    pytest.mark.skipif(sys.platform == "win32", reason="the env -i recipe is POSIX"),
]

REPO = Path(__file__).resolve().parents[2]
DEMO_PASSPHRASE = "demo-passphrase"


@pytest.fixture(scope="module")
def app() -> Path:
    exe = Path(
        os.environ.get(
            "REVIEWSTATION_FROZEN_APP", REPO / "dist" / "reviewstation" / "reviewstation"
        )
    )
    if not exe.is_file():
        pytest.fail(f"no frozen app at {exe}; build it with `make dist`")
    return exe.resolve()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def run(
    app: Path, home: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """The app under `env -i`: nothing from this (venv) process's environment reaches it."""
    assignments = [
        f"{k}={v}" for k, v in {"PATH": "/usr/bin:/bin", "HOME": str(home), **env}.items()
    ]
    return subprocess.run(
        ["/usr/bin/env", "-i", *assignments, str(app), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=home,
    )


@pytest.fixture(scope="module")
def demo(app: Path, home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = run(app, home, "demo", str(out))
    assert result.returncode == 0, result.stderr
    assert "Package VALID" in result.stdout
    return out


def test_environment_has_no_venv(app: Path, home: Path) -> None:
    probe = subprocess.run(
        ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", f"HOME={home}", "/bin/sh", "-c", "env"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert sys.prefix not in probe.stdout
    assert "VIRTUAL_ENV" not in probe.stdout and "PYTHONPATH" not in probe.stdout
    assert sys.prefix not in str(app.resolve())  # the bundle is not inside the venv


def test_version(app: Path, home: Path) -> None:
    result = run(app, home, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"reviewstation {reviewstation.__version__}"


def test_demo_builds_vault_package_and_card(demo: Path) -> None:
    assert (demo / "Demo.rsvault").is_dir()
    assert (demo / "Demo-package.rspkg").is_file()
    assert (demo / "demo.card").is_file()


def test_vault_verify(app: Path, home: Path, demo: Path) -> None:
    result = run(
        app,
        home,
        "vault",
        "verify",
        str(demo / "Demo.rsvault"),
        "--json",
        stdin=DEMO_PASSPHRASE + "\n",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["intact"] is True and report["problems"] == [], report


def test_package_verify(app: Path, home: Path, demo: Path) -> None:
    package, card = demo / "Demo-package.rspkg", demo / "demo.card"
    result = run(app, home, "package", "verify", str(package), "--trust", str(card), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valid"] is True


def test_package_verify_rejects_a_tampered_package(
    app: Path, home: Path, demo: Path, tmp_path: Path
) -> None:
    tampered = tmp_path / "tampered.rspkg"
    data = bytearray((demo / "Demo-package.rspkg").read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    result = run(app, home, "package", "verify", str(tampered), "--trust", str(demo / "demo.card"))
    assert result.returncode == 1, (result.stdout, result.stderr)


def test_checklist_templates_are_bundled(app: Path, home: Path, demo: Path) -> None:
    result = run(
        app,
        home,
        "checklist",
        "templates",
        str(demo / "Demo.rsvault"),
        stdin=DEMO_PASSPHRASE + "\n",
    )
    assert result.returncode == 0, result.stderr
    shipped = sorted(p.stem for p in (REPO / "resources" / "checklists").glob("*.toml"))
    for template in shipped:
        assert template in result.stdout


def test_gui_starts_offscreen(app: Path, home: Path) -> None:
    assignments = [
        "PATH=/usr/bin:/bin",
        f"HOME={home}",
        "QT_QPA_PLATFORM=offscreen",
        "QT_DEBUG_PLUGINS=0",
    ]
    with subprocess.Popen(
        ["/usr/bin/env", "-i", *assignments, str(app)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=home,
    ) as proc:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        try:
            _, stderr = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
    assert alive, f"the GUI exited early ({proc.returncode}): {stderr}"
    assert "Traceback" not in stderr
    assert "could not load the Qt platform plugin" not in stderr.lower()


def test_bundle_carries_sbom_and_notices(app: Path) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    bundle = app.parent
    sbom = (bundle / "sbom.cdx.json").read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(sbom) is None
    names = {c["name"].lower() for c in json.loads(sbom)["components"]}
    assert {
        "pyside6_essentials",
        "cryptography",
        "sqlcipher3",
        "qt",
        "sqlcipher",
        "openssl",
    } <= names
    notices = (bundle / "licenses" / "THIRD-PARTY-NOTICES.txt").read_text(encoding="utf-8")
    for name in (
        "pyside6-essentials",
        "sqlcipher",
        "openssl",
        "cryptography",
        "reportlab",
        "keyring",
        "cvss",
        "cyclonedx-python-lib",
        "zstandard",
        "python",
        "qt",
    ):
        assert f"\n{name} " in notices, name
    assert (bundle / "licenses" / "notices" / "texts" / "LGPL-3.0.txt").is_file()
    assert (bundle / "share" / "applications" / "reviewstation.desktop").is_file()


def test_bundle_leaves_out_network_and_unused_qt(app: Path) -> None:
    internal = app.parent / "_internal"
    files = [p.relative_to(internal).as_posix() for p in internal.rglob("*")]
    assert not [f for f in files if "QtNetwork" in f or "Qt6Network" in f]
    assert not [f for f in files if "wayland" in f.lower() or "eglfs" in f.lower()]
    assert not [f for f in files if "/translations/" in f]
    assert "cyclonedx/schema/_res/spdx.SNAPSHOT.schema.json" in files
    plugins = {
        p.parent.name + "/" + p.name for p in (internal / "PySide6/Qt/plugins").rglob("*.so")
    }
    assert "platforms/libqxcb.so" in plugins and "platforms/libqoffscreen.so" in plugins


def test_keyring_backends_are_bundled(app: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader  # type: ignore[import-untyped]

    archive = CArchiveReader(str(app))
    pyz = archive.open_embedded_archive("PYZ.pyz")
    modules = set(pyz.toc)
    assert {
        "keyring.backends.SecretService",
        "keyring.backends.kwallet",
        "sqlcipher3.dbapi2",
    } <= modules
    assert "PySide6.QtNetwork" not in modules and "ssl" not in modules
