"""Layout and keyboard at the sizes reviewers use (1280x800, and 1024x700 for small screens)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets import theme
from reviewstation.gui.windows.main_window import MainWindow

TIMEOUT = 10_000


def test_findings_titles_are_shown_whole_at_1280x800(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1280, 800)
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    qtbot.wait(50)
    metrics = page.table.fontMetrics()
    for row in range(page.model.rowCount()):
        title = page.model.index(row, 2).data()
        assert metrics.horizontalAdvance(title) + 12 <= page.table.columnWidth(2), title
    # Every other column is shown, with its header whole.
    header = page.table.horizontalHeader()
    for column in range(page.model.columnCount()):
        assert not page.table.isColumnHidden(column)
        text = page.model.headerData(column, header.orientation())
        assert header.fontMetrics().horizontalAdvance(text) + 8 <= header.sectionSize(column)

    # A small screen: Author and Updated give way (the editor has them), the title keeps 30%.
    window.resize(1024, 700)
    qtbot.wait(50)
    hidden = [c for c in range(page.model.columnCount()) if page.table.isColumnHidden(c)]
    assert hidden == [8, 9]
    assert page.table.columnWidth(2) >= 0.3 * page.table.viewport().width()
    window.resize(1280, 800)
    qtbot.wait(50)
    assert not any(page.table.isColumnHidden(c) for c in range(page.model.columnCount()))


def test_transcript_shows_twenty_lines_at_1280x800(qtbot: QtBot, window: MainWindow) -> None:
    window.resize(1280, 800)
    page = window.workspace.artifacts
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=TIMEOUT)
    paths = [page.table.model().index(r, 1).data() for r in range(3)]
    row = next(r for r, path in enumerate(paths) if path.endswith(".json"))
    page.table.setCurrentCell(row, 1)
    viewer = page.details.inspector
    qtbot.waitUntil(lambda: viewer.log_viewer is not None, timeout=TIMEOUT)
    log = viewer.log_viewer
    assert log is not None
    qtbot.waitUntil(log.facts.isVisible, timeout=TIMEOUT)
    log.open_button.click()
    qtbot.waitUntil(lambda: log.detailed, timeout=TIMEOUT)
    qtbot.wait(50)
    text = log.transcript
    lines = text.viewport().height() // text.fontMetrics().lineSpacing()
    assert lines >= 20, lines
    assert not log.facts.isVisible()  # folded away, one click brings the facts back
    log.facts_button.click()
    assert log.facts.isVisible()


def test_audit_entry_is_read_in_full_by_keyboard(qtbot: QtBot, window: MainWindow) -> None:
    """The chosen entry is shown whole in a pane below the trail, reached by Tab."""
    window.resize(1280, 800)
    page = window.workspace.audit
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() > 10, timeout=TIMEOUT)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    rows = page.model.rows
    row = max(range(len(rows)), key=lambda r: len(rows[r][5]))  # the longest details
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(row, 0))
    details = rows[row][5]
    cell = page.table.visualRect(page.model.index(row, 5)).width()
    assert page.table.fontMetrics().horizontalAdvance(details) > cell  # elided in the table
    text = page.entry.toPlainText()
    assert f"Action: {rows[row][3]}" in text
    for part in details.split("; "):  # every key and its whole value, on a line of its own
        key, value = part.split(": ", 1)
        assert f"{key}: " in text
        assert value.replace(" ", "") in text.replace(" ", "").replace("\n", "")
    QTest.keyClick(page.table, Qt.Key.Key_Tab)
    assert page.entry.hasFocus()
    QTest.keyClick(page.table, Qt.Key.Key_Down)  # the next entry replaces it
    assert page.entry.toPlainText() != text


def test_keys_answer_at_once_after_switching_to_checklists(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Alt+C from another page (focus in its search field): 2 answers Open, no Tab needed."""
    findings, page = window.workspace.findings, window.workspace.checklists
    window.workspace.setCurrentWidget(findings)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    findings.search_edit.setFocus()
    QTest.keyClick(findings.search_edit, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    assert window.workspace.currentWidget() is page
    walk = page.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None and walk.editable(), timeout=TIMEOUT)
    focused = QApplication.focusWidget()
    assert focused is not None and (walk.isAncestorOf(focused) or walk.hasFocus())
    assert walk.run is not None
    before = walk.run.progress()["answered"]
    QTest.keyClick(focused, Qt.Key.Key_2)
    qtbot.waitUntil(
        lambda: walk.run is not None and walk.run.progress()["answered"] == before + 1,
        timeout=TIMEOUT,
    )
    assert findings.search_edit.text() == ""


def test_arrowing_along_the_tabs_keeps_the_focus_on_the_tabs(
    qtbot: QtBot, window: MainWindow
) -> None:
    bar = window.workspace.tabBar()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    window.workspace.setCurrentIndex(0)
    bar.setFocus()
    for _ in range(window.workspace.count() - 1):
        QTest.keyClick(bar, Qt.Key.Key_Right)
        assert bar.hasFocus()
    assert window.workspace.currentIndex() == window.workspace.count() - 1


