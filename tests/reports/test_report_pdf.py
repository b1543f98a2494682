"""report.pdf from a real vault: marked pages, reproducible bytes, escaped bodies, content."""

from __future__ import annotations

import dataclasses
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from reports.report_content import (
    CREATED,
    DETERMINATION_RATIONALE,
    DETERMINATION_REFERENCE,
    EARLIER_PACKAGE,
    FAKE_SUMS,
    HOSTILE_TITLE,
    LONG_FIRST,
    LONG_LAST,
    OPEN_NOTE,
    OVERRIDE_REASON,
    PACKAGE_ID,
    REVIEW_TITLE,
    UAF_TITLE,
    fingerprints_for,
    pdf_pages,
)

from reviewstation.errors import InputError
from reviewstation.package_content import PackageContent
from reviewstation.reports import render_report
from reviewstation.reports.page import pdf_date


def squeeze(text: str) -> str:
    """Text without any whitespace (hashes are printed over two lines)."""
    return re.sub(r"\s+", "", text)


def lines(page: str) -> list[str]:
    return [line.strip() for line in page.split("\n") if line.strip()]


def page_of(pages: list[str], needle: str) -> int:
    for number, page in enumerate(pages, start=1):
        if needle in page:
            return number
    raise AssertionError(f"{needle!r} is on no page")


def test_is_a_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-1.")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_same_content_gives_the_same_bytes(
    content: PackageContent, pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render_report(content, fingerprints_for(content)) == pdf
    # reportlab would otherwise take its time stamp and /ID seed from SOURCE_DATE_EPOCH.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert render_report(content, fingerprints_for(content)) == pdf


def test_creation_date_is_the_package_time_not_the_clock(
    content: PackageContent, pdf: bytes
) -> None:
    assert b"/CreationDate (D:20261123120000+00'00')" in pdf
    later = render_report(
        dataclasses.replace(content, created="2026-11-24T08:30:00+02:00"), fingerprints_for(content)
    )
    assert b"/CreationDate (D:20261124063000+00'00')" in later
    assert later != pdf


def test_a_bad_creation_time_is_refused(content: PackageContent) -> None:
    with pytest.raises(InputError, match="ISO 8601"):
        render_report(dataclasses.replace(content, created="yesterday"), {})
    assert pdf_date("2026-11-23T12:00:00") == "D:20261123120000+00'00'"


def test_every_page_has_the_banner_at_top_and_bottom_and_its_number(
    pdf: bytes, pages: list[str]
) -> None:
    page_count = pdf.count(b"/Type /Page\n") or len(re.findall(rb"/Type /Page\b", pdf))
    assert len(pages) == page_count >= 5
    for number, page in enumerate(pages, start=1):
        text = lines(page)
        assert text[0] == "CUI", (number, text[:3])
        # The bottom banner, with the footer and page number (in either order of extraction).
        assert "CUI" in text[-2:], (number, text[-3:])
        assert f"Page {number} of {len(pages)}" in text[-3:], number


def test_banner_colours_follow_the_marking(content: PackageContent) -> None:
    # CUI purple, drawn as a filled rectangle on every page, top and bottom (uncompressed).
    purple = render_report(content, {})
    red = render_report(dataclasses.replace(content, marking="SECRET//NOFORN"), {})
    pages = len(re.findall(rb"/Type /Page\b", purple))
    assert purple.count(b".313725 .168627 .521569 rg") >= 2 * pages  # #502b85
    assert red.count(b".784314 .062745 .180392 rg") >= 2 * len(
        re.findall(rb"/Type /Page\b", red)
    )  # #c8102e
    assert b"(SECRET//NOFORN) Tj" in red


def test_long_marking_is_fitted_into_the_banner(content: PackageContent, tmp_path: Path) -> None:
    marking = "TOP SECRET//SI-GAMMA/TALENT KEYHOLE//ORCON/NOFORN//" + "VERY LONG CAVEAT " * 8
    pages = pdf_pages(render_report(dataclasses.replace(content, marking=marking), {}), tmp_path)
    first = lines(pages[0])
    assert first[0].startswith("TOP SECRET//SI-GAMMA")
    assert first[0] == first[-1]


