"""Answers files: a whole checklist answered in one unlock and one transaction, all or none."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.checklists import runs
from reviewstation.checklists.answers_file import parse_answers
from reviewstation.errors import InputError, NotFound
from reviewstation.evidence import EvidenceRef
from reviewstation.reviews.service import create_review
from reviewstation.vault import audit
from reviewstation.vault.session import open_vault

LINES = b"""\xef\xbb\xbf# ITEM   STATUS   EVIDENCE   -- NOTE

alpha  open                     -- Two  hashes -- differ
beta   not_a_finding  3 4#s-1@2
   # an indented comment
gamma  -   --
delta  not_applicable
"""


def test_a_line_file_reads_status_evidence_and_note() -> None:
    got = parse_answers(LINES, "a.txt")
    assert [(a.item_id, a.status, a.note, a.where) for a in got] == [
        ("alpha", "open", "Two  hashes -- differ", "a.txt line 3"),
        ("beta", "not_a_finding", None, "a.txt line 4"),
        ("gamma", None, "", "a.txt line 6"),  # '-' keeps the status; a bare '--' clears the note
        ("delta", "not_applicable", None, "a.txt line 7"),
    ]
    assert got[1].evidence == (EvidenceRef("3"), EvidenceRef("4", "s-1@2"))


def test_a_json_file_reads_every_field() -> None:
    data = json.dumps(
        [
            {"item": "alpha", "status": "open", "note": "n", "evidence": ["3#s"]},
            {"item": "beta", "severity": "high", "justification": "why"},
        ]
    ).encode()
    alpha, beta = parse_answers(data, "a.json")
    assert (alpha.status, alpha.note, alpha.evidence) == ("open", "n", (EvidenceRef("3", "s"),))
    assert (beta.status, beta.severity_override, beta.justification) == (None, "high", "why")
    assert beta.where == "a.json entry 2 (item beta)"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"alpha open\nbeta maybe\n", "a.txt line 2: unknown status 'maybe'"),
        (b"alpha\n", "a.txt line 1: expected ITEM STATUS"),
        (b"  -- only a note\n", "a.txt line 1: expected ITEM STATUS"),
        (b"alpha open #s-1\n", "a.txt line 1: Evidence '#s-1' names no artifact"),
        (b"# nothing but comments\n\n", "a.txt holds no answers"),
        (b"alpha open -- caf\xe9\n", "a.txt is not UTF-8"),
        (b'{"item": "alpha"}', "a.txt must hold a JSON array of answers"),
        (b"[1]", "a.txt entry 1: an answer is a JSON object"),
        (b'[{"status": "open"}]', "a.txt entry 1: 'item' names the checklist item"),
        (b'[{"item": "a", "stat": "open"}]', "a.txt entry 1: unknown key 'stat'"),
        (b'[{"item": "a", "status": "no"}]', "a.txt entry 1 (item a): unknown status 'no'"),
        (b'[{"item": "a", "note": 3}]', "a.txt entry 1 (item a): 'note' must be a string"),
        (b'[{"item": "a", "evidence": "3"}]', "(item a): 'evidence' must be a list of strings"),
        (b"[]", "a.txt holds no answers"),
        (b"[{", "a.txt"),
    ],
)
def test_a_bad_file_is_one_error_naming_the_line(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as raised:
        parse_answers(data, "a.txt")
    text = str(raised.value)
    assert message in text and "\n" not in text


@pytest.fixture
def vault_with_run(tmp_path: Path) -> tuple[Path, list[str]]:
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
        run = runs.start_run(session, 1, "cyber-capability")
    return path, [item.id for item in run.template.items]


def test_a_batch_is_one_transaction_with_one_entry_per_answer(
    vault_with_run: tuple[Path, list[str]],
) -> None:
    path, items = vault_with_run
    text = "".join(f"{item} not_a_finding -- checked {n}\n" for n, item in enumerate(items))
    with open_vault(path, PASS) as session:
        before = len(list(audit.entries(session.conn)))
        run = runs.set_answers(session, 1, parse_answers(text.encode(), "all.txt"))
        added = list(audit.entries(session.conn))[before:]
    assert run.progress()["not_a_finding"] == len(items) == 38
    assert [a.note for a in run.answers] == [f"checked {n}" for n in range(len(items))]
    assert [e.action for e in added] == ["checklist.answers"] + ["checklist.answer"] * 38
    assert added[0].details == {"items": items}
    assert added[1].details == {
        "item": items[0],
        "status": {"from": "not_reviewed", "to": "not_a_finding"},
        "note": {"from": "", "to": "checked 0"},
    }


@pytest.mark.parametrize(
    ("bad_line", "error", "message"),
    [
        ("no.such.item open", InputError, "line 3: Template cyber-capability@1 has no item"),
        ("{1} open 99", NotFound, "line 3: "),
        ("{0} open", InputError, "line 3: item {0} is answered twice (first at all.txt line 1)"),
        ("{1} -", InputError, "line 3: Nothing to change"),
    ],
)
def test_one_bad_answer_changes_nothing(
    vault_with_run: tuple[Path, list[str]], bad_line: str, error: type[Exception], message: str
) -> None:
    path, items = vault_with_run
    text = f"{items[0]} open -- first\n{items[2]} not_applicable\n{bad_line.format(*items)}\n"
    with open_vault(path, PASS) as session:
        before = len(list(audit.entries(session.conn)))
        with pytest.raises(error) as raised:
            runs.set_answers(session, 1, parse_answers(text.encode(), "all.txt"))
        assert str(raised.value).startswith("all.txt " + message.format(*items))
        assert len(list(audit.entries(session.conn))) == before
        assert runs.get_run(session.conn, 1).progress()["answered"] == 0


def rs(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_answers_38_items_in_one_unlock(
    vault_with_run: tuple[Path, list[str]], tmp_path: Path
) -> None:
    path, items = vault_with_run
    answers = tmp_path / "answers.txt"
    answers.write_text("".join(f"{item} open -- seen\n" for item in items))
    done = rs("checklist", "answer-file", str(path), "1", str(answers), stdin=PASS + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 38 answers saved from answers.txt; 38/38 answered\n"
    log = json.loads(rs("audit", "log", str(path), "--json", stdin=PASS + "\n").stdout)
    actions = [e["action"] for e in log]
    assert actions.count("vault.unlock") == 2  # the start of the run above, and this command
    assert actions[-40:] == ["vault.unlock", "checklist.answers"] + ["checklist.answer"] * 38


def test_the_command_refuses_a_bad_file_in_one_line_and_changes_nothing(
    vault_with_run: tuple[Path, list[str]], tmp_path: Path
) -> None:
    path, items = vault_with_run
    answers = tmp_path / "answers.txt"
    answers.write_text(f"{items[0]} open\n{items[1]} opn\n")
    done = rs("checklist", "answer-file", str(path), "1", str(answers), stdin=PASS + "\n")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "reviewstation: error: answers.txt line 2: unknown status 'opn'; choose one of"
        " not_reviewed, open, not_a_finding, not_applicable or -."
    ]
    answers.write_text(f"{items[0]} open\nmissing.item open\n")
    done = rs("checklist", "answer-file", str(path), "1", str(answers), stdin=PASS + "\n")
    assert done.returncode == 2
    assert done.stderr.startswith("reviewstation: error: answers.txt line 2: ")
    shown = json.loads(rs("checklist", "show", str(path), "1", "--json", stdin=PASS + "\n").stdout)
    assert shown["progress"]["answered"] == 0
