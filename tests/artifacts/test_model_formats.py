"""ONNX, Keras, NumPy and sharded-checkpoint inspectors (issue 15, item 3).

The corpus (tests/corpus/formats, made by tests/corpus/make_formats.py with the real writers:
numpy, onnx, keras, huggingface_hub + safetensors) is read three ways:

- benign files: the summary matches what the upstream reader says about the same file
  (tests/corpus/formats-expected.json, written by the generator with onnx.load, np.load and
  the Keras config itself);
- malicious files: flagged (CAN-RUN-CODE, or untrusted paths) with the layer, callable or
  path named; one table, a new variant is one row;
- hostile bytes (cut, mangled, bombs): a clear verdict, never an exception, within bounds.

The vault-side check (shards and external-data files present, sizes, tensor counts,
total_size) is tested through ``artifact_details``, what ``artifact show`` and the GUI use.
"""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from support import pickles as pk

from reviewstation.app.views import artifact_details
from reviewstation.artifacts.inspection import ModelFileSummary, PickleScan, parse_inspection
from reviewstation.artifacts.inspectors import inspect_stream, keras, onnx
from reviewstation.artifacts.inspectors.common import path_problem
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.vault.session import Session

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FORMATS = CORPUS / "formats"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "formats-expected.json").read_text())


def inspect(data: bytes, name: str) -> dict[str, Any]:
    return inspect_stream(io.BytesIO(data), len(data), name, detail=True)


def inspect_file(relative: str) -> dict[str, Any]:
    path = FORMATS / relative
    return inspect(path.read_bytes(), path.name)


def typed(summary: dict[str, Any]) -> Any:
    result = parse_inspection(summary)
    assert result.to_json() == summary  # the stored form round-trips
    assert not result.notes, result.notes
    return result


# -- benign files: the summary says what the upstream reader says --------------------------


def _npy(summary: dict[str, Any], want: dict[str, Any]) -> None:
    assert summary["format"] == "npy"
    assert {k: summary[k] for k in want} == want
    assert summary["trusted"] is True and summary["problems"] == []


def _npz(summary: dict[str, Any], want: dict[str, Any]) -> None:
    assert summary["format"] == "npz" and summary["trusted"] is True
    got = [{k: a[k] for k in ("name", "dtype", "shape")} for a in summary["arrays"]]
    assert sorted(got, key=str) == sorted(want["arrays"], key=str)


def _onnx(summary: dict[str, Any], want: dict[str, Any]) -> None:
    assert summary["format"] == "onnx"
    same = ("ir_version", "producer", "opsets", "graph_name", "nodes", "nodes_total")
    assert {k: summary[k] for k in same} == {k: want[k] for k in same}
    assert summary["op_types"] == want["op_types"]
    assert (summary["inputs"], summary["outputs"]) == (want["inputs"], want["outputs"])
    assert summary["initializers"] == want["initializers"]
    assert summary["functions"] == want["functions"]
    located = sorted({e["location"] for e in summary["external_data"]})
    assert located == want["external_locations"]


def _keras(summary: dict[str, Any], want: dict[str, Any]) -> None:
    assert summary["format"] == "keras"
    same = ("keras_version", "model_class", "model_name", "layers")
    assert {k: summary[k] for k in same} == {k: want[k] for k in same}
    for cls in want["layer_classes"]:
        assert summary["classes"][cls] >= want["layer_classes"].count(cls)


def _index(summary: dict[str, Any], want: dict[str, Any]) -> None:
    assert summary["format"] == "sharded-index" and summary["trusted"] is True
    assert summary["total_size"] == want["total_size"]
    assert {s["name"]: s["tensors"] for s in summary["shards"]} == want["shards"]
    assert summary["checkpoint"] == "safetensors"


CHECKS = {".npy": _npy, ".npz": _npz, ".onnx": _onnx, ".keras": _keras, ".json": _index}


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_the_summary_matches_the_upstream_reader(relative: str) -> None:
    summary = inspect_file(relative)
    CHECKS[Path(relative).suffix](summary, EXPECTED[relative])
    typed(summary)