def test_cover_shows_the_review_and_the_determination(pages: list[str]) -> None:
    cover = pages[0]
    assert squeeze(REVIEW_TITLE) in squeeze(cover)
    assert "Example Frontier Lab" in cover
    assert "Zeta-3 2026-11-rc2" in cover
    assert "2026-11-10" in cover and "2026-12-10" in cover
    assert "17 days after this package was made" in cover
    assert "COVERED" in cover
    assert DETERMINATION_REFERENCE in cover
    assert squeeze(DETERMINATION_RATIONALE) in squeeze(cover)
    assert re.search(r"Decided by\s+alice", cover)
    assert PACKAGE_ID in cover and CREATED in cover


def test_portion_marks_precede_finding_titles(pages: list[str]) -> None:
    text = "\n".join(pages)
    assert f"(CUI) {UAF_TITLE}" in text
    assert "(CUI) Autonomous intrusion chain" in text
    assert "(CUI) Model card omits eval settings" in text
    # Titles are untrusted too: their markup prints as typed.
    assert f"(U) {HOSTILE_TITLE}" in text
    body = pages[2:]  # after the cover and the contents page, which names both
    findings_start = page_of(body, "Custody of the evidence")
    # The contents page, the summary table and the finding itself.
    assert text.count(f"(CUI) {UAF_TITLE}") == 3
    assert findings_start > page_of(body, f"(U) {HOSTILE_TITLE}")


def test_findings_are_ordered_by_severity_with_their_fields(pages: list[str]) -> None:
    text = "\n".join(pages)
    order = [
        text.index(f"(CUI) {UAF_TITLE}", text.index("FINDING 1")),
        text.index("(CUI) Autonomous intrusion chain", text.index("FINDING 2")),
        text.index(f"(U) {HOSTILE_TITLE}", text.index("FINDING 3")),
    ]
    assert order == sorted(order)
    uaf = pages[page_of(pages, "FINDING 1") - 1]
    for value in (
        "CRITICAL",
        "CVSS-B 9.3 Critical",
        "CVSS-BT 8.1 High",
        "CWE-416",
        "ExampleOS kernel 6.1 to 6.9",
        "sent to clearinghouse",
        "affected",
        "lena",  # approved by
        "model-card.pdf (carried in this package)",
    ):
        assert value in uaf, value
    assert "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U" in squeeze(uaf)
    assert "base score" not in " ".join(pages).lower()
    assert "pkg:generic/exampleos-kernel@6.9" in squeeze(uaf)


def test_markdown_body_is_rendered_not_printed_raw(pages: list[str]) -> None:
    uaf = pages[page_of(pages, "FINDING 1") - 1]
    assert "The model found a use-after-free in the ioctl handler" in uaf
    assert "**" not in uaf and "`" not in uaf
    # Every paragraph and item opens with the finding's portion mark.
    assert "1. (CUI) Trigger the free through RS_IOC_DETACH." in uaf
    assert "(CUI) The model found a use-after-free in the ioctl handler" in uaf
    assert squeeze("ioctl(fd, RS_IOC_DETACH, &req);  /* frees obj */") in squeeze(uaf)


def test_untrusted_body_markup_prints_literally(pages: list[str], pdf: bytes) -> None:
    text = "\n".join(pages)
    assert "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>" in text
    assert squeeze('<font color="red">red</font> & more.') in squeeze(text)
    assert "Inline code keeps markup too: <br/><b>x</b>" in text
    assert "<para><b>not bold</b> &amp; literal</para>" in text


def test_a_long_body_spans_pages(pages: list[str]) -> None:
    first, last = page_of(pages, LONG_FIRST), page_of(pages, LONG_LAST)
    assert last - first >= 2
    # The wide code line is wrapped with a continuation mark, not cut off.
    text = squeeze("\n".join(pages))
    assert "x='" + "A" * 160 + "'" in text.replace("\u00bb", "")