@pytest.mark.parametrize("mode", ["dark", "light"])
def test_current_answer_stands_out_in_both_themes(
    qtbot: QtBot, qapp: QApplication, window: MainWindow, mode: str
) -> None:
    """The checked answer: a fill at 3:1 or more against its neighbours, and a tick."""
    theme.apply(qapp, mode)
    try:
        page = window.workspace.checklists
        window.workspace.setCurrentWidget(page)
        walk = page.walkthrough
        qtbot.waitUntil(lambda: walk.run is not None, timeout=TIMEOUT)
        walk.go_to(0)  # the demo answers item 1 Open
        qtbot.wait(50)
        chosen, other = walk.status_buttons["open"], walk.status_buttons["not_a_finding"]
        assert chosen.isChecked() and chosen.text().startswith(theme.TICK)
        assert not other.text().startswith(theme.TICK)

        def fill(button: QPushButton) -> QColor:
            image = button.grab().toImage()
            return image.pixelColor(6, image.height() // 2)

        assert theme.contrast(fill(chosen), fill(other)) >= 3, (mode, fill(chosen).name())
        walk.go_to(1)
        assert not chosen.text().startswith(theme.TICK)
    finally:
        theme.apply(qapp, "light")


@pytest.mark.parametrize("mode", ["dark", "light"])
def test_export_wizard_steps_read_in_both_themes(
    qtbot: QtBot, qapp: QApplication, window: MainWindow, mode: str
) -> None:
    """Every step, done, current or ahead, reads at 4.5:1 on the list's ground."""
    from reviewstation.gui.pages.packages.export_wizard import ExportWizard

    theme.apply(qapp, mode)
    try:
        page = window.workspace.packages
        window.workspace.setCurrentWidget(page)
        qtbot.waitUntil(page.export_button.isEnabled, timeout=TIMEOUT)
        page.export_button.click()
        qtbot.waitUntil(
            lambda: any(isinstance(w, ExportWizard) for w in QApplication.topLevelWidgets()),
            timeout=TIMEOUT,
        )
        (wizard,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, ExportWizard)]
        qtbot.waitUntil(wizard.next_button.isEnabled, timeout=TIMEOUT)
        wizard.next_button.click()  # step 2: one done, one current, the rest ahead
        qtbot.waitUntil(lambda: wizard.index() == 1, timeout=TIMEOUT)
        ground = wizard.steps.palette().base().color()
        for row in range(wizard.steps.count()):
            item = wizard.steps.item(row)
            ratio = theme.contrast(item.foreground().color(), ground)
            assert ratio >= theme.AA, (mode, item.text(), ratio)
        current = wizard.steps.item(1)
        assert current.font().bold()
        assert current.data(Qt.ItemDataRole.AccessibleDescriptionRole) == "current step"
        wizard.reject()
    finally:
        theme.apply(qapp, "light")


def test_cvss_score_line_never_moves_the_form(qtbot: QtBot, window: MainWindow) -> None:
    """Scores, long errors and the severity warning all fit one line: nothing below moves."""
    from reviewstation.gui.pages.findings.finding_editor import FindingEditor

    editor = FindingEditor(window.ctx, 1, 1, window)
    editor.resize(900, 700)
    editor.show()
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    vector = editor.cvss_edit.text()
    assert vector
    score = editor.cvss_score

    def where() -> tuple[int, int]:
        qtbot.wait(20)
        return score.height(), editor.cwe_edit.mapTo(editor, editor.cwe_edit.rect().topLeft()).y()

    first = where()
    texts: dict[str, str] = {}  # score line by vector typed
    for typed in (
        vector + "/E:U",  # a threat score too: a longer summary
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/XX:Y/ZZ:Q" * 3,
        "",
        vector,
    ):
        editor.cvss_edit.setText(typed)
        texts[score.text()] = typed
        assert where() == first, (typed, score.text())
        assert "\n" not in score.text()
    editor.resize(editor.minimumSizeHint().width(), 700)  # narrow
    longest = max(texts, key=len)
    editor.cvss_edit.setText(texts[longest])
    qtbot.wait(20)
    assert where() == first
    assert score.text() == longest  # read whole by a screen reader
    assert "Invalid metric key" in score.toolTip()  # and by the mouse
    # Longer than the line: cut with "…", one line, the same height.
    score.setText(longest * 4)
    assert score.fontMetrics().horizontalAdvance(score.text()) > score.contentsRect().width()
    assert score.elided().endswith("…") and "\n" not in score.elided()
    assert score.height() == first[0]
    editor.done(0)
    editor.deleteLater()


