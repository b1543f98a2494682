"""The determination's capability areas: chosen runs against a baseline, stored as audited
append-only versions, with figures that equal ``compare``'s (and SciPy's) on two runs
inspect_ai wrote (tests/fixtures/compare-logs)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from support.inspect_logs import sample, write_eval
from support.triaged import INVALIDATED, triaged_item
from support.vaults import PASS, make_vault

from reviewstation import determination
from reviewstation.analysis import comparison, runs, stats
from reviewstation.app import determination as app_determination
from reviewstation.app.compare import compare_artifacts
from reviewstation.artifacts.erase import erase_artifact
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.determination import AreaOptions
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.evidence import check_evidence, parse_ref
from reviewstation.reviews.service import create_review, set_status
from reviewstation.vault import accounts, audit
from reviewstation.vault.session import Session, open_vault

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"
EXPECTED: dict[str, Any] = json.loads((LOGS / "expected.json").read_text())


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    """Review 1 (the new model) holds model-b.eval (artifact 1) and a note (2); review 2 (the
    model before it) holds model-a.eval (artifact 3), the baseline."""
    note = tmp_path / "note.txt"
    note.write_text("not a log\n")
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        create_review(session, title="New model", developer="Lab", model_name="M-2")
        create_review(session, title="Old model", developer="Lab", model_name="M-1")
        add_artifacts(session, 1, [LOGS / "model-b.eval", note])
        add_artifacts(session, 2, [LOGS / "model-a.eval"])
    return path


def direct(options: comparison.Options | None = None) -> comparison.Comparison:
    """The comparison of the two files, read straight from disk (no vault)."""
    loaded = []
    for label, name in (("A", "model-a.eval"), ("B", "model-b.eval")):
        data = (LOGS / name).read_bytes()
        loaded.append(
            comparison.Run(label, name, name, runs.read_rows(io.BytesIO(data), len(data)))
        )
    return comparison.compare(loaded, options)


def trail(session: Session) -> int:
    return audit.head(session.conn, session.vault_id)[0]


def test_area_figures_equal_the_comparison_and_scipy(vault: Path) -> None:
    with open_vault(vault, PASS) as session:
        saved = app_determination.set_area(
            session, 1, "Exploitation", baseline=3, runs=[1], note="CVE-Bench style tasks"
        )
        results = app_determination.area_results(session, 1)
    assert [r.area.uid for r in results] == [saved.area.uid]
    item = results[0]
    assert item.area.area == "exploitation" and item.area.title == "Exploitation"
    assert item.error is None and item.result is not None
    assert item.names[item.area.baseline] == "model-a.eval"
    want = direct()
    got = item.result
    assert determination.figures_json(got) == {
        **determination.figures_json(want),
        "runs": [
            {**r, "artifact": a, "name": item.names[a]}
            for r, a in zip(
                determination.figures_json(want)["runs"], item.area.artifacts, strict=True
            )
        ],
    }
    scipy = EXPECTED["scipy"]
    b = got.runs[1]
    assert (b.scored, b.solved) == (scipy["runs"]["model-b.eval"]["scored"], 35)
    assert b.accuracy_ci is not None
    assert b.accuracy_ci.low == pytest.approx(scipy["runs"]["model-b.eval"]["wilson"][0])
    test = got.tests[0]
    assert (test.base_only, test.other_only, test.pairs) == (12, 23, 59)
    assert test.mcnemar_p == pytest.approx(scipy["mcnemar_p"], rel=1e-12)
    assert got.seed == determination.AreaOptions().seed


def test_numeric_scores_give_a_bootstrap_with_its_seed(vault: Path, tmp_path: Path) -> None:
    """Partial credit (numbers other than 0 and 1): the paired bootstrap, with the area's seed,
    equals the comparison's over the same runs."""
    a = write_eval(tmp_path / "a.eval", [sample(i, v) for i, v in enumerate([0.2, 0.5, 1, 0, 0.7])])
    b = write_eval(
        tmp_path / "b.eval",
        [sample(i, v) for i, v in enumerate([0.9, 0.5, 1, 0.4, 1])],
        model="m/b",
    )
    options = AreaOptions(seed=11, resamples=200, threshold=0.5)
    with open_vault(vault, PASS) as session:
        add_artifacts(session, 1, [a, b])
        item = app_determination.set_area(session, 1, "ctf", baseline=4, runs=[5], options=options)
        want = compare_artifacts(session, [4, 5], options.to_compare())
    assert item.result is not None and item.result.numeric
    assert item.result.tests == want.tests and item.result.runs == want.runs
    assert item.result.tests[0].bootstrap_ci is not None
    lines = [determination.test_line(t, item.result) for t in item.result.tests]
    assert "paired bootstrap p" in lines[0]
    assert "seed 11, 200 resamples" in determination.settings_line(item.result)


