"""Triage labels in a merge with a staging diff (issue 19 item 1, labels of issue 18 item 2).

The three-reviewer team of ``support.merging``: alice's review carries two Inspect logs (A
solves samples 1-2, B solves 1-5) and two labels; bob confirms the reward-hacking label on B's
sample 4 and adds an out-of-scope label on B's sample 3; dave changes nothing. The triaged
figures of the comparison change exactly when an accepted, confirmed invalidating label
arrives, and never otherwise.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from support.merging import Team, build_team
from support.packages import resign, signing_key
from support.vaults import PASS

from reviewstation.app import compare
from reviewstation.findings import triage
from reviewstation.packages.staging import Item, Staging, merge_package, opened, stage_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import audit
from reviewstation.vault.session import open_vault
from reviewstation.ziparchive import PackageRefused


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    return build_team(tmp_path_factory.mktemp("merge-triage"))


@pytest.fixture
def lead_copy(team: Team, tmp_path: Path) -> Team:
    shutil.copytree(team.lead.parent, tmp_path / "lead")
    return Team(**{**team.__dict__, "lead": tmp_path / "lead" / team.lead.name})


def stage(team: Team, who: str, package: Path | None = None, into: int | None = None) -> Staging:
    with (
        open_vault(team.lead, PASS, user="alice") as session,
        opened(session, package or team.packages[who], team.cards) as verified,
    ):
        return stage_package(session, verified, into)


def label_item(staging: Staging, uid: str) -> Item:
    return staging.find(f"label/{uid}")


def solved(team: Team) -> tuple[list[int], list[int], dict[str, list[str]]]:
    """Raw and triaged solves of runs A and B in the lead's vault, and what is invalidated."""
    with open_vault(team.lead, PASS, user="alice") as session:
        result = compare.compare_artifacts(session, list(team.logs))
    # With nothing invalidated there is no triaged comparison: the raw figures are the triaged.
    triaged = result.triaged.runs if result.triaged is not None else result.runs
    return ([r.solved for r in result.runs], [r.solved for r in triaged], result.invalidated)


def the_label(team: Team, uid: str) -> triage.TriageLabel:
    with open_vault(team.lead, PASS, user="alice") as session:
        return triage.get_label(session.conn, uid)


def test_labels_are_staged_new_identical_and_changed(team: Team) -> None:
    bob = stage(team, "bob")
    hacking = label_item(bob, team.hacking)
    assert hacking.id.startswith("L-") and hacking.kind == "label"
    assert hacking.status == "changed"  # the package confirms a label open here
    fields = {f.field: f for f in hacking.fields}
    assert list(fields) == ["status", "decided_by", "decided", "reason"]
    assert (fields["status"].ours, fields["status"].theirs) == ("open", "confirmed")
    assert fields["decided_by"].ours is None
    assert str(fields["decided_by"].theirs).startswith("bob@")
    assert fields["reason"].theirs == "the agent rewrote the test"
    assert all(f.side == "theirs" and f.changed_by.startswith("bob@") for f in fields.values())
    assert hacking.decided_here == ""  # open here: nothing decided to replace
    assert hacking.note == "confirmed: invalidates the sample's solve"
    new = label_item(bob, team.bobs_label)
    assert new.status == "new" and new.note == ""  # its log is here already
    assert {f.field: f.theirs for f in new.fields} == {"label": "out-of-scope", "status": "open"}
    # Confirmed by erin before it travelled: its names went there and back, still identical.
    assert label_item(bob, team.in_scope).status == "identical"
    dave = stage(team, "dave")
    assert {label_item(dave, uid).status for uid in (team.hacking, team.in_scope)} == {"identical"}
    # The same ids at every staging, and in the JSON the CLI prints.
    assert label_item(stage(team, "bob"), team.hacking).id == hacking.id
    shown = {i["key"]: i for i in bob.to_json()["items"]}
    assert shown[f"label/{team.hacking}"]["kind"] == "label"
    assert shown[f"label/{team.hacking}"]["status"] == "changed"


