"""Idle auto-lock (with a dialog open, during long work), the clipboard, settings."""

from __future__ import annotations

import threading

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.reviews.review_dialog import NewReviewDialog
from reviewstation.gui.runtime.autolock import SETTING, configured_minutes
from reviewstation.gui.runtime.clipboard import SECRET_HINT, SecretClipboard
from reviewstation.gui.runtime.vault_thread import LOCKED
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.settings_dialog import SettingsDialog
from reviewstation.vault.session import Session

TIMEOUT = 10_000


def dialogs() -> list[QDialog]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QDialog) and w.isVisible() and w.objectName() != "UnlockDialog"
    ]


def test_idle_lock_closes_an_open_modal_dialog(
    qtbot: QtBot, shell: Shell, window: MainWindow
) -> None:
    shell.idle.set_timeout(200)
    window.new_button.click()
    qtbot.waitUntil(lambda: any(isinstance(d, NewReviewDialog) for d in dialogs()), timeout=TIMEOUT)
    dialog = next(d for d in dialogs() if isinstance(d, NewReviewDialog))
    assert dialog.isModal() or dialog.windowModality() != Qt.WindowModality.NonModal
    QTest.keyClicks(dialog.title_edit, "typing keeps it awake")
    qtbot.waitUntil(shell.dialog.isVisible, timeout=TIMEOUT)
    assert shell.main_window is None
    assert not any(isinstance(d, NewReviewDialog) for d in dialogs())
    assert not any(
        isinstance(w, MainWindow) and w.isVisible() for w in QApplication.topLevelWidgets()
    )


def test_lock_during_long_work_cancels_it_and_uses_no_key_after(
    qtbot: QtBot, shell: Shell, window: MainWindow
) -> None:
    started, cancel = threading.Event(), threading.Event()
    seen: list[str] = []

    def long_job(session: Session) -> str:
        started.set()
        while not cancel.wait(0.01):
            pass
        return "cancelled" if not session.closed else "closed!"

    def after_lock(session: Session) -> None:
        seen.append("ran")  # must never run: the lock came first

    shell.vault.submit(long_job, seen.append, seen.append, cancel=cancel, owner=window)
    assert started.wait(5)
    errors: list[str] = []
    shell.vault.submit(after_lock, lambda _r: None, errors.append)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert cancel.is_set()  # asked at once; the session closes when the job has ended
    assert shell.main_window is None
    qtbot.waitUntil(shell.dialog.isVisible, timeout=TIMEOUT)
    assert seen == []  # neither ran after lock nor answered a window that is gone
    late: list[str] = []
    shell.vault.submit(lambda s: s.user.name, late.append, late.append)
    qtbot.waitUntil(lambda: late != [], timeout=TIMEOUT)
    assert late == [LOCKED]


def test_clipboard_is_marked_secret_and_cleared_if_still_ours(qtbot: QtBot) -> None:
    clipboard = SecretClipboard(delay_ms=100)
    clipboard.copy("sha256 abc")
    data = QGuiApplication.clipboard().mimeData()
    assert data.text() == "sha256 abc"
    assert bytes(data.data(SECRET_HINT).data()) == b"secret"
    qtbot.waitUntil(lambda: QGuiApplication.clipboard().text() == "", timeout=2000)

    clipboard.copy("second")
    QGuiApplication.clipboard().setText("the user's own text")
    qtbot.wait(250)
    assert QGuiApplication.clipboard().text() == "the user's own text"  # not ours: kept
    QGuiApplication.clipboard().clear()


def test_settings_dialog_stores_the_idle_delay(
    qtbot: QtBot, shell: Shell, window: MainWindow, settings: QSettings
) -> None:
    assert configured_minutes(settings) == 10
    assert shell.idle.timeout() == 10 * 60_000
    window.ui.actionSettings.trigger()
    qtbot.waitUntil(lambda: any(isinstance(d, SettingsDialog) for d in dialogs()), timeout=TIMEOUT)
    dialog = next(d for d in dialogs() if isinstance(d, SettingsDialog))
    assert dialog.top_banner.text() == "UNCLASSIFIED"
    dialog.minutes.selectAll()
    QTest.keyClicks(dialog.minutes, "3")
    QTest.keyClick(dialog.minutes, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.idle.timeout() == 3 * 60_000, timeout=TIMEOUT)
    assert settings.value(SETTING) in (3, "3")


def test_ctrl_l_locks_from_a_modal_dialog(qtbot: QtBot, shell: Shell, window: MainWindow) -> None:
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    page.new_button.click()
    qtbot.waitUntil(
        lambda: any(isinstance(w, FindingEditor) and w.isVisible() for w in dialogs()),
        timeout=TIMEOUT,
    )
    (editor,) = [w for w in dialogs() if isinstance(w, FindingEditor)]
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=TIMEOUT)
    QTest.keyClicks(editor.title_edit, "half-typed")
    QTest.keyClick(editor.title_edit, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert shell.main_window is None  # at once, not after the dialog is dealt with
    qtbot.waitUntil(shell.dialog.isVisible, timeout=TIMEOUT)
    assert not any(isinstance(w, FindingEditor) and w.isVisible() for w in dialogs())
    # Locked: the key means nothing to the unlock dialog.
    QTest.keyClick(shell.dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert shell.dialog.isVisible()
