"""The checklist walkthrough by keyboard, the items table, the audit trail and Verify vault."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.gui.widgets.dialogs import MessageDialog, PassphraseDialog
from reviewstation.gui.windows.main_window import MainWindow

TIMEOUT = 10_000


def only(kind: type) -> object:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if len(found) == 1 else None


def test_walkthrough_by_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.checklists
    window.workspace.setCurrentWidget(page)
    walk = page.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None, timeout=TIMEOUT)
    # The demo answered items 1 and 2: the walkthrough opens at the first one left.
    assert walk.position.text().startswith("Item 3 of 38")
    assert walk.progress.value() == 2
    assert "1 Not reviewed" in walk.help.text()
    assert walk.guidance.text()
    walk.note.setFocus()
    QTest.keyClicks(walk.note, "Seen 3 solves")  # digits typed in the note stay in the note
    assert walk.note.toPlainText() == "Seen 3 solves"
    walk.next_button.setFocus()
    QTest.keyClick(walk.next_button, Qt.Key.Key_2)  # Open, then on to item 4
    qtbot.waitUntil(lambda: walk.index == 3, timeout=TIMEOUT)
    assert walk.progress.value() == 3
    assert walk.run is not None and walk.run.answers[2].status == "open"
    assert walk.run.answers[2].note == "Seen 3 solves"
    QTest.keyClick(walk.next_button, Qt.Key.Key_4)
    qtbot.waitUntil(lambda: walk.index == 4, timeout=TIMEOUT)
    QTest.keyClick(walk.next_button, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert walk.index == 3
    assert walk.status.text().startswith("Status: Not applicable by demo")

    page.filter_combo.setCurrentIndex(page.filter_combo.findData("open"))
    visible = [r for r in range(page.table.rowCount()) if not page.table.isRowHidden(r)]
    assert visible == [0, 2]
    page.table.setCurrentCell(2, 2)
    page.table.cellActivated.emit(2, 2)
    assert walk.index == 2


def test_audit_trail_filter_and_verify(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.audit
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() > 10, timeout=TIMEOUT)
    assert page.model.rows[0][3] == "vault.init"
    QTest.keyClicks(page.filter_edit, "finding.add")
    QTest.keyClick(page.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    assert page.status.text() == "3 matching entries shown"

    page.verify_button.click()
    qtbot.waitUntil(lambda: only(PassphraseDialog) is not None, timeout=TIMEOUT)
    prompt = only(PassphraseDialog)
    assert isinstance(prompt, PassphraseDialog)
    assert prompt.top_banner.text() == "UNCLASSIFIED"
    QTest.keyClicks(prompt.edit, DEMO_PASSPHRASE)
    QTest.keyClick(prompt.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: only(MessageDialog) is not None, timeout=TIMEOUT)
    report = only(MessageDialog)
    assert isinstance(report, MessageDialog)
    assert report.text_label.text() == "The vault is intact."
    assert "Checks made" in report.details.toPlainText()
    assert "audit" in report.details.toPlainText()
    report.accept()


def test_verify_with_a_wrong_passphrase_says_so(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.audit
    window.workspace.setCurrentWidget(page)
    page.verify_button.click()
    qtbot.waitUntil(lambda: only(PassphraseDialog) is not None, timeout=TIMEOUT)
    prompt = only(PassphraseDialog)
    assert isinstance(prompt, PassphraseDialog)
    QTest.keyClicks(prompt.edit, "wrong")
    QTest.keyClick(prompt.edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: only(MessageDialog) is not None, timeout=TIMEOUT)
    message = only(MessageDialog)
    assert isinstance(message, MessageDialog)
    assert message.text_label.text().startswith("The vault could not be checked:")
    assert "passphrase" in message.text_label.text()


def test_audit_details_read_as_key_value_pairs() -> None:
    from reviewstation.gui.pages.audit.audit_view import readable

    assert readable({"to": "in_review", "from": "intake"}) == "from: intake; to: in_review"
    assert readable({"evidence": [{"artifact": "a1"}]}) == 'evidence: [{"artifact": "a1"}]'
    assert readable({}) == ""
    assert readable(["odd"]) == '["odd"]'
