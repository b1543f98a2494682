"""Two-person integrity for exports: a request, a different lead's approval, used once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.packages import Sender, members, sender
from support.vaults import PASS

from reviewstation.artifacts.viewing import view_artifact
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, PermissionDenied
from reviewstation.findings.service import update_finding
from reviewstation.packages import approval
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.packages.verify import verify_package
from reviewstation.vault import audit, policy
from reviewstation.vault.accounts import add_user
from reviewstation.vault.session import Session, open_vault


@pytest.fixture
def alice(tmp_path: Path) -> Sender:
    """alice (lead, the sender) with bob (lead), carol (reviewer) and dave (auditor)."""
    made = sender(tmp_path)
    with open_vault(made.vault, PASS) as session:
        for name, role in (("bob", "lead"), ("carol", "reviewer"), ("dave", "auditor")):
            add_user(session, name, role, PASS, kdf=floor_params())
    return made


def as_user(alice: Sender, name: str = "alice") -> Session:
    return open_vault(alice.vault, PASS, user=name)


def export(
    vault: Path,
    out: Path,
    *,
    evidence: list[str] | None = None,
    recipients: list[PublicIdentity] | None = None,
) -> ExportResult:
    with open_vault(vault, PASS, user="alice") as session:
        return export_package(session, 1, out, recipients=recipients, evidence=evidence)


def require(alice: Sender) -> None:
    with as_user(alice) as session:
        assert policy.set_export_approval(session, "required")


def actions(alice: Sender) -> list[audit.Entry]:
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        return list(audit.entries(session.conn))


def request(
    alice: Sender,
    user: str = "alice",
    evidence: list[str] | None = None,
    recipients: list[PublicIdentity] | None = None,
) -> approval.ExportRequest:
    with as_user(alice, user) as session:
        return approval.request_export(session, 1, evidence=evidence, recipients=recipients)


def approve(alice: Sender, ref: int, user: str = "bob") -> approval.ExportRequest:
    with as_user(alice, user) as session:
        return approval.approve_export(session, ref)


def test_policy_is_off_by_default_and_export_works_as_before(alice: Sender, tmp_path: Path) -> None:
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        assert policy.export_approval(session.conn) == "off"
    result = export(alice.vault, tmp_path / "p.rspkg", evidence=["1"])
    assert result.approved_by is None
    assert "approval" not in json.loads(members(tmp_path / "p.rspkg")["manifest.json"])
    exported = [e for e in actions(alice) if e.action == "package.export"]
    assert "approval" not in exported[-1].details


def test_only_a_lead_changes_the_policy_and_it_is_audited(alice: Sender) -> None:
    for name in ("carol", "dave"):
        with as_user(alice, name) as session, pytest.raises(PermissionDenied, match="lead"):
            policy.set_export_approval(session, "required")
    with as_user(alice) as session:
        with pytest.raises(InputError, match="required or off"):
            policy.set_export_approval(session, "sometimes")
        assert policy.set_export_approval(session, "required")
        assert not policy.set_export_approval(session, "required")  # no change, no entry
    changes = [e for e in actions(alice) if e.action == "vault.policy"]
    assert [(e.user, e.target, e.details) for e in changes] == [
        ("alice", "export_approval", {"from": "off", "to": "required"})
    ]


def test_required_approval_refuses_the_export_and_changes_nothing(
    alice: Sender, tmp_path: Path
) -> None:
    require(alice)
    before = len(actions(alice))
    out = tmp_path / "p.rspkg"
    with as_user(alice) as session:
        with pytest.raises(PermissionDenied, match=r"no open export request.*package request"):
            export_package(session, 1, out)
        assert session.conn.execute("SELECT count(*) FROM package_exports").fetchone()[0] == 0
    assert not out.exists()
    assert not list(tmp_path.glob("*.rspkg*"))
    after = actions(alice)
    # Only unlocks and opens were added: no export, no failure entry, no checkpoint for one.
    assert not [e.action for e in after[before:] if e.action.startswith("package.")]


def test_requester_auditor_and_reviewer_cannot_approve(alice: Sender) -> None:
    made = request(alice)
    with pytest.raises(PermissionDenied, match="your own; a lead other than the requester"):
        approve(alice, made.id, "alice")
    with pytest.raises(PermissionDenied, match=r"needs the role lead.*dave is a auditor"):
        approve(alice, made.id, "dave")
    with pytest.raises(PermissionDenied, match="needs the role lead"):
        approve(alice, made.id, "carol")
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        assert approval.get_request(session.conn, made.id).approved_by is None
        assert approval.status(session, made) == "pending"


def test_an_approved_export_names_the_approver_and_is_used_once(
    alice: Sender, tmp_path: Path
) -> None:
    require(alice)
    made = request(alice, evidence=["1"])
    done = approve(alice, made.id)
    assert done.approved_by == "bob" and done.requested_by == "alice"
    result = export(alice.vault, tmp_path / "p.rspkg", evidence=["1"])
    assert result.approved_by == "bob"
    manifest = json.loads(members(tmp_path / "p.rspkg")["manifest.json"])
    assert manifest["approval"]["approved_by"] == "bob"
    assert manifest["approval"]["requested_by"] == "alice"
    assert manifest["approval"]["request"] == made.uid
    with verify_package(tmp_path / "p.rspkg", [alice.card]) as verified:
        assert verified.to_json()["valid"]
    entries = actions(alice)
    by_action = {e.action: e for e in entries}
    assert by_action["package.request"].target == made.uid
    assert by_action["package.request"].details["content_sha384"] == made.content_sha384
    assert by_action["package.approve"].user == "bob"
    assert by_action["package.export"].details["approval"] == {
        "request": made.uid,
        "requested_by": "alice",
        "approved_by": "bob",
    }
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        used = approval.get_request(session.conn, made.id)
        assert used.package_id == manifest["package_id"]
        assert approval.status(session, used) == "used"
    with pytest.raises(PermissionDenied, match="no open export request"):
        export(alice.vault, tmp_path / "again.rspkg", evidence=["1"])
    with pytest.raises(InputError, match="already used"):
        approve(alice, made.id)


def test_an_edit_after_approval_voids_it(alice: Sender, tmp_path: Path) -> None:
    require(alice)
    made = request(alice)
    approve(alice, made.id)
    with as_user(alice, "carol") as session:
        update_finding(session, 1, title="Heap overflow, edited after approval")
    with pytest.raises(PermissionDenied, match=f"request {made.id} is void.*changed after"):
        export(alice.vault, tmp_path / "p.rspkg")
    assert not (tmp_path / "p.rspkg").exists()
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        assert approval.status(session, made) == "void"


def test_viewing_evidence_does_not_void_an_approval(alice: Sender, tmp_path: Path) -> None:
    """Custody events (a view) and the calendar are not content: the approver may look."""
    require(alice)
    made = request(alice, evidence=["1"])
    with as_user(alice, "bob") as session:
        view_artifact(session, 1)
        approval.approve_export(session, made.id)
        view_artifact(session, 1)
    assert export(alice.vault, tmp_path / "p.rspkg", evidence=["1"]).approved_by == "bob"


def test_other_evidence_or_recipients_do_not_match(alice: Sender, tmp_path: Path) -> None:
    require(alice)
    with open_vault(alice.vault, PASS, user="bob", mode="read") as session:
        bob = session.user.public_identity(session.vault_id)
    made = request(alice, evidence=["1"])
    approve(alice, made.id)
    with pytest.raises(PermissionDenied, match=f"request {made.id} names other evidence"):
        export(alice.vault, tmp_path / "a.rspkg")
    with pytest.raises(PermissionDenied, match=f"request {made.id} names other recipients"):
        export(alice.vault, tmp_path / "b.rspkg", evidence=["1"], recipients=[bob])
    # A request for exactly that encrypted export, approved, goes through; the outer
    # manifest names the approver too.
    second = request(alice, evidence=["1"], recipients=[bob])
    approve(alice, second.id)
    export(alice.vault, tmp_path / "c.rspkg", evidence=["1"], recipients=[bob])
    outer = json.loads(members(tmp_path / "c.rspkg")["manifest.json"])
    assert outer["encrypted"] and outer["approval"]["approved_by"] == "bob"


def test_an_approval_belongs_to_its_requester(alice: Sender, tmp_path: Path) -> None:
    require(alice)
    made = request(alice, user="carol")
    approve(alice, made.id)
    with pytest.raises(PermissionDenied, match="alice has no open export request"):
        export(alice.vault, tmp_path / "p.rspkg")
    with as_user(alice, "carol") as session:
        assert export_package(session, 1, tmp_path / "p.rspkg").approved_by == "bob"


def test_a_request_that_no_longer_matches_cannot_be_approved(alice: Sender) -> None:
    made = request(alice)
    with as_user(alice) as session:
        update_finding(session, 1, severity="critical")
    with pytest.raises(InputError, match="no longer matches the review"):
        approve(alice, made.id)


def test_readiness_explains_a_pending_request(alice: Sender) -> None:
    require(alice)
    made = request(alice)
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        from reviewstation.packages.content import gather

        content = gather(session, 1, package_id="", created="")
        state = approval.readiness(session, content, approval.history_of(session, content), [])
    assert state.required and not state.ready
    assert state.reason == f"request {made.id} still waits for another lead's approval"
    assert state.waiting is not None and state.waiting.id == made.id
