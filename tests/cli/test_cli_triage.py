"""``reviewstation triage``: add, confirm, dispute, list (with --json and --search), and the
comparison's raw and triaged figures on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import ok, rs
from support.inspect_logs import sample, write_eval
from support.vaults import PASS, make_vault

from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts, audit
from reviewstation.vault.session import open_vault

LEAD2 = "second lead passphrase"


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run A (artifact 1) and run B (2): B solves 1-4, A solves 1-2."""
    tmp = tmp_path_factory.mktemp("triage")
    a = write_eval(tmp / "a.eval", [sample(i, "C" if i <= 2 else "I") for i in range(1, 7)])
    b = write_eval(tmp / "b.eval", [sample(i, "C" if i <= 4 else "I") for i in range(1, 7)])
    path = make_vault(tmp)
    with open_vault(path, PASS) as session:
        create_review(session, title="Evals", developer="Lab", model_name="M")
        add_artifacts(session, 1, [a, b])
        accounts.add_user(session, "lena", "lead", LEAD2, kdf=floor_params())
    return path


def _as(user: str) -> tuple[str, ...]:
    return ("--user", user)


def test_label_confirm_and_compare(vault: Path) -> None:
    v = str(vault)
    added = json.loads(
        ok(
            "triage",
            "add",
            v,
            "2#3@1/message:1",
            "--label",
            "out-of-scope",
            "--note",
            "read the flag from /proc",
            "--json",
            *_as("alice"),
        )
    )
    assert (added["sample"], added["part"], added["status"]) == ("3@1", "message:1", "open")
    second = ok("triage", "add", v, "2#4", "--label", "reward-hacking", *_as("alice"))
    assert second.startswith("Triage label 2 (") and "reward-hacking on" in second
    # Unconfirmed: nothing changes.
    before = json.loads(ok("compare", v, "1", "2", "--json", *_as("alice")))
    assert before["triaged"] is None and before["invalidated"] == {}
    refused = rs("triage", "confirm", v, "1", *_as("alice"))
    assert refused.returncode != 0 and "you wrote it" in refused.stderr
    assert "lena" in refused.stderr
    done = ok("triage", "confirm", v, "1", "--reason", "agreed", *_as("lena"), stdin=LEAD2 + "\n")
    assert "confirmed by lena" in done
    ok("triage", "dispute", v, "2", "--reason", "allowed", *_as("lena"), stdin=LEAD2 + "\n")
    after = json.loads(ok("compare", v, "1", "2", "--json", *_as("alice")))
    assert after["invalidated"] == {"B": ["3@1"]}
    assert [r["solved"] for r in after["runs"]] == [2, 4]
    assert [r["solved"] for r in after["triaged"]["runs"]] == [2, 3]
    assert after["triaged"]["tests"][0]["other_only"] == 1
    text = ok("compare", v, "1", "2", *_as("alice"))
    assert "   triaged: solved 3/6 = 50.0%" in text and "1 solve(s) invalidated (3@1)" in text
    with open_vault(vault, PASS, user="alice", mode="read") as session:
        actions = [e.action for e in audit.entries(session.conn)]
    assert actions.count("triage.add") == 2
    assert "triage.confirm" in actions and "triage.dispute" in actions


def test_list_filters_and_search(vault: Path) -> None:
    v = str(vault)
    every = json.loads(ok("triage", "list", v, "--json", *_as("alice")))
    assert [x["status"] for x in every] == ["confirmed", "disputed"]
    found = json.loads(ok("triage", "list", v, "--search", "proc", "--json", *_as("alice")))
    assert [x["id"] for x in found] == [1]
    assert (
        json.loads(ok("triage", "list", v, "--status", "disputed", "--json", *_as("alice")))[0][
            "reason"
        ]
        == "allowed"
    )
    table = ok("triage", "list", v, "--artifact", "2", "--label", "out-of-scope", *_as("alice"))
    assert "out-of-scope" in table and "reward-hacking" not in table


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "2", "--label", "out-of-scope"], "ARTIFACT#ID@EPOCH"),
        (["add", "2#99@1", "--label", "out-of-scope"], "no sample"),
        (["add", "2#1@1/message:9", "--label", "in-scope"], "no message 9"),
        (["add", "2#1@1/triage:1", "--label", "in-scope"], "put on a sample"),
        (["confirm", "99"], "no triage label 99"),
        (["add", "2#1@1/message:../../x", "--label", "in-scope"], "no sample"),
        (["add", "2#1@1@1", "--label", "in-scope"], "no sample '1@1@1'"),
        (["add", "2#1@1", "--label", "in-scope", "--note", "a\x1b[2Jb"], "control"),
        (["add", "2#1@1", "--label", "in-scope", "--note", "x" * 20_001], "20000"),
        (["add", "9#1@1", "--label", "in-scope"], "no artifact 9"),
        (["list", "--search", '"* ( ) :'], "at least one word"),  # FTS syntax, no word
    ],
)
def test_refusals_are_one_line(vault: Path, argv: list[str], message: str) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        before = _written(session)
    target = [argv[0], str(vault), *argv[1:]]
    result = rs("triage", *target, *_as("alice"))
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with open_vault(vault, PASS, user="alice") as session:
        assert _written(session) == before  # nothing written, not even an audit entry


def _written(session: object) -> list[str]:
    """The audit trail's entries of triage (opening the vault records its own)."""
    entries = audit.entries(session.conn)  # type: ignore[attr-defined]
    return [e.action for e in entries if e.action.startswith("triage.")]