def test_ctrl_s_keeps_the_caret_in_the_walkthrough_note(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.checklists
    window.workspace.setCurrentWidget(page)
    walk = page.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None and walk.editable(), timeout=TIMEOUT)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    walk.note.setFocus()
    walk.note.insertPlainText("first line\nsecond line")
    cursor = walk.note.textCursor()
    cursor.setPosition(5)
    walk.note.setTextCursor(cursor)
    run = walk.run
    assert run is not None
    item = run.answers[walk.index].item_id
    QTest.keyClick(walk.note, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(walk.note, "X")  # typed while the save is under way
    qtbot.waitUntil(
        lambda: (
            walk.run is not None and walk.run.answers[walk.index].note == "first line\nsecond line"
        ),
        timeout=TIMEOUT,
    )
    assert walk.run is not None and walk.run.answers[walk.index].item_id == item
    assert walk.note.toPlainText() == "firstX line\nsecond line"  # nothing typed was lost
    assert walk.note.textCursor().position() == 6  # the caret where it was


def test_ctrl_s_keeps_the_caret_in_the_finding_editor(qtbot: QtBot, window: MainWindow) -> None:
    from reviewstation.gui.pages.findings.finding_editor import FindingEditor

    editor = FindingEditor(window.ctx, window.workspace.review_id, 1, window)
    editor.show()
    qtbot.waitExposed(editor)
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=TIMEOUT)
    revision = editor.finding.revision if editor.finding else 0
    editor.body_edit.setFocus()
    editor.body_edit.setPlainText(editor.body_edit.toPlainText() + "\n\nOne more paragraph.")
    cursor = editor.body_edit.textCursor()
    cursor.setPosition(7)
    editor.body_edit.setTextCursor(cursor)
    editor.title_edit.setCursorPosition(3)
    QTest.keyClick(editor.body_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: editor.finding is not None and editor.finding.revision == revision + 1,
        timeout=TIMEOUT,
    )
    assert editor.body_edit.textCursor().position() == 7
    assert editor.title_edit.cursorPosition() == 3
    assert editor.body_edit.hasFocus()
    editor.done(0)
    editor.deleteLater()


def test_lock_keeps_window_size_review_and_tab_in_memory(
    qtbot: QtBot, shell: Shell, demo_vault: Path, private_home: Path
) -> None:
    from reviewstation.reviews.service import create_review
    from reviewstation.vault.session import open_vault

    from .conftest import open_main_window

    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        second = create_review(session, title="Second review", developer="Lab", model_name="m")
    window = open_main_window(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 2, timeout=TIMEOUT)
    window.resize(1100, 720)
    items = [window.reviews.topLevelItem(i) for i in range(2)]
    (chosen,) = [i for i in items if i is not None and i.text(0) == "Second review"]
    window.reviews.setCurrentItem(chosen)
    qtbot.waitUntil(lambda: window.reviews.current_id() == second.id, timeout=TIMEOUT)
    window.workspace.setCurrentWidget(window.workspace.findings)
    qtbot.wait(50)
    size = window.size()

    shell.lock()
    qtbot.waitUntil(shell.dialog.isVisible, timeout=TIMEOUT)
    again = open_main_window(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: again.reviews.current_id() == second.id, timeout=TIMEOUT)
    assert again.size() == size
    assert again.workspace.currentWidget() is again.workspace.findings
    assert again.workspace.review_id == second.id
    # Kept in memory only: nothing under the settings or data folders names the vault.
    for path in private_home.rglob("*"):
        if path.is_file() and "Demo.rsvault" not in path.parts:
            assert b"Second review" not in path.read_bytes()
            assert b"geometry" not in path.read_bytes().lower(), path


def test_finding_editor_fits_a_1024x700_screen(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from PySide6.QtCore import QRect

    from reviewstation.gui.pages.findings import finding_editor
    from reviewstation.gui.pages.findings.finding_editor import FindingEditor

    small = SimpleNamespace(availableGeometry=lambda: QRect(0, 0, 1024, 700))
    monkeypatch.setattr(FindingEditor, "screen", lambda self: small)
    editor = FindingEditor(window.ctx, window.workspace.review_id, 1, window)
    qtbot.addWidget(editor)
    assert editor.width() <= 1024
    assert editor.height() + finding_editor.TITLE_BAR <= 700


def test_manifest_sizes_are_shown_whole_and_right_aligned(qtbot: QtBot, window: MainWindow) -> None:
    from .catalogue import close, export_wizard

    wizard = export_wizard(4)(qtbot, window)
    tree = wizard.manifest.tree  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: tree.topLevelItemCount() > 0, timeout=TIMEOUT)
    width = tree.columnWidth(2)
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    assert any(item is not None and item.text(2) for item in items)
    for item in items:
        assert item is not None
        assert tree.fontMetrics().horizontalAdvance(item.text(2)) + 12 <= width, item.text(2)
        assert item.textAlignment(2) & Qt.AlignmentFlag.AlignRight
    close(wizard, window)


@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_audit_details_keep_a_quarter_of_the_width(
    qtbot: QtBot, window: MainWindow, size: tuple[int, int]
) -> None:
    window.resize(*size)
    page = window.workspace.audit
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() > 10, timeout=TIMEOUT)
    qtbot.wait(50)
    viewport = page.table.viewport().width()
    assert page.table.columnWidth(5) >= 0.25 * viewport - 2
    metrics = page.table.fontMetrics()
    for column in range(4):  # sequence, time, user, action: whole
        cells = [page.model.rows[r][column] for r in range(page.model.rowCount())]
        widest = max(metrics.horizontalAdvance(cell) for cell in cells)
        assert widest <= page.table.columnWidth(column), column
