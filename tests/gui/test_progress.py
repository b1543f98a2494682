"""The progress dialog with sizes past 2 GiB (Qt's plain int is 32 bits)."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from reviewstation.gui.progress import JobProgress, ProgressDialog


def test_reports_past_two_gib_move_the_bar(qtbot: QtBot) -> None:
    progress = JobProgress()
    box = ProgressDialog("UNCLASSIFIED", "Importing artifacts…", progress)
    qtbot.addWidget(box)
    total = 3 * 2**30
    # From another thread, as the vault thread reports: the signal is queued to this one.
    worker = threading.Thread(target=progress.report, args=(2**31 + 2**29, total, "import: big"))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: box.bar.value() == 833, timeout=5_000)
    assert box.bar.maximum() == 1000
    assert box.label.text() == "import: big"
