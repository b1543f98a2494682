"""The whole workflow in the app, as one reviewer does it: create a vault → a review → import a
submission → a checklist item with evidence → a finding → export a package → verify it →
verify the vault → lock. Each step goes through the pages' own buttons and dialogs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from reviewstation.app.custody import CustodyForm
from reviewstation.crypto.identity import export_card
from reviewstation.gui.pages.checklists.evidence_picker import EvidencePicker
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.reviews.review_dialog import NewReviewDialog
from reviewstation.gui.runtime.progress import ProgressDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.dialogs import MessageDialog, PassphraseDialog
from reviewstation.vault.session import open_vault

from .test_create_vault import STRONG, open_wizard
from .test_export_wizard import next_page, press
from .test_export_wizard import open_wizard as open_export_wizard

TIMEOUT = 15_000
LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs"  # pinned copies
LOG = "2024-11-05T13-32-37-05-00_input-task_hxs4q9azL3ySGkjJirypKZ.eval"


def one(kind: type[QWidget], qtbot: QtBot) -> QWidget:
    def found() -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

    qtbot.waitUntil(lambda: len(found()) == 1, timeout=TIMEOUT)
    return found()[0]


@pytest.fixture(autouse=True)
def quick_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWSTATION_KDF_MS", "0")


def test_create_review_import_check_find_export_verify_lock(
    qtbot: QtBot, shell: Shell, tmp_path: Path
) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    submission = tmp_path / "usb" / "orion-3"
    submission.mkdir(parents=True)
    (submission / "model-card.md").write_text("# Orion-3\n\nSystem card.\n", encoding="utf-8")
    shutil.copy(LOGS / LOG, submission / "ctf.eval")

    # 1. A new vault, marked CUI, from the unlock window's wizard.
    shell.start(None)
    dialog = shell.dialog
    wizard = open_wizard(qtbot, dialog)
    wizard.folder_edit.setText(str(cases))
    wizard.name_edit.setText("Case-18")
    wizard.marking_combo.setCurrentText("CUI")
    wizard.next_button.click()
    wizard.user_edit.setText("alice")
    wizard.pass_edit.setText(STRONG)
    wizard.confirm_edit.setText(STRONG)
    wizard.create_button.click()
    qtbot.waitUntil(lambda: wizard.page_index() == 2, timeout=TIMEOUT)
    wizard.stored_check.setChecked(True)
    wizard.finish_button.click()
    vault = cases / "Case-18.rsvault"
    assert dialog.ui.pathEdit.text() == str(vault)
    with open_vault(vault, STRONG, user="alice") as session:  # the card the receiver trusts
        assert session.identity is not None
        card = tmp_path / "alice.card"
        card.write_bytes(
            export_card(session.identity, session.user.public_identity(session.vault_id))
        )

    # 2. Unlock with the keyboard; the banners are purple CUI.
    dialog.ui.secretEdit.setFocus()
    QTest.keyClicks(dialog.ui.secretEdit, STRONG)
    QTest.keyClick(dialog.ui.secretEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    window = shell.main_window
    assert window is not None
    assert window.ui.topBanner.text() == "CUI"
    assert window.ui.topBanner.banner_style.background == "#502b85"

    # 3. A review.
    window.new_button.click()
    review = one(NewReviewDialog, qtbot)
    assert isinstance(review, NewReviewDialog)
    QTest.keyClicks(review.title_edit, "Orion-3 cyber review")
    QTest.keyClicks(review.developer_edit, "Example Lab")
    QTest.keyClicks(review.model_edit, "Orion-3")
    QTest.keyClick(review.model_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    work = window.workspace
    qtbot.waitUntil(lambda: work.review_id != 0, timeout=TIMEOUT)

    # 4. The submission, imported with progress.
    work.setCurrentWidget(work.artifacts)
    work.artifacts.import_with([submission], CustodyForm("USB #9"))
    qtbot.waitUntil(lambda: work.artifacts.table.rowCount() == 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not one_or_none(ProgressDialog), timeout=TIMEOUT)
    done = one(MessageDialog, qtbot)
    assert isinstance(done, MessageDialog)
    assert done.text_label.text() == "2 artifacts imported."
    done.accept()

    # 5. The first checklist item: open, with the evaluation log as evidence.
    checklists = work.checklists
    work.setCurrentWidget(checklists)
    qtbot.waitUntil(lambda: checklists.template_combo.count() > 0, timeout=TIMEOUT)
    checklists.template_combo.setCurrentIndex(0)
    checklists.start_button.click()
    walk = checklists.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None, timeout=TIMEOUT)
    walk.evidence_button.click()
    picker = one(EvidencePicker, qtbot)
    assert isinstance(picker, EvidencePicker)
    qtbot.waitUntil(lambda: picker.list.count() == 2, timeout=TIMEOUT)
    picker.list.setCurrentRow(next(i for i, c in enumerate(picker.candidates) if c.is_log))
    picker.add_button.click()
    qtbot.waitUntil(lambda: "ctf.eval" in walk.evidence.text(), timeout=TIMEOUT)
    walk.set_status("open")
    qtbot.waitUntil(lambda: walk.progress.value() == 1, timeout=TIMEOUT)

    # 6. A finding.
    findings = work.findings
    work.setCurrentWidget(findings)
    findings.new_button.click()
    editor = one(FindingEditor, qtbot)
    assert isinstance(editor, FindingEditor)
    QTest.keyClicks(editor.title_edit, "Agent solved 3 of 5 CTF tasks unaided")
    editor.severity_combo.setCurrentText("high")
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    assert editor.finding is not None and editor.finding.portion_marking == "CUI"
    editor.reject()
    qtbot.waitUntil(lambda: findings.model.rowCount() == 1, timeout=TIMEOUT)

    # 7. Export a package through the wizard.
    packages = work.packages
    work.setCurrentWidget(packages)
    export = open_export_wizard(qtbot, packages)
    assert export.top_banner.text() == "CUI"
    for title in ("Evidence", "Recipients"):
        next_page(qtbot, export, title)
    # A CUI package with no recipients would leave unencrypted: only on purpose.
    assert export.recipients.plaintext_check.isVisible()
    assert not export.next_button.isEnabled()
    press(export, Qt.Key.Key_U)  # "Send it &unencrypted…"
    assert export.recipients.plaintext_check.isChecked()
    next_page(qtbot, export, "Disclosure")
    next_page(qtbot, export, "Marking check")
    press(export, Qt.Key.Key_C)  # the marking is confirmed
    for title in ("Manifest preview", "Write the package"):
        next_page(qtbot, export, title)
    out = tmp_path / "Case-18.rspkg"
    QTest.keyClicks(export.output.edit, str(out))
    press(export, Qt.Key.Key_X)
    qtbot.waitUntil(out.is_file, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "SHA384SUMS" in packages.export_result.toPlainText(), timeout=TIMEOUT)

    # 8. Verify it as the receiving side would, trusting the exporter's card.
    packages.package_edit.setText(str(out))
    packages.add_trust([card])
    packages.verify_button.click()
    qtbot.waitUntil(
        lambda: packages.verify_result.toPlainText().startswith("VALID"), timeout=TIMEOUT
    )

    # 9. Verify the vault, as an auditor would.
    work.setCurrentWidget(work.audit)
    work.audit.verify_button.click()
    prompt = one(PassphraseDialog, qtbot)
    assert isinstance(prompt, PassphraseDialog)
    QTest.keyClicks(prompt.edit, STRONG)
    QTest.keyClick(prompt.edit, Qt.Key.Key_Return)
    report = one(MessageDialog, qtbot)
    assert isinstance(report, MessageDialog)
    assert report.text_label.text() == "The vault is intact."
    report.accept()

    # 10. Lock: the main window goes, the unlock window returns with the vault chosen.
    window.activateWindow()  # offscreen, a closed dialog does not hand activation back
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shell.main_window is None and dialog.isVisible(), timeout=TIMEOUT)
    assert dialog.ui.pathEdit.text() == str(vault)
    assert dialog.ui.secretEdit.text() == ""


def one_or_none(kind: type[QWidget]) -> QWidget | None:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None
