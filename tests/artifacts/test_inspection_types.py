"""The typed boundary: one validating constructor per inspection format (hostile values,
huge lists, nested claims), the inspector registry's order and dispatch by content, and
typed signature results. Each new hostile variant is one more row in a table."""

from __future__ import annotations

import io
import json
import pickle
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support import artifact_files as craft
from support import pickles

from reviewstation.artifacts import catalog
from reviewstation.artifacts.inspection import (
    ITEMS,
    MAX_SAMPLES,
    MAX_WARNINGS,
    GgufSummary,
    InspectLog,
    ModelSignatureSummary,
    OtherSummary,
    PickleScan,
    SafetensorsSummary,
    TextPreview,
    parse_inspection,
    with_claim,
)
from reviewstation.artifacts.inspectors import inspect_stream
from reviewstation.artifacts.inspectors.registry import INSPECTORS, Sniffed, dispatch
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.signature_result import (
    Counts,
    FileCheck,
    SignatureCheck,
    Verdict,
    decide,
)
from reviewstation.errors import InputError
from reviewstation.vault.session import Session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs"

# -- hostile values, field by field ---------------------------------------------------------

# (format, key, hostile value, attribute read back, what the attribute must be)
HOSTILE_FIELDS: list[tuple[str, str, Any, str, Any]] = [
    ("safetensors", "tensor_count", -5, "tensor_count", None),
    ("safetensors", "tensor_count", "12", "tensor_count", None),
    ("safetensors", "tensor_count", True, "tensor_count", None),  # a bool is not a count
    ("safetensors", "bytes", -1, "size", None),
    ("safetensors", "trusted", "yes", "trusted", None),
    ("safetensors", "dtypes", {"F32": -1, "BF16": 2}, "dtypes", {"BF16": 2}),
    ("safetensors", "tensors", [{"name": "a", "dtype": "F32", "shape": [-1]}], "tensors", ()),
    ("safetensors", "problems", "one string", "problems", None),
    ("gguf", "parameter_count", 1.5, "parameter_count", None),
    ("gguf", "byte_order", "sideways", "byte_order", None),
    ("gguf", "metadata", ["not", "a", "mapping"], "metadata", None),
    ("pickle", "verdict", "harmless", "verdict", "dangerous"),  # unknown: the worst
    ("pickle", "opcodes", -7, "opcodes", None),
    ("pickle", "imports", [{"callable": 5, "risk": "dangerous"}], "imports", ()),
    ("pytorch-zip", "pickles", [{"member": "a.pkl", "verdict": "fine"}], "members_scanned", None),
    ("inspect-eval", "sample_count", -1, "sample_count", None),
    ("inspect-eval", "samples", "not a list", "samples", ()),
    ("inspect-eval", "solvers", [1, None], "solvers", ()),
    ("inspect-eval", "dataset", "x", "dataset.name", None),
    ("text", "preview", {"x": 1}, "preview", ""),
    ("text", "preview_complete", "true", "preview_complete", False),
    ("json", "json", {"parsed": True, "key_count": -2}, "json_shape.key_count", None),
    ("model-signing", "files", [1, "a"], "files", ("a",)),
    ("model-signing", "verification_material", "trust me", "verification_material", "unknown"),
    ("model-signing", "verified", True, "to_json.verified", None),  # only a check sets it
    ("zip", "kind", "<b>weights</b>", "kind", None),
]


