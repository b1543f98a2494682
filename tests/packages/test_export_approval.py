"""Two-person integrity for exports: a request, a different lead's approval, used once.

alice created the vault and every other account, so she takes part in no approval (every
account descends from hers); erin (lead) requests and exports, bob (lead) approves: neither
created the other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.packages import Sender, members, sender
from support.vaults import PASS

from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.crypto.identity import PrivateIdentity, PublicIdentity
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import Cancelled, InputError, PermissionDenied, VaultError
from reviewstation.findings.service import update_finding
from reviewstation.packages import approval
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.packages.verify import verify_package
from reviewstation.packages.writer import PackageWriter
from reviewstation.progress import CancelFlag
from reviewstation.vault import audit, policy
from reviewstation.vault.accounts import add_user
from reviewstation.vault.session import Session, open_vault

REQUESTER = "erin"


@pytest.fixture
def alice(tmp_path: Path) -> Sender:
    """alice (lead, the vault's first user) added bob and erin (leads), carol (reviewer) and
    dave (auditor)."""
    made = sender(tmp_path)
    with open_vault(made.vault, PASS) as session:
        for name, role in (
            ("bob", "lead"),
            ("erin", "lead"),
            ("carol", "reviewer"),
            ("dave", "auditor"),
        ):
            add_user(session, name, role, PASS, kdf=floor_params())
    return made


def as_user(alice: Sender, name: str = REQUESTER) -> Session:
    return open_vault(alice.vault, PASS, user=name)


def card_of(alice: Sender, name: str) -> PublicIdentity:
    with open_vault(alice.vault, PASS, user=name, mode="read") as session:
        return session.user.public_identity(session.vault_id)


def export(
    vault: Path,
    out: Path,
    *,
    evidence: list[str] | None = None,
    recipients: list[PublicIdentity] | None = None,
    cancel: CancelFlag = None,
) -> ExportResult:
    with open_vault(vault, PASS, user=REQUESTER) as session:
        return export_package(
            session, 1, out, recipients=recipients, evidence=evidence, cancel=cancel
        )


def require(alice: Sender) -> None:
    with as_user(alice, "alice") as session:
        assert policy.set_export_approval(session, "required")


def actions(alice: Sender) -> list[audit.Entry]:
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        return list(audit.entries(session.conn))


def request(
    alice: Sender,
    user: str = REQUESTER,
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
    with as_user(alice, "alice") as session:
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
        approve(alice, made.id, REQUESTER)
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
    assert done.approved_by == "bob" and done.requested_by == REQUESTER
    result = export(alice.vault, tmp_path / "p.rspkg", evidence=["1"])
    assert result.approved_by == "bob"
    manifest = json.loads(members(tmp_path / "p.rspkg")["manifest.json"])
    assert manifest["approval"]["approved_by"] == "bob"
    assert manifest["approval"]["requested_by"] == REQUESTER
    assert manifest["approval"]["request"] == made.uid
    with verify_package(tmp_path / "p.rspkg", [card_of(alice, REQUESTER)]) as verified:
        assert verified.to_json()["valid"]
    entries = actions(alice)
    by_action = {e.action: e for e in entries}
    assert by_action["package.request"].target == made.uid
    assert by_action["package.request"].details["content_sha384"] == made.content_sha384
    assert by_action["package.approve"].user == "bob"
    assert by_action["package.export"].details["approval"] == {
        "request": made.uid,
        "requested_by": REQUESTER,
        "approved_by": "bob",
    }
    # The approval is used by the export's last entry, once the package is in place.
    package_actions = [e.action for e in entries if e.action.startswith("package.")]
    assert package_actions[-2:] == ["package.export", "package.written"]
    assert by_action["package.written"].target == manifest["package_id"]
    assert by_action["package.written"].details == {
        "evidence": made.evidence,
        "approval": made.uid,
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
    with pytest.raises(PermissionDenied, match=f"{REQUESTER} has no open export request"):
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
    with open_vault(alice.vault, PASS, user=REQUESTER, mode="read") as session:
        from reviewstation.packages.content import gather

        content = gather(session, 1, package_id="", created="")
        state = approval.readiness(session, content, approval.history_of(session, content), [])
    assert state.required and not state.ready
    assert state.reason == f"request {made.id} still waits for another lead's approval"
    assert state.waiting is not None and state.waiting.id == made.id


def add_lead(alice: Sender, by: str, name: str) -> None:
    with as_user(alice, by) as session:
        add_user(session, name, "lead", PASS, kdf=floor_params())


def test_an_account_the_requester_created_cannot_approve(alice: Sender, tmp_path: Path) -> None:
    """One lead with a second account of their own making is still one person."""
    require(alice)
    add_lead(alice, REQUESTER, "frank")  # erin chose frank's passphrase
    made = request(alice)
    with pytest.raises(PermissionDenied, match="your account was created by erin, the requester"):
        approve(alice, made.id, "frank")
    # Nothing was recorded; bob, whom erin did not create, still may.
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        assert approval.get_request(session.conn, made.id).approved_by is None
    assert approve(alice, made.id, "bob").approved_by == "bob"
    assert export(alice.vault, tmp_path / "p.rspkg").approved_by == "bob"


def test_an_account_created_through_a_chain_cannot_approve(alice: Sender) -> None:
    add_lead(alice, REQUESTER, "frank")
    add_lead(alice, "frank", "gina")  # erin -> frank -> gina
    made = request(alice)
    for name in ("frank", "gina"):
        with pytest.raises(PermissionDenied, match="created by erin, the requester"):
            approve(alice, made.id, name)
    with open_vault(alice.vault, PASS, user="gina", mode="read") as session:
        assert approval.creators(session.conn)["gina"] == "frank"
        assert approval.lineage(approval.creators(session.conn), "gina") == [
            "frank",
            REQUESTER,
            "alice",
        ]


def test_the_creator_of_the_requesters_account_cannot_approve(alice: Sender) -> None:
    """The mirror image: the lead who made the requester's account (and its passphrase)."""
    add_lead(alice, REQUESTER, "frank")
    add_lead(alice, "frank", "gina")
    made = request(alice, user="gina")
    for name in (REQUESTER, "frank", "alice"):
        with pytest.raises(PermissionDenied, match="you created the account of gina"):
            approve(alice, made.id, name)
    assert approve(alice, made.id, "bob").approved_by == "bob"


def test_recipients_are_bound_by_name_and_all_three_keys(alice: Sender, tmp_path: Path) -> None:
    require(alice)
    bob = card_of(alice, "bob")
    made = request(alice, recipients=[bob])
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        stored = approval.get_request(session.conn, made.id).recipients
    assert stored == [
        {"name": "bob", "fingerprint": bob.fingerprint, "fingerprints": bob.fingerprints()}
    ]
    approve(alice, made.id)
    # The same signing keys with someone else's recipient (encryption) key: not what was approved.
    other = PrivateIdentity.generate().public("x", "lead", bob.vault_id)
    swapped = PublicIdentity(bob.name, bob.role, bob.vault_id, bob.signing, other.recipient)
    renamed = PublicIdentity("NIST Lab", bob.role, bob.vault_id, bob.signing, bob.recipient)
    for card in (swapped, renamed):
        with pytest.raises(PermissionDenied, match=f"request {made.id} names other recipients"):
            export(alice.vault, tmp_path / "p.rspkg", recipients=[card])
    assert export(alice.vault, tmp_path / "p.rspkg", recipients=[bob]).approved_by == "bob"


def test_an_artifact_export_after_approval_voids_it(alice: Sender, tmp_path: Path) -> None:
    """Its custody event would travel in artifacts.json: the package would not be the one
    approved."""
    require(alice)
    made = request(alice, evidence=["1"])
    approve(alice, made.id)
    with as_user(alice) as session:
        export_artifact(session, 1, tmp_path / "notes.txt")
    with pytest.raises(PermissionDenied, match=f"request {made.id} is void"):
        export(alice.vault, tmp_path / "p.rspkg", evidence=["1"])
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        assert approval.status(session, made) == "void"


def test_a_cancelled_export_leaves_the_approval_usable(alice: Sender, tmp_path: Path) -> None:
    require(alice)
    made = request(alice, evidence=["1"])
    approve(alice, made.id)
    out = tmp_path / "p.rspkg"
    with pytest.raises(Cancelled):
        export(alice.vault, out, evidence=["1"], cancel=lambda: True)
    assert not out.exists() and not list(tmp_path.glob(".p.rspkg*"))
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        assert approval.status(session, approval.get_request(session.conn, made.id)) == "approved"
    assert "package.written" not in [e.action for e in actions(alice)]
    assert export(alice.vault, out, evidence=["1"]).approved_by == "bob"


def test_a_failed_write_leaves_the_approval_usable(
    alice: Sender, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require(alice)
    made = request(alice, evidence=["1"])
    approve(alice, made.id)
    out = tmp_path / "p.rspkg"

    def disk_full(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(PackageWriter, "finish", disk_full)
        with pytest.raises(VaultError, match="No space left"):
            export(alice.vault, out, evidence=["1"])
    assert not out.exists()
    with open_vault(alice.vault, PASS, user="alice", mode="read") as session:
        assert approval.status(session, approval.get_request(session.conn, made.id)) == "approved"
    assert export(alice.vault, out, evidence=["1"]).approved_by == "bob"


def test_a_refused_last_step_removes_the_package(
    alice: Sender, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the approval cannot be used after all, the file written for it does not stay."""
    require(alice)
    made = request(alice)
    approve(alice, made.id)
    out = tmp_path / "p.rspkg"

    def taken(*_: object) -> None:
        raise PermissionDenied(f"Export refused: request {made.id} was used or changed meanwhile.")

    with monkeypatch.context() as patch:
        patch.setattr(approval, "mark_used", taken)
        with pytest.raises(PermissionDenied, match="meanwhile"):
            export(alice.vault, out)
    assert not out.exists()
    assert [e.action for e in actions(alice) if e.action.startswith("package.")][-2:] == [
        "package.export",
        "package.export_failed",
    ]


def test_mark_used_checks_the_request_again(alice: Sender) -> None:
    made = request(alice)
    with (
        as_user(alice) as session,
        pytest.raises(PermissionDenied, match="used or changed meanwhile"),
    ):
        approval.mark_used(session.conn, made, "not-approved")  # still pending
    done = approve(alice, made.id)
    with as_user(alice) as session:
        session.conn.execute("BEGIN IMMEDIATE")
        approval.mark_used(session.conn, done, "first")
        with pytest.raises(PermissionDenied, match="used or changed meanwhile"):
            approval.mark_used(session.conn, done, "second")
        session.conn.execute("ROLLBACK")


def test_the_view_shows_names_keys_evidence_marking_and_digest(alice: Sender) -> None:
    bob = card_of(alice, "bob")
    tricky = PublicIdentity(
        "NIST Lab\n    P-384      0000", "lead", bob.vault_id, bob.signing, bob.recipient
    )
    made = request(alice, evidence=["1"], recipients=[tricky])
    with as_user(alice, "bob") as session:
        shown = approval.view(session, made, for_approval=True)
    text = "\n".join(shown.lines())
    assert shown.status == "pending" and shown.refusal == ""
    assert "Marking: vault CUI; package CUI" in text
    assert f"Content sha384: {made.content_sha384[:16]}…" in text
    assert "artifact 1: eval-notes.txt" in text
    for print_ in bob.fingerprints().values():
        assert print_ in text
    # A card's name cannot add a line of its own (a fake fingerprint).
    assert "  NIST Lab\\x0a    P-384      0000" in shown.lines()
    assert shown.to_json()["evidence_files"] == ["artifact 1: eval-notes.txt"]
    with as_user(alice) as session:
        assert approval.view(session, made, for_approval=True).refusal == (
            "This is your own request: another lead must approve it."
        )
    add_lead(alice, REQUESTER, "frank")
    with as_user(alice, "frank") as session:
        assert "created by erin" in approval.view(session, made, for_approval=True).refusal


def test_an_auditor_cannot_export_an_artifact(alice: Sender, tmp_path: Path) -> None:
    with as_user(alice, "dave") as session:
        with pytest.raises(PermissionDenied, match="an auditor checks the vault but does not"):
            export_artifact(session, 1, tmp_path / "notes.txt")
        assert view_artifact(session, 1)  # looking stays open to an auditor, audited
    assert not (tmp_path / "notes.txt").exists()