@pytest.mark.parametrize(
    "relative",
    [
        "npy_f32.npy",
        "npz_plain.npz",
        "onnx_mlp.onnx",
        "onnx_external.onnx",
        "keras_dense.keras",
        "sharded/model.safetensors.index.json",
    ],
)
def test_benign_files_are_not_flagged(relative: str) -> None:
    result = typed(inspect_file(relative))
    assert isinstance(result, ModelFileSummary)
    assert not result.can_run_code and result.trusted is True and not result.problems
    assert not any(w.isupper() or w.startswith(("CAN RUN", "NOT ")) for w in result.warnings)


# -- malicious files: flagged, with what makes them so named ------------------------------

# (file, format, can run code, the header/paths can be trusted, text that must be named)
MALICIOUS: list[tuple[str, str, bool, bool | None, str]] = [
    ("npy_object_os_system.npy", "pickle", True, None, "posix.system"),
    ("npz_object_member.npz", "zip-with-pickles", True, None, "posix.system"),
    ("keras_lambda.keras", "keras", True, True, "Lambda layer '/with_lambda/lambda'"),
    ("keras_custom_object.keras", "keras", True, True, "outside>Scale"),
    ("keras_lambda_legacy.h5", "hdf5", True, None, "Lambda layer '/with_lambda/lambda'"),
    ("onnx_external_escape.onnx", "onnx", False, False, "../../secret.bin"),
    ("onnx_external_escape.onnx", "onnx", False, False, "/etc/passwd"),
    ("onnx_external_escape.onnx", "onnx", False, False, "sub/../../outside.bin"),
    ("onnx_external_escape.onnx", "onnx", False, False, "C:\\\\Windows\\\\x.bin"),
    ("onnx_custom_domain.onnx", "onnx", False, True, "CUSTOM OPS: com.example.evil::RunShell"),
    ("onnx_function.onnx", "onnx", False, True, "CUSTOM OPS: com.example.hidden::Beacon."),
    ("onnx_function.onnx", "onnx", False, True, "functions inside the model: com.local::Double."),
]


@pytest.mark.parametrize(
    ("file", "fmt", "runs", "trusted", "named"),
    MALICIOUS,
    ids=[f"{r[0]}:{r[4][:30]}" for r in MALICIOUS],
)
def test_malicious_files_are_flagged_with_the_cause_named(
    file: str, fmt: str, runs: bool, trusted: bool | None, named: str
) -> None:
    summary = inspect_file(file)
    result = typed(summary)
    assert (result.format, result.can_run_code, result.trusted) == (fmt, runs, trusted)
    assert named in json.dumps(summary), summary
    if isinstance(result, PickleScan):
        assert result.verdict == "dangerous" and named in result.dangerous
        assert any(named in w and w.startswith("DANGER") for w in result.warnings)
    elif runs:
        assert any(w.startswith("CAN RUN CODE") and named in w for w in result.warnings)
    elif trusted is False:
        assert any(named in p for p in result.problems)


