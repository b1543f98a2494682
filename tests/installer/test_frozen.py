"""Smoke test of the frozen app, run with no venv in sight (``env -i``, PATH=/usr/bin:/bin).

Covers the CLI contract (--version, demo, vault verify, package verify), the resources and
licence notices it carries, the SBOM beside it, and that the GUI starts on the offscreen platform
and opens its window on an X server (Xvfb).

With REVIEWSTATION_FROZEN_ROOT set (installer/bullseye-test.sh, `make test-bullseye`) every run of
the app happens inside that root (`chroot ROOT env -i ...`): the bundle and every temporary file
must then be inside it (pytest --basetemp under the root), and paths are given to the app as seen
from inside. The root must hold no Python.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import reviewstation

pytestmark = [
    pytest.mark.frozen,
    pytest.mark.skipif(sys.platform == "win32", reason="the env -i recipe is POSIX"),
]

REPO = Path(__file__).resolve().parents[2]
DEMO_PASSPHRASE = "demo-passphrase"
ROOT = (
    Path(os.environ["REVIEWSTATION_FROZEN_ROOT"])
    if os.environ.get("REVIEWSTATION_FROZEN_ROOT")
    else None
)


def inside(arg: str | Path) -> str:
    """A path (or any argument) as the app sees it: relative to ROOT when running in the root."""
    text = str(arg)
    if ROOT is not None:
        prefix = str(ROOT.resolve())
        if text == prefix:
            return "/"
        if text.startswith(prefix + "/"):
            return text[len(prefix) :]
    return text


def command(app: Path, home: Path, *args: str, **env: str) -> list[str]:
    """`env -i` with only PATH, HOME and env, run in ROOT (chroot) when one is given."""
    assignments = [
        f"{k}={inside(v)}" for k, v in {"PATH": "/usr/bin:/bin", "HOME": str(home), **env}.items()
    ]
    argv = ["/usr/bin/env", "-i", *assignments, inside(app), *(inside(a) for a in args)]
    return ["chroot", str(ROOT), *argv] if ROOT is not None else argv


@pytest.fixture(scope="module")
def app() -> Path:
    exe = Path(
        os.environ.get(
            "REVIEWSTATION_FROZEN_APP", REPO / "dist" / "reviewstation" / "reviewstation"
        )
    )
    if not exe.is_file():
        pytest.fail(f"no frozen app at {exe}; build it with `make dist`")
    if ROOT is not None and not inside(exe.resolve()).startswith("/opt/"):
        pytest.fail(f"REVIEWSTATION_FROZEN_APP must be inside {ROOT}")
    return exe.resolve()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def run(
    app: Path, home: Path, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """The app under `env -i`: nothing from this (venv) process's environment reaches it."""
    return subprocess.run(
        command(app, home, *args, **env),
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
    if ROOT is not None:
        # The root holds no Python at all: no interpreter on PATH, no standard library.
        probe = subprocess.run(
            ["chroot", str(ROOT), "/bin/sh", "-c", "ls -d /usr/bin/python* /usr/lib/python3*"],
            capture_output=True,
            text=True,
        )
        assert probe.stdout.strip() == "", probe.stdout
        assert sys.prefix not in str(app.resolve())
        return
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


def start_gui(app: Path, home: Path, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(app, home, QT_DEBUG_PLUGINS="0", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=home,
    )


def stop_gui(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        _, stderr = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
    return stderr


def test_gui_starts_offscreen(app: Path, home: Path) -> None:
    with start_gui(app, home, QT_QPA_PLATFORM="offscreen") as proc:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        alive = proc.poll() is None
        stderr = stop_gui(proc)
    assert alive, f"the GUI exited early ({proc.returncode}): {stderr}"
    assert "Traceback" not in stderr
    assert "could not load the Qt platform plugin" not in stderr.lower()


@pytest.fixture(scope="module")
def x_display() -> Iterator[str]:
    """An Xvfb display started here (on the host: a chroot reaches it through X's socket)."""
    required = os.environ.get("REVIEWSTATION_REQUIRE_X11") == "1"
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        if required:
            pytest.fail(f"{', '.join(missing)} not installed (REVIEWSTATION_REQUIRE_X11=1)")
        pytest.skip(f"{', '.join(missing)} not installed")
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        if not number:
            pytest.fail("Xvfb did not start")
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def has_window(display: str, name: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--name", name],
        capture_output=True,
        text=True,
        env={"DISPLAY": display, "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    return found.returncode == 0 and found.stdout.strip() != ""


def test_gui_opens_its_window_on_x11(app: Path, home: Path, x_display: str) -> None:
    """The xcb platform plugin loads (with the host's libxcb, GL and fontconfig) and the unlock
    dialog is mapped on the X server."""
    with start_gui(app, home, QT_QPA_PLATFORM="xcb", DISPLAY=x_display) as proc:
        deadline = time.monotonic() + 30
        shown = False
        while time.monotonic() < deadline and proc.poll() is None and not shown:
            time.sleep(0.5)
            shown = has_window(x_display, "Unlock vault")
        alive = proc.poll() is None
        stderr = stop_gui(proc)
    assert alive, f"the GUI exited early ({proc.returncode}): {stderr}"
    assert shown, f"no ReviewStation window on {x_display}: {stderr}"
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
