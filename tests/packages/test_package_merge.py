"""Merging reviewers' packages into the lead's review with a staging diff (issue 19, item 1).

The lead (alice) sends her review to three reviewers; each imports it into a vault of their
own, works on it and sends a package back. bob and carol both change the severity of the same
finding since the common ancestor: a genuine conflict, resolved both ways on copies of the
lead's vault. dave changes nothing: every item is identical.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from support.merging import Team, build_team
from support.packages import members, resign, rewrite, signing_key
from support.vaults import PASS

from reviewstation.app.history import finding_history
from reviewstation.app.views import finding_view
from reviewstation.artifacts import catalog, custody
from reviewstation.checklists.runs import list_runs
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, PermissionDenied, ReviewStationError
from reviewstation.findings import service as findings
from reviewstation.findings.query import Filter, all_findings
from reviewstation.packages import lineage
from reviewstation.packages.staging import merge_package, opened, stage_package
from reviewstation.vault import audit
from reviewstation.vault.accounts import add_user
from reviewstation.vault.session import Session, open_vault
from reviewstation.ziparchive import PackageRefused


def stage(team: Team, who: str, into: int | None = None) -> object:
    with (
        open_vault(team.lead, PASS, user="alice") as session,
        opened(session, team.packages[who], team.cards) as package,
    ):
        return stage_package(session, package, into)


def merge(team: Team, who: str, **kwargs: object) -> object:
    with open_vault(team.lead, PASS, user="alice") as session:
        return merge_package(session, team.packages[who], None, extra_trust=team.cards, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    return build_team(tmp_path_factory.mktemp("merge"))


@pytest.fixture
def lead_copy(team: Team, tmp_path: Path) -> Team:
    """The team with a copy of the lead's vault, for tests that write to it."""
    shutil.copytree(team.lead.parent, tmp_path / "lead")
    return Team(**{**team.__dict__, "lead": tmp_path / "lead" / team.lead.name})


def by_key(staging: object) -> dict[str, object]:
    return {item.key: item for item in staging.items}  # type: ignore[attr-defined]


def test_the_lineage_travels_and_meets_the_lead_s_history(team: Team) -> None:
    """The reviewer's revision 1 is the lead's state that travelled: same content digest."""
    with open_vault(team.lead, PASS, user="alice") as session:
        finding = findings.get_finding(session.conn, team.overflow)
        ours = lineage.lineage(finding.to_json(), findings.revisions(session.conn, finding.id))
    with opened_package(team, "bob") as doc:
        theirs = next(f for f in doc["findings"] if f["uid"] == team.overflow)["lineage"]
    assert len(theirs) == 2  # imported, then bob's change
    assert lineage.common_ancestor(ours, theirs) == {
        "revision": 1,
        "digest": ours[-1]["digest"],
        "ours": ours[-1]["revision"],
    }


def opened_package(team: Team, who: str):  # type: ignore[no-untyped-def]
    import contextlib
    import json

    @contextlib.contextmanager
    def doc():  # type: ignore[no-untyped-def]
        yield json.loads(members(team.packages[who])["findings.json"])

    return doc()


def test_stage_matches_the_lead_s_review_and_classifies_each_item(team: Team) -> None:
    staging = stage(team, "bob")
    assert staging.review_id == 1 and staging.matched_by.startswith("based on this vault's package")  # type: ignore[attr-defined]
    items = by_key(staging)
    overflow = items[f"finding/{team.overflow}"]
    assert overflow.status == "changed"  # type: ignore[attr-defined]
    (severity,) = overflow.fields  # type: ignore[attr-defined]
    assert (severity.field, severity.ours, severity.theirs, severity.base) == (
        "severity",
        "high",
        "critical",
        "high",
    )
    assert severity.changed_by.startswith("bob@") and severity.side == "theirs"
    assert "their revision 1" in overflow.ancestor  # type: ignore[attr-defined]
    new = [i for i in staging.items if i.status == "new"]  # type: ignore[attr-defined]
    assert [i.title for i in new if i.kind == "finding"] == ["Prompt leak"]
    answers = [i for i in staging.items if i.kind == "answer" and i.status != "identical"]  # type: ignore[attr-defined]
    assert [(a.key.rsplit("/", 1)[1], a.status) for a in answers] == [(team.item, "changed")]
    assert {f.field: f.theirs for f in answers[0].fields} == {
        "status": "not_a_finding",
        "note": "checked: fine",
    }
    jailbreak = items[f"finding/{team.jailbreak}"]
    assert jailbreak.status == "changed" and jailbreak.approved  # type: ignore[attr-defined]
    # The ids are stable: the same at every staging of the same package.
    assert [i.id for i in stage(team, "bob").items] == [i.id for i in staging.items]  # type: ignore[attr-defined]


