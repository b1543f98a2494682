"""Hostile variants of today's Inspect logs: each gets a clear verdict, none a guess or a hang.

Built from the real logs in ``fixtures/inspect-logs/current`` (parts removed or renamed,
references bent, members that expand too far), and the streaming JSON reader on malformed
input and on valid input cut into tiny chunks.
"""

from __future__ import annotations

import io
import json
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zstandard
from support import artifact_files as craft

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors import inspect_eval, inspect_records, json_stream
from reviewstation.errors import InputError

CURRENT = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs" / "current"
Members = dict[str, bytes]


def members(name: str) -> Members:
    with zipfile.ZipFile(CURRENT / name) as archive:
        return {
            info.filename: ziparchive.read_member(archive, info, 1 << 26)
            for info in archive.infolist()
        }


def view(files: Members) -> dict[str, dict[str, Any]]:
    """Each sample of the detailed view by key (or by member when it could not be read)."""
    data = craft.zstd_zip(files)
    summary = inspect_eval.inspect_zip(io.BytesIO(data), len(data), detail=True)
    out = {}
    for sample in summary["samples"]:
        out[sample.get("member") or f"{sample['id']}@{sample['epoch']}"] = sample
    return out


PARTS = "samples/t2_epoch_1/"


def _drop(name: str) -> Callable[[Members], None]:
    def change(files: Members) -> None:
        del files[name]

    return change


def _rename(old: str, new: str) -> Callable[[Members], None]:
    def change(files: Members) -> None:
        files[new] = files.pop(old)

    return change


def _edit(name: str, change: Callable[[Any], Any]) -> Callable[[Members], None]:
    def edit(files: Members) -> None:
        files[name] = json.dumps(change(json.loads(files[name]))).encode()

    return edit


def _shell_refs(refs: list[list[int]]) -> Callable[[Any], Any]:
    return lambda shell: {**shell, "message_refs": refs}


def _input_refs(refs: list[list[int]]) -> Callable[[Any], Any]:
    def change(record: Any) -> Any:
        for event in record["events"]:
            if event.get("input_refs") is not None:
                event["input_refs"] = refs
        return record

    return change


def _not_text(attachments: Any) -> Any:
    return [1]


CASES: list[tuple[str, str, Callable[[Members], None], str]] = [
    (
        "no sample.json",
        "tool-use-chunked.eval",
        _drop(PARTS + "sample.json"),
        "is stored as parts but has no sample.json",
    ),
    (
        "a chunk missing",
        "tool-use-chunked.eval",
        _rename(PARTS + "messages/0.json", PARTS + "messages/5.json"),
        "lacks messages 0 to 4 (its chunk messages/0.json is missing)",
    ),
    (
        "message refs past the pool",
        "tool-use-chunked.eval",
        _edit(PARTS + "sample.json", _shell_refs([[0, 99]])),
        "messages points nowhere ([0, 99) of 4 items)",
    ),
    (
        "message refs not pairs",
        "tool-use-chunked.eval",
        _edit(PARTS + "sample.json", _shell_refs([[0, 1, 2]])),
        "is not a [start, end] pair",
    ),
    (
        "negative refs",
        "tool-use-chunked.eval",
        _edit(PARTS + "sample.json", _shell_refs([[-1, 2]])),
        "points nowhere",
    ),
    (
        "an attachment that is not text",
        "tool-use-chunked.eval",
        _edit(PARTS + "attachments/0.json", _not_text),
        "has an attachment that is not text",
    ),
    (
        "input refs past the pool (one member)",
        "tool-use.eval",
        _edit("samples/t2_epoch_1.json", _input_refs([[0, 1000]])),
        "input_refs points nowhere ([0, 1000) of",
    ),
]


@pytest.mark.parametrize(
    ("name", "log", "change", "verdict"), CASES, ids=[case[0] for case in CASES]
)
def test_broken_samples_get_a_one_line_verdict(
    name: str, log: str, change: Callable[[Members], None], verdict: str
) -> None:
    files = members(log)
    change(files)
    samples = view(files)
    (broken,) = [s for s in samples.values() if "error" in s and "input" not in s]
    assert verdict in broken["error"] and "\n" not in broken["error"]
    assert "t2_epoch_1" in broken["member"]
    # The other samples are read as before.
    assert len([s for s in samples.values() if "input" in s]) == 21


