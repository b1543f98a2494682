"""Selective disclosure beyond the wizard, from the app alone: a lead records a recipient's
clearance (File ▸ Disclosure recipients…), writes the proof of one item of a disclosure the
vault exported, and anyone checks a proof against a received package (Packages tab)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from support.vaults import PASS, make_vault

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.app.disclosures import clearance_choices
from reviewstation.crypto.identity import export_card
from reviewstation.gui.pages.packages.disclosure_dialogs import (
    CheckProofDialog,
    ProveDialog,
    RecipientsDialog,
)
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.packages import disclosure
from reviewstation.packages.export import export_package
from reviewstation.vault.session import open_vault

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, open_main_window
from .test_artifacts import visible
from .test_packages_tab import demo_card, page_of

TIMEOUT = 10_000


def press(widget: QWidget, key: Qt.Key) -> None:
    """A mnemonic, as a keyboard user presses it (Qt clicks about 100 ms later)."""
    QTest.keyClick(widget, key, Qt.KeyboardModifier.AltModifier)
    QTest.qWait(300)


def active(qtbot: QtBot, dialog: QWidget) -> None:
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=TIMEOUT)


def vendor_card(tmp_path: Path, name: str = "hana") -> Path:
    (tmp_path / name).mkdir()
    vault = make_vault(tmp_path / name, user=name, marking="UNCLASSIFIED")
    with open_vault(vault, PASS) as session:
        assert session.identity is not None
        data = export_card(session.identity, session.user.public_identity(session.vault_id))
    out = tmp_path / f"{name}.card"
    out.write_bytes(data)
    return out


def rows(dialog: RecipientsDialog) -> list[tuple[str, str]]:
    table = dialog.table
    return [
        (table.item(r, 0).text(), table.item(r, 1).text())  # type: ignore[union-attr]
        for r in range(table.rowCount())
    ]


def open_recipients(qtbot: QtBot, window: MainWindow) -> RecipientsDialog:
    window.action_recipients.trigger()
    qtbot.waitUntil(lambda: len(visible(RecipientsDialog)) == 1, timeout=TIMEOUT)
    (dialog,) = visible(RecipientsDialog)
    assert isinstance(dialog, RecipientsDialog)
    active(qtbot, dialog)
    return dialog


def test_a_lead_records_a_recipients_clearance_in_the_app(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    """By keyboard: the card's path, a clearance from the vault's vocabulary, Alt+O. The
    core's refusal of a non-marking is shown as it words it and records nothing; the export
    wizard's Disclosure step then offers the recipient."""
    card = vendor_card(tmp_path)
    window = open_main_window(qtbot, shell, demo_vault)
    dialog = open_recipients(qtbot, window)
    qtbot.waitUntil(lambda: "No recipient" in dialog.message.text(), timeout=TIMEOUT)
    offered = [dialog.clearance_combo.itemText(i) for i in range(dialog.clearance_combo.count())]
    assert offered == clearance_choices(window.ctx.marking) == ["UNCLASSIFIED"]
    assert dialog.record_button.isEnabled() and "Only a lead" not in dialog.lead_note.text()
    press(dialog, Qt.Key.Key_C)  # "Identity &card file:"
    QTest.keyClicks(dialog.card_edit, str(card))
    press(dialog, Qt.Key.Key_L)  # "C&leared for:"
    line = dialog.clearance_combo.lineEdit()
    assert line is not None and line.hasFocus()
    QTest.keyClicks(line, "PUBLIC")
    press(dialog, Qt.Key.Key_O)  # "Rec&ord clearance"
    qtbot.waitUntil(lambda: "not a classification level" in dialog.message.text(), timeout=TIMEOUT)
    assert dialog.message.property("role") == "error"
    assert rows(dialog) == []
    dialog.clearance_combo.setCurrentIndex(0)
    press(dialog, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: rows(dialog) == [("hana", "UNCLASSIFIED")], timeout=TIMEOUT)
    assert "hana may receive disclosures up to UNCLASSIFIED" in dialog.message.text()
    assert dialog.message.property("role") != "error"
    assert dialog.card_edit.text() == ""
    # No card file: the chosen recipient's clearance changes, with the card recorded for it.
    dialog.table.setCurrentCell(0, 0)
    assert dialog.clearance_combo.currentText() == "UNCLASSIFIED"
    dialog.clearance_combo.setCurrentText("cui")
    press(dialog, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: rows(dialog) == [("hana", "CUI")], timeout=TIMEOUT)
    dialog.clearance_combo.setCurrentText("UNCLASSIFIED")
    press(dialog, Qt.Key.Key_O)
    qtbot.waitUntil(lambda: rows(dialog) == [("hana", "UNCLASSIFIED")], timeout=TIMEOUT)
    dialog.reject()
    # The recipient is the wizard's to offer now: the same list the export reads.
    page = window.workspace.packages
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(page.export_button.isEnabled, timeout=TIMEOUT)
    page.export_button.click()
    from reviewstation.gui.pages.packages.export_wizard import ExportWizard

    qtbot.waitUntil(lambda: len(visible(ExportWizard)) == 1, timeout=TIMEOUT)
    (wizard,) = visible(ExportWizard)
    assert isinstance(wizard, ExportWizard)
    qtbot.waitUntil(lambda: wizard.disclosure.recipient.count() == 1, timeout=TIMEOUT)
    assert wizard.disclosure.recipient.itemText(0) == "hana (cleared for UNCLASSIFIED)"
    wizard.reject()