def test_identical_items_are_reported_identical(team: Team) -> None:
    staging = stage(team, "dave")
    assert {i.status for i in staging.items} == {"identical"}  # type: ignore[attr-defined]
    kinds = {i.kind for i in staging.items}  # type: ignore[attr-defined]
    assert {"finding", "answer"} <= kinds


def test_a_genuine_conflict_is_found_by_lineage(lead_copy: Team) -> None:
    team = lead_copy
    bob = stage(team, "bob")
    (bobs_answer,) = [i for i in bob.items if i.kind == "answer" and i.status == "changed"]  # type: ignore[attr-defined]
    merge(team, "bob", accept=[f"finding/{team.overflow}", bobs_answer.id])
    staging = stage(team, "carol")
    overflow = by_key(staging)[f"finding/{team.overflow}"]
    assert overflow.status == "conflicting"  # type: ignore[attr-defined]
    fields = {f.field: f for f in overflow.fields}  # type: ignore[attr-defined]
    assert (fields["severity"].ours, fields["severity"].theirs, fields["severity"].base) == (
        "critical",
        "medium",
        "high",
    )
    assert fields["severity"].conflict
    assert fields["cwe"].side == "theirs" and not fields["cwe"].conflict  # only carol changed it
    (answer,) = [i for i in staging.items if i.kind == "answer" and i.status != "identical"]  # type: ignore[attr-defined]
    assert answer.status == "conflicting"
    assert {f.field: (f.ours, f.theirs) for f in answer.fields} == {
        "status": ("not_a_finding", "open"),
        "note": ("checked: fine", "needs a second look"),
    }


def test_before_bob_s_merge_carol_s_changes_are_plain_changes(team: Team) -> None:
    staging = stage(team, "carol")
    changed = {i.kind: i.status for i in staging.items if i.status != "identical"}  # type: ignore[attr-defined]
    assert changed == {"finding": "changed", "answer": "changed"}


@pytest.mark.parametrize("choice", ["accept theirs", "keep ours"])
def test_the_conflict_is_resolved_both_ways(lead_copy: Team, choice: str) -> None:
    team = lead_copy
    merge(team, "bob", accept=[f"finding/{team.overflow}"])
    key = f"finding/{team.overflow}"
    if choice == "accept theirs":
        result = merge(team, "carol", accept=[key])
        expected = ("medium", "CWE-122")
    else:
        result = merge(team, "carol", reject=[key])
        expected = ("critical", "CWE-787")
    with open_vault(team.lead, PASS, user="alice") as session:
        finding = findings.get_finding(session.conn, team.overflow)
        assert (finding.severity, finding.cwe) == expected
        entries = [e for e in audit.entries(session.conn) if e.action.startswith("package.merge.")]
        action = "package.merge.accept" if choice == "accept theirs" else "package.merge.reject"
        assert entries[-1].action == action and entries[-1].target == key
        if choice == "accept theirs":
            history = finding_history(session, finding.id)
            merged = [row for row in history if row.field == "severity" and row.new == "medium"]
            assert merged and "carol@" in merged[-1].source and "carol" in merged[-1].source
            view = finding_view(session, finding.id)  # the editor's History tab
            assert any(text.startswith("merged: carol@") for text in view.merged.values())
    assert result.accepted if choice == "accept theirs" else result.rejected  # type: ignore[attr-defined]


def written(session: Session) -> list[object]:
    """Every audited write, and the rows a merge writes (opening a vault is audited too)."""
    return [
        [(e.seq, e.action) for e in audit.entries(session.conn) if e.action.startswith("package")],
        session.conn.execute("SELECT count(*) FROM merge_decisions").fetchone(),
        session.conn.execute("SELECT count(*) FROM merge_provenance").fetchone(),
        session.conn.execute("SELECT sum(revision) FROM findings").fetchone(),
        session.conn.execute("SELECT max(updated) FROM checklist_answers").fetchone(),
    ]


