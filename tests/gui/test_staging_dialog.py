"""Merging a package through the Packages tab: the staging dialog shows each item's status and
old/new values, conflicts tinted and not pre-accepted, an approved finding not pre-accepted;
what the lead ticks is merged and nothing else."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from support.merging import build_team
from support.vaults import PASS

from reviewstation.findings import service as findings
from reviewstation.gui.pages.packages.staging_dialog import (
    ACCEPT,
    BASE,
    ITEM,
    OURS,
    REJECT,
    STATUS,
    THEIRS,
    StagingDialog,
)
from reviewstation.gui.qt import Qt
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.theme import CAUTION_FILL, ICON
from reviewstation.packages.staging import merge_package, opened, stage_package
from reviewstation.vault.session import open_vault

from .conftest import open_main_window
from .test_artifacts import visible

TIMEOUT = 20_000


def test_stage_and_merge_a_conflict_from_the_packages_tab(
    qtbot: QtBot, shell: Shell, tmp_path: Path
) -> None:
    team = build_team(tmp_path)
    overflow = f"finding/{team.overflow}"
    with open_vault(team.lead, PASS, user="alice") as session:  # bob's change merged first
        merge_package(session, team.packages["bob"], 1, accept=[overflow], extra_trust=team.cards)
    window = open_main_window(qtbot, shell, team.lead, "alice", PASS)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    page = window.workspace.packages
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(page.merge_button.isEnabled, timeout=TIMEOUT)
    page.package_edit.setText(str(team.packages["carol"]))
    page.add_trust(team.card_files)
    page.merge_button.click()
    qtbot.waitUntil(lambda: len(visible(StagingDialog)) == 1, timeout=TIMEOUT)
    (dialog,) = visible(StagingDialog)
    assert isinstance(dialog, StagingDialog)
    assert dialog.top_banner.text() == "CUI"

    conflict = dialog.rows[overflow]
    assert conflict.text(STATUS) == f"{ICON} conflicting"
    assert conflict.background(STATUS).color().name() == CAUTION_FILL[0]
    assert conflict.checkState(ACCEPT) == Qt.CheckState.Unchecked  # never pre-accepted
    children = [conflict.child(i) for i in range(conflict.childCount())]
    fields = {child.text(ITEM): child for child in children if child is not None}
    severity = fields["severity"]
    assert (severity.text(STATUS), severity.text(OURS), severity.text(THEIRS)) == (
        f"{ICON} conflict",
        "critical",
        "medium",
    )
    assert severity.text(BASE) == "high"
    assert fields["cwe"].text(STATUS) == "theirs"
    identical = dialog.rows[f"finding/{team.jailbreak}"]
    assert identical.text(STATUS) == "identical"
    assert not identical.flags() & Qt.ItemFlag.ItemIsUserCheckable

    # carol's answer (bob's answer was not merged): a plain change, pre-accepted; reject it.
    (answer,) = [i for i in dialog.staging.items if i.kind == "answer" and i.offered]
    assert answer.status == "changed"
    assert dialog.accepted_ids() == [answer.key]
    dialog.set_choice(answer.key, False)

    # Accept and Reject exclude each other; accept theirs and merge.
    conflict.setCheckState(REJECT, Qt.CheckState.Checked)
    conflict.setCheckState(ACCEPT, Qt.CheckState.Checked)
    assert conflict.checkState(REJECT) == Qt.CheckState.Unchecked
    assert dialog.accepted_ids() == [conflict.data(ITEM, Qt.ItemDataRole.UserRole)]
    assert dialog.rejected_ids() == [answer.key]
    dialog.merge_button.click()
    qtbot.waitUntil(
        lambda: "merged into review 1" in page.verify_result.toPlainText(), timeout=TIMEOUT
    )
    assert "1 accepted, 1 rejected" in page.verify_result.toPlainText()
    window.close()
    shell.quit()
    qtbot.waitUntil(lambda: shell.done, timeout=TIMEOUT)
    with open_vault(team.lead, PASS, user="alice") as session:
        finding = findings.get_finding(session.conn, team.overflow)
        assert (finding.severity, finding.cwe) == ("medium", "CWE-122")


def test_an_approved_finding_is_not_pre_accepted(qtbot: QtBot, tmp_path: Path) -> None:
    team = build_team(tmp_path)
    with (
        open_vault(team.lead, PASS, user="alice") as session,
        opened(session, team.packages["bob"], team.cards) as package,
    ):
        staging = stage_package(session, package, 1)
    dialog = StagingDialog("CUI", staging)
    qtbot.addWidget(dialog)
    approved = dialog.rows[f"finding/{team.jailbreak}"]
    assert "approved here" in approved.text(STATUS) and approved.text(STATUS).startswith(ICON)
    assert approved.checkState(ACCEPT) == Qt.CheckState.Unchecked
    new = [i for i in staging.items if i.kind == "finding" and i.status == "new"]
    assert [dialog.rows[i.key].checkState(ACCEPT) for i in new] == [Qt.CheckState.Checked]
