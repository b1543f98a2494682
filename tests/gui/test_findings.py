"""The Findings tab: a lazy model over 2,000 findings, filters, search, and the editor."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.findings import service
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.findings.findings_model import COLUMNS, PAGE
from reviewstation.gui.pages.findings.findings_view import FindingsPage
from reviewstation.gui.pages.reviews.review_dialog import NewReviewDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.dialogs import ConfirmDialog
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.vault.session import Session, open_vault

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, open_main_window

TIMEOUT = 10_000
MANY = 2000


@pytest.fixture
def many_findings(demo_vault: Path) -> Path:
    """2,000 more findings, written straight into the database (the services are too slow)."""
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        conn = session.conn
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)"
            " INSERT INTO findings (uid, review_id, kind, title, body, severity,"
            " portion_marking, author, created, updated)"
            " SELECT 'bulk-' || i, 1, 'capability', 'Bulk finding ' || i, 'text ' || i,"
            " CASE i % 5 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'medium'"
            " WHEN 3 THEN 'low' ELSE 'info' END, 'U', 'demo',"
            " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z' FROM n",
            (MANY,),
        )
        conn.execute("COMMIT")
    return demo_vault


def findings_page(window: MainWindow) -> FindingsPage:
    window.workspace.setCurrentWidget(window.workspace.findings)
    return window.workspace.findings


def open_editor(qtbot: QtBot) -> FindingEditor:
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, FindingEditor) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=TIMEOUT,
    )
    (editor,) = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, FindingEditor) and w.isVisible()
    ]
    return editor


def test_model_fetches_one_page_until_scrolled(
    qtbot: QtBot, shell: Shell, many_findings: Path
) -> None:
    window = open_main_window(qtbot, shell, many_findings)
    page = findings_page(window)
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() == PAGE, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.total == MANY + 3, timeout=TIMEOUT)
    qtbot.wait(100)
    assert model.rowCount() == PAGE
    assert model.requests == 1
    assert page.status_label.text() == f"{PAGE} of {MANY + 3} loaded — scroll for more"
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE, timeout=TIMEOUT)
    assert model.requests == 2
    # Rows arrive in id order, the last loaded one being the 400th.
    assert [model.finding(i).id for i in (0, 2 * PAGE - 1)] == [1, 2 * PAGE]  # type: ignore[union-attr]

    # A filter starts again from one page; a sort waits until everything is there.
    page.severity_combo.setCurrentIndex(page.severity_combo.findData("critical"))
    qtbot.waitUntil(lambda: page.total == MANY // 5, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: model.rowCount() == PAGE, timeout=TIMEOUT)
    assert all(model.finding(i).severity == "critical" for i in range(PAGE))  # type: ignore[union-attr]
    page.table.horizontalHeader().setSortIndicator(2, Qt.SortOrder.DescendingOrder)
    assert "sorting applies once every row is loaded" in page.status_label.text()
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.fetching(), timeout=TIMEOUT)
    assert model.rowCount() == MANY // 5
    titles = [model.finding(i).title for i in range(3)]  # type: ignore[union-attr]
    assert titles == sorted(titles, reverse=True)


def test_search_box_filters_by_full_text(qtbot: QtBot, window: MainWindow) -> None:
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.table.setFocus()
    QTest.keyClick(page.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search_edit.hasFocus()
    QTest.keyClicks(page.search_edit, "heap overflow")
    QTest.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT)
    assert "heap overflow" in page.model.finding(0).title  # type: ignore[union-attr]
    assert page.status_label.text() == "1 best match"
    page.search_edit.clear()
    QTest.keyClicks(page.search_edit, "nothingmatchesthis")
    QTest.keyClick(page.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "No finding matches" in page.status_label.text(), timeout=TIMEOUT)


def test_editor_previews_scores_saves_and_keeps_history(qtbot: QtBot, window: MainWindow) -> None:
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    cvss_column = [key for key, _ in COLUMNS].index("cvss_score")
    assert page.model.headerData(cvss_column, Qt.Orientation.Horizontal) == "CVSS-B"
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 2))
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    editor = open_editor(qtbot)
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    assert editor.top_banner.text() == "UNCLASSIFIED"
    # The demo finding is rated high while its vector scores Critical: shown, not hidden.
    assert editor.cvss_score.text() == "CVSS-B 9.3 Critical (the severity chosen is high)"
    assert editor.cvss_score.property("role") == "warning"
    editor.severity_combo.setCurrentText("critical")
    assert editor.cvss_score.text() == "CVSS-B 9.3 Critical"
    assert editor.cvss_score.property("role") == ""
    editor.severity_combo.setCurrentText("high")
    assert "working proof of concept" in editor.preview.toPlainText()

    # Untrusted body: HTML is shown as text, and no resource is loaded from anywhere.
    editor.body_edit.setPlainText("<b>bold?</b>\n\n![x](file:///etc/hostname)")
    editor.update_preview()
    assert "<b>bold?</b>" in editor.preview.toPlainText()
    assert "file:///etc/hostname" in editor.preview.safe_document.refused

    editor.cvss_edit.setText("CVSS:4.0/AV:N")
    assert "malformed" in editor.cvss_score.text()
    editor.cvss_edit.clear()
    QTest.keyClicks(
        editor.cvss_edit, "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    )
    assert editor.cvss_score.text().startswith(("CVSS-B 8.", "CVSS-B 9."))
    # Threat metrics: CVSS-B stays the base metrics' score; the severity compared with the
    # chosen one is the most specific score's (FIRST's calculator: B 9.3, BT 8.1).
    editor.cvss_edit.setText("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")
    assert editor.cvss_score.text() == "CVSS-B 9.3 Critical, CVSS-BT 8.1 High"
    assert editor.cvss_score.property("role") == ""
    editor.cvss_edit.setText("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")
    editor.title_edit.selectAll()
    QTest.keyClicks(editor.title_edit, "Edited title")
    QTest.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.history.topLevelItemCount() == 3, timeout=TIMEOUT)
    assert editor.finding is not None and editor.finding.title == "Edited title"
    latest = editor.history.topLevelItem(0)
    assert latest is not None and "title: " in latest.text(3)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.model.finding(0).title == "Edited title", timeout=TIMEOUT)  # type: ignore[union-attr]

    # A status change that needs a reason says so; with one, it is made.
    editor.status_combo.setCurrentIndex(editor.status_combo.findData("disputed"))
    editor.status_button.click()
    qtbot.waitUntil(editor.error_label.isVisible, timeout=TIMEOUT)
    assert editor.error_label.text() == "Marking a finding disputed needs a reason."
    QTest.keyClicks(editor.reason_edit, "Could not reproduce")
    editor.status_button.click()
    qtbot.waitUntil(lambda: editor.finding.status == "disputed", timeout=TIMEOUT)  # type: ignore[union-attr]
    assert not editor.error_label.isVisible()
    assert "reason: Could not reproduce" in editor.history.topLevelItem(0).text(3)  # type: ignore[union-attr]

    editor.copy_button.click()
    clip = QApplication.clipboard().mimeData()
    assert clip.text().startswith("(U) Edited title")  # the portion form, as stored
    assert bytes(clip.data("x-kde-passwordManagerHint").data()) == b"secret"
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(
        lambda: not any(isinstance(w, FindingEditor) for w in QApplication.topLevelWidgets()),
        timeout=TIMEOUT,
    )


def test_new_finding_from_the_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.new_button.click()
    editor = open_editor(qtbot)
    assert editor.windowTitle() == "New finding"
    QTest.keyClicks(editor.title_edit, "Model wrote a sandbox escape")
    editor.severity_combo.setCurrentText("critical")
    QTest.keyClicks(editor.marking_edit, "U")
    QTest.keyClicks(editor.cwe_edit, "CWE-94")
    QTest.keyClicks(editor.body_edit, "Steps: *none* yet")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    assert editor.finding is not None and editor.finding.cwe == "CWE-94"
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=TIMEOUT)


def test_auditor_cannot_edit(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    window = open_main_window(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    assert window.user_label.text() == f"{AUDITOR} (auditor), read-only"
    assert not window.new_button.isEnabled()
    assert not window.ui.actionNewReview.isEnabled()
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    page = findings_page(window)
    assert not page.new_button.isEnabled()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.table.setCurrentIndex(page.model.index(0, 0))
    page.open_button.click()
    editor = open_editor(qtbot)
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    assert editor.title_edit.isReadOnly()
    assert editor.body_edit.isReadOnly()
    assert not editor.save_button.isEnabled()
    assert not editor.status_button.isEnabled()
    checklists = window.workspace.checklists
    window.workspace.setCurrentWidget(checklists)
    qtbot.waitUntil(lambda: checklists.walkthrough.run is not None, timeout=TIMEOUT)
    assert not checklists.start_button.isEnabled()
    assert not any(b.isEnabled() for b in checklists.walkthrough.status_buttons.values())


def test_first_finding_of_a_new_review_appears_once_saved(qtbot: QtBot, window: MainWindow) -> None:
    """An empty table gets its first row when the editor saves (no scroll, no tab switch)."""
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, NewReviewDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=TIMEOUT,
    )
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, NewReviewDialog)]
    QTest.keyClicks(dialog.title_edit, "Empty review")
    QTest.keyClicks(dialog.developer_edit, "Lab B")
    QTest.keyClicks(dialog.model_edit, "Vega")
    QTest.keyClick(dialog.model_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 2, timeout=TIMEOUT)
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.review_id not in (0, 1), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: page.status_label.text() == "No findings yet.", timeout=TIMEOUT)
    page.new_button.click()
    editor = open_editor(qtbot)
    QTest.keyClicks(editor.title_edit, "The first finding")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    editor.reject()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=TIMEOUT)
    assert page.model.finding(0).title == "The first finding"  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: page.status_label.text() == "1 of 1 loaded", timeout=TIMEOUT)


def confirm_dialogs() -> list[ConfirmDialog]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, ConfirmDialog) and w.isVisible()
    ]


def test_escape_asks_before_discarding_unsaved_edits(qtbot: QtBot, window: MainWindow) -> None:
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.new_button.click()
    editor = open_editor(qtbot)
    QTest.keyClick(editor, Qt.Key.Key_Escape)  # nothing typed: closes at once
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=TIMEOUT)
    assert confirm_dialogs() == []

    page.new_button.click()
    editor = open_editor(qtbot)
    QTest.keyClicks(editor.title_edit, "Half a thought")
    QTest.keyClick(editor.title_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: len(confirm_dialogs()) == 1, timeout=TIMEOUT)
    (confirm,) = confirm_dialogs()
    assert confirm.text_label.text() == "Discard your changes to this finding?"
    assert editor.isVisible()
    confirm.activateWindow()
    qtbot.waitUntil(confirm.isActiveWindow, timeout=TIMEOUT)
    QTest.keyClick(confirm.focusWidget() or confirm, Qt.Key.Key_Return)  # Cancel is default
    qtbot.waitUntil(lambda: confirm_dialogs() == [], timeout=TIMEOUT)
    assert editor.isVisible() and editor.title_edit.text() == "Half a thought"

    # Saved, the same text closes without asking; edited again, the Close button asks.
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    assert not editor.has_unsaved_changes()
    QTest.keyClicks(editor.body_edit, "more")
    editor.reject()
    qtbot.waitUntil(lambda: len(confirm_dialogs()) == 1, timeout=TIMEOUT)
    confirm_dialogs()[0].ok_button.click()  # Discard
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=TIMEOUT)
    assert confirm_dialogs() == []


def test_lock_closes_an_edited_editor_without_asking(
    qtbot: QtBot, shell: Shell, window: MainWindow
) -> None:
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.new_button.click()
    editor = open_editor(qtbot)
    QTest.keyClicks(editor.title_edit, "Unsaved")
    editor.reject()  # the question is open when the lock comes
    qtbot.waitUntil(lambda: len(confirm_dialogs()) == 1, timeout=TIMEOUT)
    shell.lock()
    assert not editor.isVisible()
    assert confirm_dialogs() == []
    qtbot.waitUntil(shell.dialog.isVisible, timeout=TIMEOUT)


def test_f5_reads_the_findings_again(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    window = open_main_window(qtbot, shell, demo_vault)
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)

    def add_one(session: Session) -> None:  # as another tool writing to the vault would
        service.add_finding(session, 1, title="Written meanwhile", severity="low")

    done: list[object] = []
    # A write the GUI does not hear about (another process's, seen by a read-only session):
    # the window does not listen to the "vault changed" signal meanwhile.
    shell.vault.changed.disconnect(window._on_vault_changed)
    shell.vault.submit(add_one, done.append, done.append)
    qtbot.waitUntil(lambda: done != [], timeout=TIMEOUT)
    shell.vault.changed.connect(window._on_vault_changed)
    assert page.model.rowCount() == 3
    window.ui.actionRefresh.trigger()
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=TIMEOUT)
    # A write through the vault thread, by any page or dialog, shows at once.
    shell.vault.submit(add_one, done.append, done.append)
    qtbot.waitUntil(lambda: page.model.rowCount() == 5, timeout=TIMEOUT)


def test_editor_records_where_in_the_source(qtbot: QtBot, window: MainWindow) -> None:
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.new_button.click()
    editor = open_editor(qtbot)
    QTest.keyClicks(editor.title_edit, "Heap overflow in the parser")
    QTest.keyClicks(editor.marking_edit, "U")
    QTest.keyClicks(editor.file_edit, "src/../parser.c")
    QTest.keyClicks(editor.line_edit, "120")
    editor.save_button.click()
    qtbot.waitUntil(editor.error_label.isVisible, timeout=TIMEOUT)
    assert "'..' segment" in editor.error_label.text()
    assert editor.windowTitle() == "New finding"  # nothing was written
    editor.file_edit.setText("src/parser.c")
    QTest.keyClicks(editor.end_line_edit, "134")
    QTest.keyClicks(editor.function_edit, "parse_header")
    QTest.keyClicks(editor.commit_edit, "ABCDEF1234567")
    QTest.keyClicks(editor.repository_edit, "https://example.org/libfoo.git")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    f = editor.finding
    assert f is not None
    assert (f.file_path, f.start_line, f.end_line, f.function_name) == (
        "src/parser.c",
        120,
        134,
        "parse_header",
    )
    assert (f.commit_id, f.repository) == ("abcdef1234567", "https://example.org/libfoo.git")
    assert editor.commit_edit.text() == "abcdef1234567"  # shown as stored
    editor.end_line_edit.clear()
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.finding.end_line is None, timeout=TIMEOUT)  # type: ignore[union-attr]
    QTest.keyClick(editor, Qt.Key.Key_Escape)
