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

from reviewstation.app.demo import DEMO_PASSPHRASE

TOOLS = ("Xvfb", "xdotool", "import")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS),
    reason="needs Xvfb, xdotool and imagemagick (apt-get install xvfb xdotool imagemagick)",
)
GREEN = "#007a33"
SCREEN = (1280, 900)
SIZE = f"{SCREEN[0]}x{SCREEN[1]}x24"


@pytest.fixture
def display() -> Iterator[str]:
    """A private Xvfb; ``-displayfd`` makes it pick a free display number and tell us."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-screen", "0", SIZE],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as announced:
            number = announced.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


def x(display: str, *args: str) -> str:
    env = {**os.environ, "DISPLAY": display}
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


def focus_window(display: str, title: str) -> tuple[int, int, int]:
    """Wait for the visible window named ``title``, give it the keyboard; its x, y, width."""
    search = ("xdotool", "search", "--sync", "--onlyvisible", "--name", title)
    found = x(display, "timeout", "30", *search)
    window = found.split()[0]
    x(display, "xdotool", "windowfocus", "--sync", window)
    geometry = dict(
        line.split("=", 1)
        for line in x(display, "xdotool", "getwindowgeometry", "--shell", window).split()
    )
    return int(geometry["X"]), int(geometry["Y"]), int(geometry["WIDTH"])


def top_centre_colour(display: str, where: tuple[int, int, int], path: Path) -> str:
    x(display, "import", "-window", "root", str(path))
    image = QImage(str(path))
    assert not image.isNull()
    left, top, width = where
    return image.pixelColor(left + width // 2, top + 4).name()


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
            focus_window(display, "Unlock")  # first run: the demo vault, preselected
            x(display, "xdotool", "type", "--delay", "15", DEMO_PASSPHRASE)
            x(display, "xdotool", "key", "Return")
            main = focus_window(display, "ReviewStation — Demo — demo")
            deadline = time.monotonic() + 20
            while (colour := top_centre_colour(display, main, tmp_path / "s.png")) != GREEN:
                assert time.monotonic() < deadline, f"the top banner is {colour}, not green"
                time.sleep(0.2)
            x(display, "xdotool", "key", "ctrl+l")
            focus_window(display, "Unlock")
            x(display, "xdotool", "key", "Escape")
            assert app.wait(30) == 0
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)
    assert log.read_text(errors="replace") == ""
