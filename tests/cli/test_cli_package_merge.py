"""``package stage`` and ``package merge`` as a lead runs them: ids from stage taken by merge,
one-line errors that change nothing, and a second merge that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import ok, rs
from support.merging import Team, build_team


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    return build_team(tmp_path_factory.mktemp("cli-merge"))


def trust(team: Team) -> list[str]:
    return [arg for card in team.card_files for arg in ("--trust", str(card))]


def test_stage_then_merge_by_id(team: Team) -> None:
    vault, bob = str(team.lead), str(team.packages["bob"])
    staged = json.loads(
        ok("package", "stage", vault, bob, "--user", "alice", "--json", *trust(team))
    )
    assert staged["review_id"] == 1
    items = {item["key"]: item for item in staged["items"]}
    overflow = items[f"finding/{team.overflow}"]
    assert overflow["status"] == "changed"
    label = items[f"label/{team.hacking}"]  # bob confirms a triage label open here
    assert (label["id"][:2], label["kind"], label["status"]) == ("L-", "label", "changed")
    assert [f["field"] for f in label["fields"]] == ["status", "decided_by", "decided", "reason"]
    assert items[f"label/{team.bobs_label}"]["status"] == "new"
    assert overflow["fields"][0] | {"changed_at": ""} == {
        "field": "severity",
        "ours": "high",
        "theirs": "critical",
        "base": "high",
        "base_known": True,
        "side": "theirs",
        "conflict": False,
        "changed_by": overflow["fields"][0]["changed_by"],
        "changed_at": "",
    }
    text = ok("package", "stage", vault, bob, "--user", "alice", *trust(team))
    assert f"{overflow['id']}  finding  CHANGED" in text
    assert "severity: high -> critical [was high]  theirs  (bob@" in text
    assert "APPROVED HERE" in text  # the approved finding bob changed
    assert f"{label['id']}  label    CHANGED  triage reward-hacking on " in text
    assert "  status: open -> confirmed  theirs  (bob@" in text

    # One-line errors, nothing changed.
    for args, message in [
        (("--accept", "F-00000000"), "no item 'F-00000000'"),
        ((), "Name items with --accept"),
        (("--accept", overflow["id"], "--reject", overflow["id"]), "both accepted and rejected"),
    ]:
        result = rs(
            "package", "merge", vault, bob, "--into", "1", "--user", "alice", *args, *trust(team)
        )
        assert result.returncode != 0 and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    result = rs(
        "package", "merge", vault, bob, "--into", "9", "--user", "alice", "--accept-all-new"
    )
    assert result.returncode != 0 and "review 9" in result.stderr

    merged = ok(
        "package", "merge", vault, bob, "--into", "1", "--user", "alice",
        "--accept", overflow["id"], "--accept-all-new", *trust(team),
    )  # fmt: skip
    assert "merged into review 1: 5 accepted, 0 rejected" in merged  # bob's label too
    again = ok(
        "package", "merge", vault, bob, "--into", "1", "--user", "alice",
        "--accept", overflow["id"], "--accept-all-new", *trust(team),
    )  # fmt: skip
    assert "nothing to merge" in again
    history = ok("finding", "history", vault, team.overflow, "--user", "alice")
    assert "severity: high → critical (merged: bob@" in history


def test_a_tampered_package_is_refused_in_one_line(team: Team, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rspkg"
    data = bytearray(team.packages["dave"].read_bytes())
    at = data.find(b"Role-play jailbreak")
    data[at] ^= 1
    bad.write_bytes(bytes(data))
    result = rs("package", "stage", str(team.lead), str(bad), "--user", "alice", *trust(team))
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1


def test_merge_with_staged_refuses_what_changed_since_stage(team: Team, tmp_path: Path) -> None:
    """``--staged`` takes what ``stage --json`` printed: an item that stages differently now
    (the lead changed the finding in between) is refused in one line, nothing merged."""
    vault, carol = str(team.lead), str(team.packages["carol"])
    shown = tmp_path / "stage.json"
    shown.write_text(
        ok("package", "stage", vault, carol, "--user", "alice", "--json", *trust(team))
    )
    (item,) = [
        i
        for i in json.loads(shown.read_text())["items"]
        if i["kind"] == "finding" and i["status"] != "identical"
    ]
    ok("finding", "update", vault, team.overflow, "--cwe", "CWE-121", "--user", "alice")
    result = rs(
        "package", "merge", vault, carol, "--into", "1", "--user", "alice",
        "--accept", item["id"], "--staged", str(shown), *trust(team),
    )  # fmt: skip
    assert result.returncode == 2 and "stages differently now" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    history = ok("finding", "history", vault, team.overflow, "--user", "alice")
    assert "CWE-122" not in history
