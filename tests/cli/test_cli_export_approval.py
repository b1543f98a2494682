"""The two-person export rule end to end on the command line: policy, request, approve, export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from reviewstation.crypto.identity import parse_card

PASS = "correct horse battery"


def rs(
    *args: str, user: str = "alice", stdin: str = PASS + "\n"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args, "--user", user],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(*args: str, user: str = "alice", stdin: str = PASS + "\n") -> str:
    result = rs(*args, user=user, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(*args: str, user: str = "alice") -> str:
    result = rs(*args, user=user)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_export_waits_for_a_second_lead(tmp_path: Path) -> None:
    """alice set the vault up and added everyone; erin requests and exports, bob approves."""
    vault = str(tmp_path / "case.rsvault")
    ok("vault", "init", vault, "--marking", "CUI")
    for name, role in (("bob", "lead"), ("erin", "lead"), ("dave", "auditor")):
        ok("user", "add", vault, name, "--role", role, stdin=f"{PASS}\n{PASS}\n")
    ok("review", "create", vault, "--title", "Model X", "--developer", "Lab A", "--model", "X-1")
    ok("finding", "add", vault, "--review", "1", "--title", "Heap overflow", "--severity", "high")
    notes = tmp_path / "eval-notes.txt"
    notes.write_text("notes\n")
    ok("artifact", "add", vault, "--review", "1", str(notes))
    card = tmp_path / "bob.card"
    ok("identity", "export", vault, "--out", str(card), user="bob")
    bob = parse_card(card.read_bytes()).fingerprints()

    assert ok("vault", "policy", vault).strip() == "export approval: off"
    assert "needs the role lead" in refused(
        "vault", "policy", vault, "--export-approval", "required", user="dave"
    )
    assert "changed" in ok("vault", "policy", vault, "--export-approval", "required")
    shown = json.loads(ok("vault", "policy", vault, "--json"))
    assert shown == {"export_approval": "required", "changed": False, "off_proposed_by": None}

    out = tmp_path / "p.rspkg"
    export = ("package", "export", vault, "--review", "1", "--out", str(out))
    wanted = ("--evidence", "1", "--recipient", str(card))
    error = refused(*export, *wanted, user="erin")
    assert "Export refused" in error and "package request" in error
    assert not out.exists()

    made = ok("package", "request", vault, "--review", "1", *wanted, user="erin")
    request_id = made.split()[0]
    assert request_id.isdigit()
    assert "own" in refused("package", "approve", vault, request_id, user="erin")
    assert "needs the role lead" in refused("package", "approve", vault, request_id, user="dave")
    # alice added erin's account and chose its first passphrase: not a second person.
    error = refused("package", "approve", vault, request_id)
    assert "erin's passphrase is still the one you chose" in error
    assert error.endswith("this lead can: bob.")  # who can instead
    error = refused(*export, *wanted, user="erin")
    assert f"request {request_id} still waits" in error

    listed = json.loads(ok("package", "requests", vault, "--json"))
    assert [(r["id"], r["status"], r["requested_by"]) for r in listed] == [
        (int(request_id), "pending", "erin")
    ]
    assert listed[0]["recipients"][0]["fingerprints"] == bob
    assert listed[0]["evidence_files"] == ["artifact 1: eval-notes.txt"]
    assert listed[0]["vault_marking"] == "CUI"
    # What the approver reads first: names with all three keys, evidence files, marking, digest.
    text = ok("package", "requests", vault, "--review", "1", user="bob")
    assert text.splitlines()[0].startswith(f"Request {request_id} by erin")
    for line in (
        "Marking: vault CUI; package CUI",
        f"Content sha384: {listed[0]['content_sha384'][:16]}…",
        "artifact 1: eval-notes.txt",
        "bob",
        f"P-384      {bob['p384']}",
        f"ML-DSA-87  {bob['mldsa87']}",
        f"Recipient  {bob['recipient']}",
    ):
        assert line in [t.strip() for t in text.splitlines()], line

    approved = ok("package", "approve", vault, request_id, user="bob")
    assert approved.split()[0] == request_id and "approved by bob" in approved.splitlines()[0]
    assert f"Recipient  {bob['recipient']}" in approved and "eval-notes.txt" in approved
    assert ": approved" in ok("package", "requests", vault).splitlines()[0]

    exported = ok(*export, *wanted, user="erin")
    assert "approved by bob" in exported.splitlines()
    assert out.is_file()
    entries = json.loads(ok("audit", "log", vault, "--json"))
    export_entry = next(e for e in entries if e["action"] == "package.export")
    assert export_entry["details"]["approval"]["approved_by"] == "bob"
    assert any(e["action"] == "package.approve" and e["user"] == "bob" for e in entries)
    assert json.loads(ok("package", "requests", vault, "--json"))[0]["status"] == "used"

    # The approval was used: the next export is refused again, until the policy is off.
    again = tmp_path / "again.rspkg"
    refused("package", "export", vault, "--review", "1", "--out", str(again), user="erin")
    # Turning the rule off takes two leads, as an approval does: bob proposes, erin agrees.
    proposed = ok("vault", "policy", vault, "--export-approval", "off", user="bob")
    assert proposed.splitlines()[0] == "export approval: required (unchanged)"
    assert "until a second lead also turns it off; this lead can: erin." in proposed
    assert "(changed)" in ok("vault", "policy", vault, "--export-approval", "off", user="erin")
    # A CUI package without recipients leaves unencrypted only when asked for by name.
    plain = ("package", "export", vault, "--review", "1", "--out", str(again))
    assert "--plaintext" in refused(*plain, user="erin")
    assert not again.exists()
    assert "approved by" not in ok(*plain, "--plaintext", user="erin")


def test_an_account_the_requester_made_cannot_approve(tmp_path: Path) -> None:
    vault = str(tmp_path / "case.rsvault")
    ok("vault", "init", vault, "--marking", "CUI")
    ok("user", "add", vault, "erin", "--role", "lead", stdin=f"{PASS}\n{PASS}\n")
    ok("user", "add", vault, "frank", "--role", "lead", stdin=f"{PASS}\n{PASS}\n", user="erin")
    ok("review", "create", vault, "--title", "Model X", "--developer", "Lab A", "--model", "X-1")
    request_id = ok("package", "request", vault, "--review", "1", user="erin").split()[0]
    error = refused("package", "approve", vault, request_id, user="frank")
    assert "your passphrase is still the one erin chose" in error and "'user passwd'" in error
    # frank sets his own passphrase: now erin and frank are two people, and frank approves.
    ok("user", "passwd", vault, stdin=f"{PASS}\nfrank's own passphrase\n",
       user="frank")  # fmt: skip
    approved = ok("package", "approve", vault, request_id, user="frank",
                  stdin="frank's own passphrase\n")  # fmt: skip
    assert "approved by frank" in approved.splitlines()[0]


def test_an_auditor_cannot_export_an_artifact(tmp_path: Path) -> None:
    vault = str(tmp_path / "case.rsvault")
    ok("vault", "init", vault, "--marking", "CUI")
    ok("user", "add", vault, "dave", "--role", "auditor", stdin=f"{PASS}\n{PASS}\n")
    ok("review", "create", vault, "--title", "Model X", "--developer", "Lab A", "--model", "X-1")
    notes = tmp_path / "eval-notes.txt"
    notes.write_text("notes\n")
    ok("artifact", "add", vault, "--review", "1", str(notes))
    out = tmp_path / "out.txt"
    error = refused("artifact", "export", vault, "1", "--out", str(out), user="dave")
    assert "an auditor checks the vault but does not take content out of it" in error
    assert not out.exists()