# crafted variants of the writers' output: one row each
def _keras_zip(config: dict[str, Any] | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", config if isinstance(config, bytes) else json.dumps(config))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _layer(cls: str, config: dict[str, Any], module: str | None = "keras.layers") -> dict[str, Any]:
    return {"module": module, "class_name": cls, "config": config, "registered_name": None}


def _model(*layers: dict[str, Any]) -> dict[str, Any]:
    return _layer("Functional", {"name": "m", "layers": list(layers)}, "keras")


def _function(module: str, name: str) -> dict[str, Any]:
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


LAMBDA_MODEL = _model(_layer("Lambda", {"name": "l", "function": {"class_name": "__lambda__"}}))
KERAS_ROWS: list[tuple[str, dict[str, Any] | bytes, str]] = [
    *(
        # Keras reads config.json with json.loads(bytes), which detects these encodings
        (f"config.json in {encoding}", json.dumps(LAMBDA_MODEL).encode(encoding), "Lambda layer")
        for encoding in ("utf-16", "utf-16-be", "utf-32", "utf-8-sig")
    ),
    (
        "Lambda calling os.system by reference",
        _model(_layer("Lambda", {"name": "l", "function": _function("os", "system")})),
        "calls os.system",
    ),
    (
        "activation from builtins",
        _model(_layer("Dense", {"name": "d", "activation": _function("builtins", "exec")})),
        "builtins.function",
    ),
    (
        "a layer class from another module",
        _model(_layer("Evil", {"name": "e"}, "my_company.layers")),
        "my_company.layers.Evil",
    ),
    (
        "CVE-2025-1550: safe mode switched off from the config",
        _model(
            _layer(
                "Dense",
                {
                    "name": "d",
                    "activation": _function("keras.config", "enable_unsafe_deserialization"),
                },
            )
        ),
        "turns safe_mode off",
    ),
    (
        "CVE-2025-8747: a download from the config",
        _model(_layer("Dense", {"name": "d", "activation": _function("keras.utils", "get_file")})),
        "downloads a file",
    ),
    *(
        # Keras functions the gadget names do not list: only activations, losses, metrics,
        # initializers, regularizers, constraints and ops are data-like references
        (
            f"Keras function {module}.{name}",
            _model(_layer("Dense", {"name": "d", "activation": _function(module, name)})),
            f"{module}.{name}",
        )
        for module, name in (
            ("keras.src.legacy.saving.legacy_h5_format", "load_model_from_hdf5"),
            ("keras.src.utils.file_utils", "extract_archive"),
            ("keras.src.saving.saving_lib", "load_weights_only"),
        )
    ),
    (
        "TFSMLayer loading a SavedModel",
        _model(_layer("TFSMLayer", {"name": "t", "filepath": "/tmp/evil"})),
        "TFSMLayer '/m/t' loads a SavedModel from '/tmp/evil'",
    ),
    (
        "a Lambda nested in a submodel",
        _model(
            _model(_layer("Lambda", {"name": "deep", "function": {"class_name": "__lambda__"}}))
        ),
        "Lambda layer '/m/m/deep'",
    ),
]


@pytest.mark.parametrize(
    ("config", "named"), [r[1:] for r in KERAS_ROWS], ids=[r[0] for r in KERAS_ROWS]
)
def test_keras_configs_that_run_code(config: dict[str, Any] | bytes, named: str) -> None:
    summary = inspect(_keras_zip(config), "m.keras")
    result = typed(summary)
    assert result.format == "keras" and result.can_run_code, summary
    assert any(w.startswith("CAN RUN CODE") and named in w for w in result.warnings), summary


@pytest.mark.parametrize(
    ("module", "name"),
    [("keras.activations", "relu"), ("keras.src.activations.activations", "gelu"),
     ("keras.losses", "mean_squared_error"), ("keras.src.ops.nn", "silu")],
)  # fmt: skip
def test_keras_references_to_activations_and_losses_are_data(module: str, name: str) -> None:
    config = _model(_layer("Dense", {"name": "d", "activation": _function(module, name)}))
    result = typed(inspect(_keras_zip(config), "m.keras"))
    assert result.format == "keras" and not result.can_run_code, result


def test_a_keras_archive_with_a_pickle_is_a_pickle_container_first() -> None:
    config = _model(_layer("Lambda", {"name": "l", "function": {"class_name": "__lambda__"}}))
    data = _keras_zip(config, {"assets/extra.pkl": pk.gadget("os", "system")})
    result = typed(inspect(data, "m.keras"))
    assert isinstance(result, PickleScan) and result.verdict == "dangerous"
    assert result.container == "Keras .keras" and "os.system" in result.dangerous
    assert any(w.startswith("CAN RUN CODE") and "Lambda layer" in w for w in result.warnings)


# -- hostile bytes: a clear verdict, never an exception -----------------------------------


def _cut(relative: str, keep: float) -> tuple[bytes, str]:
    data = (FORMATS / relative).read_bytes()
    return data[: int(len(data) * keep)], Path(relative).name


def _npy_header(header: str) -> bytes:
    text = header.encode("latin-1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _nested_graphs(depth: int) -> bytes:
    """An ONNX model whose If nodes nest graphs ``depth`` deep."""
    graph = b""
    for _ in range(depth):
        attribute = b"\x32" + _varint(len(graph)) + graph  # AttributeProto.g
        node = b"\x22\x02If" + b"\x2a" + _varint(len(attribute)) + attribute
        graph = b"\x0a" + _varint(len(node)) + node
    return b"\x08\x08" + b"\x3a" + _varint(len(graph)) + graph


def _tensor_dims(count: int) -> bytes:
    """A graph whose one initializer repeats its dims field ``count`` times."""
    tensor = b"\x08\xff\xff\xff\xff\x07" * count + b"\x10\x01"  # dims, data_type FLOAT
    graph = b"\x2a" + _varint(len(tensor)) + tensor  # GraphProto.initializer
    return b"\x08\x08" + b"\x3a" + _varint(len(graph)) + graph


def _index_json(weight_map: Any, total: Any = 8) -> bytes:
    return json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}).encode()


