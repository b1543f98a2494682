"""The Packages tab: export (through the wizard) with progress, verify with the check lines,
auditors read only."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.crypto.identity import export_card, parse_card
from reviewstation.gui.pages.packages.export_wizard import ExportWizard
from reviewstation.gui.pages.packages.packages_view import CHECK, PackagesPage
from reviewstation.gui.runtime.progress import ProgressDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.custody_fields import CustodyDialog
from reviewstation.packages.export import export_package
from reviewstation.packages.verify import verify_package
from reviewstation.vault import audit
from reviewstation.vault.session import open_vault

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, SampleVault, open_main_window
from .test_artifacts import visible

TIMEOUT = 10_000


def demo_card(vault: Path, out: Path) -> Path:
    with open_vault(vault, DEMO_PASSPHRASE, user="demo") as session:
        assert session.identity is not None
        out.write_bytes(
            export_card(session.identity, session.user.public_identity(session.vault_id))
        )
    return out


def page_of(
    qtbot: QtBot, shell: Shell, vault: Path, user: str = "demo", secret: str = DEMO_PASSPHRASE
) -> PackagesPage:
    window = open_main_window(qtbot, shell, vault, user, secret)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    page = window.workspace.packages
    window.workspace.setCurrentWidget(page)
    return page


def test_export_then_verify_through_the_tab(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    card = demo_card(demo_vault, tmp_path / "demo.card")
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(page.export_button.isEnabled, timeout=TIMEOUT)
    page.export_button.click()
    (wizard,) = visible(ExportWizard)
    assert isinstance(wizard, ExportWizard)
    qtbot.waitUntil(lambda: wizard.evidence.list.count() == 3, timeout=TIMEOUT)
    wizard.evidence.list.item(0).setCheckState(Qt.CheckState.Checked)
    while wizard.page is not wizard.output:
        if wizard.page is wizard.marking_page:
            qtbot.waitUntil(wizard.marking_page.confirm.isEnabled, timeout=TIMEOUT)
            wizard.marking_page.confirm.setChecked(True)
        qtbot.waitUntil(wizard.next_button.isEnabled, timeout=TIMEOUT)
        wizard.next_button.click()
    out = tmp_path / "review.rspkg"
    wizard.output.edit.setText(str(out))
    qtbot.waitUntil(wizard.export_button.isEnabled, timeout=TIMEOUT)
    wizard.export_button.click()
    (progress,) = visible(ProgressDialog)
    assert isinstance(progress, ProgressDialog)
    assert progress.top_banner.text() == "UNCLASSIFIED"
    qtbot.waitUntil(
        lambda: "SHA384SUMS sha384" in page.export_result.toPlainText(), timeout=TIMEOUT
    )
    assert not visible(ProgressDialog)
    text = page.export_result.toPlainText()
    assert out.is_file()
    with verify_package(out, [parse_card(card.read_bytes())]) as package:
        report = package.to_json()
    assert report["package_id"] in text
    assert f"Sequence {report['sequence']}" in text
    assert package.sums_sha384 in text
    assert any(name.startswith("evidence/") for name in report["members"])

    # Not trusted yet: one line saying why.
    page.package_edit.setText(str(out))
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.verify_result.toPlainText().startswith("INVALID"), timeout=TIMEOUT)
    assert "\n" not in page.verify_result.toPlainText()

    page.add_trust([card])
    page.verify_button.click()
    qtbot.waitUntil(lambda: page.verify_result.toPlainText().startswith("VALID"), timeout=TIMEOUT)
    lines = page.verify_result.toPlainText().splitlines()
    for check in report["checks"]:
        assert f"{CHECK} {check}" in lines


def test_auditor_cannot_export_import_or_approve(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    page = page_of(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    qtbot.waitUntil(lambda: page.approvals.policy_label.text() != "", timeout=TIMEOUT)
    assert not page.export_button.isEnabled()
    assert page.open_wizard() is None
    assert not page.import_button.isEnabled()
    assert not page.approvals.approve_button.isEnabled()
    assert "Only a lead" in page.approvals.why.text()
    assert page.verify_button.isEnabled()


def test_import_into_a_second_vault(
    qtbot: QtBot, shell: Shell, demo_vault: Path, vault: SampleVault, tmp_path: Path
) -> None:
    card = demo_card(demo_vault, tmp_path / "demo.card")
    package = tmp_path / "review.rspkg"
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        export_package(session, 1, package, evidence=["1"])
    window = open_main_window(qtbot, shell, vault.path, vault.user, vault.passphrase)
    page = window.workspace.packages
    page.package_edit.setText(str(package))
    page.add_trust([card])
    assert window.reviews.topLevelItemCount() == 0
    page.import_button.click()
    # First a confirmation: what the verified package brings, and how it arrived.
    qtbot.waitUntil(lambda: len(visible(CustodyDialog)) == 1, timeout=TIMEOUT)
    assert not visible(ProgressDialog)
    (confirm,) = visible(CustodyDialog)
    assert isinstance(confirm, CustodyDialog)
    summary = confirm.summary.text()
    assert "Signed by demo [" in summary and "signature and checksums valid" in summary
    assert "marked UNCLASSIFIED" in summary and "Review: DEMO: Orion-2" in summary
    assert "Brings 3 findings, 1 checklist run, 1 evidence file" in summary
    assert confirm.top_banner.text() == "SECRET"
    confirm.fields.medium_edit.setText("DVD #2")
    confirm.fields.from_edit.setText("Courier K. Ng")
    confirm.fields.at_edit.setText("2026-11-24")
    confirm.fields.declared_edit.setPlainText(hashlib.sha256(package.read_bytes()).hexdigest())
    confirm.ok_button.click()
    (progress,) = visible(ProgressDialog)
    assert isinstance(progress, ProgressDialog)
    assert progress.top_banner.text() == "SECRET"
    qtbot.waitUntil(lambda: "imported from" in page.verify_result.toPlainText(), timeout=TIMEOUT)
    assert "evidence files added: 1" in page.verify_result.toPlainText()
    # The imported review is shown at once: chosen in the list, its overview in front.
    qtbot.waitUntil(lambda: window.reviews.current_id() != 0, timeout=TIMEOUT)
    assert window.workspace.currentWidget() is window.workspace.overview
    assert window.workspace.review_id == window.reviews.current_id()
    with open_vault(vault.path, vault.passphrase, user=vault.user, mode="read") as session:
        (entry,) = [e for e in audit.entries(session.conn, 0) if e.action == "package.import"]
    assert entry.details["custody"]["medium"] == "DVD #2"
    assert entry.details["custody"]["declared_sha256"] == entry.details["custody"]["sha256"]

    window.workspace.setCurrentWidget(page)
    page.import_button.click()
    qtbot.waitUntil(lambda: len(visible(CustodyDialog)) == 1, timeout=TIMEOUT)
    (again,) = visible(CustodyDialog)
    assert isinstance(again, CustodyDialog)
    assert "Already imported into review" in again.summary.text()
    again.ok_button.click()
    qtbot.waitUntil(lambda: "already imported" in page.verify_result.toPlainText(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not visible(ProgressDialog), timeout=TIMEOUT)


def test_cancelling_the_confirmation_imports_nothing(
    qtbot: QtBot, shell: Shell, demo_vault: Path, vault: SampleVault, tmp_path: Path
) -> None:
    card = demo_card(demo_vault, tmp_path / "demo.card")
    package = tmp_path / "review.rspkg"
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        export_package(session, 1, package)
    window = open_main_window(qtbot, shell, vault.path, vault.user, vault.passphrase)
    page = window.workspace.packages
    page.package_edit.setText(str(package))
    page.add_trust([card])
    page.import_button.click()
    qtbot.waitUntil(lambda: len(visible(CustodyDialog)) == 1, timeout=TIMEOUT)
    (confirm,) = visible(CustodyDialog)
    assert isinstance(confirm, CustodyDialog)
    confirm.reject()
    assert page.verify_result.toPlainText() == "Import cancelled."
    qtbot.wait(100)
    assert window.reviews.topLevelItemCount() == 0