def test_merging_the_same_package_twice_changes_nothing_the_second_time(lead_copy: Team) -> None:
    team = lead_copy
    choice = {"accept": [f"finding/{team.overflow}"], "reject": [f"finding/{team.jailbreak}"]}
    first = merge(team, "bob", accept_new=True, **choice)
    # the overflow's change, the new finding, the new run, the new evidence link, bob's label
    assert len(first.accepted) == 5  # type: ignore[attr-defined]
    with open_vault(team.lead, PASS, user="alice") as session:
        before = written(session)
    again = merge(team, "bob", accept_new=True, **choice)
    assert again.accepted == [] and again.rejected == []  # type: ignore[attr-defined]
    with open_vault(team.lead, PASS, user="alice") as session:
        assert written(session) == before
    staging = stage(team, "bob")
    assert by_key(staging)[f"finding/{team.overflow}"].status == "identical"  # type: ignore[attr-defined]


def test_a_new_run_and_an_evidence_link_with_its_file(lead_copy: Team) -> None:
    team = lead_copy
    staging = stage(team, "bob")
    run = next(i for i in staging.items if i.kind == "run")  # type: ignore[attr-defined]
    link = by_key(staging)[f"evidence/finding/{team.overflow}/{team.notes}"]
    assert (run.status, link.status) == ("new", "new")  # type: ignore[attr-defined]
    result = merge(team, "bob", accept=[run.id, link.id])  # type: ignore[attr-defined]
    assert result.evidence_added == 1  # type: ignore[attr-defined]
    with open_vault(team.lead, PASS, user="alice") as session:
        artifact = catalog.get_artifact(session.conn, team.notes)
        assert artifact.review_id == 1
        assert "imported_from_package" in [
            e["event"] for e in custody.events(session.conn, artifact.id)
        ]
        finding = findings.get_finding(session.conn, team.overflow)
        assert [e.artifact_uid for e in finding.evidence] == [team.notes]
        assert finding.severity == "high"  # the finding's own change was not accepted
        titles = [r.template.id for r in list_runs(session.conn, 1)]
        assert sorted(titles) == ["cyber-capability", "intake-custody"]
    again = stage(team, "bob")
    assert by_key(again)[link.key].status == "identical"  # type: ignore[attr-defined]
    answers = [i for i in again.items if i.key.startswith("answer/" + run.key[4:])]  # type: ignore[attr-defined]
    assert answers and {i.status for i in answers} == {"identical"}


def test_an_approved_finding_is_never_overwritten_silently(lead_copy: Team) -> None:
    team = lead_copy
    key = f"finding/{team.jailbreak}"
    merge(team, "bob", accept_new=True)  # new items only: the approved finding is left alone
    with open_vault(team.lead, PASS, user="alice") as session:
        finding = findings.get_finding(session.conn, team.jailbreak)
        assert (finding.status, finding.body) == ("approved", "First notes.")
    result = merge(team, "bob", accept=[key])  # named: taken, and the approval is reset
    assert result.approval_reset == [team.jailbreak]  # type: ignore[attr-defined]
    with open_vault(team.lead, PASS, user="alice") as session:
        finding = findings.get_finding(session.conn, team.jailbreak)
        assert (finding.status, finding.approved_by, finding.body) == (
            "confirmed",
            None,
            "Reproduced twice.",
        )
        entry = [e for e in audit.entries(session.conn) if e.target == key][-1]
        assert entry.details["approval_reset"] is True


def test_a_tampered_package_cannot_be_staged(team: Team, tmp_path: Path) -> None:
    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m["findings.json"] = m["findings.json"].replace(b"Prompt leak", b"Prompt LEAK")
        return m

    bad = rewrite(team.packages["bob"], tmp_path / "bad.rspkg", edit)
    with (
        open_vault(team.lead, PASS, user="alice") as session,
        pytest.raises(PackageRefused, match="SHA-384"),
        opened(session, bad, team.cards) as package,
    ):
        stage_package(session, package, None)


def test_an_untrusted_signer_cannot_be_staged(team: Team) -> None:
    with (
        open_vault(team.lead, PASS, user="alice") as session,
        pytest.raises(ReviewStationError, match="untrusted"),
        opened(session, team.packages["bob"], []) as package,
    ):
        stage_package(session, package, None)


