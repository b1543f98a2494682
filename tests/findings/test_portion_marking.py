"""The core checks every marking it stores: portion marks on findings, review markings and the
vault's own, normalised and compared by level; a spill above the vault is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.errors import InputError
from reviewstation.findings import service
from reviewstation.reviews.service import create_review, get_review, update_review
from reviewstation.vault.header import load_header
from reviewstation.vault.session import open_vault


@pytest.fixture
def secret_vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path, marking="S")
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
    return path


def test_the_vault_marking_is_stored_in_full(secret_vault: Path) -> None:
    assert load_header(secret_vault).marking == "SECRET"
    with open_vault(secret_vault, PASS, mode="read") as session:
        assert session.marking == "SECRET"
        assert get_review(session.conn, 1).marking == "SECRET"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (None, "S"),  # the review's marking, in portion form
        ("S", "S"),
        ("secret", "S"),
        ("(s//nf)", "S//NF"),
        ("SECRET//NOFORN", "S//NF"),
        ("CONFIDENTIAL", "C"),
        ("cui", "CUI"),
        ("Unclassified", "U"),
    ],
)
def test_portion_marks_are_stored_in_one_portion_form(
    secret_vault: Path, typed: str | None, stored: str
) -> None:
    with open_vault(secret_vault, PASS) as session:
        finding = service.add_finding(
            session, 1, title="Jailbreak", severity="high", portion_marking=typed
        )
        assert finding.portion_marking == stored
        assert finding.portion_mark == f"({stored})"


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        (
            "banana",
            "The portion marking 'banana' is not a classification level (U, CUI, C, S, TS or"
            " UNCLASSIFIED, CONFIDENTIAL, SECRET, TOP SECRET) followed by optional //caveats.",
        ),
        ("TOP SECRET//SCI", "This vault is marked SECRET; it cannot hold TOP SECRET//SCI content."),
        ("ts", "This vault is marked SECRET; it cannot hold TOP SECRET content."),
        ("S//SI", "This vault is marked SECRET; it cannot hold SECRET//SI content."),
        (
            "UNCLASSIFIED//SECRET",
            "The portion marking 'UNCLASSIFIED//SECRET' names a second classification level"
            " after UNCLASSIFIED; a marking has exactly one.",
        ),
        ("  ", "A finding needs a portion marking, e.g. CUI or U."),
    ],
)
def test_bad_portion_marks_and_spills_are_refused_and_nothing_is_written(
    secret_vault: Path, typed: str, refusal: str
) -> None:
    with open_vault(secret_vault, PASS) as session:
        kept = service.add_finding(session, 1, title="Kept", severity="low", portion_marking="U")
        with pytest.raises(InputError) as added:
            service.add_finding(session, 1, title="Spill", severity="high", portion_marking=typed)
        assert str(added.value) == refusal
        with pytest.raises(InputError) as updated:
            service.update_finding(session, kept.id, portion_marking=typed)
        assert str(updated.value) == refusal
        after = service.get_finding(session.conn, kept.id)
        assert (after.portion_marking, after.revision) == ("U", 1)
        titles = [r[0] for r in session.conn.execute("SELECT title FROM findings")]
        assert titles == ["Kept"]


def test_review_markings_are_normalised_and_never_above_the_vault(secret_vault: Path) -> None:
    with open_vault(secret_vault, PASS) as session:
        review = create_review(
            session, title="Model Y", developer="Lab", model_name="Y-1", marking="c"
        )
        assert review.marking == "CONFIDENTIAL"
        with pytest.raises(InputError, match=r"^This vault is marked SECRET; it cannot hold TOP"):
            create_review(session, title="Z", developer="Lab", model_name="Z", marking="TS")
        with pytest.raises(InputError, match=r"^The review's marking 'banana' is not a"):
            update_review(session, review.id, marking="banana")
        assert update_review(session, review.id, marking="s//nf").marking == "SECRET//NOFORN"
        assert get_review(session.conn, review.id).marking == "SECRET//NOFORN"


@pytest.mark.parametrize(
    "marking",
    [
        "banana",
        "UNCLASSIFIED//SECRET",
        "UNCLASSIFIED SECRET",
        "UNCLASSIFIED FOR NOW, TREAT AS TOP SECRET//SCI",
        "SECRET//" + "CAVEAT " * 20,
    ],
)
def test_vault_init_refuses_a_marking_it_cannot_parse_in_one_line(
    tmp_path: Path, marking: str
) -> None:
    path = tmp_path / "case.rsvault"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewstation",
            "vault",
            "init",
            str(path),
            "--user",
            "alice",
            "--marking",
            marking,
        ],
        input=PASS + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "marking" in lines[0]
    assert not path.exists()