def test_a_reference_to_no_attachment_is_kept_and_said() -> None:
    files = members("tool-use-chunked.eval")
    _edit(PARTS + "messages/0.json", lambda m: [{**m[0], "content": "attachment://77"}, *m[1:]])(
        files
    )
    sample = view(files)["t2@1"]
    assert sample["notes"] == [
        "The sample t2@1 has 1 attachment references that point nowhere (77); they are kept"
        " as written."
    ]


def test_cyclic_attachments_resolve_once_and_end() -> None:
    record = {
        "id": 1,
        "epoch": 1,
        "input": "attachment://a",
        "messages": [{"role": "user", "content": "tc://b"}],
        "attachments": {"a": "attachment://b", "b": "attachment://a"},
    }
    resolved, notes = inspect_records.resolve(record)
    assert resolved["input"] == "attachment://b" and notes == []
    assert resolved["messages"][0]["content"] == "attachment://a"
    assert inspect_records.sample_digest(record) == inspect_records.sample_digest(record)
    # A reference to nothing is kept exactly as written, in either spelling.
    resolved, notes = inspect_records.resolve({"id": 1, "input": "tc://zz", "attachments": {}})
    assert resolved["input"] == "tc://zz" and "(zz)" in notes[0]


def test_references_that_multiply_a_sample_are_refused() -> None:
    """2,000 events naming one 200 kB message would resolve to 400 MB: refused, unread."""
    big = {"role": "user", "content": "x" * 200_000}
    events = [{"event": "model", "input": [], "input_refs": [[0, 1]]} for _ in range(2000)]
    record = {"id": 1, "epoch": 1, "events": events, "events_data": {"messages": [big]}}
    with pytest.raises(InputError, match=r"grows beyond .* when its references are resolved"):
        inspect_records.resolve(record)
    attachments = {"a": "y" * 1_000_000}
    record = {"id": 1, "epoch": 1, "messages": ["attachment://a"] * 300, "attachments": attachments}
    with pytest.raises(InputError, match="grows beyond"):
        inspect_records.resolve(record)


@pytest.mark.parametrize(
    ("declared", "verdict"),
    [(64 * 1024 * 1024, "bytes (limit"), (1000, "expands beyond")],
)
def test_zstd_bombs_in_sample_members_are_refused(declared: int, verdict: str) -> None:
    """64 MiB of zeros in a few kB of zstd, its size told honestly or as 1000 bytes."""
    files = members("tool-use.eval")
    bomb = zstandard.ZstdCompressor(level=3).compress(bytes(64 * 1024 * 1024))
    assert len(bomb) < 64 * 1024
    data = _zstd_zip(files, {"samples/t2_epoch_1.json": (bomb, declared)})
    summary = inspect_eval.inspect_zip(io.BytesIO(data), len(data), detail=True)
    (broken,) = [s for s in summary["samples"] if "error" in s and "input" not in s]
    assert verdict in broken["error"] and broken["member"] == "samples/t2_epoch_1.json"
    assert summary["sample_count"] == 22


def _zstd_zip(files: Members, raw: dict[str, tuple[bytes, int]]) -> bytes:
    """A ZIP of zstd members, as ``craft.zstd_zip``, with some members' data and declared
    size given as they are."""
    out = b""
    central = b""
    for name, data in files.items():
        packed, size = raw.get(name) or (zstandard.ZstdCompressor().compress(data), len(data))
        fields = struct.pack(
            "<HHHHHIIIHH", 63, 0, 93, 0, 0x21, zlib.crc32(data), len(packed), size, len(name), 0
        )
        central += b"PK\x01\x02" + struct.pack("<H", 63) + fields
        central += struct.pack("<HHHII", 0, 0, 0, 0, len(out)) + name.encode()
        out += b"PK\x03\x04" + fields + name.encode() + packed
    count = len(files)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), len(out), 0)
    return out + central + end


