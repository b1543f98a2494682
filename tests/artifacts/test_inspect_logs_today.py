"""Inspect logs as inspect_ai writes them today, summarised as inspect_ai's own reader reads them.

The logs in ``fixtures/inspect-logs/current`` were written by inspect_ai 0.3.285 with its mock
model (``make_logs.py`` there); ``expected.json`` is what its ``read_eval_log`` returned then,
also for the older logs of other evaluations one folder up and in ``other/`` (inspect_ai's
own test logs). inspect_ai is not a test dependency: the comparison is against that record.
``REVIEWSTATION_INSPECT_LOGS=FOLDER`` adds any folder described by ``make_logs.py --describe``.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from reviewstation.artifacts.inspection import parse_inspection
from reviewstation.artifacts.inspectors import inspect_eval, inspect_records, inspect_stream
from reviewstation.artifacts.inspectors.inspect_records import natural_key

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs"
CURRENT = FIXTURES / "current"


def _expected(folder: Path) -> dict[Path, dict[str, Any]]:
    logs = json.loads((folder / "expected.json").read_text())["logs"]
    return {folder / name: view for name, view in logs.items()}


# Ours, and logs of other evaluations (inspect_ai's own test logs, 2024 to 2025).
EXPECTED = {**_expected(CURRENT), **_expected(FIXTURES / "other")}
# Logs of any other evaluations, described by inspect_ai (``make_logs.py --describe FOLDER``).
OTHER = os.environ.get("REVIEWSTATION_INSPECT_LOGS")
if OTHER:
    EXPECTED.update(_expected(Path(OTHER)))
SAME_SAMPLES = (
    "tool-use.eval",
    "tool-use-chunked.eval",
    "tool-use-mixed.eval",
    "tool-use-converted.json",
)


def inspect(path: Path, *, detail: bool) -> dict[str, Any]:
    data = path.read_bytes()
    summary = inspect_stream(io.BytesIO(data), len(data), path.name, detail=detail)
    typed = parse_inspection(json.loads(json.dumps(summary)))
    assert typed.notes == () and typed.to_json() == json.loads(json.dumps(summary))
    return summary


def natural_order(sample_key: str) -> tuple[Any, ...]:
    ident, _, epoch = sample_key.rpartition("@")
    return natural_key(ident), int(epoch)


def key(sample: dict[str, Any]) -> str:
    return f"{sample['id']}@{sample['epoch']}"


@pytest.mark.parametrize(
    "path", sorted(EXPECTED), ids=[str(p.relative_to(p.parents[1])) for p in sorted(EXPECTED)]
)
def test_summary_is_what_inspect_ais_reader_says(path: Path) -> None:
    expected = EXPECTED[path]
    name = path.name
    summary = inspect(path, detail=False)
    view = inspect(path, detail=True)
    for got in (summary, view):
        assert (got["task"], got["model"], got["status"]) == (
            expected["task"],
            expected["model"],
            expected["status"],
        )
        assert got["sample_count"] == expected["sample_count"]
        assert got["total_samples"] == expected["total_samples"]
        assert got["completed_samples"] == expected["completed_samples"]
        metrics = [
            (m["scorer"], m["name"], m["metric"], m.get("reducer"), m["value"])
            for m in got["metrics"]
        ]
        assert metrics == [
            (m["scorer"], m["name"], m["metric"], m["reducer"], m["value"])
            for m in expected["metrics"]
        ]
    # Every sample, in natural order (inspect_ai orders by epoch, then id as text).
    samples = view["samples"]
    assert [key(s) for s in samples] == sorted(expected["samples"], key=natural_order)
    assert {key(s): s["scores"] for s in samples} == expected["scores"]
    # The import summary shows the first few of the same, with the same scores.
    first = [key(s) for s in summary["samples"]]
    assert first == [key(s) for s in samples][: len(first)]
    assert all(s["scores"] == expected["scores"][key(s)] for s in summary["samples"])
    if name.endswith(".eval") and path.parent == CURRENT:
        assert summary["compression"] == "zstd"  # ZIP method 93, the release's default


def test_samples_are_in_natural_order() -> None:
    view = inspect(CURRENT / "tool-use-mixed.eval", detail=True)
    ids = [s["id"] for s in view["samples"] if s["epoch"] == 1]
    assert ids == [f"t{n}" for n in range(1, 12)]  # t2 before t10
    arithmetic = inspect(CURRENT / "arithmetic.eval", detail=False)
    assert [key(s) for s in arithmetic["samples"]] == ["1@1", "1@2", "2@1", "2@2", "3@1"]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("cancelled.eval", "was cancelled"),
        ("killed.eval", "did not finish"),
        ("error.eval", "ended with an error"),
        ("error.json", "ended with an error"),
    ],
)
def test_unfinished_evaluations_say_so(name: str, says: str) -> None:
    summary = inspect(CURRENT / name, detail=False)
    assert any(says in w for w in summary["warnings"]), summary["warnings"]
    if name == "cancelled.eval":
        assert any("Only 4 of 12 samples completed" in w for w in summary["warnings"])


def digests(name: str) -> dict[str, str]:
    return {key(s): s["digest"] for s in inspect(CURRENT / name, detail=True)["samples"]}


def test_one_sample_has_one_digest_whatever_the_shape() -> None:
    """The same 22 samples: one member each (pooled, with attachments), folders of parts,
    both in one log, and a .json log: the digests are equal."""
    first = digests(SAME_SAMPLES[0])
    assert len(first) == 22 and len(set(first.values())) == 22
    for name in SAME_SAMPLES[1:]:
        assert digests(name) == first, name
    # ... and differ from a hash of the stored bytes, which do differ between the shapes.
    with (
        zipfile.ZipFile(CURRENT / "tool-use.eval") as one,
        zipfile.ZipFile(CURRENT / "tool-use-chunked.eval") as parts,
    ):
        assert "samples/t2_epoch_1.json" in one.namelist()
        assert "samples/t2_epoch_1.json" not in parts.namelist()
        assert "samples/t2_epoch_1/messages/0.json" in parts.namelist()


def test_the_digest_covers_the_resolved_record() -> None:
    """Resolved: no pools, no attachment table, no references left; nothing else changed."""
    with zipfile.ZipFile(CURRENT / "tool-use.eval") as archive:
        (stored,) = [
            s for s in inspect_records.stored_samples(archive.namelist()) if s.key == "t3@2"
        ]
        record = inspect_records.read_stored(archive, stored)
    assert record["events_data"]["messages"] and record["attachments"]
    assert any(e.get("input_refs") for e in record["events"])
    resolved, notes = inspect_records.resolve(record)
    assert notes == []
    text = json.dumps(resolved)
    assert "events_data" not in resolved and "attachments" not in resolved
    assert "attachment://" not in text and "input_refs" not in text and "call_refs" not in text
    models = [e for e in resolved["events"] if e["event"] == "model"]
    assert models and all(e["input"] for e in models)
    assert resolved["messages"][0]["content"].startswith("Context paragraph.")
    assert digests("tool-use.eval")["t3@2"] == inspect_records.digest(resolved)


def test_a_large_json_log_is_streamed_like_a_small_one_is_parsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = CURRENT / "tool-use-converted.json"
    parsed = inspect(path, detail=True)
    monkeypatch.setattr(inspect_eval, "MAX_JSON_LOG_VIEW", 1000)
    monkeypatch.setattr(inspect_eval, "MAX_JSON_LOG", 1000)
    streamed = inspect(path, detail=True)
    assert streamed["container"] == "json-streamed"
    assert streamed == {**parsed, "container": "json-streamed"}
    summary = inspect(path, detail=False)
    assert summary["sample_count"] == 22 and len(summary["samples"]) == 5


def test_a_json_log_over_32_mib_is_read_whole(tmp_path: Path) -> None:
    """Over the limit for parsing whole: every sample counted, the first shown, bounded."""
    log = json.loads((CURRENT / "tool-use-converted.json").read_text())
    template = log["samples"][0]
    body = json.dumps(template)
    copies = (33 * 1024 * 1024) // len(body) + 1
    log["samples"] = [{**template, "id": f"s{n}"} for n in reversed(range(copies))]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(log))
    assert path.stat().st_size > 32 * 1024 * 1024
    summary = inspect(path, detail=False)
    assert summary["container"] == "json-streamed"
    assert summary["sample_count"] == copies
    assert [s["id"] for s in summary["samples"]] == ["s0", "s1", "s2", "s3", "s4"]
    assert summary["task"] == "tool_use" and summary["status"] == "success"


def test_the_command_line_shows_status_and_each_reducer(capsys: pytest.CaptureFixture[str]) -> None:
    from reviewstation.cli.commands.artifact import _print_inspection

    _print_inspection(parse_inspection(inspect(CURRENT / "arithmetic.eval", detail=False)))
    out = capsys.readouterr().out
    assert "match/accuracy (mean of epochs) = 0.0" in out
    assert "includes/accuracy (max of epochs) = 0.0" in out
    _print_inspection(parse_inspection(inspect(CURRENT / "killed.eval", detail=False)))
    out = capsys.readouterr().out
    assert "Status         started" in out and "Sample count   4" in out
    assert "WARNING: The evaluation did not finish" in out


def test_evidence_pins_the_same_digest_whatever_the_shape(tmp_path: Path) -> None:
    """Through the vault, as evidence is made: the picker's list and the digest recorded."""
    from support.vaults import PASS, make_vault

    from reviewstation.artifacts.intake import add_artifacts
    from reviewstation.artifacts.samples import find_sample, sample_keys
    from reviewstation.reviews.service import create_review
    from reviewstation.vault.session import open_vault

    shown = digests("tool-use.eval")
    with open_vault(make_vault(tmp_path), PASS) as session:
        create_review(session, title="T", developer="D", model_name="M")
        added = add_artifacts(session, 1, [CURRENT / name for name in SAME_SAMPLES]).added
        assert len(added) == len(SAME_SAMPLES)
        for artifact in added:
            keys = sample_keys(session, artifact.id)
            assert keys == sorted(shown, key=natural_order), artifact.path
            for wanted in ("t2@1", "t10@2"):
                uid, digest = find_sample(session, artifact.id, wanted)
                assert (uid, digest) == (artifact.uid, shown[wanted])