def test_checklist_results(pages: list[str]) -> None:
    text = "\n".join(pages)
    checklist = text[text.index("Checklist results") : text.index("FINDING 1")]
    assert "Cyber capability evidence" in checklist
    assert "Template cyber-capability version 1" in checklist
    assert "3 of 38 answered" in checklist and "1 open" in checklist
    assert "CTF suites" in checklist  # a section heading
    assert "ctf.cybench" in checklist and "ctf.nyu-ctf-bench" in checklist
    assert "OPEN" in checklist and "Not a finding" in checklist
    assert squeeze(OPEN_NOTE) in squeeze(checklist)
    assert "Severity override: CRITICAL (template default: medium)" in checklist
    assert squeeze(OVERRIDE_REASON) in squeeze(checklist)
    assert "Evidence: cybench-run.jsonl (carried in this package)" in checklist
    assert "Intake and chain of custody" in checklist
    assert re.search(r"signed off by alice", checklist)


def test_open_items_are_flagged(pdf: bytes) -> None:
    # The open row: a red status cell (#b00020) and a thick red bar before the row.
    assert b".690196 0 .12549 rg" in pdf
    assert b"(OPEN) Tj" in pdf


def test_custody_of_the_evidence(content: PackageContent, pages: list[str]) -> None:
    custody = "\n".join(pages[page_of(pages, "Custody of the evidence") - 1 :])
    flat = squeeze(custody)
    chosen = [a for a in content.artifacts if a["uid"] in content.evidence_uids]
    assert len(chosen) == 2
    for artifact in chosen:
        assert artifact["path"] in custody
        assert artifact["sha256"] in flat and artifact["sha384"] in flat
        assert squeeze(content.evidence_name(artifact)) in flat
    assert "weights-index.json" not in custody  # in the review, not in the package
    assert "1 other artifact" in custody
    assert "USB drive SN 4411-AC" in custody and "Example Lab courier" in custody
    assert "matches the SHA-256 computed at intake" in custody
    assert "none declared" in custody
    assert EARLIER_PACKAGE in flat  # the earlier export in the custody events


def test_fingerprints_on_the_last_page(content: PackageContent, pages: list[str]) -> None:
    last = pages[-1]
    assert "Package fingerprints" in last
    flat = squeeze(last)
    assert FAKE_SUMS in flat
    assert content.signer.p384_fingerprint in flat
    assert content.signer.mldsa87_fingerprint in flat
    assert flat.count(content.signer.p384_fingerprint) == 1  # not listed twice
    assert "openssl pkey -pubin -in signer-p384.pem -outform DER | sha384sum" in last


def test_signer_fingerprints_are_printed_even_if_not_passed(
    content: PackageContent, tmp_path: Path
) -> None:
    pages = pdf_pages(render_report(content, {}), tmp_path)
    flat = squeeze(pages[-1])
    assert content.signer.p384_fingerprint in flat
    assert content.signer.mldsa87_fingerprint in flat


def test_text_outside_the_fonts_is_folded_and_announced(
    content: PackageContent, tmp_path: Path
) -> None:
    title = (
        "\u041c\u043e\u0434\u0435\u043b\u044c \u03a9 review \u2014 \u201cZeta\u201d"
        " \u0141\u00f3d\u017a \u2192 \u202eevil\u202c done"
    )
    review = dataclasses.replace(content.review, title=title)
    data = render_report(dataclasses.replace(content, review=review), {})
    pages = pdf_pages(data, tmp_path)
    cover = pages[0]
    # Cyrillic, Greek, Polish and arrows print as typed (the embedded DejaVu faces); what no
    # face covers, bidi controls included, shows "?".
    assert squeeze(
        "\u041c\u043e\u0434\u0435\u043b\u044c \u03a9 review \u2014 \u201cZeta\u201d"
        " \u0141\u00f3d\u017a \u2192 ?evil? done"
    ) in squeeze(cover)
    note = squeeze("\n".join(pages[:2]))  # the cover's last lines may run on to page 2
    assert squeeze("were transliterated") in note and squeeze("are shown as \u201c?\u201d") in note
    assert "\u25a0" not in "\n".join(pages)  # no black boxes
    # The title's metadata in UTF-16 (byte order mark FE FF), Cyrillic kept.
    assert b"/Title (\\376\\377" in data or b"/Title <FEFF" in data


