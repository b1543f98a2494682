"""The export wizard: contents, evidence, recipients, marking check, manifest preview,
approval when the vault requires it, then the export with progress."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from support.vaults import PASS, make_vault

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.artifacts import catalog
from reviewstation.crypto.identity import parse_card
from reviewstation.crypto.kdf import floor_params
from reviewstation.findings.service import add_finding
from reviewstation.gui.pages.packages.export_approvals import ApprovalDialog, PendingApprovals
from reviewstation.gui.pages.packages.export_wizard import ExportWizard
from reviewstation.gui.pages.packages.export_wizard_pages import MarkingPage
from reviewstation.gui.pages.packages.packages_view import PackagesPage
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.progress import ProgressDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.dialogs import ConfirmDialog
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.packages.approval import request_export
from reviewstation.packages.plan import plan_export
from reviewstation.packages.verify import verify_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import policy
from reviewstation.vault.accounts import add_user
from reviewstation.vault.session import open_vault

from .test_artifacts import visible
from .test_packages_tab import demo_card, page_of

TIMEOUT = 10_000
BOB = "bob"
BOB_PASSPHRASE = "bob passphrase 1"
ERIN = "erin"
ERIN_PASSPHRASE = "erin passphrase 1"


def open_wizard(qtbot: QtBot, page: PackagesPage) -> ExportWizard:
    assert page.export_button.isEnabled()
    page.export_button.click()
    qtbot.waitUntil(lambda: len(visible(ExportWizard)) == 1, timeout=TIMEOUT)
    (wizard,) = visible(ExportWizard)
    assert isinstance(wizard, ExportWizard)
    # Mnemonics reach only the active window; activation is asynchronous.
    qtbot.waitExposed(wizard)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=TIMEOUT)
    qtbot.waitUntil(wizard.next_button.isEnabled, timeout=TIMEOUT)  # the contents are read
    return wizard


def next_page(qtbot: QtBot, wizard: ExportWizard, title: str) -> None:
    """Alt+N, as a keyboard user would; then wait until the page's plan is there."""
    qtbot.waitUntil(wizard.next_button.isEnabled, timeout=TIMEOUT)
    press(wizard, Qt.Key.Key_N)
    assert wizard.page.title == title
    qtbot.waitUntil(lambda: not wizard.busy, timeout=TIMEOUT)


def press(widget: QWidget, key: Qt.Key) -> None:
    """A button's mnemonic: Qt animates the click and fires it about 100 ms later."""
    QTest.keyClick(widget, key, Qt.KeyboardModifier.AltModifier)
    QTest.qWait(300)


def members_shown(wizard: ExportWizard) -> dict[str, list[str]]:
    """Top-level member -> the names of the members inside it (payload.enc only)."""
    tree = wizard.manifest.tree
    out: dict[str, list[str]] = {}
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        assert item is not None
        children = [item.child(j) for j in range(item.childCount())]
        out[item.text(0)] = [child.text(0) for child in children if child is not None]
    return out


def status_of_first(page: PackagesPage) -> str:
    item = page.approvals.tree.topLevelItem(0)
    return item.text(5) if item is not None else ""


