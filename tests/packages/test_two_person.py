"""The two-person rules as designed (issue 16): a normal team of two leads, where one added the
other, can always finish; one person can never weaken a rule; every refusal names who can."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.packages import Sender, sender
from support.vaults import PASS

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import PermissionDenied
from reviewstation.findings import service as findings
from reviewstation.packages import approval
from reviewstation.packages.export import export_package
from reviewstation.vault import audit, policy
from reviewstation.vault.accounts import add_user, change_passphrase
from reviewstation.vault.session import Session, open_vault

BOB = "bob's own passphrase"


@pytest.fixture
def team(tmp_path: Path) -> Sender:
    """alice set up the vault and added bob (lead) with a passphrase she chose."""
    made = sender(tmp_path)
    with open_vault(made.vault, PASS) as session:
        add_user(session, "bob", "lead", PASS, kdf=floor_params())
    return made


def as_user(team: Sender, name: str) -> Session:
    return open_vault(team.vault, BOB if name == "bob" and _own(team) else PASS, user=name)


def _own(team: Sender) -> bool:
    return (team.vault.parent / "bob-changed").exists()


def bob_sets_his_passphrase(team: Sender) -> None:
    with open_vault(team.vault, PASS, user="bob") as session:
        change_passphrase(session, BOB, kdf=floor_params())
    (team.vault.parent / "bob-changed").touch()


def require(team: Sender) -> None:
    with as_user(team, "alice") as session:
        assert policy.set_export_approval(session, "required")


def test_two_leads_where_one_added_the_other_can_approve_each_others_exports(
    team: Sender, tmp_path: Path
) -> None:
    require(team)
    with as_user(team, "alice") as session:
        mine = approval.request_export(session, 1)
    # Before bob set his own passphrase, alice knows it: the refusal says why and what to do.
    with as_user(team, "bob") as session, pytest.raises(PermissionDenied) as refused:
        approval.approve_export(session, mine.id)
    message = str(refused.value)
    assert "your passphrase is still the one alice chose" in message
    assert "'user passwd'" in message and "no lead of this vault can at the moment" in message
    bob_sets_his_passphrase(team)
    with as_user(team, "bob") as session:
        assert approval.approve_export(session, mine.id).approved_by == "bob"
    with as_user(team, "alice") as session:
        assert export_package(session, 1, tmp_path / "a.rspkg").approved_by == "bob"
    # ... and the other way round.
    with as_user(team, "bob") as session:
        his = approval.request_export(session, 1)
    with as_user(team, "alice") as session:
        assert approval.approve_export(session, his.id).approved_by == "alice"


def test_a_refusal_names_the_leads_who_can(team: Sender) -> None:
    bob_sets_his_passphrase(team)
    with as_user(team, "alice") as session:
        add_user(session, "carol", "lead", PASS, kdf=floor_params())  # not yet her own
        add_user(session, "rita", "reviewer", PASS, kdf=floor_params())
        mine = approval.request_export(session, 1)
        with pytest.raises(PermissionDenied, match=r"your own.*this lead can: bob.$"):
            approval.approve_export(session, mine.id)
    with as_user(team, "carol") as session, pytest.raises(PermissionDenied) as refused:
        approval.approve_export(session, mine.id)
    assert str(refused.value).endswith("this lead can: bob.")
    with as_user(team, "rita") as session:
        assert approval.view(session, mine, for_approval=True).refusal.endswith(
            "this lead can: bob."
        )


def test_one_lead_alone_cannot_turn_export_approval_off(team: Sender) -> None:
    require(team)
    with as_user(team, "alice") as session:
        first = policy.set_export_approval(session, "off")
        assert not first and first.proposed_by == "alice"
        assert "until a second lead also turns it off" in first.message
        again = policy.set_export_approval(session, "off")  # asking twice is still one person
        assert not again
        assert policy.export_approval(session.conn) == "required"
    # bob's passphrase is still alice's choice: he is refused, and told why.
    with as_user(team, "bob") as session, pytest.raises(PermissionDenied, match="alice chose"):
        policy.set_export_approval(session, "off")
    bob_sets_his_passphrase(team)
    with as_user(team, "bob") as session:
        assert policy.set_export_approval(session, "off")
        assert policy.export_approval(session.conn) == "off"
        assert policy.off_proposed_by(session.conn) is None
        entries = [e for e in audit.entries(session.conn) if e.action.startswith("vault.policy")]
    assert [(e.user, e.action, e.details.get("to")) for e in entries] == [
        ("alice", "vault.policy", "required"),
        ("alice", "vault.policy.propose", "off"),
        ("bob", "vault.policy", "off"),
    ]
    assert entries[-1].details["proposed_by"] == "alice"


def test_turning_approval_on_is_one_leads_act_and_withdraws_a_proposal(team: Sender) -> None:
    require(team)
    bob_sets_his_passphrase(team)
    with as_user(team, "alice") as session:
        policy.set_export_approval(session, "off")
    with as_user(team, "bob") as session:
        withdrawn = policy.set_export_approval(session, "required")
        assert not withdrawn and policy.off_proposed_by(session.conn) is None
        # Now bob's "off" is a new proposal, not alice's confirmed.
        assert not policy.set_export_approval(session, "off")
        assert policy.export_approval(session.conn) == "required"


def test_two_leads_who_both_edited_a_finding_can_still_approve_it(team: Sender) -> None:
    with as_user(team, "alice") as session:
        made = findings.add_finding(session, 1, title="Sandbox escape", severity="high")
        findings.set_status(session, made.id, "confirmed")
    with as_user(team, "bob") as session:
        findings.update_finding(session, made.id, body="Reproduced by bob")
        with pytest.raises(PermissionDenied, match=r"you changed it last.*this lead can: alice"):
            findings.set_status(session, made.id, "approved")
    with as_user(team, "alice") as session:
        findings.update_finding(session, made.id, body="Reproduced by bob; steps added")
        with pytest.raises(PermissionDenied, match=r"you changed it last.*this lead can: bob"):
            findings.set_status(session, made.id, "approved")
    with as_user(team, "bob") as session:
        approved = findings.set_status(session, made.id, "approved")
    assert (approved.status, approved.approved_by) == ("approved", "bob")
