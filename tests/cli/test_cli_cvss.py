"""The command line names every CVSS v4.0 score: CVSS-B (base metrics), then CVSS-BT/BE/BTE."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.vaults import PASS, make_vault

from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

# FIRST's calculator: CVSS-B 9.3, CVSS-BT 8.1, CVSS-BE 8.6, CVSS-BTE 6.1
# (tests/findings/test_cvss_first.py).
VECTOR = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:H/IR:L/AR:M/MAV:A"


def rs(*args: str) -> str:
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


def test_add_and_show_name_the_scores(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
    added = rs(
        *("finding", "add", str(vault), "--review", "1", "--title", "Heap overflow"),
        *("--severity", "critical", "--cvss", VECTOR),
    )
    assert added.strip().endswith(
        "Heap overflow, CVSS-B 9.3 Critical, CVSS-BT 8.1 High, CVSS-BTE 6.1 Medium"
    )
    shown = rs("finding", "show", str(vault), "1")
    assert "  CVSS v4.0 CVSS-B 9.3 Critical, CVSS-BT 8.1 High, CVSS-BTE 6.1 Medium\n" in shown
    assert f"  CVSS vector {VECTOR}\n" in shown
    detail = json.loads(rs("finding", "show", str(vault), "1", "--json"))
    assert detail["cvss_score"] == 9.3  # CVSS-B, as the field has always been documented
    assert detail["cvss_scores"] == {"CVSS-B": 9.3, "CVSS-BT": 8.1, "CVSS-BTE": 6.1}
    assert detail["cvss_nomenclature"] == "CVSS-BTE"
