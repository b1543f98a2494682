"""Comparing runs: alignment, the solve matrix, filters, tests, and the fixture logs."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from support.inspect_logs import eval_bytes, sample

from reviewstation.analysis import comparison, outcomes, runs, stats, transcripts
from reviewstation.analysis.comparison import Options, Run
from reviewstation.errors import InputError, NotFound

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "inspect-logs"
CURRENT = LOGS / "current"


def _run(label: str, data: bytes) -> Run:
    return Run(label, label.lower(), f"{label}.eval", runs.read_rows(io.BytesIO(data), len(data)))


def _file_run(label: str, path: Path) -> Run:
    data = path.read_bytes()
    return Run(label, path.name, path.name, runs.read_rows(io.BytesIO(data), len(data)))


# A known table: 1..4 both solve, 5..6 only A, 7..12 only B, 13..15 neither; 16 errors in B;
# 17 hits a limit in A (scored I); 18 is in A only.
A_VALUES = ["C"] * 6 + ["I"] * 6 + ["I"] * 3 + ["C", "I", "C"]
B_VALUES = ["C"] * 4 + ["I"] * 2 + ["C"] * 6 + ["I"] * 3 + [None, "I"]


def _pair() -> tuple[bytes, bytes]:
    a = [sample(i + 1, v, limit="message" if i + 1 == 17 else None) for i, v in enumerate(A_VALUES)]
    b = [sample(i + 1, v, error="boom" if i + 1 == 16 else None) for i, v in enumerate(B_VALUES)]
    return eval_bytes(a, model="mockllm/a"), eval_bytes(b, model="mockllm/b")


def test_known_table() -> None:
    a, b = _pair()
    result = comparison.compare([_run("A", a), _run("B", b)])
    assert result.scorer == "match" and result.aligned == 17
    assert result.matrix == {"11": 4, "10": 2, "01": 6, "00": 4, "1-": 1}
    run_a, run_b = result.runs
    assert (run_a.samples, run_a.only_here, run_a.scored, run_a.solved) == (18, 1, 17, 7)
    assert (run_b.scored, run_b.solved, run_b.errors, run_a.limits) == (16, 10, 1, 1)
    assert run_a.accuracy_ci is not None
    assert (run_a.accuracy_ci.low, run_a.accuracy_ci.high) == stats.wilson(7, 17)
    test = result.tests[0]
    assert (test.pairs, test.both, test.neither, test.base_only, test.other_only) == (
        16,
        4,
        4,
        2,
        6,
    )
    assert test.mcnemar_p == 2 * (1 + 8 + 28) / 256  # b=2, c=6, by hand
    assert test.accuracy_difference == pytest.approx(4 / 16)
    assert not result.numeric and test.bootstrap_ci is None and run_a.mean_ci is None


FILTERS = [
    ("a-only", ["5@1", "6@1"]),
    ("b-only", [f"{i}@1" for i in range(7, 13)]),
    ("both", ["1@1", "2@1", "3@1", "4@1"]),
    ("errors", ["16@1"]),
    ("limits", ["17@1"]),
]


@pytest.mark.parametrize(("name", "keys"), FILTERS)
def test_filters(name: str, keys: list[str]) -> None:
    a, b = _pair()
    result = comparison.compare([_run("A", a), _run("B", b)], Options(filter=name))
    assert [s.key for s in result.samples] == keys


def test_sample_rows_and_differences() -> None:
    a, b = _pair()
    rows = {s.key: s for s in comparison.compare([_run("A", a), _run("B", b)]).samples}
    assert rows["5@1"].values == ["C", "I"] and rows["5@1"].differences == [-1.0]
    assert rows["16@1"].numbers == [1.0, None] and rows["16@1"].errors == [None, "boom"]
    assert rows["17@1"].limits == ["message", None]


def test_scorer_choice_and_threshold() -> None:
    a = [sample(i, "P", extra_scores={"f1": 0.25 * i}) for i in range(1, 5)]
    b = [sample(i, "C", extra_scores={"f1": 0.2 * i}) for i in range(1, 5)]
    first = comparison.compare([_run("A", eval_bytes(a)), _run("B", eval_bytes(b))])
    assert (first.scorer, first.scorers) == ("match", ["match", "f1"])
    assert first.tests[0].other_only == 4  # P is not a solve at the default threshold
    half = comparison.compare(
        [_run("A", eval_bytes(a)), _run("B", eval_bytes(b))], Options(threshold=0.5)
    )
    assert half.tests[0].both == 4
    f1 = comparison.compare(
        [_run("A", eval_bytes(a)), _run("B", eval_bytes(b))], Options(scorer="f1", seed=9)
    )
    assert f1.numeric and f1.tests[0].mean_difference == pytest.approx(-0.125)
    assert f1.tests[0].bootstrap_ci is not None and f1.runs[0].mean_ci is not None
    again = comparison.compare(
        [_run("A", eval_bytes(a)), _run("B", eval_bytes(b))], Options(scorer="f1", seed=9)
    )
    assert again.canonical_json() == f1.canonical_json()
    assert json.loads(f1.canonical_json())["seed"] == 9
    lines = comparison.summary_lines(f1)
    assert lines[2].startswith("   mean score 0.6250 [")
    assert "paired bootstrap p = " in lines[-2] and "(seed 9, 1000 resamples)" in lines[-2]
    with pytest.raises(InputError, match="scorer 'nope'"):
        comparison.compare(
            [_run("A", eval_bytes(a)), _run("B", eval_bytes(b))], Options(scorer="nope")
        )


BAD = [
    ([sample("x", "C")], "share no sample"),
    ([sample(1, "C", scorer="other")], "share no scorer"),
]


@pytest.mark.parametrize(("other", "message"), BAD)
def test_refuses_what_cannot_be_compared(other: list[dict[str, Any]], message: str) -> None:
    a = eval_bytes([sample(1, "C")])
    with pytest.raises(InputError, match=message):
        comparison.compare([_run("A", a), _run("B", eval_bytes(other))])
    with pytest.raises(InputError, match="between 2"):
        comparison.compare([_run("A", a)])
    with pytest.raises(InputError, match="Unknown filter"):
        comparison.compare([_run("A", a), _run("B", a)], Options(filter="x"))


@pytest.mark.parametrize(
    ("value", "number"),
    [("C", 1.0), ("I", 0.0), ("P", 0.5), ("N", 0.0), (True, 1.0), (False, 0.0), (0.75, 0.75),
     ("yes", 1.0), ("No", 0.0), ("0.3", 0.3), ({"a": 1}, None), ("maybe", None), (None, None),
     (float("nan"), None)],
)  # fmt: skip
def test_score_values(value: Any, number: float | None) -> None:
    assert outcomes.to_number(value) == number


def test_rows_without_summaries_read_the_samples() -> None:
    records = [sample(i, "C" if i % 2 else "I") for i in range(1, 6)]
    with_summaries = runs.read_rows(io.BytesIO(eval_bytes(records)), len(eval_bytes(records)))
    data = eval_bytes(records, summaries=False)
    without = runs.read_rows(io.BytesIO(data), len(data))
    assert (with_summaries.source, without.source) == ("summaries", "samples")
    assert with_summaries.rows == without.rows
    # Summaries that name only some samples: the others are read from their members.
    partial = _partial_summaries(records[:2], records)
    some = runs.read_rows(io.BytesIO(partial), len(partial))
    assert some.source == "summaries+samples" and some.rows == with_summaries.rows


def _partial_summaries(summarised: list[dict[str, Any]], stored: list[dict[str, Any]]) -> bytes:
    full = zipfile.ZipFile(io.BytesIO(eval_bytes(stored)))
    head = zipfile.ZipFile(io.BytesIO(eval_bytes(summarised)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in full.infolist():
            source = head if info.filename == "summaries.json" else full
            archive.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


def _expected() -> dict[str, Any]:
    logs: dict[str, Any] = json.loads((CURRENT / "expected.json").read_text())["logs"]
    return {name: log for name, log in logs.items() if isinstance(log.get("scores"), dict)}


@pytest.mark.parametrize("name", sorted(_expected()))
def test_rows_equal_what_inspect_ai_read(name: str) -> None:
    """Every fixture log: keys and per-sample score values as inspect_ai's own reader gave."""
    expected = _expected()[name]
    data = (CURRENT / name).read_bytes()
    rows = runs.read_rows(io.BytesIO(data), len(data))
    got = {row.key: row.scores for row in rows.rows}
    assert sorted(got) == sorted(expected["samples"])
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected["scores"].items() if v}


