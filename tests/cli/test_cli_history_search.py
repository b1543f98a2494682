"""``finding history`` (who, when, field, old and new value) and ``finding search`` over the
CWE, CVE id, vendor and product."""

from __future__ import annotations

import hashlib
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


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args],
        input=PASS + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_package_import_records_the_custody_given_on_the_command_line(tmp_path: Path) -> None:
    sender, receiver = str(tmp_path / "a.rsvault"), str(tmp_path / "b.rsvault")
    ok("vault", "init", sender, "--user", "alice", "--marking", "CUI")
    ok("vault", "init", receiver, "--user", "bob", "--marking", "CUI")
    card = str(tmp_path / "alice.card")
    ok("identity", "export", sender, "--out", card)
    ok("review", "create", sender, "--title", "Model X", "--developer", "Lab", "--model", "X-1")
    package = tmp_path / "p.rspkg"
    ok("package", "export", sender, "--review", "1", "--out", str(package), "--plaintext")
    actual = hashlib.sha256(package.read_bytes()).hexdigest()
    common = ("package", "import", receiver, str(package), "--trust", card)
    bad_date = run(*common, "--received-at", "24/11/2026")
    assert bad_date.returncode == 2 and "is not like 2026-11-23" in bad_date.stderr
    wrong = run(*common, "--declared-sha256", "0" * 64)
    assert wrong.returncode != 0 and "not the declared" in wrong.stderr
    ok(*common, "--medium", "DVD #2", "--received-from", "K. Ng", "--declared-sha256", actual)
    trail = json.loads(ok("audit", "log", receiver, "--json"))
    (entry,) = [e for e in trail if e["action"] == "package.import"]
    assert entry["details"]["custody"] == {
        "medium": "DVD #2",
        "received_from": "K. Ng",
        "sha256": actual,
        "declared_sha256": actual,
    }
    assert [e["action"] for e in trail].count("package.import_refused") == 1
