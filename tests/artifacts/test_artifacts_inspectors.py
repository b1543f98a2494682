"""Inspectors on crafted and real files: honest and lying headers, code-running pickles
(never run), Inspect logs they were not tuned on, and size-limited text previews."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from support import artifact_files as craft
from support import pickles

from reviewstation.artifacts import catalog
from reviewstation.artifacts.inspection import PickleScan, parse_inspection
from reviewstation.artifacts.inspectors import inspect_eval, inspect_stream, pickle_scan
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.vault.session import Session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs"
LOGS = sorted(p for p in FIXTURES.glob("*") if p.suffix in (".eval", ".json"))


def inspect(data: bytes, name: str, *, detail: bool = False) -> dict[str, Any]:
    summary = inspect_stream(io.BytesIO(data), len(data), name, detail=detail)
    json.dumps(summary)  # always JSON-able
    # What an inspector writes passes the typed constructor untouched: nothing refused, and
    # the stored JSON written back is the same (the typed form loses nothing).
    typed = parse_inspection(json.loads(json.dumps(summary)))
    assert typed.notes == () and typed.to_json() == json.loads(json.dumps(summary))
    return summary


# --- safetensors ---------------------------------------------------------------------------

HONEST = craft.safetensors(
    {
        "embed.weight": ("F32", [2, 3], bytes(24)),
        "norm.weight": ("BF16", [4], bytes(8)),
        "scale": ("F4", [4], bytes(2)),  # sub-byte dtype: 4 x 4 bits = 2 bytes
    },
    {"format": "pt", "license": "test"},
    pad=5,
)


def test_honest_safetensors() -> None:
    summary = inspect(HONEST, "model.safetensors")
    assert summary["format"] == "safetensors" and summary["kind"] == "weights"
    assert summary["trusted"] is True
    assert summary["tensor_count"] == 3
    assert summary["parameter_count"] == 6 + 4 + 4
    assert summary["dtypes"] == {"BF16": 1, "F32": 1, "F4": 1}
    assert summary["metadata"] == {"format": "pt", "license": "test"}
    assert "problems" not in summary


def _lying(header: dict[str, Any], data: bytes = bytes(32)) -> bytes:
    return craft.safetensors({}, header_override=header) + data


LIES: dict[str, tuple[dict[str, Any], str]] = {
    "offsets past the data": (
        {"t": {"dtype": "F32", "shape": [16], "data_offsets": [0, 64]}},
        "the data area has only 32 bytes",
    ),
    "shape disagrees with offsets": (
        {"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 32]}},
        "offsets span 32 bytes",
    ),
    "overlapping tensors": (
        {
            "a": {"dtype": "U8", "shape": [20], "data_offsets": [0, 20]},
            "b": {"dtype": "U8", "shape": [20], "data_offsets": [12, 32]},
        },
        "overlaps",
    ),
    "a gap between tensors": (
        {
            "a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]},
            "b": {"dtype": "U8", "shape": [8], "data_offsets": [24, 32]},
        },
        "unaccounted bytes before",
    ),
    "bytes after the last tensor": (
        {"a": {"dtype": "U8", "shape": [8], "data_offsets": [0, 8]}},
        "after the last tensor",
    ),
    "unknown dtype": (
        {"t": {"dtype": "F128", "shape": [2], "data_offsets": [0, 32]}},
        "unknown dtype",
    ),
    "negative shape": (
        {"t": {"dtype": "U8", "shape": [-32], "data_offsets": [0, 32]}},
        "malformed shape",
    ),
    "begin after end": (
        {"t": {"dtype": "U8", "shape": [0], "data_offsets": [32, 0]}},
        "before it begins",
    ),
    "metadata not strings": (
        {
            "__metadata__": {"n": 1},
            "t": {"dtype": "U8", "shape": [32], "data_offsets": [0, 32]},
        },
        "__metadata__",
    ),
}


@pytest.mark.parametrize("case", list(LIES), ids=list(LIES))
def test_lying_safetensors_header_is_reported_not_trusted(case: str) -> None:
    header, named = LIES[case]
    summary = inspect(_lying(header), "model.safetensors")
    assert summary["trusted"] is False
    assert any(named in p for p in summary["problems"]), summary["problems"]
    assert "parameter_count" not in summary and "dtypes" not in summary
    assert summary["warnings"]


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (struct.pack("<Q", 1000) + b"{}", "the file has only"),
        (struct.pack("<Q", 2**40) + b"{}" + bytes(100), "claims"),
        (struct.pack("<Q", 4) + b"[1] " + bytes(8), "not a JSON object"),
        (struct.pack("<Q", 5) + b"{oops" + bytes(8), "not valid JSON"),
        (b"\x01\x02", "runs past the end"),
    ],
    ids=["length past the end", "absurd length", "array header", "broken JSON", "too short"],
)
def test_broken_safetensors_are_errors_not_crashes(data: bytes, named: str) -> None:
    summary = inspect(data, "x.safetensors")
    assert summary["format"] == "safetensors" and named in summary["error"]


# --- GGUF ----------------------------------------------------------------------------------

STRING, ARRAY, U32, F32 = 8, 9, 4, 6
GGUF_META = [
    ("general.architecture", STRING, "llama"),
    ("general.name", STRING, "Tiny Test"),
    ("general.file_type", U32, 2),
    ("general.quantization_version", U32, 2),
    ("llama.context_length", U32, 4096),
    ("llama.rope.freq_base", F32, 10000.0),
    ("tokenizer.ggml.tokens", ARRAY, (STRING, [f"tok{i}" for i in range(300)])),
    ("tokenizer.ggml.scores", ARRAY, (F32, [0.5] * 300)),
]
# F32 4x4 = 64 bytes at 0; Q4_0 with 64 elements = 2 blocks of 18 bytes at 64.
GGUF_TENSORS = [("tok_embd.weight", [4, 4], 0, 0), ("blk.0.attn_q.weight", [64], 2, 64)]


def test_tiny_gguf_v3() -> None:
    data = craft.gguf(GGUF_META, GGUF_TENSORS, data=bytes(64 + 36))
    summary = inspect(data, "tiny.gguf")
    assert summary["format"] == "gguf" and summary["version"] == 3
    assert summary["trusted"] is True
    assert summary["architecture"] == "llama" and summary["name"] == "Tiny Test"
    assert summary["file_type"] == "MOSTLY_Q4_0"
    assert summary["parameter_count"] == 16 + 64
    assert summary["tensor_types"] == {"F32": 1, "Q4_0": 1}
    tokens = summary["metadata"]["tokenizer.ggml.tokens"]
    assert tokens["array_of"] == "string" and tokens["length"] == 300
    assert len(tokens["first"]) == 8
    assert summary["metadata"]["llama.context_length"] == 4096


def test_gguf_whose_tensors_overrun_the_file_is_not_trusted() -> None:
    data = craft.gguf(GGUF_META, GGUF_TENSORS, data=bytes(70))
    summary = inspect(data, "tiny.gguf")
    assert summary["trusted"] is False
    assert any("blk.0.attn_q.weight" in p for p in summary["problems"])


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 2**40), "metadata entries"),
        (b"GGUF" + struct.pack("<I", 99), "version 99"),
        (craft.gguf(GGUF_META, GGUF_TENSORS)[:200], "past the end"),
        (b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**50), "claims"),
        (
            b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1) + b"k" + b"\x63\0\0\0",
            "unknown type",
        ),
    ],
    ids=["huge counts", "unknown version", "truncated", "huge key", "unknown value type"],
)
def test_broken_gguf_is_an_error(data: bytes, named: str) -> None:
    summary = inspect(data, "x.gguf")
    assert summary["format"] == "gguf" and named in summary["error"]


# --- pickles: named, flagged, never loaded ------------------------------------------------


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any attempt to run or unpickle is caught and recorded (and would fail the test)."""
    calls: list[str] = []

    def trap(name: str) -> Any:
        def called(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} was called")

        return called

    monkeypatch.setattr(os, "system", trap("os.system"))
    import posix

    monkeypatch.setattr(posix, "system", trap("posix.system"))
    for name in ("load", "loads", "Unpickler", "_load", "_loads"):
        if hasattr(pickle, name):
            monkeypatch.setattr(pickle, name, trap(f"pickle.{name}"))
    return calls


