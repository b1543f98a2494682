"""The two-person export rule end to end on the command line: policy, request, approve, export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    vault = str(tmp_path / "case.rsvault")
    ok("vault", "init", vault, "--marking", "CUI")
    for name, role in (("bob", "lead"), ("dave", "auditor")):
        ok("user", "add", vault, name, "--role", role, stdin=f"{PASS}\n{PASS}\n")
    ok("review", "create", vault, "--title", "Model X", "--developer", "Lab A", "--model", "X-1")
    ok("finding", "add", vault, "--review", "1", "--title", "Heap overflow", "--severity", "high")

    assert ok("vault", "policy", vault).strip() == "export approval: off"
    assert "needs the role lead" in refused(
        "vault", "policy", vault, "--export-approval", "required", user="dave"
    )
    assert "changed" in ok("vault", "policy", vault, "--export-approval", "required")
    shown = json.loads(ok("vault", "policy", vault, "--json"))
    assert shown == {"export_approval": "required", "changed": False}

    out = tmp_path / "p.rspkg"
    error = refused("package", "export", vault, "--review", "1", "--out", str(out))
    assert "Export refused" in error and "package request" in error
    assert not out.exists()

    made = ok("package", "request", vault, "--review", "1")
    request_id = made.split()[0]
    assert request_id.isdigit()
    assert "own" in refused("package", "approve", vault, request_id)
    assert "needs the role lead" in refused("package", "approve", vault, request_id, user="dave")
    error = refused("package", "export", vault, "--review", "1", "--out", str(out))
    assert f"request {request_id} still waits" in error

    listed = json.loads(ok("package", "requests", vault, "--json"))
    assert [(r["id"], r["status"], r["requested_by"]) for r in listed] == [
        (int(request_id), "pending", "alice")
    ]
    approved = ok("package", "approve", vault, request_id, user="bob")
    assert approved.split()[0] == request_id and "approved by bob" in approved
    table = ok("package", "requests", vault, "--review", "1")
    assert "approved" in table.splitlines()[1] and "bob" in table.splitlines()[1]

    exported = ok("package", "export", vault, "--review", "1", "--out", str(out))
    assert exported.splitlines()[-1] == "approved by bob"
    assert out.is_file()
    entries = json.loads(ok("audit", "log", vault, "--json"))
    export_entry = next(e for e in entries if e["action"] == "package.export")
    assert export_entry["details"]["approval"]["approved_by"] == "bob"
    assert any(e["action"] == "package.approve" and e["user"] == "bob" for e in entries)
    assert json.loads(ok("package", "requests", vault, "--json"))[0]["status"] == "used"

    # The approval was used: the next export is refused again, until the policy is off.
    again = tmp_path / "again.rspkg"
    refused("package", "export", vault, "--review", "1", "--out", str(again))
    ok("vault", "policy", vault, "--export-approval", "off", user="bob")
    assert "approved by" not in ok("package", "export", vault, "--review", "1", "--out", str(again))