def test_walk_the_wizard_to_an_export(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    card = demo_card(demo_vault, tmp_path / "demo.card")
    page = page_of(qtbot, shell, demo_vault)
    wizard = open_wizard(qtbot, page)
    assert wizard.top_banner.text() == wizard.bottom_banner.text() == "UNCLASSIFIED"
    contents = wizard.contents.summary.text()
    assert "Findings: 3 (1 confirmed, 2 draft)" in contents
    assert "Checklist runs: 1" in contents and "Determination: pending" in contents
    assert [wizard.steps.item(i).text() for i in range(wizard.steps.count())] == [
        "1. Contents",
        "2. Evidence",
        "3. Recipients",
        "4. Disclosure",
        "5. Marking check",
        "6. Manifest preview",
        "7. Write the package",
    ]

    next_page(qtbot, wizard, "Evidence")
    qtbot.waitUntil(lambda: wizard.evidence.list.count() == 3, timeout=TIMEOUT)
    assert wizard.evidence.list.hasFocus()
    QTest.keyClick(wizard.evidence.list, Qt.Key.Key_Space)  # ticks the first artifact
    assert wizard.evidence.chosen() == ["1"]

    next_page(qtbot, wizard, "Recipients")
    assert "PLAINTEXT" in wizard.recipients.form.text()

    next_page(qtbot, wizard, "Disclosure")

    next_page(qtbot, wizard, "Marking check")
    assert (
        "Highest portion marking in the package: UNCLASSIFIED" in wizard.marking_page.facts.text()
    )
    assert wizard.marking_page.banner.text() == "UNCLASSIFIED"
    assert not wizard.next_button.isEnabled()  # the marking must be confirmed first
    press(wizard, Qt.Key.Key_C)
    assert wizard.marking_page.confirm.isChecked()

    next_page(qtbot, wizard, "Manifest preview")
    shown = members_shown(wizard)
    assert {"manifest.json", "findings.json", "report.pdf", "SHA384SUMS"} <= set(shown)
    assert any(name.startswith("evidence/") for name in shown)

    next_page(qtbot, wizard, "Write the package")
    assert not wizard.next_button.isVisible()
    assert not wizard.export_button.isEnabled()  # no output file yet
    out = tmp_path / "review.rspkg"
    QTest.keyClicks(wizard.output.edit, str(out))
    assert wizard.export_button.isEnabled()
    press(wizard, Qt.Key.Key_X)
    qtbot.waitUntil(
        lambda: "SHA384SUMS sha384" in page.export_result.toPlainText(), timeout=TIMEOUT
    )
    qtbot.waitUntil(
        lambda: not visible(ExportWizard) and not visible(ProgressDialog), timeout=TIMEOUT
    )
    with verify_package(out, [parse_card(card.read_bytes())]) as package:
        report = package.to_json()
    assert report["package_id"] in page.export_result.toPlainText()
    written = set(report["members"])
    assert written == set(shown)  # the preview named exactly what was written


def test_manifest_preview_of_an_encrypted_package(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    card = demo_card(demo_vault, tmp_path / "demo.card")
    page = page_of(qtbot, shell, demo_vault)
    wizard = open_wizard(qtbot, page)
    next_page(qtbot, wizard, "Evidence")
    next_page(qtbot, wizard, "Recipients")
    wizard.recipients.add([card])
    assert wizard.recipients.list.count() == 1
    assert "Encrypted for 1 recipient(s): demo" in wizard.recipients.form.text()
    next_page(qtbot, wizard, "Disclosure")
    next_page(qtbot, wizard, "Marking check")
    wizard.marking_page.confirm.setChecked(True)
    next_page(qtbot, wizard, "Manifest preview")
    shown = members_shown(wizard)
    assert {"manifest.json", "recipients.json", "payload.enc"} <= set(shown)
    assert "findings.json" not in shown  # only inside the encrypted payload
    assert {"findings.json", "checklists.json", "report.pdf"} <= set(shown["payload.enc"])
    assert wizard.manifest.note.text().startswith("Encrypted: 8 members outside")
    # Back to Recipients, remove the card: the preview follows the choice.
    press(wizard, Qt.Key.Key_B)
    press(wizard, Qt.Key.Key_B)
    press(wizard, Qt.Key.Key_B)
    assert wizard.page is wizard.recipients
    wizard.recipients.list.setCurrentRow(0)
    wizard.recipients.remove()
    next_page(qtbot, wizard, "Disclosure")
    next_page(qtbot, wizard, "Marking check")
    next_page(qtbot, wizard, "Manifest preview")
    assert "payload.enc" not in members_shown(wizard)
    wizard.reject()


def walk_to_approval(qtbot: QtBot, page: PackagesPage, card: Path) -> ExportWizard:
    """Evidence: the first artifact; recipient: the card; then up to the Approval step."""
    wizard = open_wizard(qtbot, page)
    next_page(qtbot, wizard, "Evidence")
    qtbot.waitUntil(lambda: wizard.evidence.list.count() == 3, timeout=TIMEOUT)
    wizard.evidence.list.item(0).setCheckState(Qt.CheckState.Checked)
    next_page(qtbot, wizard, "Recipients")
    wizard.recipients.add([card])
    next_page(qtbot, wizard, "Disclosure")
    next_page(qtbot, wizard, "Marking check")
    wizard.marking_page.confirm.setChecked(True)
    next_page(qtbot, wizard, "Manifest preview")
    next_page(qtbot, wizard, "Approval")
    return wizard


def relock(qtbot: QtBot, shell: Shell, vault: Path, user: str, secret: str) -> PackagesPage:
    shell.lock()
    qtbot.waitUntil(shell.dialog.isVisible, timeout=TIMEOUT)
    return page_of(qtbot, shell, vault, user, secret)


def test_approval_required_blocks_the_export_until_a_second_lead_approves(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    """demo set the vault up and added erin and bob: erin asks, bob approves (demo, who chose
    erin's first passphrase, may not), erin exports."""
    card = demo_card(demo_vault, tmp_path / "demo.card")
    recipient = parse_card(card.read_bytes())
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        add_user(session, BOB, "lead", BOB_PASSPHRASE, kdf=floor_params())
        add_user(session, ERIN, "lead", ERIN_PASSPHRASE, kdf=floor_params())
        policy.set_export_approval(session, "required")
        evidence_path = catalog.get_artifact(session.conn, 1).path

    # erin asks: the wizard has an Approval step whose Next stays disabled.
    page = page_of(qtbot, shell, demo_vault, ERIN, ERIN_PASSPHRASE)
    qtbot.waitUntil(
        lambda: "requires a second lead's approval" in page.approvals.policy_label.text(),
        timeout=TIMEOUT,
    )
    wizard = walk_to_approval(qtbot, page, card)
    assert wizard.steps.item(6).text() == "7. Approval"
    assert wizard.approval.state.text().startswith("NOT APPROVED")
    assert not wizard.next_button.isEnabled() and not wizard.export_button.isVisible()
    press(wizard, Qt.Key.Key_R)
    qtbot.waitUntil(
        lambda: "waits for another lead" in wizard.approval.state.text(), timeout=TIMEOUT
    )
    assert not wizard.approval.request_button.isEnabled()
    assert not wizard.next_button.isEnabled()
    wizard.reject()
    qtbot.waitUntil(lambda: page.approvals.tree.topLevelItemCount() == 1, timeout=TIMEOUT)
    assert not page.approvals.approve_button.isEnabled()  # not their own request
    assert "request 1 is your own" in page.approvals.why.text()

    # demo created erin's account: the row is there, Approve is not, and the reason says why.
    page = relock(qtbot, shell, demo_vault, "demo", DEMO_PASSPHRASE)
    qtbot.waitUntil(lambda: page.approvals.tree.topLevelItemCount() == 1, timeout=TIMEOUT)
    assert not page.approvals.approve_button.isEnabled()
    assert "erin's passphrase is still the one you chose" in page.approvals.why.text()

    # bob, a second lead, sees what he approves before he approves it.
    page = relock(qtbot, shell, demo_vault, BOB, BOB_PASSPHRASE)
    qtbot.waitUntil(lambda: page.approvals.tree.topLevelItemCount() == 1, timeout=TIMEOUT)
    row = page.approvals.tree.topLevelItem(0)
    assert row is not None and row.text(1) == ERIN and row.text(5) == "pending"
    assert page.approvals.approve_button.isEnabled()
    page.approvals.approve_button.click()
    (confirm,) = visible(ConfirmDialog)
    assert isinstance(confirm, ApprovalDialog)
    assert "Approve request 1 of erin" in confirm.text_label.text()
    shown = [line.strip() for line in confirm.details.toPlainText().splitlines()]
    request = page.approvals.rows[0].request
    for line in (
        "Marking: vault UNCLASSIFIED; package UNCLASSIFIED",
        f"Content sha384: {request.content_sha384[:16]}…",
        f"artifact 1: {evidence_path}",
        "demo",
        f"P-384      {recipient.fingerprints()['p384']}",
        f"ML-DSA-87  {recipient.fingerprints()['mldsa87']}",
        f"Recipient  {recipient.fingerprints()['recipient']}",
    ):
        assert line in shown, line
    assert confirm.details.isReadOnly() and confirm.details.accessibleName()
    confirm.grab().save(str(tmp_path / "approve.png"))
    confirm.ok_button.click()
    qtbot.waitUntil(lambda: status_of_first(page) == "approved", timeout=TIMEOUT)

    # erin again: the approval is found, and the export names bob.
    page = relock(qtbot, shell, demo_vault, ERIN, ERIN_PASSPHRASE)
    wizard = walk_to_approval(qtbot, page, card)
    assert wizard.approval.state.text().startswith("APPROVED by bob")
    next_page(qtbot, wizard, "Write the package")
    out = tmp_path / "approved.rspkg"
    wizard.output.edit.setText(str(out))
    assert "approved by bob" in wizard.output.summary.text()
    wizard.export_button.click()
    qtbot.waitUntil(
        lambda: "SHA384SUMS sha384" in page.export_result.toPlainText(), timeout=TIMEOUT
    )
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["approval"]["approved_by"] == BOB
    assert manifest["approval"]["requested_by"] == ERIN
    qtbot.waitUntil(lambda: page.approvals.tree.topLevelItemCount() == 0, timeout=TIMEOUT)


def test_no_review_shown_lists_no_request(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    """Another review's (or no review's) requests must not stay listed with Approve enabled."""
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        add_user(session, ERIN, "lead", ERIN_PASSPHRASE, kdf=floor_params())
    with open_vault(demo_vault, ERIN_PASSPHRASE, user=ERIN) as session:
        request_export(session, 1)
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: page.approvals.tree.topLevelItemCount() == 1, timeout=TIMEOUT)
    page.show_review(0)
    qtbot.waitUntil(lambda: page.approvals.tree.topLevelItemCount() == 0, timeout=TIMEOUT)
    assert page.approvals.rows == [] and page.approvals.selected() is None
    assert not page.approvals.approve_button.isEnabled()


def test_a_read_only_lead_session_says_so(qtbot: QtBot, window: MainWindow) -> None:
    reader = replace(
        window.ctx.permissions,
        can_write=False,
        can_approve=False,
        can_export=False,
        can_manage_own_keys=False,
        reason="The vault is open read-only: nothing can be changed in this session.",
    )
    info = replace(window.ctx.info, read_only=True, permissions=reader)
    box = PendingApprovals(Context(window.ctx.vault, info, window.ctx.clipboard))
    qtbot.addWidget(box)
    assert info.role == "lead"
    assert box.why.text() == "This session is read-only."
    assert not box.approve_button.isEnabled()


def test_the_marking_check_names_the_highest_level_in_full(qtbot: QtBot, tmp_path: Path) -> None:
    """The tester's package (portions TOP SECRET//SCI and S, here in a vault cleared for
    them): the page says TOP SECRET//SCI everywhere, never the abbreviation S."""
    path = make_vault(tmp_path, marking="TS//SCI")
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X", marking="S")
        add_finding(session, 1, title="One", severity="high", portion_marking="TOP SECRET//SCI")
        add_finding(session, 1, title="Two", severity="low", portion_marking="S")
        plan = plan_export(session, 1)
    page = MarkingPage()
    qtbot.addWidget(page)
    page.show_plan(plan)
    facts = page.facts.text().splitlines()
    assert facts[:3] == [
        "Vault marking: TOP SECRET//SCI",
        "Review marking: SECRET",
        "Highest portion marking in the package: TOP SECRET//SCI",
    ]
    assert page.banner.text() == "TOP SECRET//SCI"
    assert page.banner.banner_style.background == "#fce83a"
    assert "TOP SECRET//SCI is the right marking" in page.confirm.text()


@pytest.mark.parametrize(
    ("vault", "shown", "required"),
    [
        ("UNCLASSIFIED", (), False),
        ("CUI", ("controlled_by", "cui_category", "dissemination", "poc"), False),
        ("SECRET//NOFORN", ("classified_by", "derived_from", "declassify_on"), True),
    ],
)
def test_the_marking_page_asks_for_the_designation_the_marking_needs(
    qtbot: QtBot, tmp_path: Path, vault: str, shown: tuple[str, ...], required: bool
) -> None:
    """Classified: the classification authority block, required before the export; CUI: the
    CUI designation indicator, optional; as the report's cover will print them."""
    path = make_vault(tmp_path, marking=vault)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X")
        plan = plan_export(session, 1)
    page = MarkingPage()
    qtbot.addWidget(page)
    page.show_plan(plan)
    page.show()
    visible_fields = tuple(n for n, edit in page.fields.items() if edit.isVisibleTo(page))
    assert visible_fields == shown
    page.confirm.setChecked(True)
    assert page.complete() is not required
    for name in shown:
        page.fields[name].setText(f"entered {name}")
    assert page.complete()
    assert page.designation().to_json() == {name: f"entered {name}" for name in shown}


def test_a_selective_disclosure_from_the_wizard(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    """Choose the recorded recipient and a finding to withhold, see the policy's answer (a
    refusal first, for a vendor no finding names), then write the recipient's view."""
    from reviewstation.crypto.identity import export_card
    from reviewstation.packages import disclosure

    card = demo_card(demo_vault, tmp_path / "demo.card")
    (tmp_path / "vendor").mkdir()
    vendor = make_vault(tmp_path / "vendor", user="hana", marking="UNCLASSIFIED")
    with open_vault(vendor, PASS) as session:
        assert session.identity is not None
        hana = export_card(session.identity, session.user.public_identity(session.vault_id))
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        disclosure.set_clearance(session, hana, "UNCLASSIFIED")
        withheld_title = session.conn.execute("SELECT title FROM findings WHERE id = 2").fetchone()[
            0
        ]
    page = page_of(qtbot, shell, demo_vault)
    wizard = open_wizard(qtbot, page)
    next_page(qtbot, wizard, "Evidence")
    next_page(qtbot, wizard, "Recipients")
    next_page(qtbot, wizard, "Disclosure")
    shown = wizard.disclosure
    qtbot.waitUntil(lambda: shown.findings.count() == 3, timeout=TIMEOUT)
    assert shown.recipient.itemText(0) == "hana (cleared for UNCLASSIFIED)"
    assert not shown.findings.isEnabled()
    press(wizard, Qt.Key.Key_S)  # "&Selective disclosure to one recipient"
    assert shown.enable.isChecked() and shown.findings.isEnabled()
    # The policy's answer for a view that would disclose nothing: refused, by name.
    QTest.keyClicks(shown.vendor, "Nobody Inc")
    qtbot.waitUntil(lambda: "Refused:" in shown.policy.text(), timeout=TIMEOUT)
    assert "names the vendor 'Nobody Inc'" in shown.policy.text()
    shown.vendor.clear()
    assert not wizard.next_button.isEnabled()
    shown.findings.item(1).setCheckState(Qt.CheckState.Checked)  # finding 2
    qtbot.waitUntil(lambda: "Withheld: finding 2" in shown.policy.text(), timeout=TIMEOUT)
    assert "Selective disclosure for hana, cleared for UNCLASSIFIED; TLP:AMBER" in (
        shown.policy.text()
    )
    qtbot.waitUntil(wizard.next_button.isEnabled, timeout=TIMEOUT)
    next_page(qtbot, wizard, "Marking check")
    wizard.marking_page.confirm.setChecked(True)
    next_page(qtbot, wizard, "Manifest preview")
    assert "disclosure.json" in members_shown(wizard)
    next_page(qtbot, wizard, "Write the package")
    out = tmp_path / "hana.rspkg"
    QTest.keyClicks(wizard.output.edit, str(out))
    press(wizard, Qt.Key.Key_X)
    qtbot.waitUntil(out.is_file, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: not visible(ExportWizard), timeout=TIMEOUT)
    with verify_package(out, [parse_card(card.read_bytes())]) as package:
        listing = json.loads(package.read_checked("disclosure.json"))
        findings = json.loads(package.read_checked("findings.json"))["findings"]
    assert [(i["item"], i["state"]) for i in listing["items"] if i["kind"] == "finding"] == [
        ("finding 1", "disclosed"),
        ("finding 2", "withheld"),
        ("finding 3", "disclosed"),
    ]
    assert withheld_title not in json.dumps(findings)
    assert withheld_title.encode() not in out.read_bytes()