def test_the_same_log_in_every_shape_compares_equal() -> None:
    shapes = ["tool-use.eval", "tool-use-chunked.eval", "tool-use-mixed.eval"]
    shapes.append("tool-use-converted.json")
    result = comparison.compare([_file_run(chr(65 + i), CURRENT / s) for i, s in enumerate(shapes)])
    assert result.aligned == 22
    assert set(result.matrix) <= {"1111", "0000"}
    assert all(t.mcnemar_p == 1.0 and t.base_only == t.other_only == 0 for t in result.tests)
    pair = transcripts.pair(
        "t3@2",
        *(
            transcripts.side(label, "t3@2", _record(CURRENT / name, "t3@2"))
            for label, name in (("A", "tool-use.eval"), ("B", "tool-use-converted.json"))
        ),
    )
    assert pair.message_divergence is None and pair.event_divergence is None
    assert len(pair.a.messages) >= 3 and any(m.tool_calls for m in pair.a.messages)


def test_errors_in_a_real_log() -> None:
    errors = _file_run("A", CURRENT / "sample-errors.eval")
    result = comparison.compare([errors, errors], Options(filter="errors"))
    assert [s.key for s in result.samples] == ["3@1", "7@1"]
    assert result.runs[0].errors == 2 and result.runs[0].scored == result.aligned - 2