def _read(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = (
            obj.to_json()
            if part == "to_json"
            else (obj[part] if isinstance(obj, dict) else getattr(obj, part))
        )
    return obj


@pytest.mark.parametrize(
    ("fmt", "key", "value", "attribute", "expected"),
    HOSTILE_FIELDS,
    ids=[f"{row[0]}-{row[1]}-{i}" for i, row in enumerate(HOSTILE_FIELDS)],
)
def test_a_hostile_field_is_refused_with_a_note(
    fmt: str, key: str, value: Any, attribute: str, expected: Any
) -> None:
    for claim in (False, True):
        summary = parse_inspection({"format": fmt, key: value}, claim=claim)
        assert summary.format == fmt and summary.is_claim is claim
        actual = _read(summary, attribute)
        if attribute == "members_scanned":
            assert actual is not None and actual[0].verdict == "dangerous"
        else:
            assert actual == expected
        assert summary.notes, "the refusal is said, not silent"
        assert all(isinstance(n, str) and n.endswith(".") for n in summary.notes)
        again = parse_inspection(summary.to_json(), claim=claim)
        assert again.to_json() == summary.to_json()  # what is written back is clean


@pytest.mark.parametrize(
    ("fmt", "key", "item", "limit", "attribute"),
    [
        (
            "pickle",
            "imports",
            {"callable": "a.b", "count": 1, "risk": "expected"},
            ITEMS,
            "imports",
        ),
        ("safetensors", "warnings", "w.", MAX_WARNINGS, "warnings"),
        ("inspect-eval", "samples", {"id": 1, "input": "x"}, MAX_SAMPLES, "samples"),
        ("model-signing", "files", "f", ITEMS, "files"),
        ("markdown", "headings", "# h", ITEMS, "headings"),
    ],
)
def test_huge_lists_are_cut_and_say_so(
    fmt: str, key: str, item: Any, limit: int, attribute: str
) -> None:
    summary = parse_inspection({"format": fmt, key: [item] * 100_000})
    assert len(getattr(summary, attribute)) == limit
    assert any(f"only the first {limit:,}" in n for n in summary.notes)


def test_long_texts_and_deep_nesting_are_bounded() -> None:
    deep: Any = "leaf"
    for _ in range(500):
        deep = {"k": [deep]}
    summary = parse_inspection(
        {"format": "gguf", "name": "n" * 1_000_000, "metadata": {"deep": deep}}
    )
    assert isinstance(summary, GgufSummary)
    assert summary.name is not None and len(summary.name) < 5_000
    assert summary.name.endswith("more characters]")
    assert len(json.dumps(summary.to_json())) < 10_000  # the nesting stops at a fixed depth


def test_the_format_picks_the_type_and_an_error_is_an_uninspected_file() -> None:
    expected = {
        "safetensors": SafetensorsSummary,
        "gguf": GgufSummary,
        "pickle": PickleScan,
        "pytorch-zip": PickleScan,
        "inspect-eval": InspectLog,
        "text": TextPreview,
        "markdown": TextPreview,
        "json": TextPreview,
        "jsonl": TextPreview,
        "csv": TextPreview,
        "model-signing": ModelSignatureSummary,
        "zip": OtherSummary,
        "pdf": OtherSummary,
        "binary": OtherSummary,
        "something-new": OtherSummary,
    }
    for fmt, kind in expected.items():
        assert type(parse_inspection({"format": fmt})) is kind
        failed = parse_inspection({"format": fmt, "error": "cut short"})
        if fmt == "inspect-eval":  # its "error" is the evaluation's own
            assert isinstance(failed, InspectLog) and failed.eval_error == "cut short"
        else:
            assert isinstance(failed, OtherSummary) and failed.error == "cut short"
            assert failed.format == fmt


@pytest.mark.parametrize("value", [None, [], "x", 3, ["format", "pickle"]])
def test_what_is_not_an_object_is_refused_by_from_json_and_shown_as_unreadable(
    value: object,
) -> None:
    with pytest.raises(InputError, match="not a JSON object"):
        SafetensorsSummary.from_json(value)
    summary = parse_inspection(value)
    assert isinstance(summary, OtherSummary) and summary.error
    assert "not a JSON object" in summary.error


def test_from_json_refuses_another_format() -> None:
    with pytest.raises(InputError, match="format is not"):
        PickleScan.from_json({"format": "safetensors"})


@pytest.mark.parametrize("fmt", [5, None, "", "x" * 100, ["pickle"], {"a": 1}])
def test_a_malformed_format_is_unknown(fmt: object) -> None:
    summary = parse_inspection({"format": fmt, "verdict": "expected"})
    assert isinstance(summary, OtherSummary) and summary.format == "unknown"


# -- pickles can never be talked down --------------------------------------------------------


@pytest.mark.parametrize("claim", [False, True])
def test_a_pickle_verdict_milder_than_its_imports_is_raised(claim: bool) -> None:
    summary = parse_inspection(
        {
            "format": "pickle",
            "danger": "none",
            "verdict": "expected",
            "imports": [{"callable": "os.system", "count": 1, "risk": "dangerous"}],
        },
        claim=claim,
    )
    assert isinstance(summary, PickleScan)
    assert summary.verdict == "dangerous" and summary.can_run_code
    assert summary.to_json()["danger"] == "can-run-code"
    assert any("milder" in n for n in summary.notes)


def test_an_unknown_risk_is_unknown_not_expected() -> None:
    summary = parse_inspection(
        {"format": "pickle", "verdict": "expected", "imports": [{"callable": "x.y", "risk": "ok"}]}
    )
    assert isinstance(summary, PickleScan)
    assert summary.imports[0].risk == "unknown" and summary.verdict == "unknown-imports"


# -- a sender's claim --------------------------------------------------------------------------


def test_a_claim_goes_through_the_same_constructor_and_is_labelled() -> None:
    ours = {"format": "pickle", "verdict": "dangerous", "imports": [], "warnings": []}
    forged = {
        "format": "safetensors",
        "tensor_count": -1,
        "sender_inspection": {"format": "gguf", "sender_inspection": {"format": "text"}},
    }
    summary = parse_inspection({**ours, "sender_inspection": forged})
    assert isinstance(summary, PickleScan) and not summary.is_claim
    claim = summary.claim
    assert isinstance(claim, SafetensorsSummary) and claim.is_claim
    assert claim.tensor_count is None  # refused as in our own summary
    assert claim.claim is None  # claims do not nest
    assert any("do not nest" in n for n in claim.notes)
    stored = summary.to_json()
    # Stored as said (so the refusal stays visible), without the nested claim.
    assert stored["sender_inspection"] == {"format": "safetensors", "tensor_count": -1}
    again = parse_inspection(stored)
    assert again.to_json() == stored
    assert again.claim is not None and again.claim.notes and again.claim.is_claim


@pytest.mark.parametrize("claim", [None, {}, "pickle", ["x"]])
def test_no_claim_or_a_malformed_one(claim: object) -> None:
    ours = parse_inspection({"format": "gguf"})
    attached = with_claim(ours, claim)
    assert attached.claim is None
    if claim not in (None, {}):
        stored = parse_inspection({"format": "gguf", "sender_inspection": claim})
        assert stored.claim is None and stored.notes


def test_with_claim_keeps_our_summary_and_labels_theirs() -> None:
    ours = parse_inspection({"format": "pickle", "verdict": "dangerous"})
    said = {"format": 7, "kind": "weights", "huge": ["x" * 10_000] * 10_000}
    attached = with_claim(ours, said)
    assert attached.format == "pickle" and not attached.is_claim
    assert attached.claim is not None and attached.claim.is_claim
    assert attached.claim.format == "unknown"
    stored = attached.to_json()["sender_inspection"]
    assert stored["format"] == 7  # as said, and bounded
    assert len(json.dumps(stored)) < 1_000_000


# -- stored summaries stay readable ------------------------------------------------------------


def test_real_inspector_output_round_trips_exactly() -> None:
    """Every fixture log (summary and view) and a crafted file per format: the typed form
    refuses nothing and writes back the same JSON, so stored rows keep their meaning."""
    key = ec.generate_private_key(ec.SECP256R1())
    files: list[tuple[bytes, str]] = [
        (craft.PICKLE_OS_SYSTEM, "model.bin"),
        (craft.torch_zip(craft.PICKLE_TORCH_STATE), "model.pt"),
        (craft.model_signature({"w.bin": b"w"}, key), "model.sig"),
        (b"a,b\n1,2\n", "t.csv"),
        (b'{"a": 1}\n{"b": 2}\n', "r.jsonl"),
        (b"%PDF-1.7\n", "doc.pdf"),
        (bytes(range(256)), "blob.dat"),
        (pickle.dumps({"a": 1}, protocol=0), "m.safetensors"),
    ]
    files += [(p.read_bytes(), p.name) for p in sorted(FIXTURES.glob("*")) if p.is_file()]
    assert len(files) > 10
    for data, name in files:
        for detail in (False, True):
            stored = json.loads(
                json.dumps(inspect_stream(io.BytesIO(data), len(data), name, detail=detail))
            )
            typed = parse_inspection(stored)
            assert typed.notes == (), (name, typed.notes)
            assert typed.to_json() == stored, name


def test_rows_of_an_existing_vault_are_read_typed(session: Session, review: int, src: Path) -> None:
    (src / "notes.md").write_text("# Notes\n", encoding="utf-8")
    (artifact,) = add_artifacts(session, review, [src / "notes.md"]).added
    assert isinstance(artifact.inspection, TextPreview)
    rows = {
        "unreadable JSON": "{not json",
        "not an object": "[1, 2]",
        "an older summary": json.dumps({"format": "pickle", "verdict": "dangerous"}),
        "deeply nested": "[" * 5000 + "]" * 5000,
    }
    seen = {}
    for label, text in rows.items():
        session.conn.execute(
            "UPDATE artifacts SET inspection = ? WHERE id = ?", (text, artifact.id)
        )
        seen[label] = catalog.get_artifact(session.conn, artifact.id).inspection
    assert isinstance(seen["unreadable JSON"], OtherSummary) and seen["unreadable JSON"].error
    assert isinstance(seen["not an object"], OtherSummary) and seen["not an object"].error
    older = seen["an older summary"]
    assert isinstance(older, PickleScan) and older.can_run_code and older.verdict == "dangerous"
    assert isinstance(seen["deeply nested"], OtherSummary)


# -- the registry ------------------------------------------------------------------------------


def test_the_order_of_the_inspectors_is_explicit() -> None:
    assert [i.name for i in INSPECTORS] == [
        "gguf",
        "safetensors",
        "zip",
        "tar",
        "safetensors-header",
        "model-signing",
        "npy",
        "hdf5",
        "onnx",
        "compressed-pickle",
        "pickle",
        "sharded-index",
        "inspect-json",
        "pdf",
        "text",
        "binary",
    ]


def _eval_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("header.json", json.dumps({"version": 2, "eval": {"task": "t"}}))
    return buffer.getvalue()


SAFETENSORS = craft.safetensors({"w": ("F32", [2], bytes(8))}, {})
FORMATS = Path(__file__).resolve().parents[1] / "corpus" / "formats"
BAD_ONNX = b"\x08\x08" + bytes(8)
INDEX = json.dumps({"metadata": {"total_size": 8}, "weight_map": {"w": "a.safetensors"}}).encode()
PROTOCOL_0 = pickle.dumps({"a": 1}, protocol=0)
INSPECT_JSON = json.dumps({"version": 2, "eval": {"task": "t"}, "samples": []}).encode()
BUNDLE = craft.model_signature({"w.bin": b"w"}, ec.generate_private_key(ec.SECP256R1()))

# (content, name, the inspector that reads it, the format it reports)
DISPATCH: list[tuple[bytes, str, str, str]] = [
    (craft.gguf([], []), "weights.bin", "gguf", "gguf"),  # content, not the name
    (SAFETENSORS, "weights.bin", "safetensors", "safetensors"),
    (SAFETENSORS, "weights.gguf", "safetensors", "safetensors"),
    (craft.torch_zip(craft.PICKLE_TORCH_STATE), "model.zip", "zip", "pytorch-zip"),
    (_eval_zip(), "results.zip", "zip", "inspect-eval"),
    (craft.PICKLE_OS_SYSTEM, "model.safetensors", "pickle", "pickle"),  # a disguise
    (PROTOCOL_0, "model.safetensors", "safetensors-header", "pickle"),  # old protocol too
    (b"\x00" * 64, "model.safetensors", "safetensors-header", "safetensors"),  # the error
    (BUNDLE, "model.sig", "model-signing", "model-signing"),
    (BUNDLE, "bundle.json", "text", "json"),  # a bundle only where signatures are kept
    (PROTOCOL_0, "model.pkl", "pickle", "pickle"),
    (craft.PICKLE_OS_SYSTEM, "notes", "pickle", "pickle"),  # no name needed
    (b"just some words\n", "model.pkl", "text", "text"),  # named like a pickle, is not one
    (PROTOCOL_0, "notes", "pickle", "pickle"),  # protocol 0 has no magic: parsed to be known
    (PROTOCOL_0, "data.npy", "pickle", "pickle"),
    (pickles.npy("|O", craft.PICKLE_OS_SYSTEM), "a.npy", "npy", "pickle"),  # object array
    (pickles.npy("<f4", bytes(4)), "a.npy", "npy", "npy"),  # plain numbers: data
    (FORMATS.joinpath("onnx_mlp.onnx").read_bytes(), "m.onnx", "onnx", "onnx"),
    (craft.PICKLE_OS_SYSTEM, "model.onnx", "pickle", "pickle"),  # a disguise
    (BAD_ONNX, "model.onnx", "onnx", "onnx"),  # recognised, unreadable: the error says why
    (FORMATS.joinpath("keras_dense.keras").read_bytes(), "m.keras", "zip", "keras"),
    (FORMATS.joinpath("keras_dense.keras").read_bytes(), "m.zip", "zip", "keras"),
    (FORMATS.joinpath("npz_plain.npz").read_bytes(), "a.npz", "zip", "npz"),
    (FORMATS.joinpath("npz_object_member.npz").read_bytes(), "a.npz", "zip", "zip-with-pickles"),
    (FORMATS.joinpath("keras_lambda_legacy.h5").read_bytes(), "m.h5", "hdf5", "hdf5"),
    (INDEX, "model.safetensors.index.json", "sharded-index", "sharded-index"),
    (b'{"a": 1}', "x.index.json", "text", "json"),  # no weight_map: not an index
    (zlib.compress(craft.PICKLE_OS_SYSTEM), "m.joblib", "compressed-pickle", "pickle"),
    (zlib.compress(b"plain words " * 20), "m.z", "binary", "binary"),  # not a pickle inside
    (INSPECT_JSON, "log.json", "inspect-json", "inspect-eval"),
    (b'{"eval": 1, "version": 2}', "log.json", "text", "json"),  # not a log after all
    (b"%PDF-1.7\n%\xe2\xe3\n", "paper", "pdf", "pdf"),
    (b"hello\n", "notes.txt", "text", "text"),
    (b"# Card\n", "README.md", "text", "markdown"),
    (bytes(range(256)), "blob.dat", "binary", "binary"),
]


@pytest.mark.parametrize(
    ("data", "name", "inspector", "fmt"),
    DISPATCH,
    ids=[f"{row[1]}->{row[2]}" for row in DISPATCH],
)
def test_the_content_decides_which_inspector_reads_a_file(
    data: bytes, name: str, inspector: str, fmt: str
) -> None:
    sniffed = Sniffed(io.BytesIO(data), len(data), name, data[: 64 * 1024], False)
    if (fmt == "safetensors" and inspector == "safetensors-header") or data == BAD_ONNX:
        with pytest.raises(InputError):  # recognised, unreadable: inspect_stream says why
            dispatch(sniffed)
        summary = inspect_stream(io.BytesIO(data), len(data), name, detail=False)
        assert summary["format"] == fmt and summary["error"]
        return
    chosen, summary = dispatch(sniffed)
    assert (chosen.name, summary["format"]) == (inspector, fmt)


def test_a_name_that_lies_about_weights_is_said_first() -> None:
    summary = inspect_stream(
        io.BytesIO(craft.PICKLE_OS_SYSTEM),
        len(craft.PICKLE_OS_SYSTEM),
        "m.safetensors",
        detail=False,
    )
    typed = parse_inspection(summary)
    assert isinstance(typed, PickleScan) and typed.verdict == "dangerous"
    assert typed.warnings[0] == "The name says safetensors, but the content is pickle."


# -- signature results -------------------------------------------------------------------------


def _files(*results: str) -> list[FileCheck]:
    return [
        FileCheck(f"f{i}", "sha256" if "not" not in r else "blake3", r)
        for i, r in enumerate(results)
    ]


@pytest.mark.parametrize(
    ("verified", "other_key", "problems", "files", "verdict"),
    [
        (True, False, [], _files("match", "match"), Verdict.VALID),
        (False, False, [], _files("match"), Verdict.INVALID),
        (False, True, [], _files("match"), Verdict.UNKNOWN_KEY),
        (True, False, ["inconsistent manifest"], _files("match"), Verdict.INVALID),
        (True, False, [], _files("match", "mismatch"), Verdict.INVALID),
        (True, False, [], _files("missing"), Verdict.INVALID),
        (True, False, [], _files("match", "not compared (blake3)"), Verdict.INCOMPLETE),
        (True, False, [], [], Verdict.VALID),
    ],
)
def test_the_verdict_and_its_reasons(
    verified: bool, other_key: bool, problems: list[str], files: list[FileCheck], verdict: Verdict
) -> None:
    decided, reasons = decide(
        verified=verified,
        hint_names_another_key=other_key,
        statement_problems=problems,
        files=files,
    )
    assert decided is verdict
    assert bool(reasons) is (verdict is not Verdict.VALID)  # every refusal says why


@pytest.mark.parametrize(
    ("record", "verdict"),
    [
        # Written before verdicts were recorded.
        ({"valid": True, "signature_verified": True, "counts": None}, Verdict.VALID),
        ({"valid": False, "signature_verified": True}, Verdict.INVALID),
        # Hostile or damaged records are never read as VALID.
        ({"verdict": "VALID", "valid": True, "signature_verified": False}, Verdict.INVALID),
        ({"verdict": "VALID", "valid": "yes", "signature_verified": True}, Verdict.INVALID),
        ({"verdict": "TRUST-ME", "valid": True, "signature_verified": True}, Verdict.INVALID),
        ("VALID", Verdict.INVALID),
        (None, Verdict.INVALID),
        ({"verdict": "UNKNOWN-KEY"}, Verdict.UNKNOWN_KEY),
    ],
)
def test_a_recorded_check_is_read_back_checked(record: object, verdict: Verdict) -> None:
    check = SignatureCheck.from_json(record)
    assert check.verdict is verdict
    assert check.valid is (verdict is Verdict.VALID)


def test_a_recorded_check_with_malformed_fields() -> None:
    check = SignatureCheck.from_json(
        {
            "valid": True,
            "signature_verified": True,
            "signer_fingerprint_sha256": ["x"],
            "counts": {"match": -1, "mismatch": 0, "missing": 0, "listed": 1, "unlisted": 0},
            "problems": ["p" * 10_000, 5] * 100,
        }
    )
    assert check.signer_fingerprint_sha256 is None and check.counts is None
    assert len(check.notes) == 2
    assert len(check.reasons) <= 50 and all(len(r) <= 2_000 for r in check.reasons)
    good = SignatureCheck(Verdict.VALID, True, "ab" * 32, Counts(match=1, listed=1), ())
    assert SignatureCheck.from_json(good.to_json()) == good
