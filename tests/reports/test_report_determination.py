"""The determination's capability areas in report.pdf and in determination.json: the figures
printed are the comparison's, which equal SciPy's (tests/fixtures/compare-logs); the section is
in the contents and its pages carry the banner; a checklist answer citing the comparison names
it; the member is marked, signed and verified like every native member."""

from __future__ import annotations

import dataclasses
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from reports.report_content import fingerprints_for, pdf_pages
from support.triaged import triaged_item
from support.vaults import PASS, make_vault

from reviewstation import determination
from reviewstation.app import determination as app_determination
from reviewstation.app.identity import export_identity, read_card
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists import runs
from reviewstation.evidence import parse_ref
from reviewstation.package_content import PackageContent
from reviewstation.packages import members
from reviewstation.packages.content import gather
from reviewstation.packages.export import export_package
from reviewstation.packages.importer import import_package
from reviewstation.packages.verify import verify_package
from reviewstation.reports import render_report
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"
SCIPY: dict[str, Any] = json.loads((LOGS / "expected.json").read_text())["scipy"]


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_vault(tmp_path_factory.mktemp("determination-report"), marking="CUI")
    with open_vault(path, PASS) as session:
        create_review(session, title="Zeta-4 review", developer="Lab", model_name="Zeta-4")
        add_artifacts(session, 1, [LOGS / "model-a.eval", LOGS / "model-b.eval"])
        area = app_determination.set_area(
            session, 1, "exploitation", baseline=1, runs=[2], note="Mock CTF as a stand-in."
        ).area
        app_determination.set_area(session, 1, "Held-out ranges", baseline=2, runs=[1])
        run = runs.start_run(session, 1, "cyber-capability")
        runs.set_answer(
            session,
            run.id,
            "exploit.web",
            status="not_a_finding",
            evidence=[parse_ref(area.citation)],
        )
    return path


@pytest.fixture(scope="module")
def content(vault: Path) -> PackageContent:
    with open_vault(vault, PASS) as session:
        items = app_determination.area_results(session, 1)
        return gather(
            session, 1, package_id="p", created="2026-12-07T12:00:00Z", determination=items
        )


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_report_prints_the_comparisons_figures(content: PackageContent, tmp_path: Path) -> None:
    pages = pdf_pages(render_report(content, fingerprints_for(content)), tmp_path)
    contents = flat(pages[1])
    assert "Contents" in contents
    assert "Capability areas" in contents and "Exploitation" in contents
    body = [flat(p) for p in pages if "Capability areas" in p and "Wilson interval" in p]
    assert body, "the section is missing"
    text = " ".join(
        flat(p) for p in pages[pages.index(next(p for p in pages if flat(p) == body[0])) :]
    )
    for page in body:
        assert page.count("CUI") >= 2  # the banner, top and bottom
    item = content.determination[0]
    assert item.area.area == "exploitation" and item.result is not None
    result = item.result
    a, b = result.runs
    assert (a.solved, a.scored) == (SCIPY["runs"]["model-a.eval"]["solved"], 60)
    assert (b.solved, b.scored) == (SCIPY["runs"]["model-b.eval"]["solved"], 59)
    assert result.tests[0].mcnemar_p == pytest.approx(SCIPY["mcnemar_p"], rel=1e-12)
    for run in result.runs:
        assert flat(determination.run_line(run).split(" = ", 1)[1]) in text
    assert f"exact McNemar p = {result.tests[0].mcnemar_p:.4g}" in text
    assert "+18.6 points over 59 pairs" in text  # (23 - 12) / 59
    assert f"seed {result.seed}" in text
    assert item.area.citation in text.replace(" ", "") or item.area.uid[:8] in text
    assert "Held-out ranges" in text and "Mock CTF as a stand-in." in text
    assert "Comparison of Exploitation" in text  # the checklist answer's evidence


def test_no_areas_no_section(vault: Path, tmp_path: Path) -> None:
    with open_vault(vault, PASS) as session:
        plain = gather(session, 1, package_id="p", created="2026-12-07T12:00:00Z")
    assert plain.determination == ()
    pages = pdf_pages(render_report(plain, fingerprints_for(plain)), tmp_path)
    assert not any("Capability areas" in p for p in pages)


