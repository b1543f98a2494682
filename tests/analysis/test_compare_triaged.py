"""The triaged comparison: invalidated solves counted as unsolved (number 0) in their run."""

from __future__ import annotations

import io
import json
from fractions import Fraction

import pytest
from support.inspect_logs import eval_bytes, sample

from reviewstation.analysis import comparison, runs, stats
from reviewstation.analysis.comparison import Options, Run

# 1..4 both solve, 5..6 only A, 7..12 only B, 13..15 neither; 16 errors in B.
A_VALUES = ["C"] * 6 + ["I"] * 6 + ["I"] * 3 + ["C"]
B_VALUES = ["C"] * 4 + ["I"] * 2 + ["C"] * 6 + ["I"] * 3 + [None]


def _runs() -> list[Run]:
    a = [sample(i + 1, v) for i, v in enumerate(A_VALUES)]
    b = [sample(i + 1, v, error="boom" if i + 1 == 16 else None) for i, v in enumerate(B_VALUES)]
    out = []
    for label, uid, records in (("A", "uid-a", a), ("B", "uid-b", b)):
        data = eval_bytes(records)
        out.append(Run(label, uid, f"{label}.eval", runs.read_rows(io.BytesIO(data), len(data))))
    return out


def test_nothing_invalidated_gives_no_triaged_comparison() -> None:
    for invalidated in (None, {}, {"uid-x": ["1@1"]}, {"uid-a": ["99@1", "bad", "1@x", "@1"]}):
        result = comparison.compare(_runs(), invalidated=invalidated)
        assert result.triaged is None and result.invalidated == {}
        assert json.loads(result.canonical_json())["triaged"] is None
    assert not any(
        line.startswith("   triaged")
        for line in comparison.summary_lines(comparison.compare(_runs()))
    )


def test_invalidated_solves_count_as_unsolved_in_their_run() -> None:
    raw_only = comparison.compare(_runs())
    result = comparison.compare(
        _runs(), invalidated={"uid-a": ["1@1"], "uid-b": ["7@1", "8@1", "16@1", "99@1"]}
    )
    # The raw figures are those without labels, bit for bit.
    assert dataclass_json(result, drop=("triaged", "invalidated")) == dataclass_json(
        raw_only, drop=("triaged", "invalidated")
    )
    assert result.invalidated == {"A": ["1@1"], "B": ["7@1", "8@1", "16@1"]}
    triaged = result.triaged
    assert triaged is not None and triaged.triaged is None
    assert triaged.invalidated == result.invalidated
    a, b = triaged.runs
    assert (result.runs[0].solved, a.solved, a.scored) == (7, 6, 16)
    assert (result.runs[1].solved, b.solved, b.scored) == (10, 8, 15)  # 16@1 stays unscored
    assert a.accuracy_ci is not None
    assert (a.accuracy_ci.low, a.accuracy_ci.high) == stats.wilson(6, 16)
    raw, test = result.tests[0], triaged.tests[0]
    assert (raw.both, raw.base_only, raw.other_only, raw.neither) == (4, 2, 6, 3)
    assert (test.both, test.base_only, test.other_only, test.neither) == (3, 2, 5, 5)
    assert test.mcnemar_p == float(2 * Fraction(1 + 7 + 21, 2**7))
    assert triaged.matrix == {"11": 3, "10": 2, "01": 5, "00": 5, "1-": 1}
    rows = {s.key: s for s in triaged.samples}
    assert rows["1@1"].values == ["C", "C"]  # as written
    assert rows["1@1"].numbers == [0.0, 1.0] and rows["1@1"].solved == [False, True]
    b_only = comparison.compare(_runs(), Options(filter="b-only"), {"uid-b": ["7@1"]})
    assert b_only.triaged is not None
    assert [s.key for s in b_only.triaged.samples] == [f"{i}@1" for i in range(8, 13)]
    lines = comparison.summary_lines(result)
    assert "   triaged: solved 6/16 = 37.5%" in "\n".join(lines)
    assert "1 solve(s) invalidated (1@1)" in "\n".join(lines)
    assert any(line.startswith("   triaged: 15 pairs; both 3") for line in lines)
    assert lines[-1].startswith("Triaged (AB; 1 solved, 0 not, - unscored): 11 3")


def test_numeric_scores_share_the_bootstrap_draws() -> None:
    a = [sample(i, "C", extra_scores={"f1": 0.1 * (i % 7)}) for i in range(1, 41)]
    b = [sample(i, "C", extra_scores={"f1": 0.1 * (i % 5) + 0.2}) for i in range(1, 41)]
    built = []
    for label, records in (("A", a), ("B", b)):
        data = eval_bytes(records)
        built.append(Run(label, label, label, runs.read_rows(io.BytesIO(data), len(data))))
    options = Options(scorer="f1", seed=11, resamples=300)
    gone = ["3@1", "4@1", "9@1"]
    result = comparison.compare(built, options, {"B": gone})
    triaged = result.triaged
    assert triaged is not None and triaged.numeric
    raw_b = [0.1 * (i % 5) + 0.2 for i in range(1, 41)]
    fixed_b = [0.0 if f"{i}@1" in gone else x for i, x in enumerate(raw_b, 1)]
    fixed_a = [0.1 * (i % 7) for i in range(1, 41)]
    expected = stats.paired_bootstrap(fixed_a, fixed_b, seed=11, resamples=300)
    test, raw = triaged.tests[0], result.tests[0]
    assert test.mean_difference == pytest.approx(expected.estimate)
    assert raw.mean_difference is not None
    assert test.mean_difference == pytest.approx(
        raw.mean_difference - sum(raw_b[i - 1] for i in (3, 4, 9)) / 40
    )
    assert test.bootstrap_ci is not None
    assert (test.bootstrap_ci.low, test.bootstrap_ci.high) == pytest.approx(
        (expected.low, expected.high)
    )
    assert triaged.runs[0] == result.runs[0]  # A is untouched: same draws, same figures


def dataclass_json(result: comparison.Comparison, drop: tuple[str, ...]) -> dict[str, object]:
    out = json.loads(result.canonical_json())
    return {k: v for k, v in out.items() if k not in drop}