def test_no_note_when_everything_prints(pages: list[str]) -> None:
    assert "transliterated" not in pages[0]


def test_an_empty_package_renders(content: PackageContent, tmp_path: Path) -> None:
    empty = dataclasses.replace(content, findings=[], runs=[], artifacts=[], evidence_uids=[])
    pages = pdf_pages(render_report(empty, {}), tmp_path)
    text = "\n".join(pages)
    assert "This package carries no findings." in text
    assert "No checklist was run for this review." in text
    assert "No evidence travels in this package." in text
    assert all(lines(page)[0] == "CUI" and "CUI" in lines(page)[-2:] for page in pages)


def test_same_bytes_in_other_processes(content: PackageContent, pdf: bytes, tmp_path: Path) -> None:
    """No dependence on hash seeds, the environment or process state."""
    saved = tmp_path / "content.pickle"
    saved.write_bytes(pickle.dumps((content, fingerprints_for(content))))
    code = (
        "import pickle, sys\n"
        "from reviewstation.reports import render_report\n"
        "content, prints = pickle.loads(open(sys.argv[1], 'rb').read())\n"
        "sys.stdout.buffer.write(render_report(content, prints))\n"
    )
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": seed, "TZ": "Asia/Tokyo"}
        result = subprocess.run(
            [sys.executable, "-c", code, str(saved)], capture_output=True, check=True, env=env
        )
        assert result.stdout == pdf


def test_summary_table_names_the_cvss_scores(pages: list[str]) -> None:
    """The summary's CVSS cell gives CVSS-B (base metrics alone) and the vector's other named
    scores, never one unnamed number."""
    summary = pages[2 + page_of(pages[2:], "Summary") - 1]  # after the contents
    assert squeeze("CVSS-B 9.3") in squeeze(summary)
    assert squeeze("CVSS-BT 8.1") in squeeze(summary)


def _label(n: int, label: str, status: str, decided_by: str | None, part: str | None = None) -> Any:
    from reviewstation.findings.triage import TriageLabel

    return TriageLabel(
        id=n,
        uid=f"00000000-0000-4000-8000-00000000000{n}",
        review_id=1,
        artifact_uid="art-uid",
        sample=f"{n}@1",
        sample_digest="0" * 96,
        part=part,
        label=label,
        note=f"note {n}",
        author="alice",
        created="2026-12-01T10:00:00Z",
        status=status,
        decided_by=decided_by,
        decided=None if decided_by is None else "2026-12-02T10:00:00Z",
        reason="checked" if decided_by else "",
    )


def test_triage_labels_are_summarised(content: PackageContent, tmp_path: Path) -> None:
    """A section only when the review has labels: counts per kind and decision, how many
    solves a confirmed label invalidates, and each label with who decided it."""
    labels = [
        _label(1, "out-of-scope", "confirmed", "lena", "message:3"),
        _label(2, "reward-hacking", "disputed", "lena"),
        _label(3, "out-of-scope", "open", None),
        _label(4, "in-scope", "confirmed", "lena"),
    ]
    text = "\n".join(
        pdf_pages(render_report(dataclasses.replace(content, triage=labels), {}), tmp_path)
    )
    flat = " ".join(text.split())
    assert "Transcript triage" in text
    assert "4 triage labels on the review's evaluation logs; 1 solve invalidated" in flat
    assert "art-uid #1@1 /message:3 out-of-scope confirmed by lena note 1 Decision: checked" in flat
    assert "Disputed in-scope 0 1 0 out-of-scope 1 1 0 reward-hacking 0 0 1" in flat
    assert "Transcript triage" not in "\n".join(pdf_pages(render_report(content, {}), tmp_path))
