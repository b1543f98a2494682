"""A lead switches the vault's export-approval policy from the Packages tab; it is audited."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.gui.shell import Shell
from reviewstation.vault import policy
from reviewstation.vault.session import open_vault

from .conftest import AUDITOR, AUDITOR_PASSPHRASE
from .test_packages_tab import page_of

TIMEOUT = 10_000


def test_lead_requires_approval_and_it_is_recorded(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    page = page_of(qtbot, shell, demo_vault)
    box = page.approvals
    qtbot.waitUntil(box.policy_check.isEnabled, timeout=TIMEOUT)
    assert not box.policy_check.isChecked()
    assert not box.tree.isVisible()
    box.policy_check.click()
    qtbot.waitUntil(
        lambda: box.policy_label.text().startswith("This vault requires"), timeout=TIMEOUT
    )
    assert box.policy_check.isChecked() and box.tree.isVisible()
    shell.quit()
    qtbot.waitUntil(lambda: shell.done, timeout=TIMEOUT)
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        assert policy.export_approval(session.conn) == "required"
        changes = session.conn.execute(
            "SELECT user, details FROM audit WHERE action = 'vault.policy'"
        ).fetchall()
    assert [(user, '"to":"required"' in details.replace(" ", "")) for user, details in changes] == [
        ("demo", True)
    ]


def test_auditor_cannot_change_the_policy(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    page = page_of(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    qtbot.waitUntil(lambda: bool(page.approvals.policy_label.text()), timeout=TIMEOUT)
    assert not page.approvals.policy_check.isEnabled()


def test_one_lead_unticking_only_proposes_turning_approval_off(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    """Weakening the rule takes two leads: the box stays ticked and says who can agree."""
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        policy.set_export_approval(session, "required")
    page = page_of(qtbot, shell, demo_vault)
    box = page.approvals
    qtbot.waitUntil(
        lambda: box.policy_check.isEnabled() and box.policy_check.isChecked(), timeout=TIMEOUT
    )
    box.policy_check.click()
    qtbot.waitUntil(
        lambda: "until a second lead also turns it off" in box.policy_label.text(),
        timeout=TIMEOUT,
    )
    assert box.policy_check.isChecked()
    assert box.policy_label.text().startswith("This vault requires")
    shell.quit()
    qtbot.waitUntil(lambda: shell.done, timeout=TIMEOUT)
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        assert policy.export_approval(session.conn) == "required"
        assert policy.off_proposed_by(session.conn) == "demo"
