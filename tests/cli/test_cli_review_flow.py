"""A reviewer's day on the command line: review, checklist, finding, search."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import ok, rs


def test_review_checklist_finding_flow(tmp_path: Path) -> None:
    vault = str(tmp_path / "case.rsvault")
    ok("vault", "init", vault, "--user", "alice", "--marking", "CUI")
    review = ok(
        "review",
        "create",
        vault,
        "--title",
        "Model X",
        "--developer",
        "Lab A",
        "--model",
        "X-1",
        "--received",
        "2026-11-01",
    ).split()[0]
    shown = json.loads(ok("review", "show", vault, review, "--json"))
    assert shown["deadline"] == "2026-12-01"
    assert shown["marking"] == "CUI"

    templates = json.loads(ok("checklist", "templates", vault, "--json"))
    assert len(templates) >= 5
    cyber = next(t for t in templates if t["id"] == "cyber-capability")
    assert cyber["items"] >= 20

    run = ok("checklist", "start", vault, "--review", review, "--template", "cyber-capability")
    run_id = run.split()[0]
    item = json.loads(ok("checklist", "show", vault, run_id, "--json"))["items"][0]["id"]
    ok("checklist", "set", vault, run_id, item, "--status", "open", "--note", "hard tasks solved")
    answers = json.loads(ok("checklist", "show", vault, run_id, "--json"))
    first = answers["items"][0]
    assert (first["status"], first["note"]) == ("open", "hard tasks solved")
    assert answers["progress"]["answered"] == 1

    body = tmp_path / "body.md"
    body.write_text("The model wrote a working exploit for a **use-after-free**.\n")
    finding = ok(
        "finding",
        "add",
        vault,
        "--review",
        review,
        "--title",
        "Working UAF exploit",
        "--severity",
        "critical",
        "--kind",
        "vulnerability",
        "--cwe",
        "CWE-416",
        "--cvss",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "--body-file",
        str(body),
        "--link",
        f"{run_id}:{item}",
    ).split()[0]
    # ``review show`` prints the Overview's read model: checklist progress, findings by severity.
    shown = json.loads(ok("review", "show", vault, review, "--json"))
    assert shown["findings_by_severity"]["critical"] == 1
    assert [(c["id"], c["answered"]) for c in shown["checklists"]] == [(int(run_id), 1)]
    text = ok("review", "show", vault, review)
    assert "1 critical" in text and "1/" in text.split("Checklist", 1)[1]
    detail = json.loads(ok("finding", "show", vault, finding, "--json"))
    assert detail["cvss_score"] == 9.3
    assert detail["links"] == [{"run": int(run_id), "item": item}]
    assert detail["revisions"][0]["revision"] == 1
    hits = json.loads(ok("finding", "search", vault, "use-after-free", "--json"))
    assert [h["id"] for h in hits] == [int(finding)]
    assert json.loads(ok("finding", "search", vault, "kerberos", "--json")) == []
    listed = json.loads(ok("finding", "list", vault, "--review", review, "--json"))
    assert [f["title"] for f in listed] == ["Working UAF exploit"]

    ok("finding", "update", vault, finding, "--status", "confirmed")
    refused = rs("finding", "update", vault, finding, "--status", "approved")
    assert refused.returncode == 2
    assert "you wrote it" in refused.stderr and "no other lead of this vault can" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_review_update_with_a_refused_part_changes_nothing(tmp_path: Path) -> None:
    """``review update --title … --status …``: the status step is refused (not the next one
    in the workflow), so the new title is not kept either; one transaction."""
    vault = str(tmp_path / "case.rsvault")
    ok("vault", "init", vault, "--user", "alice", "--marking", "CUI")
    review = ok(
        "review", "create", vault, "--title", "Model X", "--developer", "Lab", "--model", "X"
    ).split()[0]
    refused = rs("review", "update", vault, review, "--title", "Renamed", "--status", "closed")
    assert refused.returncode != 0 and "cannot go from intake to closed" in refused.stderr
    shown = json.loads(ok("review", "show", vault, review, "--json"))
    assert (shown["title"], shown["status"]) == ("Model X", "intake")
    ok("review", "update", vault, review, "--title", "Renamed", "--status", "in_review")
    shown = json.loads(ok("review", "show", vault, review, "--json"))
    assert (shown["title"], shown["status"]) == ("Renamed", "in_review")
