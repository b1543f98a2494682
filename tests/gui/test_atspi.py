"""Every window and dialog as a screen reader meets it: the app runs in Xvfb with Qt's AT-SPI
bridge on (its own D-Bus session bus and AT-SPI registry), shows each state of
``catalogue.STATES`` in turn (``atspi_app.py``), and the system python3's pyatspi walks that
window through the registry (``atspi_walker.py``). Every control a user can operate has a
name and a role a screen reader can say.

Needs Debian's xvfb, dbus-x11, at-spi2-core and python3-pyatspi (``.ci/run`` installs them);
skipped, with the missing piece named, where any is absent.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SYSTEM_PYTHON = "/usr/bin/python3"
BUS_LAUNCHER = "/usr/libexec/at-spi-bus-launcher"
# Roles of what a user operates; each must have a name a screen reader can say.
CONTROLS = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "combo box",
    "text",
    "password text",
    "entry",
    "spin button",
    "table",
    "tree table",
    "tree",
    "list",
    "list box",
    "page tab",
    "slider",
    "progress bar",
}
WRONG = {"unknown", "invalid", "redundant object"}
BUDGET_S = 60


def missing() -> str:
    """What is missing for the walk, or ""."""
    for tool, package in (("Xvfb", "xvfb"), ("dbus-launch", "dbus-x11")):
        if shutil.which(tool) is None:
            return f"{tool} not found (apt-get install {package})"
    if not Path(BUS_LAUNCHER).exists():
        return f"{BUS_LAUNCHER} not found (apt-get install at-spi2-core)"
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} not found"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True)
    if probe.returncode:
        return "the system python3 cannot import pyatspi (apt-get install python3-pyatspi)"
    return ""


REASON = missing()
if REASON:
    print(f"AT-SPI walk skipped: {REASON}", file=sys.stderr)
pytestmark = pytest.mark.skipif(bool(REASON), reason=f"AT-SPI walk: {REASON}")


class Session:
    """Xvfb, a D-Bus session bus and the AT-SPI bus, each started and stopped by its pid."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.bus_pid = 0
        read, write = os.pipe()
        self.procs.append(
            subprocess.Popen(
                [
                    "Xvfb",
                    "-displayfd",
                    str(write),
                    "-nolisten",
                    "tcp",
                    "-screen",
                    "0",
                    "1280x900x24",
                ],
                pass_fds=(write,),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        os.close(write)
        with os.fdopen(read) as announced:
            number = announced.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        self.env = {**os.environ, "DISPLAY": f":{number}"}
        for key in ("QT_QPA_PLATFORM", "AT_SPI_BUS_ADDRESS", "DBUS_SESSION_BUS_ADDRESS"):
            self.env.pop(key, None)
        launched = subprocess.run(
            ["dbus-launch", "--sh-syntax"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        for line in launched.stdout.splitlines():
            key, _, value = line.partition("=")
            value = value.rstrip(";").strip("'")
            if key == "DBUS_SESSION_BUS_ADDRESS":
                self.env[key] = value
            elif key == "DBUS_SESSION_BUS_PID":
                self.bus_pid = int(value)
        self.procs.append(
            subprocess.Popen(
                [BUS_LAUNCHER, "--launch-immediately"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        self.env.update(
            QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_ACCESSIBILITY="1", QT_QPA_PLATFORM="xcb"
        )

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.bus_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.bus_pid, 15)


@pytest.fixture
def session() -> Iterator[Session]:
    started = Session()
    try:
        yield started
    finally:
        started.stop()


def problems(state: str, answer: dict[str, object]) -> list[str]:
    if "error" in answer:
        return [f"{state}: {answer['error']}"]
    nodes = answer["nodes"]
    assert isinstance(nodes, list)
    found = []
    controls = [n for n in nodes if n["role"] in CONTROLS and "enabled" in n["states"]]
    if not controls:
        found.append(f"{state}: no control seen")
    for node in nodes:
        if node["role"] in WRONG and "focusable" in node["states"]:
            found.append(f"{state}: a focusable {node['role']!r} object named {node['name']!r}")
    for node in controls:
        if node["role"] == "text" and "focusable" not in node["states"]:
            continue  # a read-only text shown, not a control
        if node["role"] == "progress bar" and not node["name"]:
            found.append(f"{state}: a progress bar without a name")
        elif not str(node["name"]).replace("&", "").strip():
            found.append(f"{state}: a {node['role']} without a name")
    return found


def test_every_window_and_dialog_through_atspi(
    session: Session, demo_vault: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    env = {
        **session.env,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    errors = tmp_path / "app.err"  # a file, not a pipe: a full pipe would stall the app
    with errors.open("w") as sink:
        app = subprocess.Popen(
            [sys.executable, str(HERE / "atspi_app.py"), str(demo_vault), str(tmp_path / "s.ini")],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=sink,
            text=True,
        )
    walker_env = {k: v for k, v in session.env.items() if k != "PYTHONPATH"}
    assert app.stdin and app.stdout
    table: list[str] = []
    walked: dict[str, int] = {}
    roles: set[str] = set()
    try:
        while True:
            line = app.stdout.readline()
            assert line, f"the app ended early: {errors.read_text()}"
            shown = json.loads(line)
            if shown["state"] is None:
                break
            walker = subprocess.run(
                [SYSTEM_PYTHON, str(HERE / "atspi_walker.py"), str(app.pid), shown["title"]],
                env=walker_env,
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert walker.returncode == 0, walker.stderr
            answer = json.loads(walker.stdout)
            table += problems(shown["state"], answer)
            walked[shown["state"]] = len(answer.get("nodes", []))
            roles |= {str(node["role"]) for node in answer.get("nodes", [])}
            app.stdin.write("next\n")
            app.stdin.flush()
        assert app.wait(30) == 0
    finally:
        if app.poll() is None:
            app.terminate()
            app.wait(10)
        app.stdin.close()
        app.stdout.close()
    elapsed = time.monotonic() - started
    print(f"AT-SPI walk: {len(walked)} states, {sum(walked.values())} objects, {elapsed:.1f} s")
    print("\n".join(table) or "every window clean")
    assert table == []
    from .catalogue import STATES

    assert set(walked) == {name for name, _ in STATES}
    assert all(count >= 3 for count in walked.values()), walked
    # Each kind of control reaches the screen reader with its own role, not as a generic one.
    kinds = {"push button", "check box", "combo box", "text", "table", "page tab", "label"}
    assert kinds <= roles, kinds - roles
    assert elapsed < BUDGET_S
    stderr = errors.read_text()
    assert "Traceback" not in stderr, stderr