def test_a_sample_in_both_shapes_is_read_once_from_its_member() -> None:
    files = members("tool-use.eval")
    files.update({n: d for n, d in members("tool-use-chunked.eval").items() if n.startswith(PARTS)})
    samples = view(files)
    assert len(samples) == 22 and "notes" not in samples["t2@1"]


@pytest.mark.parametrize(
    "extra",
    ["samples/t2_epoch_01.json", "samples/t2_epoch_001.json", "samples/t2_epoch_01/sample.json"],
)
def test_a_second_record_under_an_epoch_spelled_with_zeros_is_not_hidden(extra: str) -> None:
    """inspect_ai reads every ``samples/*.json`` member by its name: a second record of t2
    under epoch "01" is a sample of the log, and must be counted and shown, not merged."""
    files = members("tool-use.eval")
    record = json.loads(files["samples/t2_epoch_1.json"])
    record["scores"] = {"hidden": {"value": "C"}}
    files[extra] = json.dumps(record).encode()
    data = craft.zstd_zip(files)
    summary = inspect_eval.inspect_zip(io.BytesIO(data), len(data), detail=True)
    assert summary["sample_count"] == 23, summary["sample_count"]
    assert len(summary["samples"]) == 23
    names = [s.name for s in inspect_records.stored_samples(files)]
    assert len(set(names)) == len(names) == 23  # each sample read from its own place


# --- the streaming JSON reader -------------------------------------------------------------


def stream(data: bytes, *, item_limit: int = 1 << 20) -> list[Any]:
    return list(
        json_stream.read_object(
            io.BytesIO(data), len(data), field_limit=1 << 20, item_limit=item_limit, streamed="s"
        )
    )


@pytest.mark.parametrize(
    ("data", "verdict"),
    [
        (b'{"a": "unterminated', "ends inside a value"),
        (b'{"s": ["abc', "ends inside a value"),
        (b'{"a": [1, 2}', "brackets do not match"),
        (b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}", "nested too deeply"),
        (b'{"s": [' + b"{" * 100, "nested deeper than 64"),
        (b'{"a": 1} trailing', "text follows the object"),
        (b'{"a": 1 "b": 2}', "expected ',' or '}'"),
        (b'{"s": [1 2]}', "expected ',' or ']'"),
        (b"{1: 2}", "expected a field name"),
        (b'{"a" 1}', "expected ':'"),
        (b"[1, 2]", "expected '{'"),
        (b"", "expected '{'"),
        (b'{"a": }', "expected a value"),
        (b'{"a": tru}', "should be JSON"),
        # json.loads keeps the last of a repeated key: streamed items cannot be taken back
        (b'{"s": [1], "s": [1, 2]}', "a second 's'"),
        (b'{"s": [1], "s": null}', "a second 's'"),
        (b'{"s": null, "s": [1]}', "a second 's'"),
    ],
)
def test_malformed_json_gets_a_verdict_with_its_offset(data: bytes, verdict: str) -> None:
    with pytest.raises(InputError, match=verdict.replace("(", r"\(").replace("[", r"\[")):
        stream(data)


def test_a_large_log_with_two_samples_lists_is_refused_not_miscounted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """inspect_ai (json.loads) counts the last "samples" list; streaming counted both."""
    log = json.loads((CURRENT / "tool-use-converted.json").read_bytes())
    samples = log.pop("samples")
    head = json.dumps(log)[:-1]
    data = f'{head}, "samples": {json.dumps(samples[:1])}, "samples": {json.dumps(samples)}}}'
    assert len(json.loads(data)["samples"]) == 22
    monkeypatch.setattr(inspect_eval, "MAX_JSON_LOG", 1024)  # streamed
    with pytest.raises(InputError, match="a second 'samples'"):
        inspect_eval.inspect_json(io.BytesIO(data.encode()), len(data.encode()))