@pytest.mark.parametrize(
    ("data", "callable_"),
    [(craft.PICKLE_OS_SYSTEM, "os.system"), (craft.PICKLE_STACK_GLOBAL, "posix.system")],
    ids=["GLOBAL", "STACK_GLOBAL via memo"],
)
def test_code_running_pickle_is_named_and_never_run(
    nothing_runs: list[str], data: bytes, callable_: str
) -> None:
    summary = inspect(data, "model.pkl")
    assert summary["format"] == "pickle" and summary["danger"] == "can-run-code"
    assert summary["verdict"] == "dangerous"
    assert {"callable": callable_, "count": 1, "risk": "dangerous"} in summary["imports"]
    assert any(callable_ in w for w in summary["warnings"])
    assert nothing_runs == []


def test_pickle_through_the_vault(
    nothing_runs: list[str], session: Session, review: int, src: Path
) -> None:
    (src / "pytorch_model.bin").write_bytes(craft.PICKLE_OS_SYSTEM)
    artifact = add_artifacts(session, review, [src / "pytorch_model.bin"]).added[0]
    assert artifact.kind == "weights"
    assert isinstance(artifact.inspection, PickleScan)
    assert artifact.inspection.verdict == "dangerous"
    view = view_artifact(session, artifact.id)
    assert isinstance(view, PickleScan) and view.verdict == "dangerous"
    assert nothing_runs == []