def test_the_package_carries_determination_json(vault: Path, tmp_path: Path) -> None:
    out, card = tmp_path / "p.rspkg", tmp_path / "alice.card"
    with open_vault(vault, PASS) as session:
        export_identity(session, card)
        items = app_determination.area_results(session, 1)
        export_package(session, 1, out, determination=items)
        review_uid = session.conn.execute("SELECT uid FROM reviews WHERE id = 1").fetchone()[0]
    with verify_package(out, [read_card(card)]) as verified:  # signed, sums and markings
        assert members.DETERMINATION in verified.report().to_json()["members"]
    with zipfile.ZipFile(out) as archive:
        doc = json.loads(archive.read(members.DETERMINATION))
        sums = archive.read("SHA384SUMS").decode()
    assert members.DETERMINATION in sums
    assert doc["format"] == "reviewstation-determination" and doc["marking"] == "CUI"
    expected = determination.results_json(review_uid, items)
    assert {k: doc[k] for k in expected} == json.loads(json.dumps(expected))
    raw = doc["areas"][0]["figures"]["raw"]  # areas: fixed ones first, then by name
    assert [a["area"] for a in doc["areas"]] == ["exploitation", "Held-out ranges"]
    assert raw["tests"][0]["mcnemar_p"] == pytest.approx(SCIPY["mcnemar_p"], rel=1e-12)


def test_every_field_of_determination_json_is_documented(vault: Path, tmp_path: Path) -> None:
    """As tests/formats/test_member_fields.py does for the other members (that test's
    realistic vault has a single log, so no area)."""
    from formats.test_member_fields import keys, named, section

    out = tmp_path / "fields.rspkg"
    with open_vault(vault, PASS) as session:
        export_package(session, 1, out, determination=app_determination.area_results(session, 1))
    with zipfile.ZipFile(out) as archive:
        doc = json.loads(archive.read(members.DETERMINATION))
    documented = named(section(members.DETERMINATION))
    data = ("/areas[]/names/", "/areas[]/figures/raw/matrix/", "/areas[]/figures/raw/invalidated/")
    missing = {
        key: path
        for key, path in keys(doc).items()
        if key not in documented and not any(path.startswith(d) for d in data)
    }
    assert missing == {}
    assert doc["areas"][0]["figures"]["raw"]["matrix"]  # the data subtrees are there


def test_the_report_prints_triaged_figures_beside_the_raw(
    content: PackageContent, tmp_path: Path
) -> None:
    item = triaged_item(review_id=content.review.id)
    assert item.result is not None and item.result.triaged is not None
    marked = dataclasses.replace(content, determination=(item,))
    pages = pdf_pages(render_report(marked, fingerprints_for(marked)), tmp_path)
    text = " ".join(flat(p) for p in pages)
    assert "Raw figures" in text and "Triaged figures" in text
    raw_b, triaged_b = item.result.runs[1], item.result.triaged.runs[1]
    assert "35/59" in text and "32/59" in text
    assert flat(determination.run_line(triaged_b).split(" = ", 1)[1]) in text
    assert "3 solve(s) invalidated (10@1, 10@2, 11@2)" in text
    test = item.result.triaged.tests[0]
    assert f"exact McNemar p = {test.mcnemar_p:.4g}" in text
    assert raw_b.solved - triaged_b.solved == 3


def test_a_cited_comparison_travels_and_imports(vault: Path, tmp_path: Path) -> None:
    """The checklist answer citing the comparison crosses to another vault as it was cited
    (the receiving vault gets no areas: determination.json and the report carry the figures)."""
    out, card = tmp_path / "c.rspkg", tmp_path / "alice.card"
    with open_vault(vault, PASS) as session:
        export_identity(session, card)
        items = app_determination.area_results(session, 1)
        export_package(session, 1, out, determination=items)
        citation = next(i.area.citation for i in items if i.area.area == "exploitation")
    (tmp_path / "other").mkdir()
    other = make_vault(tmp_path / "other")
    with open_vault(other, PASS) as session:
        result = import_package(session, out, [read_card(card)])
        [run] = runs.list_runs(session.conn, result.review_id)
        answer = next(a for a in run.answers if a.item_id == "exploit.web")
        assert [e.artifact_uid for e in answer.evidence] == [citation]
        assert determination.current_areas(session.conn, result.review_id) == []


@pytest.mark.parametrize(
    ("cited", "shown"),
    [
        ("current", "Comparison of Exploitation"),
        ("forged", "(not a current capability area)"),  # never "an earlier version" of ours
    ],
)
def test_a_cited_comparison_is_named_only_as_far_as_known(
    content: PackageContent, cited: str, shown: str
) -> None:
    import uuid

    from reviewstation.evidence import EvidenceRef
    from reviewstation.reports.sections import ReportBuilder
    from reviewstation.reports.styles import make_styles

    area = content.determination[0].area
    uid = area.uid if cited == "current" else str(uuid.uuid4())
    builder = ReportBuilder(content, {}, make_styles())
    text = builder.ref(EvidenceRef(f"comparison:{uid}"))
    assert shown in text and "earlier version" not in text