def test_bad_choices_are_refused_and_change_nothing(lead_copy: Team) -> None:
    team = lead_copy
    new = next(i for i in stage(team, "bob").items if i.kind == "evidence" or i.status == "new")  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="both accepted and rejected"):
        merge(team, "bob", accept=[new.id], reject=[new.id])
    with pytest.raises(Exception, match="no item"):
        merge(team, "bob", accept=["F-00000000"])
    with open_vault(team.lead, PASS, user="erin") as session:
        session.conn.execute("SELECT 1")
    with open_vault(team.lead, PASS, user="alice") as session:
        assert session.conn.execute("SELECT count(*) FROM merge_decisions").fetchone()[0] == 0
        refused = [e for e in audit.entries(session.conn) if e.action == "package.merge_refused"]
        assert len(refused) == 2 and "both accepted and rejected" in refused[0].details["reason"]


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_a_reviewer_cannot_merge(lead_copy: Team, role: str) -> None:
    team = lead_copy
    with open_vault(team.lead, PASS, user="alice") as session:
        add_user(session, "rita", role, PASS, kdf=floor_params())
    before = _state(team)
    with open_vault(team.lead, PASS, user="rita") as session, pytest.raises(PermissionDenied):
        merge_package(session, team.packages["bob"], 1, accept_new=True, extra_trust=team.cards)
    assert _state(team) == before


def _bob_key(team: Team):  # type: ignore[no-untyped-def]
    return signing_key(team.packages["bob"].parent / "bob" / "case.rsvault")


def test_a_trusted_reviewer_s_content_is_held_to_this_vault_s_rules(
    team: Team, tmp_path: Path
) -> None:
    """A package re-signed by bob himself (a modified client): a finding marked above the
    vault is refused as the import refuses it, nothing staged."""

    def spill(doc: dict[str, Any]) -> None:
        doc["findings"][0]["portion_marking"] = "TS"

    bad = resign(team.packages["bob"], tmp_path / "spill.rspkg", _bob_key(team), spill)
    with (
        open_vault(team.lead, PASS, user="alice") as session,
        pytest.raises(PackageRefused, match="breaks this vault's rules"),
        opened(session, bad, team.cards) as package,
    ):
        stage_package(session, package, None)


def test_an_approval_from_another_vault_is_not_one_here(lead_copy: Team, tmp_path: Path) -> None:
    team = lead_copy

    def approve(doc: dict[str, Any]) -> None:
        new = next(f for f in doc["findings"] if f["title"] == "Prompt leak")
        new.update(status="approved", approved_by="mallory")

    forged = resign(team.packages["bob"], tmp_path / "approved.rspkg", _bob_key(team), approve)
    with open_vault(team.lead, PASS, user="alice") as session:
        merge_package(session, forged, 1, accept_new=True, extra_trust=team.cards)
        (leak,) = [
            f for f in all_findings(session.conn, Filter(review_id=1)) if f.title == "Prompt leak"
        ]
        assert (leak.status, leak.approved_by, leak.author.startswith("bob@")) == (
            "confirmed",
            None,
            True,
        )


def test_a_merge_of_what_was_shown_refuses_if_the_review_changed_since(lead_copy: Team) -> None:
    """The dialog passes the staging it showed: a change here in between refuses the merge
    instead of taking the package's value over a change the lead never saw."""
    team = lead_copy
    shown = stage(team, "bob")
    key = f"finding/{team.overflow}"
    with open_vault(team.lead, PASS, user="alice") as session:
        findings.update_finding(session, team.overflow, severity="low")
        with pytest.raises(InputError, match="stages differently now"):
            merge_package(
                session,
                team.packages["bob"],
                1,
                accept=[key],
                extra_trust=team.cards,
                staged=shown.shown(),  # type: ignore[attr-defined]
            )
        assert findings.get_finding(session.conn, team.overflow).severity == "low"
    assert by_key(stage(team, "bob"))[key].status == "conflicting"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("drop", "status"),
    [
        (("lineage",), "changed"),  # an older writer: the lineage comes from its revisions
        (("lineage", "revisions"), "conflicting"),  # nothing to find an ancestor by
    ],
)
def test_lineage_from_revisions_or_none(
    team: Team, tmp_path: Path, drop: tuple[str, ...], status: str
) -> None:
    def strip(doc: dict[str, Any]) -> None:
        for finding in doc["findings"]:
            for name in drop:
                finding.pop(name, None)

    package = resign(team.packages["bob"], tmp_path / "old.rspkg", _bob_key(team), strip)
    with (
        open_vault(team.lead, PASS, user="alice") as session,
        opened(session, package, team.cards) as verified,
    ):
        staging = stage_package(session, verified, None)
    overflow = by_key(staging)[f"finding/{team.overflow}"]
    assert overflow.status == status  # type: ignore[attr-defined]
    if status == "conflicting":
        assert "no common ancestor" in overflow.note  # type: ignore[attr-defined]
        assert not overflow.fields[0].base_known  # type: ignore[attr-defined]


