"""``finding history`` (who, when, field, old and new value) and ``finding search`` over the
CWE, CVE id, vendor and product."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.findings.service import add_finding, set_status, update_finding
from reviewstation.reviews import service
from reviewstation.vault.session import open_vault


def ok(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "reviewstation", *args],
        input=PASS + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        review = service.create_review(session, title="A", developer="D", model_name="M")
        finding = add_finding(
            session,
            review.id,
            title="Heap overflow",
            severity="high",
            kind="vulnerability",
            cwe="CWE-787",
            vendor="Acme",
            product="libwidget",
            disclosure="cve_assigned",
            cve_id="CVE-2026-4242",
            body="First text.\nSecond line.",
        )
        update_finding(session, finding.id, severity="medium", body="Rewritten.")
        set_status(session, finding.id, "disputed", reason="Cannot reproduce")
        add_finding(session, review.id, title="Other", severity="low", cwe="CWE-79")
    return path


def test_history_lists_each_field_with_its_old_and_new_value(vault: Path) -> None:
    rows = json.loads(ok("finding", "history", str(vault), "1", "--json"))
    by = {(r["revision"], r["field"]): r for r in rows}
    assert (by[1, "cwe"]["old"], by[1, "cwe"]["new"]) == (None, "CWE-787")
    assert (by[2, "severity"]["old"], by[2, "severity"]["new"]) == ("high", "medium")
    assert (by[2, "body"]["old"], by[2, "body"]["new"]) == (
        "First text.\nSecond line.",
        "Rewritten.",
    )
    assert (by[3, "status"]["old"], by[3, "status"]["new"]) == ("draft", "disputed")
    assert by[3, "reason"]["new"] == "Cannot reproduce"
    assert {r["user"] for r in rows} == {"alice"} and all(r["at"] for r in rows)
    text = ok("finding", "history", str(vault), "1").splitlines()
    assert any(line.startswith("r2 ") and "severity: high → medium" in line for line in text)
    assert any("body: First text.… → Rewritten." in line for line in text)  # one line each
    assert any("reason: Cannot reproduce" in line for line in text)


@pytest.mark.parametrize(
    ("words", "ids"),
    [("CWE-787", [1]), ("CVE-2026-4242", [1]), ("acme", [1]), ("libwidget", [1]), ("CWE-79", [2])],
)
def test_search_matches_cwe_cve_vendor_and_product(vault: Path, words: str, ids: list[int]) -> None:
    found = json.loads(ok("finding", "search", str(vault), words, "--json"))
    assert [f["id"] for f in found] == ids