def test_figures_change_exactly_when_an_accepted_confirmed_label_arrives(lead_copy: Team) -> None:
    team = lead_copy
    assert solved(team) == ([2, 5], [2, 5], {})
    # Every new item (bob's open label among them) and nothing else: no figure changes.
    _merge(team, "bob", accept_new=True)
    staged = stage(team, "bob")
    assert label_item(staged, team.bobs_label).decided == "accepted"
    assert the_label(team, team.bobs_label).status == "open"
    assert label_item(staged, team.hacking).decided == ""  # a change: taken only by id
    assert the_label(team, team.hacking).status == "open"
    assert solved(team) == ([2, 5], [2, 5], {})
    # bob's confirmation, accepted by id: B's sample 4 no longer counts as solved.
    hacking = label_item(stage(team, "bob"), team.hacking)
    _merge(team, "bob", accept=[hacking.id])
    label = the_label(team, team.hacking)
    assert (label.status, label.reason) == ("confirmed", "the agent rewrote the test")
    assert str(label.decided_by).startswith("bob@") and label.author == "alice"
    assert solved(team) == ([2, 5], [2, 4], {"B": ["4@1"]})


def _merge(team: Team, who: str, **kwargs: Any) -> Any:
    with open_vault(team.lead, PASS, user="alice") as session:
        return merge_package(session, team.packages[who], None, extra_trust=team.cards, **kwargs)


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_a_conflict_with_a_decision_here_is_resolved_both_ways(
    lead_copy: Team, decision: str
) -> None:
    """erin disputes the label here after it travelled; bob confirmed it there."""
    team = lead_copy
    with open_vault(team.lead, PASS, user="erin") as erin:
        triage.dispute(erin, team.hacking, "the test edit was allowed")
    item = label_item(stage(team, "bob"), team.hacking)
    assert item.status == "conflicting" and item.decided_here == "disputed by erin"
    status = next(f for f in item.fields if f.field == "status")
    assert (status.ours, status.theirs, status.side) == ("disputed", "confirmed", "both")
    # Not taken by --accept-all-new: a decision made here is replaced only by name.
    _merge(team, "bob", accept_new=True)
    assert the_label(team, team.hacking).status == "disputed"
    assert solved(team) == ([2, 5], [2, 5], {})
    result = _merge(team, "bob", **{decision: [item.id]})
    label = the_label(team, team.hacking)
    with open_vault(team.lead, PASS, user="alice") as session:
        entries = [e for e in audit.entries(session.conn) if e.target == item.key]
        provenance = session.conn.execute(
            "SELECT field, changed_by FROM merge_provenance WHERE item_key = ? ORDER BY rowid",
            (item.key,),
        ).fetchall()
    if decision == "accept":
        assert result.accepted == [item.id]
        assert (label.status, str(label.decided_by)[:4]) == ("confirmed", "bob@")
        assert solved(team) == ([2, 5], [2, 4], {"B": ["4@1"]})
        assert [e.action for e in entries] == ["package.merge.accept"]
        assert [f for f, _ in provenance] == ["status", "decided_by", "decided", "reason"]
        assert all(str(who).startswith("bob@") for _, who in provenance)
    else:
        assert result.rejected == [item.id]
        assert (label.status, label.decided_by) == ("disputed", "erin")
        assert solved(team) == ([2, 5], [2, 5], {})
        assert [e.action for e in entries] == ["package.merge.reject"]
        assert provenance == []
    # Decided: the same decision again changes nothing.
    again = _merge(team, "bob", **{decision: [item.id]})
    assert again.accepted == again.rejected == [] and again.unchanged == [item.id]
    assert the_label(team, team.hacking) == label