# (id, content, name, what the summary must say: "error", "untrusted", "unread" (a Keras
# config not read: can run code as far as known), "unscanned", "not-inspected" or
# "not-run-code")
HOSTILE: list[tuple[str, bytes, str, str]] = [
    ("onnx cut in half", *_cut("onnx_mlp.onnx", 0.5), "error"),
    ("onnx cut at the end", *_cut("onnx_mlp.onnx", 0.97), "error"),
    ("onnx of random bytes", bytes(range(256)) * 4, "m.onnx", "error"),
    ("onnx with a wire group", b"\x08\x08\x0b", "m.onnx", "error"),
    ("onnx length past the end", b"\x08\x08\x3a\xff\xff\xff\x0f", "m.onnx", "error"),
    ("onnx graphs nested 40 deep", _nested_graphs(40), "m.onnx", "untrusted"),
    ("keras cut in half", *_cut("keras_lambda.keras", 0.5), "not-run-code"),
    ("keras config not JSON", _keras_zip(b"{["), "m.keras", "untrusted"),  # Keras fails too
    ("keras config with NaN", _keras_zip(b'{"a": NaN}'), "m.keras", "untrusted"),
    (
        "index with NaN",
        b'{"weight_map": {"w": "a.bin"}, "metadata": {"x": NaN}}',
        "x.index.json",
        "untrusted",
    ),
    (
        "npy header says more than the file",
        _npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (100,), }"),
        "a.npy",
        "untrusted",
    ),
    (
        "npy negative shape",
        _npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"),
        "a.npy",
        "untrusted",
    ),
    (
        "npy unknown dtype",
        _npy_header("{'descr': '<q9', 'fortran_order': False, 'shape': (0,), }"),
        "a.npy",
        "unscanned",  # not a plain dtype: allow-list first, so treated as a possible pickle
    ),
    (
        "hdf5 config starts that never end",  # each start was walked byte by byte, 16 MiB each
        b"\x89HDF\r\n\x1a\n" + (b'{"class_name": ' + b"{" * (1 << 20)) * 24,
        "m.h5",
        "not-inspected",
    ),
    ("npy header that is code", _npy_header("__import__('os').system('id')"), "a.npy", "error"),
    ("npy header length past the end", b"\x93NUMPY\x01\x00\xff\xff{", "a.npy", "error"),
    (
        "npz member that is not an array",
        pk.zip_of({"a.npy": b"not an array"}),
        "a.npz",
        "untrusted",
    ),
    ("npz cut in half", *_cut("npz_plain.npz", 0.5), "not-run-code"),
    # a member the pickle scan cannot read is "not scanned": can run code, as far as known
    ("npz member that is only the magic", pk.zip_of({"a.npy": b"\x93NUMPY"}), "a.npz", "unscanned"),
    ("onnx tensor of 100,000 dims", _tensor_dims(100_000), "m.onnx", "untrusted"),
    (
        "index shard outside the folder",
        _index_json({"w": "../../etc/passwd"}),
        "model.safetensors.index.json",
        "untrusted",
    ),
    (
        "index absolute shard",
        _index_json({"w": "/data/model.safetensors"}),
        "m.bin.index.json",
        "untrusted",
    ),
    (
        "index weight_map not a mapping",
        _index_json(["a"]),
        "model.safetensors.index.json",
        "untrusted",
    ),
    (
        "index total_size not a number",
        _index_json({"w": "a.safetensors"}, "big"),
        "x.index.json",
        "untrusted",
    ),
    ("hdf5 without a config", b"\x89HDF\r\n\x1a\n" + bytes(4000), "m.h5", "not-inspected"),
    (
        "hdf5 with an unclosed config",
        b"\x89HDF\r\n\x1a\n" + b'{"class_name": "Lambda"' * 100,
        "m.h5",
        "not-inspected",
    ),
]