def _record(path: Path, key: str) -> dict[str, Any]:
    data = path.read_bytes()
    return transcripts.load_sample(io.BytesIO(data), len(data), key)


def test_transcripts_diverge_where_they_differ() -> None:
    common = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "q"}]
    a = eval_bytes([sample(1, "C", messages=[*common, {"role": "assistant", "content": "x"}])])
    b = eval_bytes([sample(1, "I", messages=[*common, {"role": "assistant", "content": "y"}])])
    sides = [
        transcripts.side(label, "1", transcripts.load_sample(io.BytesIO(d), len(d), "1"))
        for label, d in (("A", a), ("B", b))
    ]
    pair = transcripts.pair("1", *sides)
    assert pair.message_divergence == 2
    assert [m.text for m in pair.b.messages] == ["be brief", "q", "y"]
    assert transcripts.first_divergence([1, 2], [1, 2, 3]) == 2
    with pytest.raises(NotFound, match="no sample"):
        transcripts.load_sample(io.BytesIO(a), len(a), "1@2")


def test_a_large_json_log_is_streamed_to_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    path = CURRENT / "tool-use-converted.json"
    data = path.read_bytes()
    whole = runs.read_rows(io.BytesIO(data), len(data))
    whole_record = transcripts.load_sample(io.BytesIO(data), len(data), "t4@2")
    monkeypatch.setattr(runs, "MAX_JSON_WHOLE", 1000)  # this log is "large" now
    monkeypatch.setattr(transcripts, "MAX_JSON_WHOLE", 1000)
    streamed = runs.read_rows(io.BytesIO(data), len(data))
    assert streamed == whole and len(streamed.rows) == 22
    assert transcripts.load_sample(io.BytesIO(data), len(data), "t4@2") == whole_record
    with pytest.raises(NotFound):
        transcripts.load_sample(io.BytesIO(data), len(data), "t99")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"samples": []}', "not an Inspect evaluation log"),
        (b"[1, 2]", "not an Inspect evaluation log"),
        (eval_bytes([sample(1, "C")])[:-40], "no end-of-directory record"),  # a cut ZIP
    ],
    ids=["json-no-eval", "json-list", "cut-zip"],
)
def test_what_is_not_a_log_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        runs.read_rows(io.BytesIO(data), len(data))
