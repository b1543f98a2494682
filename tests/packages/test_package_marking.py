"""A package is marked with the highest level of the vault, the review and every portion mark
it carries, written in full (never an abbreviation, never below the vault): in the plan the
export wizard shows, in manifest.json and on every page of report.pdf."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reports.report_content import pdf_pages
from support.packages import export, members
from support.vaults import PASS, make_vault

from reviewstation import markings
from reviewstation.errors import InputError
from reviewstation.findings.service import add_finding
from reviewstation.packages.plan import plan_export
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault


def marked_vault(tmp: Path, vault: str, review: str, portions: list[str]) -> Path:
    path = make_vault(tmp, marking=vault)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1", marking=review)
        for number, portion in enumerate(portions, start=1):
            add_finding(
                session, 1, title=f"Finding {number}", severity="high", portion_marking=portion
            )
    return path


@pytest.mark.parametrize(
    ("vault", "review", "portions", "package", "highest_portion"),
    [
        # The tester's package, in a vault allowed to hold it.
        ("TS//SCI", "S", ["TOP SECRET//SCI", "S"], "TOP SECRET//SCI", "TOP SECRET//SCI"),
        # An abbreviation never wins over the same level in full.
        ("SECRET", "S", ["S", "s"], "SECRET", "SECRET"),
        # Never lower than the vault, whatever the parts say.
        ("TOP SECRET", "C", ["U", "CUI"], "TOP SECRET", "CUI"),
        # A caveat on a lower part still binds the package.
        ("TOP SECRET", "TS", ["S//NF", "TS"], "TOP SECRET//NOFORN", "TOP SECRET//NOFORN"),
    ],
)
def test_the_package_marking_is_the_highest_level_in_full(
    tmp_path: Path,
    vault: str,
    review: str,
    portions: list[str],
    package: str,
    highest_portion: str,
) -> None:
    path = marked_vault(tmp_path, vault, review, portions)
    with open_vault(path, PASS, mode="read") as session:
        plan = plan_export(session, 1)
    assert (plan.package_marking, plan.highest_portion) == (package, highest_portion)
    out = tmp_path / "p.rspkg"
    export(path, out)
    content = members(out)
    assert json.loads(content["manifest.json"])["marking"] == package
    findings = json.loads(content["findings.json"])
    rows = findings["findings"] if isinstance(findings, dict) else findings
    assert len(rows) == len(portions)
    for row in rows:  # what findings.json carries is never above the package's marking
        assert not markings.exceeds(markings.parse(row["portion_marking"]), markings.parse(package))
    pages = pdf_pages(content["report.pdf"], tmp_path)
    for number, page in enumerate(pages, start=1):
        text = [line.strip() for line in page.split("\n") if line.strip()]
        # The top banner, and the bottom banner by the page number (pdftotext may read the
        # cover's two-column authority block after it).
        assert text[0] == package and text.count(package) >= 2
        assert f"Page {number} of {len(pages)}" in text


def test_a_stored_mark_that_is_not_a_marking_stops_the_export(tmp_path: Path) -> None:
    """A portion mark saved before the core checked them cannot be ranked; the export stops
    and names the finding rather than guess a marking."""
    path = marked_vault(tmp_path, "SECRET", "S", ["S"])
    with open_vault(path, PASS) as session:
        session.conn.execute("UPDATE findings SET portion_marking = 'banana' WHERE id = 1")
    with open_vault(path, PASS) as session, pytest.raises(InputError) as caught:
        plan_export(session, 1)
    assert str(caught.value).startswith("The portion marking of finding 1 'banana' is not")
    with pytest.raises(InputError):
        export(path, tmp_path / "p.rspkg")
    assert not (tmp_path / "p.rspkg").exists()