@pytest.mark.parametrize(
    ("content", "name", "says"), [r[1:] for r in HOSTILE], ids=[r[0] for r in HOSTILE]
)
def test_hostile_input_gets_a_clear_verdict(content: bytes, name: str, says: str) -> None:
    start = time.monotonic()
    summary = inspect(content, name)
    assert time.monotonic() - start < 5
    result = parse_inspection(summary)
    assert result.to_json() == summary
    if says == "error":
        assert result.error and "\n" not in result.error, summary
    elif says in ("untrusted", "unread"):
        assert result.error is None and result.trusted is False, summary
        assert isinstance(result, ModelFileSummary) and result.problems
        assert result.can_run_code == (says == "unread"), summary
    elif says == "unscanned":
        assert isinstance(result, PickleScan) and result.verdict == "incomplete", summary
        assert result.can_run_code and result.not_scanned
    elif says == "not-inspected":
        assert any(w.startswith("NOT INSPECTED") for w in result.warnings), summary
    else:
        assert not result.can_run_code or result.error, summary


def test_paths_a_loader_would_follow_out_of_the_folder() -> None:
    for safe in ("a.bin", "sub/a.bin", "./a.bin", "sub/../a.bin"):
        assert path_problem(safe, "the model") in (None, f"location {safe!r} uses '..'"), safe
    for bad, why in (
        ("", "names no location"),
        ("/etc/passwd", "absolute"),
        ("\\\\server\\share", "absolute"),
        ("D:/x", "absolute"),
        ("..", "escapes"),
        ("a/../../b", "escapes"),
        ("a\\..\\..\\b", "escapes"),
        ("a\x00b", "control"),
    ):
        assert why in (path_problem(bad, "the model") or ""), bad


# JSON the strict reader refuses but Python's json module (Keras, transformers) reads: read
# as the loader reads it, so what it hides is still found
LENIENT_LAMBDA = b'{"class_name": "Sequential", "config": {"name": "m", "layers": [{"class_name":'
LENIENT_LAMBDA += b' "Dense", "class_name": "Lambda", "config": {"name": "x", "w": NaN}}]}}'


def test_json_only_the_loader_accepts_is_read_as_the_loader_reads_it() -> None:
    keras_result = typed(inspect(_keras_zip(LENIENT_LAMBDA), "m.keras"))
    assert keras_result.can_run_code and keras_result.trusted is False
    assert any("Lambda layer '/m/x'" in w for w in keras_result.warnings)
    assert any("not strict JSON" in p for p in keras_result.problems)
    index = b'{"weight_map": {"w": "a.bin", "w": "../../x.bin"}, "m": NaN}'  # the last wins
    index_result = typed(inspect(index, "model.safetensors.index.json"))
    assert any("../../x.bin" in p and "escapes" in p for p in index_result.problems)


def test_a_keras_config_over_the_bound_is_not_inspected_and_can_run_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(keras, "MAX_CONFIG", 64)
    result = typed(inspect((FORMATS / "keras_dense.keras").read_bytes(), "m.keras"))
    assert result.can_run_code and result.trusted is False
    assert any(w.startswith("NOT INSPECTED: the model config") for w in result.warnings)


