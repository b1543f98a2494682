"""Two runs written by inspect_ai itself (tests/fixtures/compare-logs): the comparison equals
what SciPy computed from the values inspect_ai's reader returned (recorded at generation)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from reviewstation.analysis import comparison, runs, transcripts
from reviewstation.analysis.comparison import Options, Run

HERE = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"
EXPECTED: dict[str, Any] = json.loads((HERE / "expected.json").read_text())
NAMES = ("model-a.eval", "model-b.eval")


def _runs() -> list[Run]:
    out = []
    for label, name in zip("AB", NAMES, strict=True):
        data = (HERE / name).read_bytes()
        out.append(Run(label, name, name, runs.read_rows(io.BytesIO(data), len(data))))
    return out


@pytest.mark.parametrize("name", NAMES)
def test_rows_are_what_inspect_ai_reads(name: str) -> None:
    data = (HERE / name).read_bytes()
    rows = runs.read_rows(io.BytesIO(data), len(data))
    expected = EXPECTED["logs"][name]
    assert rows.model == expected["model"] and rows.task == "ctf"
    assert {r.key: r.scores for r in rows.rows} == {
        k: v["scores"] for k, v in expected["samples"].items()
    }
    assert {r.key: r.error for r in rows.rows if r.error} == {
        k: v["error"] for k, v in expected["samples"].items() if v["error"]
    }


def test_statistics_equal_scipys() -> None:
    scipy = EXPECTED["scipy"]
    result = comparison.compare(_runs())
    assert result.scorer == "match" and result.scorers == ["match", "closeness"]
    for summary, name in zip(result.runs, NAMES, strict=True):
        want = scipy["runs"][name]
        assert (summary.scored, summary.solved) == (want["scored"], want["solved"])
        assert summary.accuracy_ci is not None
        assert summary.accuracy_ci.low == pytest.approx(want["wilson"][0], abs=1e-12)
        assert summary.accuracy_ci.high == pytest.approx(want["wilson"][1], abs=1e-12)
    test = result.tests[0]
    assert (test.pairs, test.base_only, test.other_only) == (
        scipy["pairs"],
        scipy["a_only"],
        scipy["b_only"],
    )
    assert test.mcnemar_p == pytest.approx(scipy["mcnemar_p"], rel=1e-12)
    errors = comparison.compare(_runs(), Options(filter="errors"))
    assert [s.key for s in errors.samples] == ["13@1"]
    assert errors.runs[1].errors == 1


def test_numeric_scorer_means_equal_scipys() -> None:
    result = comparison.compare(_runs(), Options(scorer="closeness"))
    for summary, name in zip(result.runs, NAMES, strict=True):
        assert summary.mean == pytest.approx(EXPECTED["scipy"]["runs"][name]["mean_closeness"])


def test_transcripts_diverge_at_the_answer() -> None:
    result = comparison.compare(_runs(), Options(filter="b-only"))
    key = result.samples[0].key
    sides = []
    for label, name in zip("AB", NAMES, strict=True):
        data = (HERE / name).read_bytes()
        sides.append(
            transcripts.side(label, key, transcripts.load_sample(io.BytesIO(data), len(data), key))
        )
    pair = transcripts.pair(key, *sides)
    assert pair.message_divergence == 1  # the same question, different answers
    assert pair.a.messages[0] == pair.b.messages[0]
    assert pair.b.messages[1].text.startswith("flag{")
