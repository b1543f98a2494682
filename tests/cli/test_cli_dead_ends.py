"""Dead ends at the command line (issue 16): each one a command that used to refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import ok, rs
from support.vaults import PASS, make_vault

from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import start_run
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError
from reviewstation.evidence import EvidenceRef
from reviewstation.findings.service import add_finding
from reviewstation.reviews import service
from reviewstation.vault.session import create_vault, open_vault


def _closed_review(vault: Path) -> int:
    with open_vault(vault, PASS) as session:
        review = service.create_review(session, title="T", developer="D", model_name="M")
        for status in ("in_review", "findings_drafted", "approved", "exported", "closed"):
            service.set_status(session, review.id, status)
        return review.id


def test_a_closed_review_reopens_with_changes_in_one_command(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    review = str(_closed_review(vault))
    ok("review", "update", str(vault), review, "--status", "in_review", "--title", "Reopened")
    shown = json.loads(ok("review", "show", str(vault), review, "--json"))
    assert (shown["status"], shown["title"]) == ("in_review", "Reopened")
    # ... and the other way: changed, then closed, in one command.
    with open_vault(vault, PASS) as session:
        for status in ("findings_drafted", "approved", "exported"):
            service.set_status(session, int(review), status)
    ok("review", "update", str(vault), review, "--title", "Final", "--status", "closed")
    shown = json.loads(ok("review", "show", str(vault), review, "--json"))
    assert (shown["status"], shown["title"]) == ("closed", "Final")


def test_a_refused_part_of_an_update_changes_nothing(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    review = str(_closed_review(vault))
    refused = rs("review", "update", str(vault), review, "--status", "in_review", "--deadline", "x")
    assert refused.returncode != 0
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    shown = json.loads(ok("review", "show", str(vault), review, "--json"))
    assert shown["status"] == "closed"


def test_a_vault_is_never_created_without_a_lead(tmp_path: Path) -> None:
    for role in ("reviewer", "auditor"):
        vault = tmp_path / f"{role}.rsvault"
        refused = rs("vault", "init", str(vault), "--user", "rita", "--role", role)
        assert refused.returncode != 0
        (line,) = refused.stderr.strip().splitlines()
        assert "always a lead" in line and "user add" in line
        assert not vault.exists()
    with pytest.raises(InputError, match="always a lead"):  # the core refuses too (the GUI's door)
        create_vault(tmp_path / "core.rsvault", "rita", PASS, role="reviewer", kdf=floor_params())
    assert not (tmp_path / "core.rsvault").exists()


def test_evidence_from_another_review_is_refused(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    log = tmp_path / "notes.txt"
    log.write_text("notes\n")
    with open_vault(vault, PASS) as session:
        first = service.create_review(session, title="A", developer="D", model_name="M")
        other = service.create_review(session, title="B", developer="D", model_name="M")
        add_artifacts(session, first.id, [log])  # artifact 1, of review A
        run = start_run(session, other.id, "intake-custody")
        item = run.template.items[0].id
    refusals = [
        rs("finding", "add", str(vault), "--review", str(other.id), "--title", "t",
           "--severity", "low", "--evidence", "1"),
        rs("checklist", "set", str(vault), str(run.id), item, "--status", "open",
           "--evidence", "1"),
    ]  # fmt: skip
    for refused in refusals:
        assert refused.returncode == 2
        (line,) = refused.stderr.strip().splitlines()
        assert "Artifact 1 belongs to review 1, not review 2" in line
    with open_vault(vault, PASS, mode="read") as session:
        assert session.conn.execute("SELECT count(*) FROM findings").fetchone()[0] == 0
        assert session.conn.execute("SELECT count(*) FROM checklist_evidence").fetchone()[0] == 0
    # From the same review it is accepted.
    ok("finding", "add", str(vault), "--review", str(first.id), "--title", "t",
       "--severity", "low", "--evidence", "1")  # fmt: skip


def test_finding_list_and_search_json_carry_evidence_and_links(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    log = tmp_path / "notes.txt"
    log.write_text("notes\n")
    with open_vault(vault, PASS) as session:
        review = service.create_review(session, title="A", developer="D", model_name="M")
        add_artifacts(session, review.id, [log])
        run = start_run(session, review.id, "intake-custody")
        item = run.template.items[0].id
        add_finding(
            session,
            review.id,
            title="Sandbox escape",
            severity="high",
            evidence=[EvidenceRef("1")],
            links=[(run.id, item)],
        )
        add_finding(session, review.id, title="Bare", severity="low")
    shown = json.loads(ok("finding", "show", str(vault), "1", "--json"))
    assert shown["evidence"] and shown["links"] == [{"run": run.id, "item": item}]
    for command in (["list", str(vault)], ["search", str(vault), "sandbox"]):
        found = json.loads(ok("finding", *command, "--json"))
        first = next(f for f in found if f["id"] == 1)
        assert (first["evidence"], first["links"]) == (shown["evidence"], shown["links"])
    bare = json.loads(ok("finding", "list", str(vault), "--json"))[1]
    assert (bare["evidence"], bare["links"]) == ([], [])


def test_a_body_on_standard_input_follows_the_passphrase_line(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        service.create_review(session, title="A", developer="D", model_name="M")
    body = "# Heap overflow\n\nThe model wrote a **working** exploit.\nSecond line.\n"
    made = ok("finding", "add", str(vault), "--review", "1", "--title", "t", "--severity", "low",
              "--body-file", "-", stdin=f"{PASS}\n{body}")  # fmt: skip
    finding = made.split()[0]
    assert json.loads(ok("finding", "show", str(vault), finding, "--json"))["body"] == body
    changed = body.replace("Second", "Third")
    ok("finding", "update", str(vault), finding, "--body-file", "-", stdin=f"{PASS}\n{changed}")
    assert json.loads(ok("finding", "show", str(vault), finding, "--json"))["body"] == changed
    # With the passphrase from a file, standard input is the body alone.
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n")
    ok("finding", "update", str(vault), finding, "--body-file", "-", "--passphrase-file",
       str(secret), stdin=body)  # fmt: skip
    assert json.loads(ok("finding", "show", str(vault), finding, "--json"))["body"] == body
