"""The app in a real X window (Xvfb): first run opens the demo vault, the reviewer unlocks with
the keyboard alone, the review shows under a banner in the marking's colour, Ctrl+L locks,
Escape quits, and nothing is printed (no traceback, no Qt warning).

Needs Debian's xvfb, xdotool and imagemagick (``.ci/run`` installs them); skipped without.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from reviewstation.demo import DEMO_PASSPHRASE

TOOLS = ("Xvfb", "xdotool", "import")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS),
    reason="needs Xvfb, xdotool and imagemagick (apt-get install xvfb xdotool imagemagick)",
)
GREEN = "#007a33"
SCREEN = (1280, 900)


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    name = f":{100 + os.getpid() % 400}"
    server = subprocess.Popen(
        ["Xvfb", name, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{name[1:]}").exists():
            assert time.monotonic() < deadline, "Xvfb did not start"
            time.sleep(0.1)
        yield name
    finally:
        server.terminate()
        server.wait(10)


def x(display: str, *args: str) -> str:
    env = {**os.environ, "DISPLAY": display}
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


def wait_for_window(display: str, title: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", title],
            env={**os.environ, "DISPLAY": display},
            capture_output=True,
            text=True,
        )
        if found.returncode == 0 and found.stdout.strip():
            return
        time.sleep(0.2)
    raise AssertionError(f"no visible window named {title!r}")


def screen(display: str, path: Path) -> QImage:
    x(display, "import", "-window", "root", str(path))
    image = QImage(str(path))
    assert not image.isNull()
    return image


def test_keyboard_unlock_in_a_real_window(display: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("QT_QPA_PLATFORM", "XDG_CONFIG_HOME", "XDG_DATA_HOME")
    }
    env.update(
        DISPLAY=display,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_RUNTIME_DIR=str(tmp_path / "run"),
    )
    (tmp_path / "run").mkdir(mode=0o700)
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        app = subprocess.Popen(
            [sys.executable, "-m", "reviewstation"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_window(display, "Unlock")  # first run: the demo vault, preselected
            time.sleep(0.5)
            x(display, "xdotool", "type", "--delay", "15", DEMO_PASSPHRASE)
            x(display, "xdotool", "key", "Return")
            wait_for_window(display, "ReviewStation — Demo — demo")
            time.sleep(1.5)  # the reviews load on the vault thread
            image = screen(display, tmp_path / "unlocked.png")
            assert image.pixelColor(SCREEN[0] // 2, 4).name() == GREEN  # the top banner
            x(display, "xdotool", "key", "ctrl+l")
            wait_for_window(display, "Unlock")
            x(display, "xdotool", "key", "Escape")
            assert app.wait(30) == 0
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)
    assert log.read_text(errors="replace") == ""