def _self_decided(doc: dict[str, Any]) -> None:
    for label in doc["labels"]:
        if label["status"] == "confirmed" and label["label"] == "reward-hacking":
            label["decided_by"] = label["author"]


def _rewritten(doc: dict[str, Any]) -> None:
    for label in doc["labels"]:
        if label["label"] == "reward-hacking":
            label["note"] = "something else"


def _twice(doc: dict[str, Any]) -> None:
    """The same label again with another decision: one would be shown, the other merged."""
    copy = next(dict(label) for label in doc["labels"] if label["status"] == "confirmed")
    doc["labels"].append({**copy, "status": "disputed"})


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_self_decided, "other than its author"),
        (_rewritten, "differs from the one this vault holds"),
        (_twice, "twice"),
    ],
)
def test_a_label_that_breaks_the_rules_refuses_the_staging(
    team: Team, tmp_path: Path, edit: Any, message: str
) -> None:
    key = signing_key(team.packages["bob"].parent / "bob" / "case.rsvault")
    bad = resign(team.packages["bob"], tmp_path / "bad.rspkg", key, edit, "triage.json")
    with pytest.raises(PackageRefused, match=message):
        stage(team, "bob", bad)


def test_a_label_on_a_log_neither_side_holds_is_left_out(team: Team, tmp_path: Path) -> None:
    stray = str(uuid.uuid4())

    def elsewhere(doc: dict[str, Any]) -> None:
        for label in doc["labels"]:
            if label["uid"] == team.bobs_label:
                label["artifact_uid"] = stray

    key = signing_key(team.packages["bob"].parent / "bob" / "case.rsvault")
    package = resign(team.packages["bob"], tmp_path / "stray.rspkg", key, elsewhere, "triage.json")
    staging = stage(team, "bob", package)
    assert f"label/{team.bobs_label}" not in {i.key for i in staging.items}
    assert any(
        team.bobs_label in note and "neither this review nor the package holds" in note
        for note in staging.notes
    )


def test_a_new_label_brings_its_log_when_the_package_carries_it(
    lead_copy: Team, tmp_path: Path
) -> None:
    """bob's label moved (by a re-signed package) onto the file bob sends as evidence, which
    the lead does not hold yet: staged with its log, and accepting the label brings it in."""
    team = lead_copy

    def onto_notes(doc: dict[str, Any]) -> None:
        for label in doc["labels"]:
            if label["uid"] == team.bobs_label:
                label["artifact_uid"] = team.notes

    key = signing_key(team.packages["bob"].parent / "bob" / "case.rsvault")
    package = resign(team.packages["bob"], tmp_path / "log.rspkg", key, onto_notes, "triage.json")
    item = label_item(stage(team, "bob", package), team.bobs_label)
    assert item.status == "new" and "its log travels in the package" in item.note
    with open_vault(team.lead, PASS, user="alice") as session:
        result = merge_package(session, package, None, accept=[item.id], extra_trust=team.cards)
        assert result.evidence_added == 1
        label = triage.get_label(session.conn, team.bobs_label)
        held = session.conn.execute(
            "SELECT review_id FROM artifacts WHERE uid = ?", (team.notes,)
        ).fetchone()
    assert (label.artifact_uid, label.author[:4], tuple(held)) == (team.notes, "bob@", (1,))


def test_labels_of_another_review_here_are_left_out(lead_copy: Team) -> None:
    """Staged against another review (``--into``): the labels belong to review 1 here."""
    team = lead_copy
    with open_vault(team.lead, PASS, user="alice") as session:
        other = create_review(session, title="Model Y", developer="Lab B", model_name="Y-1")
    staging = stage(team, "bob", into=other.id)
    assert not [i for i in staging.items if i.kind == "label"]
    for uid in (team.hacking, team.in_scope):
        assert f"triage label {uid} belongs to review 1 here; left out" in staging.notes
    assert any(team.bobs_label in n and "of review 1 here; left out" in n for n in staging.notes)