def _appended(overflow: dict[str, Any], current: str) -> None:
    overflow["lineage"] = [*overflow["lineage"], {"revision": 9, "digest": current}]


def _alone(overflow: dict[str, Any], current: str) -> None:
    overflow["lineage"] = [{"revision": 1, "digest": current}]


def _history(overflow: dict[str, Any], current: str) -> None:
    """No lineage; revisions claiming bob changed the severity from the lead's current low."""
    del overflow["lineage"]
    overflow["revisions"].append(
        {"revision": 9, "at": "2026-12-07T10:00:00Z", "user": "bob", "changes": {}}
    )
    overflow["revisions"][-1]["changes"] = {"severity": ["low", "critical"]}


@pytest.mark.parametrize("forge", [_appended, _alone, _history])
def test_a_forged_lineage_cannot_hide_a_conflict(
    lead_copy: Team, tmp_path: Path, forge: Any
) -> None:
    """A hostile reviewer claims the lead's current state (reached after her export) as the
    ancestor, to stage a conflicting change as a plain, pre-ticked one. A state the sender
    cannot have had is never an ancestor: it stays a conflict, and nothing is applied unless
    named."""
    team = lead_copy
    with open_vault(team.lead, PASS, user="alice") as session:
        mine = findings.update_finding(session, team.overflow, severity="low")
        current = lineage.digest(mine.to_json())

    def edit(doc: dict[str, Any]) -> None:
        forge(next(f for f in doc["findings"] if f["uid"] == team.overflow), current)

    forged = resign(team.packages["bob"], tmp_path / "forged.rspkg", _bob_key(team), edit)
    team.packages = {**team.packages, "forged": forged}
    lied = by_key(stage(team, "forged"))[f"finding/{team.overflow}"]
    assert lied.status == "conflicting"  # type: ignore[attr-defined]
    (severity,) = lied.fields  # type: ignore[attr-defined]
    assert (severity.ours, severity.theirs, severity.conflict) == ("low", "critical", True)
    merge(team, "forged", accept_new=True)  # new items only: the change is not taken
    with open_vault(team.lead, PASS, user="alice") as session:
        assert findings.get_finding(session.conn, team.overflow).severity == "low"


# Attacks by a trusted but hostile reviewer (bob re-signs his package).


def _other_review_artifact(team: Team, tmp_path: Path) -> str:
    """A log of the lead's second review, whose uid bob learnt somehow."""
    from reviewstation.artifacts.intake import add_artifacts
    from reviewstation.reviews.service import create_review

    other = tmp_path / "secret.txt"
    other.write_text("another review's file\n")
    with open_vault(team.lead, PASS, user="alice") as session:
        create_review(session, title="Model Y", developer="Lab B", model_name="Y-1")
        return add_artifacts(session, 2, [other]).added[0].uid


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("other-review", "belongs to another review here"),
        ("absent", "neither in this vault nor in the package"),
        ("comparison:00000000-0000-4000-8000-000000000000", "not a capability area of"),
    ],
)
def test_an_evidence_link_the_review_cannot_hold_is_left_out(
    lead_copy: Team, tmp_path: Path, target: str, why: str
) -> None:
    team = lead_copy
    if target == "other-review":
        uid = _other_review_artifact(team, tmp_path)
    elif target == "absent":
        uid = "11111111-2222-4333-8444-555555555555"
    else:
        uid = target

    def link(doc: dict[str, Any]) -> None:
        overflow = next(f for f in doc["findings"] if f["uid"] == team.overflow)
        overflow["evidence"] = [*overflow.get("evidence", []), {"artifact": uid}]

    forged = resign(team.packages["bob"], tmp_path / "link.rspkg", _bob_key(team), link)
    team.packages = {**team.packages, "forged": forged}
    staging = stage(team, "forged")
    assert not [i for i in staging.items if i.kind == "evidence" and uid in i.key]  # type: ignore[attr-defined]
    assert any(why in note and uid[:8] in note for note in staging.notes)  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="no item"):
        merge(team, "forged", accept=[f"evidence/finding/{team.overflow}/{uid}"])
    with open_vault(team.lead, PASS, user="alice") as session:
        refs = findings.get_finding(session.conn, team.overflow).evidence
        assert uid not in [r.artifact_uid for r in refs]


