"""What a classified or CUI reader expects of report.pdf: the classification authority block or
the CUI designation indicator on the cover (as entered at export), portion marks before every
paragraph and table row of a finding, and a contents page whose page numbers are right."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from reports.report_content import fingerprints_for, pdf_pages
from support.packages import DESIGNATION

from reviewstation.package_content import Designation, PackageContent
from reviewstation.reports import render_report

BLOCKS = {
    "Classification authority": [
        ("Classified by", DESIGNATION.classified_by),
        ("Derived from", DESIGNATION.derived_from),
        ("Declassify on", DESIGNATION.declassify_on),
    ],
    "CUI designation indicator": [
        ("Controlled by", DESIGNATION.controlled_by),
        ("CUI category", DESIGNATION.cui_category),
        ("Dissemination", DESIGNATION.dissemination),
        ("POC", DESIGNATION.poc),
    ],
}


def _marked(content: PackageContent, marking: str, portion: str) -> PackageContent:
    findings = [dataclasses.replace(f, portion_marking=portion) for f in content.findings]
    return dataclasses.replace(content, marking=marking, findings=findings, designation=DESIGNATION)


def _pages(content: PackageContent, tmp: Path) -> list[str]:
    return pdf_pages(render_report(content, fingerprints_for(content)), tmp)


@pytest.mark.parametrize(
    ("marking", "portion", "block"),
    [
        ("UNCLASSIFIED", "U", None),
        ("CUI", "CUI", "CUI designation indicator"),
        ("SECRET//NOFORN", "S//NF", "Classification authority"),
        ("TOP SECRET//SCI", "TS//SCI", "Classification authority"),
    ],
)
def test_the_cover_carries_the_block_the_marking_asks_for(
    content: PackageContent, tmp_path: Path, marking: str, portion: str, block: str | None
) -> None:
    pages = _pages(_marked(content, marking, portion), tmp_path)
    cover = re.sub(r"\s+", " ", pages[0])
    for title, rows in BLOCKS.items():
        if title != block:
            assert title not in cover
            continue
        for label, value in rows:
            # Two fields a row: pdftotext may read the columns apart, so each on its own.
            assert label in cover and value in cover, label
    # Every paragraph of each finding's description, and every row of its table, opens with
    # the finding's portion mark.
    text = re.sub(r"\s+", " ", "\n".join(pages))
    mark = f"({portion})"
    for label in ("Severity", "CVSS v4.0", "Kind", "VEX status", "CVE", "Author", "Created"):
        assert text.count(f"{mark} {label}") >= len(content.findings), label
    assert text.count(f"{mark} Finding") >= len(content.findings)


def test_a_cui_line_not_entered_prints_a_dash(content: PackageContent, tmp_path: Path) -> None:
    bare = dataclasses.replace(
        _marked(content, "CUI", "CUI"), designation=Designation(controlled_by="AI Safety Office")
    )
    cover = re.sub(r"\s+", " ", _pages(bare, tmp_path)[0])
    full = _pages(_marked(content, "CUI", "CUI"), tmp_path)[0]
    assert "Controlled by" in cover and "AI Safety Office" in cover
    assert DESIGNATION.poc not in cover
    assert cover.count("\u2014") == full.count("\u2014") + 3  # category, dissemination, POC


def test_every_paragraph_of_a_finding_opens_with_its_portion_mark(
    content: PackageContent, tmp_path: Path
) -> None:
    finding = dataclasses.replace(
        content.findings[0],
        body="First paragraph of the finding.\n\nSecond paragraph.\n\n- an item\n\n> a quote",
        portion_marking="S//NF",
    )
    marked = dataclasses.replace(
        content, marking="SECRET//NOFORN", findings=[finding], designation=DESIGNATION
    )
    text = re.sub(r"\s+", " ", "\n".join(_pages(marked, tmp_path)))
    for paragraph in ("First paragraph of the finding.", "Second paragraph.", "an item", "a quote"):
        assert f"(S//NF) {paragraph}" in text, paragraph


def test_the_contents_page_names_each_section_with_its_page(
    content: PackageContent, pages: list[str]
) -> None:
    assert pages[1].split("\n")[0].strip() in {"Contents", content.marking}
    assert "Contents" in pages[1]
    entries = re.findall(
        r"^(Summary|Checklist results|Findings|Custody of the evidence)$", pages[1], re.M
    )
    assert entries == ["Summary", "Checklist results", "Findings", "Custody of the evidence"]
    lines = [line.strip() for line in pages[1].split("\n") if line.strip()]
    for title in entries:
        # pdftotext prints the numbers as a column: find the page each heading is on instead.
        page = next(
            n for n, text in enumerate(pages[2:], start=3) if re.search(rf"^{title}$", text, re.M)
        )
        assert str(page) in lines, (title, page)
    for finding in content.findings:
        assert f"{finding.portion_mark} {finding.title}"[:40] in re.sub(r"\s+", " ", pages[1])