def test_every_change_is_an_audited_version_and_citations_reproduce(vault: Path) -> None:
    with open_vault(vault, PASS) as session:
        first = app_determination.set_area(session, 1, "ctf", baseline=3, runs=[1]).area
        before = trail(session)
        again = app_determination.set_area(session, 1, "CTF challenges", baseline=3, runs=[1])
        assert again.area.uid == first.uid and trail(session) == before  # unchanged: no write
        second = app_determination.set_area(
            session, 1, "ctf", baseline=1, runs=[3], options=AreaOptions(threshold=0.5)
        ).area
        assert second.uid != first.uid and trail(session) == before + 1
        entry = list(audit.entries(session.conn, before))[-1]
        assert entry.action == "determination.set"
        assert entry.details["version"] == second.uid
        assert entry.details["options"]["threshold"] == 0.5
        assert [a.uid for a in determination.current_areas(session.conn, 1)] == [second.uid]
        # The first version still resolves to its own runs: the citation reproduces.
        cited = app_determination.resolve_citation(session, first.citation)
        assert cited.area.baseline == first.baseline and cited.result is not None
        assert cited.result.runs[0].model == "mockllm/model-a"
        ref = parse_ref(first.citation)
        assert check_evidence(session.conn, ref, review_id=1) == ref
        with pytest.raises(InputError, match="not a saved capability area"):
            check_evidence(session.conn, ref, review_id=2)
        app_determination.remove_area(session, 1, "ctf")
        assert determination.current_areas(session.conn, 1) == []
        assert [v.removed for v in determination.history(session.conn, 1, "ctf")] == [
            False,
            False,
            True,
        ]
        with pytest.raises(NotFound):
            app_determination.remove_area(session, 1, "ctf")
        # An earlier version stays citable (it reproduces); the removal itself is not.
        assert check_evidence(session.conn, ref, review_id=1) == ref
        removed = determination.history(session.conn, 1, "ctf")[-1]
        with pytest.raises(InputError, match="not a saved capability area"):
            check_evidence(session.conn, parse_ref(removed.citation), review_id=1)


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("ctf", {"baseline": 3, "runs": []}, "at least one run"),
    ("ctf", {"baseline": 3, "runs": [3]}, "baseline cannot also"),
    ("ctf", {"baseline": 3, "runs": [1, 1]}, "twice"),
    ("ctf", {"baseline": 2, "runs": [1]}, "not an Inspect evaluation log"),
    ("ctf", {"baseline": 99, "runs": [1]}, "99"),
    ("line\nbreak", {"baseline": 3, "runs": [1]}, "area"),
    ("x" * 81, {"baseline": 3, "runs": [1]}, "1 to 80"),
    ("ctf", {"baseline": 3, "runs": [1], "options": AreaOptions(scorer="nope")}, "nope"),
    ("ctf", {"baseline": 3, "runs": [1], "options": AreaOptions(threshold=float("nan"))}, "finite"),
    ("ctf", {"baseline": 3, "runs": [1], "options": AreaOptions(seed=True)}, "seed"),
    ("ctf", {"baseline": 3, "runs": [1], "options": AreaOptions(level=1.5)}, "level"),
    ("ctf", {"baseline": 3, "runs": [1], "options": AreaOptions(seed=-1)}, "seed"),
    ("ctf", {"baseline": 3, "runs": [1], "options": AreaOptions(resamples=0)}, "esamples"),
]