def test_an_item_id_two_items_share_is_refused_not_resolved(
    lead_copy: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids are 32 bits of the key's hash, so a package can give two items one id (here made
    easy: one hex digit per kind). Naming that id is refused in one line and changes
    nothing; the key still names the item."""
    from reviewstation.packages import staging as staging_module

    team = lead_copy
    monkeypatch.setattr(staging_module, "item_id", lambda kind, key: f"{kind[0].upper()}-0")
    key = f"finding/{team.overflow}"
    with pytest.raises(InputError, match=r"names \d+ items of this package; name the one"):
        merge(team, "bob", accept=["F-0"])
    with open_vault(team.lead, PASS, user="alice") as session:
        assert session.conn.execute("SELECT count(*) FROM merge_decisions").fetchone()[0] == 0
    result = merge(team, "bob", accept=[key])
    assert result.accepted == ["F-0"]  # type: ignore[attr-defined]
    with open_vault(team.lead, PASS, user="alice") as session:
        assert findings.get_finding(session.conn, team.overflow).severity == "critical"
        assert session.conn.execute("SELECT count(*) FROM merge_decisions").fetchone()[0] == 1


def _state(team: Team) -> tuple[object, ...]:
    with open_vault(team.lead, PASS, user="alice") as session:
        conn = session.conn
        return (
            findings.get_finding(conn, team.overflow).to_json(),
            conn.execute("SELECT count(*) FROM merge_decisions").fetchone()[0],
            conn.execute("SELECT count(*) FROM merge_provenance").fetchone()[0],
            conn.execute("SELECT count(*) FROM artifacts").fetchone()[0],
            conn.execute("SELECT count(*) FROM checklist_runs").fetchone()[0],
        )


@pytest.mark.parametrize("at", [1, 2, 3])
def test_a_merge_failing_at_a_write_leaves_nothing_half_done(
    lead_copy: Team, monkeypatch: pytest.MonkeyPatch, at: int
) -> None:
    """The disk fails at the Nth write while the merge seals the evidence file: the merge is
    refused in one line, nothing of it is in the vault, and the same merge then succeeds."""
    from support.faults import install_faults

    team = lead_copy
    staging = stage(team, "bob")
    run = next(i for i in staging.items if i.kind == "run")  # type: ignore[attr-defined]
    link = by_key(staging)[f"evidence/finding/{team.overflow}/{team.notes}"]
    chosen = [run.id, link.id, f"finding/{team.overflow}"]  # type: ignore[attr-defined]
    before = _state(team)
    faults = install_faults(monkeypatch)
    faults.arm(at)
    with pytest.raises(ReviewStationError) as refused:
        merge(team, "bob", accept=chosen)
    assert faults.injected and "\n" not in str(refused.value)
    faults.disarm()
    assert _state(team) == before
    result = merge(team, "bob", accept=chosen)
    assert result.evidence_added == 1  # type: ignore[attr-defined]


def test_a_second_package_of_the_same_reviewer_builds_on_the_first_merge(
    lead_copy: Team, tmp_path: Path
) -> None:
    """The state a merge of bob's package produced is one bob had: his next package's change
    on top of it stages as a plain change, not a conflict."""
    from reviewstation.packages.export import export_package

    team = lead_copy
    merge(team, "bob", accept=[f"finding/{team.overflow}"])
    shutil.copytree(team.packages["bob"].parent / "bob", tmp_path / "bob")
    with open_vault(tmp_path / "bob" / "case.rsvault", PASS) as session:
        findings.update_finding(session, team.overflow, cwe="CWE-120")
        review = findings.get_finding(session.conn, team.overflow).review_id
        export_package(session, review, tmp_path / "bob2.rspkg")
    team.packages = {**team.packages, "bob2": tmp_path / "bob2.rspkg"}
    item = by_key(stage(team, "bob2"))[f"finding/{team.overflow}"]
    assert item.status == "changed"  # type: ignore[attr-defined]
    assert [(f.field, f.side) for f in item.fields] == [("cwe", "theirs")]  # type: ignore[attr-defined]


def test_an_older_package_after_a_newer_one_is_never_a_plain_change(
    lead_copy: Team, tmp_path: Path
) -> None:
    """Rollback: bob's later package (severity low) is merged, then his earlier one (critical)
    is offered again: it stages as a conflict, never pre-ticked, and applies nothing unnamed."""
    from reviewstation.packages.export import export_package

    team = lead_copy
    shutil.copytree(team.packages["bob"].parent / "bob", tmp_path / "bob")
    with open_vault(tmp_path / "bob" / "case.rsvault", PASS) as session:
        findings.update_finding(session, team.overflow, severity="low")
        review = findings.get_finding(session.conn, team.overflow).review_id
        export_package(session, review, tmp_path / "bob2.rspkg")
    team.packages = {**team.packages, "bob2": tmp_path / "bob2.rspkg"}
    key = f"finding/{team.overflow}"
    merge(team, "bob2", accept=[key])
    old = by_key(stage(team, "bob"))[key]
    assert old.status == "conflicting"  # type: ignore[attr-defined]  # never pre-ticked
    merge(team, "bob", accept_new=True)
    with open_vault(team.lead, PASS, user="alice") as session:
        assert findings.get_finding(session.conn, team.overflow).severity == "low"


def _claims_uid(doc: dict[str, Any], uid: str) -> None:
    doc["based_on"] = []
    doc["review"]["uid"] = uid


def _claims_source(doc: dict[str, Any], uid: str) -> None:
    for entry in doc["based_on"]:
        entry.update(source_review=uid, package_id="00000000-0000-4000-8000-000000000000")


@pytest.mark.parametrize("claim", [_claims_uid, _claims_source])
def test_a_claimed_review_uid_alone_matches_no_review(
    team: Team, tmp_path: Path, claim: Any
) -> None:
    """bob names the uid of another review of the lead's vault (one he learnt): without a
    record of this vault behind it (its own export, an import from bob), no review matches;
    the lead names one."""
    copy = tmp_path / "lead"
    shutil.copytree(team.lead.parent, copy)
    lead = Team(**{**team.__dict__, "lead": copy / team.lead.name})
    from reviewstation.reviews.service import create_review

    with open_vault(lead.lead, PASS, user="alice") as session:
        other = create_review(session, title="Model Y", developer="Lab B", model_name="Y-1")
    forged = resign(
        team.packages["bob"],
        tmp_path / "aimed.rspkg",
        _bob_key(team),
        lambda d: claim(d, other.uid),
    )
    lead.packages = {**team.packages, "aimed": forged}
    with pytest.raises(ReviewStationError, match="choose one with --into"):
        stage(lead, "aimed")
    assert stage(lead, "aimed", 1).review_id == 1  # type: ignore[attr-defined]


def test_a_signed_off_run_is_final_for_a_merge_too(lead_copy: Team) -> None:
    """The lead signed her checklist run off: bob's answers to it are left out with a note,
    never offered, as a typed answer to it is refused."""
    from reviewstation.checklists.runs import get_run, set_answer, sign_off

    team = lead_copy
    with open_vault(team.lead, PASS, user="alice") as session:
        run = list_runs(session.conn, 1)[0]
        for answer in run.answers:
            set_answer(session, run.id, answer.item_id, status="not_a_finding", note="done")
        sign_off(session, run.id)
        before = get_run(session.conn, run.id).answers
    staging = stage(team, "bob")
    assert not [i for i in staging.items if i.key.startswith(f"answer/{run.uid}/")]  # type: ignore[attr-defined]
    assert any("signed off by alice: final" in n for n in staging.notes)  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="no item"):
        merge(team, "bob", accept=[f"answer/{run.uid}/{team.item}"])
    with open_vault(team.lead, PASS, user="alice") as session:
        assert get_run(session.conn, run.id).answers == before
