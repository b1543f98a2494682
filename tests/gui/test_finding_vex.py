"""The finding editor's VEX fields (status, justification, vers ranges, action statement) and
the vault settings' publisher."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.vault_settings_dialog import VaultSettingsDialog

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, open_main_window
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
    assert saved is not None
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
        lambda: getattr(editor.finding, "justification", None) == "component_not_present",
        timeout=TIMEOUT,
    )


def _vault_settings(qtbot: QtBot, window: MainWindow) -> VaultSettingsDialog:
    window.vault_settings_action.trigger()
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, VaultSettingsDialog) and w.isVisible()
            for w in QApplication.topLevelWidgets()
        ),
        timeout=TIMEOUT,
    )
    (dialog,) = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, VaultSettingsDialog) and w.isVisible()
    ]
    return dialog


def test_vault_settings_set_the_publisher(qtbot: QtBot, window: MainWindow) -> None:
    dialog = _vault_settings(qtbot, window)
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=TIMEOUT)
    assert dialog.namespace_edit.text() == ""
    dialog.name_edit.setText("Example AISI")
    dialog.namespace_edit.setText("urn:reviewstation")  # the namespace everyone once shared
    dialog.save_button.click()
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=TIMEOUT)
    assert "every installation shared" in dialog.error_label.text()
    dialog.namespace_edit.setText("https://aisi.example")
    dialog.contact_edit.setText("psirt@aisi.example")
    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT) as saved:
        dialog.save_button.click()
    assert saved.args[0].namespace == "https://aisi.example"
    again = _vault_settings(qtbot, window)
    qtbot.waitUntil(lambda: again.namespace_edit.text() == "https://aisi.example", timeout=TIMEOUT)
    assert again.name_edit.text() == "Example AISI"
    again.reject()


def test_only_a_lead_edits_the_publisher(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    window = open_main_window(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    dialog = _vault_settings(qtbot, window)
    qtbot.wait(200)
    assert not dialog.save_button.isEnabled()
    assert not dialog.namespace_edit.isEnabled()
    dialog.reject()