def test_legacy_torch_file_with_several_pickles(nothing_runs: list[str]) -> None:
    summary = inspect(pickles.legacy_torch(), "old.pt")
    assert summary["pickles"] == 5 and summary["container"] == "legacy torch.save"
    assert summary["verdict"] == "expected" and summary["not_scanned"] == []
    assert nothing_runs == []


def test_storage_bytes_that_look_like_opcodes_are_passed_over() -> None:
    # The storages are walked by their declared sizes, not read as opcodes: bytes that look
    # like a copyreg extension (EXT2) or a pickle (PROTO) inside them name nothing.
    honest = pickles.legacy_torch()
    lookalike = bytes.fromhex("83d3ba4945203713") + b"\x80\x02cos\n"
    data = honest[: -len(lookalike)] + lookalike
    summary = inspect(data, "old.pt")
    assert summary["verdict"] == "expected", summary
    assert {i["callable"] for i in summary["imports"]} <= pickle_scan.ALLOWED


def test_a_cut_pickle_says_so(nothing_runs: list[str]) -> None:
    # PROTO 2; GLOBAL 'os system'; BINUNICODE claiming 1,000 bytes, of which 3 are there.
    cut = b"\x80\x02cos\nsystem\nX\xe8\x03\x00\x00abc"
    summary = inspect(cut, "model.pkl")
    assert summary["verdict"] == "dangerous"  # what was read before the cut still counts
    assert any("byte 0: cut short" in w for w in summary["warnings"]), summary["warnings"]
    assert not any("scan limit" in w for w in summary["warnings"])
    assert nothing_runs == []


@pytest.mark.parametrize(
    ("pickled", "verdict"),
    [(craft.PICKLE_TORCH_STATE, "expected"), (craft.PICKLE_OS_SYSTEM, "dangerous")],
    ids=["state dict", "poisoned"],
)
def test_torch_zip_checkpoint_scans_data_pkl_in_memory(
    nothing_runs: list[str], pickled: bytes, verdict: str, tmp_path: Path
) -> None:
    before = set(tmp_path.iterdir())
    summary = inspect(craft.torch_zip(pickled, storages=3), "model.pt")
    assert summary["format"] == "pytorch-zip" and summary["danger"] == "can-run-code"
    assert summary["verdict"] == verdict
    assert summary["pickles"][0]["member"] == "archive/data.pkl"
    assert summary["storages"] == 3
    names = {i["callable"] for i in summary["imports"]}
    assert ("os.system" in names) == (verdict == "dangerous")
    assert set(tmp_path.iterdir()) == before  # nothing extracted
    assert nothing_runs == []


def test_torchscript_code_is_flagged() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("m/data.pkl", craft.PICKLE_TORCH_STATE)
        archive.writestr("m/code/__torch__/m.py", "def forward(self): ...")
    summary = inspect(buffer.getvalue(), "scripted.pt")
    assert summary["verdict"] == "dangerous" and summary["torchscript_code"]


def test_not_a_pickle_with_a_pickle_extension_is_binary() -> None:
    summary = inspect(b"\xff\xfe random bytes \x00\x01", "weights.bin")
    assert summary["format"] == "binary" and "error" not in summary


# --- Inspect evaluation logs ---------------------------------------------------------------