def test_an_item_over_its_limit_is_skipped_unheld() -> None:
    data = b'{"v": 1, "s": [{"ok": 1}, "' + b"x" * 5000 + b'", {"ok": 2}], "after": true}'
    parts = stream(data, item_limit=1000)
    items = [p for p in parts if isinstance(p, json_stream.Item)]
    assert [i.value for i in items] == [{"ok": 1}, None, {"ok": 2}]
    assert items[1].error is not None and "larger than 1000 bytes" in items[1].error
    fields = {p.key: p.value for p in parts if isinstance(p, json_stream.Field)}
    assert fields == {"v": 1, "after": True}


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(7 if depth < 5 else 4)
    if kind == 0:
        return rng.choice([None, True, False, 0, -1.5e3, 12345678901234])
    if kind in (1, 2, 3):
        alphabet = 'ab"\\/{}[],: \n\té€\U0001f600'
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
    if kind in (4, 5):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(_random_json(rng, 9)) + str(n): _random_json(rng, depth + 1) for n in range(3)}


@pytest.mark.parametrize("whole", [True, False], ids=["decoder", "scanner"])
def test_valid_json_cut_into_tiny_chunks_reads_as_json_loads_does(
    monkeypatch: pytest.MonkeyPatch, whole: bool
) -> None:
    """Both ways of finding a value's end: the C decoder on a growing window (from 2 bytes
    here), and the scanner it falls back to (here for every value)."""
    monkeypatch.setattr(json_stream, "CHUNK", 3)
    monkeypatch.setattr(json_stream, "WINDOW", 2)
    if not whole:
        monkeypatch.setattr(json_stream._Reader, "_whole", lambda self, limit: None)
    rng = random.Random(7)
    for _ in range(300):
        obj = {
            "head": _random_json(rng),
            "s": [_random_json(rng) for _ in range(rng.randrange(5))],
            "tail": _random_json(rng),
        }
        indent = rng.choice([None, 1])
        data = json.dumps(obj, ensure_ascii=rng.random() < 0.5, indent=indent).encode()
        parts = stream(data)
        fields = {p.key: p.value for p in parts if isinstance(p, json_stream.Field)}
        items = [p.value for p in parts if isinstance(p, json_stream.Item)]
        assert fields == {"head": obj["head"], "tail": obj["tail"]}
        assert items == obj["s"]


def test_mutated_json_logs_streamed_give_a_summary_or_a_verdict(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inspect_eval, "MAX_JSON_LOG", 0)
    monkeypatch.setattr(json_stream, "CHUNK", 64)
    monkeypatch.setattr(json_stream, "WINDOW", 64)
    log = json.loads((CURRENT / "error.json").read_text())
    log["samples"] = log["samples"][:2]
    original = json.dumps(log).encode()
    rng = random.Random(11)
    messages: list[str] = []
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randrange(1, 4)):
            at = rng.randrange(len(data))
            choice = rng.randrange(3)
            if choice == 0:
                data[at] = rng.choice(b'{}[]",:\\ x0')
            elif choice == 1:
                del data[at : at + rng.randrange(1, 50)]
            else:
                data[at:at] = rng.choice([b"[", b"{", b'"', b"\\"]) * rng.randrange(1, 80)
        try:
            summary = inspect_eval.inspect_json(io.BytesIO(bytes(data)), len(data))
        except InputError as exc:
            messages.append(str(exc))
        else:
            assert summary["container"] == "json-streamed"
    assert all("\n" not in m for m in messages)
    verdicts = len(messages)
    assert 0 < verdicts < 300


def test_odd_ids_and_epochs_in_names_cost_nothing() -> None:
    """Digit runs of any length order without conversion; an epoch past 9 digits is not a
    sample name; non-ASCII digits are text."""
    long = "9" * 5000
    names = [
        f"samples/{long}_epoch_1.json",
        "samples/10_epoch_1.json",
        "samples/2_epoch_1.json",
        "samples/002_epoch_1.json",
        "samples/x²_epoch_1.json",
        "samples/1_epoch_" + "1" * 5000 + ".json",
        "samples/3_epoch_1/sample.json",
    ]
    keys = [s.key for s in inspect_records.stored_samples(names)]
    assert keys == ["002@1", "2@1", "3@1", "10@1", f"{long}@1", "x²@1"]
