"""The finding editor's VEX fields: status, justification, vers ranges, action statement."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from reviewstation.gui.windows.main_window import MainWindow

from .test_findings import TIMEOUT, findings_page, open_editor


def test_editor_edits_what_a_vex_statement_needs(qtbot: QtBot, window: MainWindow) -> None:
    page = findings_page(window)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 2))
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    editor = open_editor(qtbot)
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    assert editor.vex_combo.currentData() == (editor.finding.vex_status or "")  # type: ignore[union-attr]

    # not_affected without a justification: one line, nothing saved.
    editor.vex_combo.setCurrentIndex(editor.vex_combo.findData("not_affected"))
    assert editor.justification_combo.isEnabled()
    revision = editor.finding.revision  # type: ignore[union-attr]
    editor.save_button.click()
    qtbot.waitUntil(editor.error_label.isVisible, timeout=TIMEOUT)
    assert "needs its justification" in editor.error_label.text()
    assert "\n" not in editor.error_label.text()

    # A fixed range inside the affected range is refused too.
    editor.vex_combo.setCurrentIndex(editor.vex_combo.findData("fixed"))
    assert not editor.justification_combo.isEnabled()
    editor.affected_edit.setText("vers:semver/>=1.0.0|<1.4.0")
    editor.fixed_edit.setText("vers:semver/1.2.0")
    editor.save_button.click()
    qtbot.waitUntil(
        lambda: "inside the affected range" in editor.error_label.text(), timeout=TIMEOUT
    )

    editor.fixed_edit.setText("vers:semver/>=1.4.0")
    editor.action_edit.setText("Update to 1.4.0.")
    editor.save_button.click()
    qtbot.waitUntil(
        lambda: editor.finding is not None and editor.finding.revision == revision + 1,
        timeout=TIMEOUT,
    )
    saved = editor.finding
    assert saved.vex_status == "fixed"
    assert saved.affected_versions == "vers:semver/>=1.0.0|<1.4.0"
    assert saved.fixed_versions == "vers:semver/>=1.4.0"
    assert saved.action_statement == "Update to 1.4.0."
    assert not editor.error_label.isVisible()

    editor.vex_combo.setCurrentIndex(editor.vex_combo.findData("not_affected"))
    editor.justification_combo.setCurrentIndex(
        editor.justification_combo.findData("component_not_present")
    )
    editor.save_button.click()
    qtbot.waitUntil(
        lambda: editor.finding.justification == "component_not_present", timeout=TIMEOUT
    )  # type: ignore[union-attr]