def test_the_onnx_reader_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(onnx, "MAX_FIELDS", 20)
    summary = inspect((FORMATS / "onnx_mlp.onnx").read_bytes(), "m.onnx")
    assert summary["trusted"] is False
    assert any("NOT FULLY READ" in w for w in summary["warnings"])


LEGACY = (FORMATS / "keras_lambda_legacy.h5").read_bytes()
SEQUENTIAL = b'{"class_name": "Sequential", "config": {'
BENIGN = {"class_name": "Sequential", "config": {"name": "m", "layers": [{"class_name": "Dense"}]}}
HDF5 = b"\x89HDF\r\n\x1a\n"
# A Lambda config json.loads reads as usual, with no byte sequence the search looks for: keys
# reordered, names escaped (no JSON writer escapes plain ASCII letters).
HIDDEN = (
    b'{"config": {"name": "m", "layers": [{"config": {"name": "l", "function": {"config":'
    b' "YmFk", "\\u0063lass_name": "\\u005f_lambda__"}}, "\\u0063lass_name":'
    b' "\\u004cambda"}]}, "\\u0063lass_name": "Sequential"}'
)
assert json.loads(HIDDEN)["config"]["layers"][0]["class_name"] == "Lambda"


@pytest.mark.parametrize(
    "content",
    [HDF5 + bytes(64), HDF5 + b'{"config": {"layers": []}, "class_name": "Sequential"}'],
    ids=["no config", "a config whose start is not found"],
)
def test_an_hdf5_file_whose_config_is_not_read_can_run_code(content: bytes) -> None:
    result = typed(inspect(content, "m.h5"))
    assert result.can_run_code, result
    assert any(w.startswith("NOT INSPECTED") for w in result.warnings), result


@pytest.mark.parametrize(
    ("content", "named"),
    [
        # the writer's config with its keys reordered: the model's start is not found; the
        # layers inside it are read on their own
        (LEGACY.replace(SEQUENTIAL, b'{"config": {"class_name": 0, '), "Lambda layer '/lambda'"),
        # a benign config read first, a Lambda's marks kept elsewhere in the file
        (b"\x89HDF\r\n\x1a\n" + json.dumps(BENIGN).encode() + b'"Lambda" "__lambda__"',
         '1 occurrence(s) of "Lambda" in the file outside any Keras config'),
        # a benign decoy read first; the real config reordered and its names escaped
        (HDF5 + json.dumps(BENIGN).encode() + bytes(16) + HIDDEN, "escaped as \\u00XX"),
        (HDF5 + HIDDEN, "escaped as \\u00XX"),  # the escaped config alone
    ],
    ids=["keys reordered", "a second, hidden Lambda", "decoy + escaped", "escaped alone"],
)  # fmt: skip
def test_a_lambda_the_hdf5_search_does_not_read_is_still_flagged(
    content: bytes, named: str
) -> None:
    result = typed(inspect(content, "m.h5"))
    assert result.can_run_code, result
    assert any(w.startswith("CAN RUN CODE") and named in w for w in result.warnings), result


def test_the_hdf5_search_sees_across_chunk_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = typed(inspect(LEGACY, "m.h5"))
    for chunk in (64, 97, 1000):
        monkeypatch.setattr(keras, "H5_CHUNK", chunk)
        assert typed(inspect(LEGACY, "m.h5")) == whole, chunk  # nothing counted twice or lost


def test_the_hdf5_search_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keras, "H5_SCAN", 1024)
    data = b"\x89HDF\r\n\x1a\n" + bytes(4096) + (FORMATS / "keras_lambda_legacy.h5").read_bytes()
    summary = inspect(data, "m.h5")
    assert any(w.startswith("NOT FULLY SEARCHED") for w in summary["warnings"])
    assert any(w.startswith("NOT INSPECTED") for w in summary["warnings"])


# -- the vault side: shards and external-data files taken in beside the file --------------


def _import(session: Session, review: int, folder: Path) -> dict[str, int]:
    result = add_artifacts(session, review, [folder])
    return {a.path: a.id for a in result.added}