def test_others_see_the_recipients_but_cannot_record_one(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    card = vendor_card(tmp_path)
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        disclosure.set_clearance(session, card.read_bytes(), "U")
    window = open_main_window(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    dialog = open_recipients(qtbot, window)
    qtbot.waitUntil(lambda: rows(dialog) == [("hana", "UNCLASSIFIED")], timeout=TIMEOUT)
    for control in (
        dialog.card_edit,
        dialog.browse_button,
        dialog.clearance_combo,
        dialog.record_button,
    ):
        assert not control.isEnabled()
    assert "Only a lead records a recipient's clearance" in dialog.lead_note.text()


def _disclose(vault: Path, card: Path, out: Path, withhold: list[str]) -> str:
    with open_vault(vault, DEMO_PASSPHRASE, user="demo") as session:
        disclosure.set_clearance(session, card.read_bytes(), "UNCLASSIFIED")
        plan = disclosure.plan_review(session, 1, "hana", withhold)
        return export_package(session, 1, out, disclosure=plan).package_id


def test_prove_a_withheld_item_then_check_the_proof_against_the_package(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    """Prove an item…: the vault's disclosure packages and their items; the proof is written
    by keyboard (Alt+W) and never over a file. Verify a proof…: PROVEN against its package,
    NOT PROVEN (the core's sentence) against another disclosure."""
    signer = demo_card(demo_vault, tmp_path / "demo.card")
    card = vendor_card(tmp_path)
    first = _disclose(demo_vault, card, tmp_path / "first.rspkg", ["finding:2"])
    _disclose(demo_vault, card, tmp_path / "second.rspkg", [])
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(page.prove_button.isEnabled, timeout=TIMEOUT)
    page.prove_button.click()
    qtbot.waitUntil(lambda: len(visible(ProveDialog)) == 1, timeout=TIMEOUT)
    (prove,) = visible(ProveDialog)
    assert isinstance(prove, ProveDialog)
    active(qtbot, prove)
    qtbot.waitUntil(lambda: prove.package_combo.count() == 2, timeout=TIMEOUT)
    assert prove.exports[0].package_id != first  # the newest first
    prove.package_combo.setCurrentIndex(1)
    assert first in prove.package_combo.currentText()
    assert "for hana" in prove.package_combo.currentText()
    labels = [prove.items.item(i).text() for i in range(prove.items.count())]
    assert "finding 2 (withheld)" in labels and "finding 1 (disclosed)" in labels
    prove.items.setCurrentRow(labels.index("finding 2 (withheld)"))
    assert not prove.write_button.isEnabled()  # no file named yet
    proof = tmp_path / "finding2.proof"
    press(prove, Qt.Key.Key_S)  # "&Save the proof as:"
    QTest.keyClicks(prove.out_edit, str(proof))
    press(prove, Qt.Key.Key_W)  # "&Write proof"
    qtbot.waitUntil(lambda: "written to" in prove.message.text(), timeout=TIMEOUT)
    assert f"Proof of finding 2 of package {first}" in prove.message.text()
    with zipfile.ZipFile(proof) as archive:
        assert sorted(archive.namelist()) == ["item.json", "proof.json", "salt"]
    before = proof.read_bytes()
    QTest.keyClicks(prove.out_edit, str(proof))  # the same name again: refused, untouched
    press(prove, Qt.Key.Key_W)
    qtbot.waitUntil(lambda: "already exists" in prove.message.text(), timeout=TIMEOUT)
    assert prove.message.property("role") == "error"
    assert proof.read_bytes() == before
    prove.reject()

    page.add_trust([signer])  # the signer's card, as a recipient adds it
    page.package_edit.setText(str(tmp_path / "first.rspkg"))
    page.check_proof_button.click()
    qtbot.waitUntil(lambda: len(visible(CheckProofDialog)) == 1, timeout=TIMEOUT)
    (check,) = visible(CheckProofDialog)
    assert isinstance(check, CheckProofDialog)
    active(qtbot, check)
    assert check.package_edit.text() == str(tmp_path / "first.rspkg")
    press(check, Qt.Key.Key_R)  # "P&roof file:"
    QTest.keyClicks(check.proof_edit, str(proof))
    press(check, Qt.Key.Key_H)  # "C&heck"
    qtbot.waitUntil(lambda: check.verdict.text() != "", timeout=TIMEOUT)
    assert check.verdict.text() == "PROVEN", check.sentence.text()
    assert f"finding 2 (finding, withheld in package {first})" in check.sentence.text()
    assert check.item_view.isVisible() and '"uid"' in check.item_view.toPlainText()
    check.package_edit.setText(str(tmp_path / "second.rspkg"))
    press(check, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: check.verdict.text() == "NOT PROVEN", timeout=TIMEOUT)
    assert check.sentence.text().startswith(f"NOT PROVEN: The proof is for package '{first}'")
    assert check.verdict.property("role") == "error" and not check.item_view.isVisible()
    check.package_edit.setText(str(tmp_path / "missing.rspkg"))
    press(check, Qt.Key.Key_H)
    qtbot.waitUntil(lambda: "missing.rspkg" in check.sentence.text(), timeout=TIMEOUT)
    assert check.verdict.text() == "NOT PROVEN"