@pytest.mark.skipif(not LOGS, reason=f"no Inspect fixtures at {FIXTURES}")
@pytest.mark.parametrize("path", LOGS, ids=[p.name for p in LOGS])
def test_every_inspect_fixture(path: Path) -> None:
    data = path.read_bytes()
    summary = inspect(data, path.name)
    assert summary["format"] == "inspect-eval", summary
    assert summary["kind"] == "eval_log"
    assert summary["container"] == ("eval-zip" if path.suffix == ".eval" else "json")
    assert "error" not in summary
    assert summary["task"] and summary["model"] and summary["status"] == "success"
    assert summary["solvers"] and summary["scorers"]
    assert summary["metrics"] and all("value" in m for m in summary["metrics"])
    assert summary["sample_count"] >= 1
    assert summary["samples"] and "input" in summary["samples"][0]
    detail = inspect(data, path.name, detail=True)
    first = detail["samples"][0]
    assert first["messages"], first
    assert all("role" in m and "content" in m for m in first["messages"])
    assert isinstance(first["scores"], dict)
    if path.suffix == ".eval":
        zstd = inspect(craft.rezip_zstd(data), path.name, detail=True)
        assert zstd["compression"] == "zstd"
        same = {k: v for k, v in zstd.items() if k not in ("compression", "bytes")}
        assert same == {k: v for k, v in detail.items() if k != "bytes"}


@pytest.mark.skipif(not LOGS, reason=f"no Inspect fixtures at {FIXTURES}")
def test_attachments_are_resolved_in_transcripts() -> None:
    data = (FIXTURES / "log_read_sample.eval").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sample = json.loads(archive.read("samples/1_epoch_1.json"))
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    key = next(iter(sample["attachments"]))
    sample["messages"][0]["content"] = f"attachment://{key}"
    members["samples/1_epoch_1.json"] = json.dumps(sample).encode()
    rebuilt = craft.zstd_zip(members)
    detail = inspect(rebuilt, "log.eval", detail=True)
    assert detail["samples"][0]["messages"][0]["content"] == sample["attachments"][key]


def test_unfinished_eval_uses_the_journal_and_says_so() -> None:
    start = {"version": 2, "eval": {"task": "t", "model": "m"}, "plan": {"steps": []}}
    data = craft.zstd_zip({"_journal/start.json": json.dumps(start).encode()})
    summary = inspect(data, "running.eval")
    assert summary["task"] == "t" and summary["sample_count"] == 0
    assert any("did not finish" in w for w in summary["warnings"])


def test_unknown_and_mistyped_fields_are_tolerated() -> None:
    log = {
        "version": 99,
        "status": "error",
        "eval": {"task": ["not", "a", "string"], "model": "m", "dataset": "oops", "new": {}},
        "plan": {"steps": [{"solver": 5}, "junk", {"solver": "generate"}]},
        "results": {"scores": [{"scorer": "s", "metrics": [{"name": "acc", "value": 0.5}]}]},
        "error": {"message": "boom", "traceback": "..."},
        "samples": [{"id": 1, "input": [{"role": "user", "content": [{"type": "image"}]}]}],
        "future_field": {"anything": [1, 2, 3]},
    }
    summary = inspect(json.dumps(log).encode(), "log.json", detail=True)
    assert summary["task"] is None and summary["model"] == "m"
    assert summary["solvers"] == ["generate"]
    assert summary["metrics"] == [{"scorer": "s", "name": None, "metric": "acc", "value": 0.5}]
    assert summary["error"] == "boom"
    assert summary["samples"][0]["input"] == "user: [image]"
    assert any("error" in w for w in summary["warnings"])


def test_large_json_log_is_streamed_sample_by_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inspect_eval, "MAX_JSON_LOG", 1000)
    log = {
        "version": 2,
        "status": "success",
        "eval": {"task": "big", "model": "m"},
        "results": {"total_samples": 500},
        "samples": [{"id": i, "input": "x" * 50} for i in reversed(range(500))],
        "reductions": [],
    }
    summary = inspect(json.dumps(log).encode(), "big.json")
    assert summary["task"] == "big" and summary["total_samples"] == 500
    assert summary["container"] == "json-streamed" and summary["sample_count"] == 500
    assert [s["id"] for s in summary["samples"]] == [0, 1, 2, 3, 4]  # natural order
    assert not summary["warnings"]