@pytest.mark.parametrize(("area", "kwargs", "message"), BAD)
def test_bad_choices_are_refused_and_change_nothing(
    vault: Path, area: str, kwargs: dict[str, Any], message: str
) -> None:
    with open_vault(vault, PASS) as session:
        before = trail(session)
        with pytest.raises((InputError, NotFound), match=message):
            app_determination.set_area(session, 1, area, **kwargs)
        assert trail(session) == before
        assert determination.current_areas(session.conn, 1) == []


def test_an_erased_log_leaves_the_area_with_its_reason(vault: Path) -> None:
    with open_vault(vault, PASS) as session:
        app_determination.set_area(session, 1, "Model-specific area", baseline=3, runs=[1])
        erase_artifact(session, 3, reason="test")
        [item] = app_determination.area_results(session, 1)
    assert item.area.area == "Model-specific area" and item.result is None
    assert item.error is not None and "erased" in item.error
    assert determination.result_json(item)["figures"] == {}


def test_an_auditor_and_a_closed_review_cannot_choose(vault: Path) -> None:
    with open_vault(vault, PASS) as session:
        accounts.add_user(session, "audra", "auditor", "audra passphrase", kdf=floor_params())
    with open_vault(vault, "audra passphrase", user="audra") as audra:
        with pytest.raises(PermissionDenied):
            app_determination.set_area(audra, 1, "ctf", baseline=3, runs=[1])
        assert app_determination.area_results(audra, 1) == []  # reading is allowed
    with open_vault(vault, PASS, user="alice") as session:
        for status in ("in_review", "findings_drafted", "approved", "exported", "closed"):
            set_status(session, 1, status)
        before = trail(session)
        with pytest.raises(PermissionDenied, match="closed"):
            app_determination.set_area(session, 1, "ctf", baseline=3, runs=[1])
        assert trail(session) == before


def test_results_json_is_stable(vault: Path) -> None:
    with open_vault(vault, PASS) as session:
        app_determination.set_area(session, 1, "exploitation", baseline=3, runs=[1])
        app_determination.set_area(session, 1, "Zeta area", baseline=3, runs=[1])
        app_determination.set_area(session, 1, "ctf", baseline=3, runs=[1])
        items = app_determination.area_results(session, 1)
        doc = determination.results_json("r-uid", items)
    assert doc["schema"] == determination.SCHEMA
    assert [a["area"] for a in doc["areas"]] == ["ctf", "exploitation", "Zeta area"]
    area = doc["areas"][0]
    assert set(area) == {
        "uid",
        "area",
        "title",
        "baseline",
        "runs",
        "options",
        "note",
        "created",
        "created_by",
        "citation",
        "names",
        "error",
        "figures",
    }
    assert area["figures"]["triaged"] is None  # no confirmed triage label in these runs
    assert "samples" not in area["figures"]["raw"] and "triaged" not in area["figures"]["raw"]
    assert area["figures"]["raw"]["invalidated"] == {}
    assert area["figures"]["raw"]["tests"][0]["mcnemar_p"] == pytest.approx(
        EXPECTED["scipy"]["mcnemar_p"]
    )


