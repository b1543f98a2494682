"""The app side of the AT-SPI walk (``test_atspi.py``): run in a real X session with Qt's
accessibility bridge on, it unlocks a demo vault and shows each state of ``catalogue.STATES``
in turn. For each it prints one JSON line (state name, window title) and waits for a line on
standard input before closing it and going on; ``done`` ends it.

    python tests/gui/atspi_app.py VAULT SETTINGS_FILE
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

sys.path.insert(0, str(Path(__file__).parent))

from catalogue import STATES, close  # type: ignore[import-not-found]

from reviewstation.app.demo import DEMO_PASSPHRASE, DEMO_USER
from reviewstation.gui.shell import Shell


class Bot:
    """The few pytest-qt ``qtbot`` calls the catalogue makes, on a plain event loop."""

    def __init__(self, app: QApplication) -> None:
        self.app = app

    def wait(self, ms: int) -> None:
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)

    def waitUntil(self, ready: Callable[[], object], timeout: int = 10_000) -> None:
        deadline = time.monotonic() + timeout / 1000
        while not ready():
            if time.monotonic() > deadline:
                raise SystemExit("atspi_app: timed out")
            self.wait(10)

    def waitExposed(self, widget: QWidget) -> None:
        self.waitUntil(widget.isVisible)
        self.wait(50)


def main(vault: str, settings_file: str) -> int:
    app = QApplication(sys.argv[:1])
    bot = Bot(app)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    shell = Shell(QSettings(settings_file, QSettings.Format.IniFormat))
    shell.start(Path(vault))
    bot.waitExposed(shell.dialog)
    shell.dialog.ui.userCombo.setCurrentText(DEMO_USER)
    QTest.keyClicks(shell.dialog.ui.secretEdit, DEMO_PASSPHRASE)
    QTest.keyClick(shell.dialog.ui.secretEdit, Qt.Key.Key_Return)
    bot.waitUntil(lambda: shell.main_window is not None)
    window = shell.main_window
    assert window is not None
    bot.waitUntil(lambda: window.workspace.overview.review is not None)
    for name, open_ in STATES:
        top = open_(bot, window)
        bot.wait(150)  # the bridge announces new objects asynchronously
        print(json.dumps({"state": name, "title": top.windowTitle()}), flush=True)
        # The event loop keeps running while the walker asks: the answers come from it.
        bot.waitUntil(lambda: not lines.empty(), timeout=120_000)
        lines.get()
        close(top, window)
        bot.wait(50)
    print(json.dumps({"state": None}), flush=True)
    shell.quit()
    bot.waitUntil(lambda: shell.done)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