def test_zip_bombs_and_hostile_directories_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", b"{" + b" " * (20 * 1024 * 1024) + b"}")
    summary = inspect(buffer.getvalue(), "bomb.eval")
    assert "expands beyond" in summary["error"] or "bytes (limit" in summary["error"]
    forged = bytearray(craft.zstd_zip({"header.json": b"{}"}))
    forged[-12:-10] = struct.pack("<H", 0xFFFF)  # claims 65535 entries, no ZIP64 locator
    assert "ZIP64" in inspect(bytes(forged), "forged.eval")["error"]


# --- text previews -------------------------------------------------------------------------


def test_markdown_preview_is_size_limited() -> None:
    body = "# Model card\n\n## Evaluations\n\n" + "word " * 100_000
    summary = inspect(body.encode(), "MODEL_CARD.md")
    assert summary["format"] == "markdown" and summary["kind"] == "model_card"
    assert summary["headings"] == ["# Model card", "## Evaluations"]
    assert len(summary["preview"]) < 2100 and summary["preview_complete"] is False
    view = inspect(body.encode(), "MODEL_CARD.md", detail=True)
    assert len(view["preview"]) > 100_000


def test_csv_json_and_jsonl_previews() -> None:
    csv_summary = inspect(b"task,score\nctf,0.4\nrev,0.7\n", "results.csv")
    assert csv_summary["csv"]["header"] == ["task", "score"]
    assert csv_summary["csv"]["sample_rows"] == [["ctf", "0.4"], ["rev", "0.7"]]
    assert csv_summary["kind"] == "dataset"
    json_summary = inspect(b'{"model_type": "llama", "hidden_size": 4096}', "config.json")
    assert json_summary["kind"] == "config"
    assert json_summary["json"]["keys"] == ["model_type", "hidden_size"]
    lines = inspect(b'{"q": 1}\n{"q": 2}\n', "data.jsonl")
    assert lines["first_records"] == [{"q": 1}, {"q": 2}]
    assert inspect(b"%PDF-1.7\n...", "report.pdf")["format"] == "pdf"


def test_show_lists_inspection_through_the_catalog(
    session: Session, review: int, src: Path
) -> None:
    (src / "model.safetensors").write_bytes(HONEST)
    (src / "lying.safetensors").write_bytes(_lying(LIES["offsets past the data"][0]))
    added = add_artifacts(session, review, [src / "model.safetensors", src / "lying.safetensors"])
    honest, lying = (catalog.get_artifact(session.conn, a.id) for a in added.added)
    assert honest.inspection.trusted is True
    assert lying.inspection.trusted is False
    assert lying.to_json()["inspection"]["problems"]


def test_metric_named_only_by_its_key() -> None:
    log = {
        "version": 2,
        "status": "success",
        "eval": {"task": "t", "model": "m"},
        "results": {"scores": [{"name": "includes", "metrics": {"accuracy": {"value": 0.33}}}]},
        "samples": [],
    }
    summary = inspect(json.dumps(log).encode(), "log.json")
    assert summary["metrics"] == [
        {"scorer": "includes", "name": "includes", "metric": "accuracy", "value": 0.33}
    ]


# Protocol 0 (no PROTO opcode): GLOBAL 'os system'; STRING 'id'; TUPLE1; REDUCE; STOP
PICKLE_PROTOCOL_0 = b"cos\nsystem\n(S'id'\ntR."


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (craft.PICKLE_OS_SYSTEM, "model.safetensors"),
        (craft.PICKLE_STACK_GLOBAL, "model.safetensors"),
        (PICKLE_PROTOCOL_0, "model.safetensors"),
        (craft.PICKLE_OS_SYSTEM, "model.gguf"),
    ],
    ids=["protocol-2", "protocol-4", "protocol-0", "gguf-name"],
)
def test_a_pickle_disguised_as_safe_weights_is_still_a_pickle(
    nothing_runs: list[str], data: bytes, name: str
) -> None:
    summary = inspect(data, name)
    assert summary["format"] == "pickle" and summary["verdict"] == "dangerous"
    claimed = name.rsplit(".", 1)[1]
    assert summary["warnings"][0] == f"The name says {claimed}, but the content is pickle."
    assert nothing_runs == []


def test_honest_safetensors_has_no_disguise_warning() -> None:
    data = craft.safetensors({"w": ("F32", [2], struct.pack("<2f", 1.0, 2.0))})
    summary = inspect(data, "model.safetensors")
    assert summary["format"] == "safetensors"
    assert not any("The name says" in w for w in summary["warnings"])
