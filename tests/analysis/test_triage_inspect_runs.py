"""Triage labels on runs inspect_ai wrote (tests/fixtures/compare-logs): labelled in a vault,
confirmed or disputed by a second lead, and the triaged figures equal what SciPy computed with
exactly the confirmed invalidating labels applied (``expected-triaged.json``, written by
``make_compare_logs.py partial`` and ``triage``). Open, disputed and other labels change
nothing; the raw figures stay those of ``expected.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.vaults import PASS, make_vault

from reviewstation.analysis.comparison import Comparison, Options
from reviewstation.app import compare
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.findings import triage
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"
EXPECTED: dict[str, Any] = json.loads((HERE / "expected.json").read_text())
TRIAGED: dict[str, Any] = json.loads((HERE / "expected-triaged.json").read_text())
LOGS = ("model-a.eval", "model-b.eval", "partial-a.eval", "partial-b.eval")  # artifacts 1-4
PAIRS = {"ctf": (1, 2), "partial": (3, 4)}
LEAD2 = "second lead passphrase"


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The four logs in one review; alice labels every sample of the plan, lena (a second
    lead) confirms or disputes as the plan says and leaves the open ones alone."""
    path = make_vault(tmp_path_factory.mktemp("triage"))
    with open_vault(path, PASS) as alice:
        create_review(alice, title="Cyber evals", developer="Lab", model_name="M")
        accounts.add_user(alice, "lena", "lead", LEAD2, kdf=floor_params())
        add_artifacts(alice, 1, [HERE / name for name in LOGS])
        made = [
            (triage.add_label(alice, LOGS.index(log) + 1, key, label, "seen", part), decision)
            for log, key, part, label, decision in TRIAGED["plan"]
        ]
    with open_vault(path, LEAD2, user="lena") as lena:
        for item, decision in made:
            if decision != "open":
                triage.decide(lena, item.uid, decision, "checked the transcript")
    return path


def _compare(vault: Path, pair: str, scorer: str = "match", resamples: int = 1000) -> Comparison:
    with open_vault(vault, PASS, user="alice") as session:
        return compare.compare_artifacts(
            session, list(PAIRS[pair]), Options(scorer=scorer, resamples=resamples)
        )


def _names(pair: str) -> list[str]:
    return [LOGS[i - 1] for i in PAIRS[pair]]


def test_raw_figures_are_unchanged_by_labels(vault: Path) -> None:
    result = _compare(vault, "ctf")
    scipy = EXPECTED["scipy"]
    for summary, name in zip(result.runs, _names("ctf"), strict=True):
        want = scipy["runs"][name]
        assert (summary.scored, summary.solved) == (want["scored"], want["solved"])
    assert result.tests[0].mcnemar_p == pytest.approx(scipy["mcnemar_p"], rel=1e-12)


@pytest.mark.parametrize("pair", PAIRS)
def test_triaged_figures_equal_scipys(vault: Path, pair: str) -> None:
    want = TRIAGED["triaged"][pair]
    result = _compare(vault, pair)
    triaged = result.triaged
    assert triaged is not None
    names = _names(pair)
    assert {k: sorted(v) for k, v in result.invalidated.items()} == {
        label: want["invalidated"][name] for label, name in zip("AB", names, strict=True)
    }
    for summary, name in zip(triaged.runs, names, strict=True):
        run = want["runs"][name]
        assert (summary.scored, summary.solved) == (run["scored"], run["solved"])
        assert summary.accuracy_ci is not None
        assert summary.accuracy_ci.low == pytest.approx(run["wilson"][0], abs=1e-12)
        assert summary.accuracy_ci.high == pytest.approx(run["wilson"][1], abs=1e-12)
    test = triaged.tests[0]
    assert (test.pairs, test.both, test.base_only, test.other_only) == (
        want["pairs"],
        want["both"],
        want["a_only"],
        want["b_only"],
    )
    assert test.mcnemar_p == pytest.approx(want["mcnemar_p"], rel=1e-12)
    assert test.mcnemar_p != pytest.approx(result.tests[0].mcnemar_p)


def _logged(name: str) -> dict[str, Any]:
    found = {**EXPECTED["logs"], **TRIAGED["logs"]}
    return dict(found[name]["samples"])


@pytest.mark.parametrize("pair", PAIRS)
def test_triaged_accuracy_moves_exactly_as_labelled(vault: Path, pair: str) -> None:
    result = _compare(vault, pair)
    assert result.triaged is not None
    for index, (label, name) in enumerate(zip("AB", _names(pair), strict=True)):
        raw = _logged(name)
        lost = sum(
            1
            for key in result.invalidated[label]
            if raw[key]["error"] is None and raw[key]["scores"]["match"] == "C"
        )
        assert result.triaged.runs[index].solved == result.runs[index].solved - lost
        assert result.triaged.runs[index].scored == result.runs[index].scored


def test_the_bootstrap_on_fractional_scores(vault: Path) -> None:
    result = _compare(vault, "partial", scorer="closeness", resamples=5000)
    triaged = result.triaged
    assert triaged is not None and triaged.numeric and result.numeric
    want = TRIAGED["triaged"]["partial"]
    for summary, name in zip(triaged.runs, _names("partial"), strict=True):
        assert summary.mean == pytest.approx(want["runs"][name]["mean_closeness"], abs=1e-12)
    test = triaged.tests[0]
    assert test.pairs == want["closeness"]["pairs"]
    assert test.mean_difference == pytest.approx(want["closeness"]["mean_difference"], abs=1e-12)
    # Exactly as labelled: the raw difference, less B's invalidated scores, plus A's.
    raw_a, raw_b = (_logged(name) for name in _names("partial"))
    moved = sum(raw_a[k]["scores"]["closeness"] for k in result.invalidated["A"]) - sum(
        raw_b[k]["scores"]["closeness"] for k in result.invalidated["B"]
    )
    assert result.tests[0].mean_difference is not None
    assert test.mean_difference == pytest.approx(
        result.tests[0].mean_difference + moved / test.pairs, abs=1e-12
    )
    # SciPy draws its own resamples: the percentile interval agrees to within Monte Carlo
    # error (about 0.003 with 5,000 and 20,000 resamples; allowed 0.02).
    assert test.bootstrap_ci is not None
    low, high = want["closeness"]["bootstrap_ci"]
    assert test.bootstrap_ci.low == pytest.approx(low, abs=0.02)
    assert test.bootstrap_ci.high == pytest.approx(high, abs=0.02)
    raw_ci = result.tests[0].bootstrap_ci
    assert raw_ci is not None and raw_ci.high != pytest.approx(high, abs=0.02)


def test_open_and_disputed_labels_change_nothing(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        labels = triage.list_labels(session.conn)
        invalidated = triage.invalidated(session.conn, {item.artifact_uid for item in labels})
    assert {item.status for item in labels if not item.invalidates} == {
        "open",
        "disputed",
        "confirmed",
    }
    found = {(uid, key) for uid, keys in invalidated.items() for key in keys}
    assert found == {(i.artifact_uid, i.sample) for i in labels if i.invalidates}
    for item in labels:
        if item.label in triage.INVALIDATING and item.status != "confirmed":
            assert (item.artifact_uid, item.sample) not in found