def test_triaged_figures_stand_beside_the_raw_and_move_exactly_as_labelled() -> None:
    item = triaged_item()
    assert item.result is not None and item.result.triaged is not None
    raw, triaged = item.result, item.result.triaged
    assert [label for label, _ in determination.shown(raw)] == ["raw", "triaged"]
    b_raw, b_triaged = raw.runs[1], triaged.runs[1]
    assert b_triaged.solved == b_raw.solved - len(INVALIDATED) == 32
    assert b_triaged.scored == b_raw.scored and raw.runs[0] == triaged.runs[0]
    test_raw, test_triaged = raw.tests[0], triaged.tests[0]
    assert test_triaged.other_only == test_raw.other_only - 2  # 10@2, 11@2: B only
    assert test_triaged.both == test_raw.both - 1  # 10@1: solved by both
    assert test_triaged.mcnemar_p == pytest.approx(
        stats.mcnemar_exact(test_triaged.base_only, test_triaged.other_only)
    )
    doc = determination.result_json(item)
    assert doc["figures"]["raw"]["runs"][1]["solved"] == 35
    assert doc["figures"]["triaged"]["runs"][1]["solved"] == 32
    assert doc["figures"]["raw"]["invalidated"] == {"B": INVALIDATED}
    lines = determination.area_lines(item)
    assert any(line.startswith("  triaged figures: ") for line in lines)
    assert f"3 solve(s) invalidated ({', '.join(INVALIDATED)})" in "\n".join(lines)
    assert determination.run_line(b_triaged) in "\n".join(lines)


def test_a_baseline_reviews_caveats_join_the_package_marking(
    tmp_path: Path,
) -> None:
    """The baseline's review is marked SECRET//NOFORN, this one SECRET: the baseline's names
    and figures travel, so the package carries NOFORN too (never below what it carries)."""
    from reviewstation.packages.content import gather

    path = make_vault(tmp_path, marking="SECRET")
    with open_vault(path, PASS) as session:
        create_review(session, title="New", developer="Lab", model_name="M-2")
        create_review(
            session, title="Old", developer="Lab", model_name="M-1", marking="SECRET//NOFORN"
        )
        add_artifacts(session, 1, [LOGS / "model-b.eval"])
        add_artifacts(session, 2, [LOGS / "model-a.eval"])
        plain = gather(session, 1, package_id="p", created="2026-12-07T12:00:00Z")
        assert plain.marking == "SECRET"
        app_determination.set_area(session, 1, "ctf", baseline=2, runs=[1])
        items = app_determination.area_results(session, 1)
        content = gather(
            session, 1, package_id="p", created="2026-12-07T12:00:00Z", determination=items
        )
        # What an approval request gathers (no figures) states the same marking.
        bare = gather(session, 1, package_id="p", created="2026-12-07T12:00:00Z")
    assert content.marking == bare.marking == "SECRET//NOFORN"
    assert content.area_versions == (items[0].area.uid,)


UID = "283dff70-a22f-4230-ad51-b4852d4059ad"


@pytest.mark.parametrize(
    ("text", "comparison"),
    [
        (f"comparison:{UID}", UID),
        (f"  comparison:{UID} ", UID),
        ("3", None),
        ("3#ctf-1@1", None),
        ("comparisonx:1", None),  # an artifact uid that merely looks alike
    ],
)
def test_the_evidence_grammar_reads_a_cited_comparison(text: str, comparison: str | None) -> None:
    ref = parse_ref(text)
    assert ref.comparison == comparison
    if comparison is not None:
        assert ref.sample_id is None and ref.to_json()["artifact"] == f"comparison:{UID}"


@pytest.mark.parametrize(
    "text",
    ["comparison:", "comparison:nope", f"comparison:{UID.upper()}", f"comparison:{UID}#1"],
)
def test_a_malformed_citation_is_refused(text: str) -> None:
    with pytest.raises(InputError, match="comparison:UID"):
        parse_ref(text)


def test_a_carried_citation_with_a_sample_is_refused() -> None:
    from reviewstation.evidence import EvidenceRef, check_shape, from_json

    assert from_json({"artifact": f"comparison:{UID}"}).comparison == UID
    with pytest.raises(InputError):
        check_shape(EvidenceRef(f"comparison:{UID}", "1", "0" * 96))
