"""Findings: scores, revisions, the two-person rule, search, and no plaintext on disk."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, PermissionDenied
from reviewstation.findings import query, service
from reviewstation.findings.scoring import score_cvss4
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault

LEAD2 = "second lead passphrase"
RITA = "rita passphrase"

# Scores published by FIRST's calculator for its specification examples, as reproduced by
# independent implementations (cvss4-js, polycvss, cvss-rs) — not by the library under test.
# Each is the score of the whole vector (CVSS-B, or CVSS-BT for the E:U line); the named scores
# are checked one by one in test_cvss_first.py.
FIRST_SCORES = [
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", 7.9),
    ("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3),
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7),
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 5.2),
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N", 8.3),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", 5.3),
]


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
        accounts.add_user(session, "lena", "lead", LEAD2, kdf=floor_params())
        accounts.add_user(session, "rita", "reviewer", RITA, kdf=floor_params())
    return path


@pytest.mark.parametrize(("vector", "expected"), FIRST_SCORES)
def test_cvss4_scores_match_first(vector: str, expected: float) -> None:
    assert score_cvss4(vector).overall.score == expected


def test_stored_score_matches_the_vector(vault: Path) -> None:
    vector, expected = FIRST_SCORES[4]
    with open_vault(vault, RITA, user="rita") as session:
        finding = service.add_finding(
            session, 1, title="Local privilege escalation", severity="high", cvss_vector=vector
        )
    assert finding.cvss_score == expected
    assert finding.cvss_vector == vector


def test_stored_score_is_cvss_b_and_the_others_are_named(vault: Path) -> None:
    """A vector with threat or environmental metrics stores CVSS-B (base metrics alone), not
    the vector's full score (FIRST's calculator; tests/findings/test_cvss_first.py)."""
    base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    with open_vault(vault, RITA, user="rita") as session:
        finding = service.add_finding(
            session, 1, title="t", severity="high", cvss_vector=f"{base}/E:U"
        )
        assert finding.cvss_score == 9.3
        assert finding.cvss is not None
        assert finding.cvss.summary() == "CVSS-B 9.3 Critical, CVSS-BT 8.1 High"
        finding = service.update_finding(session, finding.id, cvss_vector=f"{base}/MAV:P/MAC:H")
        assert finding.cvss_score == 9.3
        assert finding.cvss is not None and str(finding.cvss.overall) == "CVSS-BE 5.4 Medium"
        stored = service.get_finding(session.conn, finding.id)
        assert (stored.cvss_score, stored.to_json()["cvss_scores"]) == (
            9.3,
            {"CVSS-B": 9.3, "CVSS-BE": 5.4},
        )
        finding = service.update_finding(session, finding.id, cvss_vector="")
        assert (finding.cvss_vector, finding.cvss_score, finding.cvss) == (None, None, None)
        assert "cvss_scores" not in finding.to_json()


@pytest.mark.parametrize("bad", ["CVSS:4.0/AV:Q", "CVSS:3.1/AV:N/AC:L", "nonsense", "CVSS:4.0/"])
def test_malformed_vectors_are_refused(vault: Path, bad: str) -> None:
    with open_vault(vault, RITA, user="rita") as session:
        with pytest.raises(InputError, match="CVSS"):
            service.add_finding(session, 1, title="t", severity="low", cvss_vector=bad)
        assert query.count(session.conn) == 0


def test_malformed_vector_on_the_command_line_is_exit_2(vault: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewstation",
            "finding",
            "add",
            str(vault),
            "--user",
            "rita",
            "--review",
            "1",
            "--title",
            "t",
            "--severity",
            "low",
            "--cvss",
            "CVSS:4.0/AV:Q",
        ],
        input=RITA + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "CVSS" in result.stderr


def test_every_change_is_a_revision(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as session:
        finding = service.add_finding(session, 1, title="First title", severity="medium")
        service.update_finding(session, finding.id, title="Better title")
        service.update_finding(session, finding.id, cwe="CWE-787", body="Details")
        history = service.revisions(session.conn, finding.id)
    assert [r["revision"] for r in history] == [1, 2, 3]
    assert history[1]["changes"]["title"] == ["First title", "Better title"]
    assert history[2]["changes"]["cwe"] == [None, "CWE-787"]
    assert {r["user"] for r in history} == {"rita"}


def test_approval_and_downgrade_need_a_second_lead(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as alice:
        finding = service.add_finding(alice, 1, title="Exploit chain", severity="critical")
        service.set_status(alice, finding.id, "confirmed")
        with pytest.raises(PermissionDenied, match="you wrote it"):
            service.set_status(alice, finding.id, "approved")
    with (
        open_vault(vault, RITA, user="rita") as rita,
        pytest.raises(PermissionDenied, match="lead"),
    ):
        service.set_status(rita, finding.id, "approved")
    with open_vault(vault, LEAD2, user="lena") as lena:
        approved = service.set_status(lena, finding.id, "approved")
        assert (approved.status, approved.approved_by) == ("approved", "lena")
    with open_vault(vault, PASS, user="alice") as alice:
        with pytest.raises(PermissionDenied, match="you wrote it"):
            service.update_finding(alice, finding.id, severity="low", reason="overstated")
        raised = service.update_finding(alice, finding.id, severity="critical")
        assert raised.status == "approved"  # unchanged: same severity, nothing to do
    with open_vault(vault, LEAD2, user="lena") as lena:
        with pytest.raises(InputError, match="reason"):
            service.update_finding(lena, finding.id, severity="low")
        lowered = service.update_finding(lena, finding.id, severity="high", reason="not remote")
        assert (lowered.severity, lowered.status) == ("high", "approved")
        history = service.revisions(lena.conn, finding.id)
        assert history[-1]["changes"]["reason"] == "not remote"
        assert history[-1]["user"] == "lena"


def test_editing_an_approved_finding_needs_approval_again(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        finding = service.add_finding(rita, 1, title="Jailbreak", severity="medium")
        service.set_status(rita, finding.id, "confirmed")
    with open_vault(vault, LEAD2, user="lena") as lena:
        service.set_status(lena, finding.id, "approved")
    with open_vault(vault, RITA, user="rita") as rita:
        edited = service.update_finding(rita, finding.id, body="new detail")
    assert (edited.status, edited.approved_by) == ("confirmed", None)


def test_status_workflow_and_reasons(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        finding = service.add_finding(rita, 1, title="x", severity="low")
        with pytest.raises(InputError, match="cannot go from draft to approved"):
            service.set_status(rita, finding.id, "approved")
        with pytest.raises(InputError, match="reason"):
            service.set_status(rita, finding.id, "withdrawn")
        withdrawn = service.set_status(rita, finding.id, "withdrawn", "duplicate of 2")
    assert withdrawn.status == "withdrawn"


def test_field_validation(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        fields: list[dict[str, str | None]] = [
            {"cwe": "787"},
            {"cve_id": "CVE-26-1"},
            {"product_id": "libfoo 1.2"},
            {"vex_status": "maybe"},
        ]
        for bad in fields:
            with pytest.raises(InputError):
                service.add_finding(rita, 1, title="t", severity="low", **bad)  # type: ignore[arg-type]
        with pytest.raises(InputError, match="CVE id"):
            service.add_finding(rita, 1, title="t", severity="low", disclosure="cve_assigned")
        ok = service.add_finding(
            rita,
            1,
            title="t",
            severity="low",
            kind="vulnerability",
            product_id="pkg:pypi/libfoo@1.2",
            cwe="CWE-787",
            vex_status="affected",
            disclosure="cve_assigned",
            cve_id="CVE-2026-12345",
        )
    assert ok.portion_mark == "(CUI)"


def test_search_finds_a_body_word_and_not_an_absent_one(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        service.add_finding(
            rita,
            1,
            title="Sandbox escape",
            severity="high",
            body="The agent escaped its container via a misconfigured daemon.",
        )
        service.add_finding(
            rita,
            1,
            title="Prompt injection",
            severity="medium",
            body="Hijacked through a poisoned web page.",
        )
        found = query.search(rita.conn, "misconfigured")
        assert [f.title for f in found] == ["Sandbox escape"]
        assert query.search(rita.conn, "kubernetes") == []
        assert [f.title for f in query.search(rita.conn, "hijack*")] == ["Prompt injection"]
        # FTS syntax in the input is treated as words, never as operators.
        assert query.search(rita.conn, 'title:"sandbox" OR NEAR(') == []
        service.update_finding(rita, found[0].id, body="Rewritten without the word.")
        assert query.search(rita.conn, "misconfigured") == []


def test_finding_text_never_reaches_the_disk_in_plaintext(vault: Path) -> None:
    canary = "CanaryFinding8c2f91d4"
    with open_vault(vault, RITA, user="rita") as rita:
        service.add_finding(rita, 1, title=f"{canary} title", severity="low", body=canary * 50)
        assert query.search(rita.conn, canary)
    for path in vault.rglob("*"):
        if path.is_file():
            assert canary.encode() not in path.read_bytes(), path
            assert canary.lower().encode() not in path.read_bytes(), path


def test_keyset_pages(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        for n in range(7):
            service.add_finding(rita, 1, title=f"finding {n}", severity="info")
        first = query.page(rita.conn, limit=3)
        second = query.page(rita.conn, after_id=first[-1].id, limit=3)
        rest = query.page(rita.conn, after_id=second[-1].id, limit=3)
    assert [f.title for f in first + second + rest] == [f"finding {n}" for n in range(7)]


def test_a_lead_cannot_approve_their_own_changes(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        finding = service.add_finding(rita, 1, title="Tool misuse", severity="high")
        service.set_status(rita, finding.id, "confirmed")
    with open_vault(vault, LEAD2, user="lena") as lena:
        service.set_status(lena, finding.id, "approved")
        service.update_finding(lena, finding.id, body="Reworded by lena")  # back to confirmed
        service.update_finding(lena, finding.id, severity="info")  # no longer approved: allowed
        with pytest.raises(PermissionDenied, match=r"you changed it last.*this lead can: alice"):
            service.set_status(lena, finding.id, "approved")
    with open_vault(vault, PASS, user="alice") as alice:
        approved = service.set_status(alice, finding.id, "approved")
    assert (approved.status, approved.approved_by, approved.severity) == (
        "approved",
        "alice",
        "info",
    )


def test_search_within_a_review_lets_fts_walk_the_matches(vault: Path) -> None:
    """The review restriction must not become a per-finding FTS lookup (minutes at 100,000)."""
    with open_vault(vault, RITA, user="rita") as rita:
        other = create_review(rita, title="Model Y", developer="Lab", model_name="Y-1")
        for review, title in ((1, "Sandbox escape in X"), (other.id, "Sandbox escape in Y")):
            service.add_finding(rita, review, title=title, severity="high")
        found = query.search(rita.conn, "sandbox", review_id=other.id)
        assert [f.title for f in found] == ["Sandbox escape in Y"]
        sql = "EXPLAIN QUERY PLAN SELECT rowid FROM findings_fts WHERE findings_fts MATCH ?"
        plan = rita.conn.execute(sql + query.REVIEW_RESTRICTION, ("sandbox", other.id)).fetchall()
    fts_steps = [str(row[3]) for row in plan if "findings_fts" in str(row[3])]
    assert fts_steps and all(":=" not in step for step in fts_steps), fts_steps


@pytest.mark.parametrize(
    "title",
    ["Heap \x1b[2J overflow", "Heap overflow\nApproved", "x" * 501, "   ", "tab\there"],
)
def test_a_title_is_one_printable_line(vault: Path, title: str) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        with pytest.raises(InputError, match="title"):
            service.add_finding(session, 1, title=title, severity="low")
        assert query.count(session.conn) == 0


@pytest.mark.parametrize(
    ("state", "refusal"),
    [
        ({"status": "approved", "approved_by": "alice"}, "other than its author"),
        ({"status": "approved"}, "names the lead"),
        ({"status": "draft", "approved_by": "lena"}, "no approver"),
        ({"status": "shipped"}, "Unknown finding status"),
        ({"author": "alice\x1b[8m"}, "author"),
        ({"author": ""}, "author"),
    ],
)
def test_the_store_checks_every_record_it_writes(
    vault: Path, state: dict[str, str], refusal: str
) -> None:
    """``insert_finding`` checks a record whoever builds it (a command or an import)."""
    record = service.FindingRecord(
        1,
        {"title": "T", "severity": "low", "kind": "capability", "portion_marking": "CUI"},
        **{"author": "alice", **state},  # type: ignore[arg-type]
    )
    with open_vault(vault, PASS, user="alice") as session:
        with pytest.raises(InputError, match=refusal), session.change("test") as conn:
            service.insert_finding(conn, record, marking=session.marking, by="alice")
        assert query.count(session.conn) == 0


SEARCHABLE = {
    "title": "Heap overflow",
    "severity": "high",
    "kind": "vulnerability",
    "cwe": "CWE-787",
    "vendor": "Acme Widgets",
    "product": "libwidget",
    "disclosure": "cve_assigned",
    "cve_id": "CVE-2026-4242",
    "body": "Found with a harness.",
}


@pytest.mark.parametrize(
    ("words", "hit"),
    [
        ("CWE-787", True),
        ("cwe-787", True),
        ("CWE-78", False),  # a CWE id is a phrase, not a prefix of another id
        ("CWE-78*", True),
        ("CVE-2026-4242", True),
        ("CVE-2026-4243", False),
        ("acme", True),
        ("Acme Widgets", True),
        ("libwidget", True),
        ("libwidget CWE-787", True),
        ("libwidget CWE-79", False),
        ("harness", True),
    ],
)
def test_search_matches_cwe_cve_vendor_and_product(vault: Path, words: str, hit: bool) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        service.add_finding(rita, 1, **SEARCHABLE)  # type: ignore[arg-type]
        service.add_finding(rita, 1, title="Unrelated", severity="low", cwe="CWE-79")
        found = [f.title for f in query.search(rita.conn, words)]
    assert found == (["Heap overflow"] if hit else [])


def test_search_follows_a_changed_cwe(vault: Path) -> None:
    with open_vault(vault, RITA, user="rita") as rita:
        finding = service.add_finding(rita, 1, title="Overflow", severity="high", cwe="CWE-787")
        service.update_finding(rita, finding.id, cwe="CWE-125", vendor="Initech")
        assert query.search(rita.conn, "CWE-787") == []
        assert [f.id for f in query.search(rita.conn, "CWE-125 initech")] == [finding.id]