def test_summaries_over_their_limit_give_way_to_the_samples(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A log of 200k samples has summaries too large to read at import: the first samples
    themselves are summarised instead, the same ones with the same scores."""
    path = CURRENT / "tool-use-mixed.eval"
    before = inspect(path, detail=False)
    monkeypatch.setattr(inspect_eval, "MAX_SUMMARIES", 100)
    after = inspect(path, detail=False)
    assert any("Sample summaries were not read" in w for w in after["warnings"])
    assert [(key(s), s["scores"]) for s in after["samples"]] == [
        (key(s), s["scores"]) for s in before["samples"]
    ]


def test_evidence_from_a_streamed_json_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``.json`` log over the whole-parse limit is listed and searched sample by sample,
    from the encrypted store, with the same keys and digests."""
    from support.vaults import PASS, make_vault

    from reviewstation.artifacts import samples
    from reviewstation.artifacts.intake import add_artifacts
    from reviewstation.reviews.service import create_review
    from reviewstation.vault.session import open_vault

    shown = digests("tool-use.eval")
    monkeypatch.setattr(samples, "MAX_JSON_LOG_VIEW", 1000)
    with open_vault(make_vault(tmp_path), PASS) as session:
        create_review(session, title="T", developer="D", model_name="M")
        (artifact,) = add_artifacts(session, 1, [CURRENT / "tool-use-converted.json"]).added
        assert samples.sample_keys(session, artifact.id) == sorted(shown, key=natural_order)
        assert samples.find_sample(session, artifact.id, "t11@2")[1] == shown["t11@2"]


def test_a_streamed_log_is_read_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peak memory stays near one sample and one read chunk, not the file's size."""
    import tracemalloc

    log = json.loads((CURRENT / "tool-use-converted.json").read_text())
    template = log["samples"][0]
    log["samples"] = [{**template, "id": f"s{n}"} for n in range(500)]
    path = tmp_path / "log.json"
    path.write_text(json.dumps(log))
    size = path.stat().st_size
    assert size > 7 * 1024 * 1024
    monkeypatch.setattr(inspect_eval, "MAX_JSON_LOG", 1000)
    monkeypatch.setattr(inspect_eval, "MAX_JSON_LOG_VIEW", 1000)
    monkeypatch.setattr(inspect_eval, "STREAM_VIEW_BUDGET", 200_000)
    for detail in (False, True):
        with path.open("rb") as stream:
            tracemalloc.start()
            try:
                summary = inspect_eval.inspect_json(stream, size, detail=detail)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        assert summary["sample_count"] == 500
        assert peak < 5 * 1024 * 1024, peak  # the file: over 7 MiB
    # The view kept what its budget allows, in order, and says so.
    shown = summary["samples"]
    assert 0 < len(shown) < 100 and [s["id"] for s in shown] == [f"s{n}" for n in range(len(shown))]
    assert f"Only the first {len(shown)} samples are shown." in summary["warnings"]


def test_journal_summaries_are_read_within_one_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A killed run has only its journal; past the budget its first samples are read."""
    path = CURRENT / "killed.eval"
    before = inspect(path, detail=False)
    assert [key(s) for s in before["samples"]] == ["1@1", "2@1", "3@1", "4@1"]
    monkeypatch.setattr(inspect_eval, "MAX_SUMMARIES", 2000)
    after = inspect(path, detail=False)
    assert any("journal's summaries add up to over 2000" in w for w in after["warnings"])
    assert [(key(s), s["scores"]) for s in after["samples"]] == [
        (key(s), s["scores"]) for s in before["samples"]
    ]


def test_a_sample_too_large_to_read_whole_still_shows_its_conversation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stored as parts, a sample over the limit (one of 337k events has been seen) is shown
    without its events and calls, said so, and without a digest, which needs all of it."""
    path = CURRENT / "tool-use-chunked.eval"
    whole = {key(s): s for s in inspect(path, detail=True)["samples"]}
    monkeypatch.setattr(inspect_records, "MAX_SAMPLE", 6000)  # events/0.json is 9,479 bytes
    light = {key(s): s for s in inspect(path, detail=True)["samples"]}
    assert light.keys() == whole.keys()
    for sample_key, sample in light.items():
        assert "digest" not in sample
        assert sample["messages"] == whole[sample_key]["messages"] and sample["messages"]
        assert sample["scores"] == whole[sample_key]["scores"]
        assert "events and model calls were not read" in sample["notes"][-1]
        assert "add up to more than 6000 bytes" in sample["notes"][-1]
