"""Dead ends at the command line (issue 16): each one a command that used to refuse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError
from reviewstation.reviews import service
from reviewstation.vault.session import create_vault, open_vault


def rs(*args: str, stdin: str = PASS + "\n") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(*args: str, stdin: str = PASS + "\n") -> str:
    result = rs(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout


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