def _references(session: Session, artifact: int) -> Any:
    check = artifact_details(session, artifact).references
    assert check is not None
    return check


def test_a_complete_sharded_checkpoint_checks_out(
    session: Session, review: int, tmp_path: Path
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(FORMATS / "sharded", folder)
    ids = _import(session, review, folder)
    check = _references(session, ids["model/model.safetensors.index.json"])
    assert check.complete and check.what == "shards", check
    assert {(r.name, r.status) for r in check.references} == {
        ("model-00001-of-00002.safetensors", "present"),
        ("model-00002-of-00002.safetensors", "present"),
    }
    assert all(r.sha256 and r.size == 664 for r in check.references)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ("drop", "model-00002-of-00002.safetensors': not taken in beside it"),
        ("total", "metadata.total_size says 1,000 bytes; the shards hold 1,024"),
        ("count", "the index assigns 3 tensors to it; it holds 2"),
        ("extra", "looks like a shard of this set but the index does not list it"),
        ("escape", "escapes the file's folder"),
        ("not-safetensors", "not a readable safetensors file"),
    ],
)
def test_a_sharded_checkpoint_that_does_not_add_up(
    session: Session, review: int, tmp_path: Path, change: str, problem: str
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(FORMATS / "sharded", folder)
    index_path = folder / "model.safetensors.index.json"
    index = json.loads(index_path.read_text())
    if change == "drop":
        (folder / "model-00002-of-00002.safetensors").unlink()
    elif change == "total":
        index["metadata"]["total_size"] = 1000
    elif change == "count":
        index["weight_map"]["layer9.weight"] = "model-00001-of-00002.safetensors"
    elif change == "extra":
        (folder / "model-00003-of-00002.safetensors").write_bytes(b"extra")
    elif change == "escape":
        index["weight_map"]["layer0.weight"] = "../other/model-00001-of-00002.safetensors"
    elif change == "not-safetensors":
        (folder / "model-00001-of-00002.safetensors").write_bytes(b"not weights at all")
    index_path.write_text(json.dumps(index))
    ids = _import(session, review, folder)
    check = _references(session, ids["model/model.safetensors.index.json"])
    assert not check.complete
    assert any(problem in p for p in check.problems), check.problems


def test_onnx_external_data_is_looked_up_beside_the_model(
    session: Session, review: int, tmp_path: Path
) -> None:
    folder = tmp_path / "onnx"
    folder.mkdir()
    shutil.copy(FORMATS / "onnx_external.onnx", folder)
    ids = _import(session, review, folder)
    check = _references(session, ids["onnx/onnx_external.onnx"])
    assert [(r.name, r.status) for r in check.references] == [("onnx_external.data", "missing")]
    # taken in later, in another batch: found when the model is shown again
    (folder / "onnx_external.data").write_bytes(b"\x00" * 50)  # 10 bytes short
    later = tmp_path / "later" / "onnx"
    later.mkdir(parents=True)
    shutil.copy(folder / "onnx_external.data", later)
    _import(session, review, later)
    check = _references(session, ids["onnx/onnx_external.onnx"])
    assert [(r.name, r.status) for r in check.references] == [("onnx_external.data", "present")]
    assert any("past the end of 'onnx_external.data' (50 bytes)" in p for p in check.problems)


def test_the_writers_external_data_checks_out(
    session: Session, review: int, tmp_path: Path
) -> None:
    folder = tmp_path / "onnx"
    folder.mkdir()
    for name in ("onnx_external.onnx", "onnx_external.data"):
        shutil.copy(FORMATS / name, folder)
    ids = _import(session, review, folder)
    assert _references(session, ids["onnx/onnx_external.onnx"]).complete
    assert artifact_details(session, ids["onnx/onnx_external.data"]).references is None


def test_artifact_show_lists_the_shards_and_what_is_missing(tmp_path: Path) -> None:
    password = "correct horse battery"

    def rs(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reviewstation", *map(str, args)],
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    vault = tmp_path / "case.rsvault"
    assert rs("vault", "init", vault, "--user", "alice").returncode == 0
    review = rs("review", "create", vault, "--title", "T", "--developer", "D", "--model", "M")
    folder = tmp_path / "model"
    shutil.copytree(FORMATS / "sharded", folder)
    (folder / "model-00002-of-00002.safetensors").unlink()
    added = rs("artifact", "add", vault, "--review", review.stdout.split()[0], folder)
    assert added.returncode == 0, added.stderr
    index_id = next(line.split()[0] for line in added.stdout.splitlines() if "index.json" in line)
    shown = rs("artifact", "show", vault, index_id)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any(line.split() == ["Format", "sharded-index"] for line in lines), shown.stdout
    assert any("Shard count" in line and "2" in line for line in lines), shown.stdout
    present = [line for line in lines if "model-00001-of-00002.safetensors: PRESENT" in line]
    assert present and "sha256" in present[0], shown.stdout
    assert any(
        "model-00002-of-00002.safetensors: MISSING (not taken in beside it)" in line
        for line in lines
    ), shown.stdout
    assert any(line.strip().startswith("PROBLEM: shard 'model-00002") for line in lines)
    as_json = json.loads(rs("artifact", "show", vault, index_id, "--json").stdout)
    references = as_json["references"]
    assert (references["what"], references["complete"]) == ("shards", False)
    assert [f["status"] for f in references["files"]] == ["present", "missing"]


def _structured(descr: list[Any], body: bytes) -> bytes:
    return _npy_header(repr({"descr": descr, "fortran_order": False, "shape": (1,)})) + body


EVIL = pk.p2(pk.call("os", "system", pk.text("id")))


@pytest.mark.parametrize(
    ("content", "fmt", "trusted"),
    [
        (_structured([("Object", "<f4")], bytes(4)), "npy", True),  # a field *named* O…: data
        (_structured([("a", "<f4"), ("b", "<f8", (2,))], bytes(20)), "npy", True),  # sub-array
        (_structured([("a", "<f4"), ("b", "|O")], EVIL), "pickle", None),  # an object field
        (_structured([("a", [("x", "|O")])], EVIL), "pickle", None),  # nested
        # NumPy refuses this header before reading the body: shown as a header problem
        (_structured([("a", "<f4", "not a shape")], EVIL), "npy", False),
    ],
    ids=["field named Object", "sub-array field", "object field", "nested object", "odd field"],
)
def test_structured_arrays_are_data_unless_they_hold_objects(
    content: bytes, fmt: str, trusted: bool | None
) -> None:
    summary = inspect(content, "a.npy")
    assert (summary["format"], summary.get("trusted")) == (fmt, trusted), summary
    if fmt == "npy":
        assert summary["dtype"].startswith("structured (")
    else:
        assert summary["verdict"] == "dangerous"
        assert any(i["callable"] == "os.system" for i in summary["imports"])


def test_a_pytorch_index_names_pickle_shards(session: Session, review: int, tmp_path: Path) -> None:
    """The layout transformers writes for ``pytorch_model.bin.index.json`` (made by hand: the
    writer needs torch)."""
    folder = tmp_path / "pt"
    folder.mkdir()
    weight_map = {"a.weight": "pytorch_model-00001-of-00001.bin"}
    (folder / "pytorch_model.bin.index.json").write_bytes(_index_json(weight_map, 16))
    (folder / "pytorch_model-00001-of-00001.bin").write_bytes(
        pk.torch_zip({"archive/data.pkl": pk.torch_state()})
    )
    ids = _import(session, review, folder)
    index = artifact_details(session, ids["pt/pytorch_model.bin.index.json"])
    summary = index.artifact.inspection
    assert isinstance(summary, ModelFileSummary) and summary.fields["checkpoint"] == "pytorch"
    assert any("pickle shards can run code" in w for w in summary.warnings)
    assert index.references is not None and index.references.complete  # total_size unknown
    shard = artifact_details(session, ids["pt/pytorch_model-00001-of-00001.bin"]).artifact
    assert shard.inspection.can_run_code  # each shard scanned on its own
