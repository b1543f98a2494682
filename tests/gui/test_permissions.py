"""A session that may not write says so once and offers no edit control at all.

The controls are enumerated (every action, button, editor, choice and spin box of the main
window, each page and the finding editor), so an edit control added later without the
permission check fails here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_USER
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, open_main_window

TIMEOUT = 10_000


def control_name(obj: QObject) -> str:
    for name in (
        obj.objectName(),
        obj.accessibleName() if isinstance(obj, QWidget) else "",
        obj.text() if isinstance(obj, QAbstractButton | QAction) else "",
    ):
        if name:
            return f"{type(obj).__name__}:{name}"
    return f"{type(obj).__name__}:?"


def live_controls(root: QWidget) -> set[str]:
    """Names of the controls under ``root`` a user could use to change something."""
    found: set[str] = set()
    for obj in root.findChildren(QObject):
        if isinstance(obj, QAction):
            if obj.isEnabled() and not obj.isSeparator() and obj.text():
                found.add(control_name(obj))
            continue
        if not isinstance(
            obj,
            QAbstractButton | QLineEdit | QTextEdit | QPlainTextEdit | QComboBox | QAbstractSpinBox,
        ):
            continue
        if not obj.isEnabled() or obj.objectName().startswith("qt_"):
            continue
        if isinstance(obj.parent(), QLineEdit | QTabBar):
            continue  # Qt's own parts: a line edit's clear button, a tab bar's arrows
        if isinstance(obj, QLineEdit | QTextEdit | QPlainTextEdit) and obj.isReadOnly():
            continue
        found.add(control_name(obj))
    return found


def settle(qtbot: QtBot, window: MainWindow) -> None:
    for _ in range(3):
        qtbot.waitUntil(lambda: not window.ctx.vault.busy(), timeout=TIMEOUT)
        qtbot.wait(20)


def unlock_with_recovery(qtbot: QtBot, shell: Shell, path: Path, key: str) -> MainWindow:
    shell.start(path)
    qtbot.waitExposed(shell.dialog)
    shell.dialog.ui.userCombo.setCurrentText(DEMO_USER)
    shell.dialog.ui.recoveryCheck.click()
    QTest.keyClicks(shell.dialog.ui.secretEdit, key)
    QTest.keyClick(shell.dialog.ui.secretEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    window = shell.main_window
    assert window is not None
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    return window


def every_live_control(qtbot: QtBot, window: MainWindow) -> set[str]:
    """Visit every tab (each loads its data), then open the first finding in the editor."""
    found: set[str] = set()
    ws = window.workspace
    for index in range(ws.count()):
        ws.setCurrentIndex(index)
        settle(qtbot, window)
        found |= live_controls(window)
    ws.setCurrentWidget(ws.findings)
    settle(qtbot, window)
    view = ws.findings.table
    view.setCurrentIndex(view.model().index(0, 0))
    QTest.keyClick(view, Qt.Key.Key_Return)
    settle(qtbot, window)
    editors = [w for w in QApplication.topLevelWidgets() if isinstance(w, FindingEditor)]
    editors += window.findChildren(FindingEditor)
    assert editors and all(e.finding is not None for e in editors)
    for editor in editors:
        found |= {f"editor/{name}" for name in live_controls(editor)}
    return found


# What a session that only reads may still use: moving around, filters, copying, viewing,
# verifying. Nothing here changes the vault.
READING = {
    "QAction:&File",
    "QAction:&Review",
    "QAction:actionLock",
    "QAction:actionQuit",
    "QAction:actionRefresh",
    "QAction:actionSettings",
    "QAction:actionUsers",  # the list of people; each change is enabled by its own rule
    "QAction:actionDisclosureRecipients",  # the list; recording one is for leads who write
    "QAction:&Vault settings…",  # the publisher, shown read-only to whoever may not change it
    "QCheckBox:&Decrypt every artifact",  # an option of Verify vault
    "QComboBox:Checklist run",
    "QComboBox:Item status filter",
    "QComboBox:Severity filter",
    "QComboBox:Status filter",
    "QLineEdit:Audit filter",
    "QLineEdit:Package file",  # to verify one
    "QLineEdit:Search findings",
    "QPushButton:&Browse…",
    "QPushButton:&Verify",
    "QPushButton:Verif&y a proof…",  # checks a proof against a package, writes nothing
    "QPushButton:&Verify vault…",
    "QPushButton:Add card&s…",  # cards trusted for this verification only
    "QPushButton:R&emove",
    "QPushButton:Cop&y",
    "QPushButton:Copy &hash",
    "QPushButton:Ne&xt",
    "QPushButton:Pre&vious",
    "QPushButton:Op&en…",  # opens the finding editor, which then only shows
    "QPushButton:Refres&h",
    "QPushButton:Show &transcripts",
    "QPushButton:Compar&e runs…",  # reads logs side by side, as Show transcripts does
    "QPushButton:Show the log's facts",
    "editor/QPushButton:Close",
    "editor/QPushButton:Cop&y text",
}


def assert_read_only_everywhere(
    qtbot: QtBot, window: MainWindow, why: str, role: str, also: frozenset[str] = frozenset()
) -> None:
    reason = window.ctx.permissions.reason
    assert reason is not None and why in reason
    assert not window.ctx.writable and not window.ctx.lead
    assert window.windowTitle().endswith(f"({role}, read-only)")
    assert window.access_label.isVisibleTo(window) and window.access_label.text() == reason
    said = [label for label in window.findChildren(QLabel) if reason in label.text()]
    assert said == [window.access_label]  # once, not on every page
    live = every_live_control(qtbot, window)
    assert live - READING - also == set(), "edit controls left enabled in a read-only session"


def test_recovery_key_session_is_read_only_everywhere(
    qtbot: QtBot, shell: Shell, demo_vault: Path, demo_recovery_key: str
) -> None:
    window = unlock_with_recovery(qtbot, shell, demo_vault, demo_recovery_key)
    assert not window.ui.actionExportCard.isEnabled()  # no identity without the user's key
    assert_read_only_everywhere(qtbot, window, "recovery key", "lead")


def test_auditor_session_is_read_only_everywhere(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    window = open_main_window(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    # An auditor has a key of their own: the identity card (to verify their reports) stays.
    also = frozenset({"QAction:actionExportCard"})
    assert_read_only_everywhere(qtbot, window, "auditor", "auditor", also)


def test_the_same_tour_finds_the_edit_controls_of_a_writer(
    qtbot: QtBot, window: MainWindow
) -> None:
    """The enumeration is not empty-handed: for a lead who may write it finds the edits."""
    assert window.ctx.permissions.reason is None
    assert not window.access_label.isVisibleTo(window)
    edits = every_live_control(qtbot, window) - READING
    for name in (
        "QAction:actionNewReview",
        "QAction:actionExportCard",
        "QPushButton:&New review…",
        "QComboBox:Template",
        "QPushButton:I&mport",
        "QPushButton:Import fi&les…",  # the custody is asked in the import dialog
        "QPlainTextEdit:Note",
        "QPushButton:Not a finding",
        "QPushButton:Si&gn off…",
        "editor/QLineEdit:Title",
        "editor/QPushButton:Save",
    ):
        assert name in edits, "\n".join(sorted(edits))
