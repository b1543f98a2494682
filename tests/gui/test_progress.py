"""The progress dialog with sizes past 2 GiB (Qt's plain int is 32 bits), and the one helper
that runs long work behind it."""

from __future__ import annotations

import threading
import time

from pytestqt.qtbot import QtBot

from reviewstation.errors import Cancelled, NotFound
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.operation import run_operation
from reviewstation.gui.runtime.progress import JobProgress, ProgressDialog
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.progress import check_cancel
from reviewstation.vault.session import Session

from .test_artifacts import visible


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


def test_one_operation_helper_shows_progress_cancels_and_types_the_failure(
    qtbot: QtBot, window: MainWindow
) -> None:
    """``run_operation``: the marked dialog, Cancel reaching the core's flag, and a failure
    given as its exception type (a cancel is known by type, not by reading the sentence)."""
    started = threading.Event()
    answers: list[object] = []

    def work(_session: Session, progress: JobProgress) -> None:
        progress.report(1, 4, "step: one")
        started.set()
        for _ in range(500):  # the core's long function, checking its flag
            check_cancel(progress.cancel, "test operation")
            time.sleep(0.01)

    progress = run_operation(window.ctx, window, "Working…", work, answers.append, answers.append)
    (box,) = visible(ProgressDialog)
    assert isinstance(box, ProgressDialog) and box.top_banner.text() == "UNCLASSIFIED"
    qtbot.waitUntil(lambda: box.label.text() == "step: one", timeout=5_000)
    assert started.wait(5)
    box.cancel_button.click()
    assert progress.cancel.is_set()
    qtbot.waitUntil(lambda: answers != [], timeout=5_000)
    (failure,) = answers
    assert isinstance(failure, Failure)
    assert failure.cancelled and failure.is_a(Cancelled) and failure.kind is Cancelled
    assert failure.message == "The test operation was cancelled; nothing was changed."
    qtbot.waitUntil(lambda: not visible(ProgressDialog), timeout=5_000)

    def broken(_session: Session, _progress: JobProgress) -> None:
        raise NotFound("There is no finding 99.")

    answers.clear()
    run_operation(window.ctx, window, "Working…", broken, answers.append, answers.append)
    qtbot.waitUntil(lambda: answers != [], timeout=5_000)
    (failure,) = answers
    assert isinstance(failure, Failure) and failure.kind is NotFound and not failure.cancelled
    assert failure.message == "There is no finding 99."
