"""Bounded fuzzing of every inspector: mutated real and crafted inputs; only our typed errors
may escape a format parser, and the dispatcher never raises at all."""

from __future__ import annotations

import contextlib
import io
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("hypothesis")

from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import artifact_files as craft
from support import pickles

from reviewstation import ziparchive
from reviewstation.artifacts.inspection import parse_inspection
from reviewstation.artifacts.inspectors import (
    gguf,
    inspect_eval,
    inspect_stream,
    model_signing,
    pickle_scan,
    safetensors,
    text,
    torch_zip,
)
from reviewstation.artifacts.inspectors.registry import Sniffed, dispatch
from reviewstation.errors import ReviewStationError

FUZZ = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs"
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "formats"
EVAL = next(iter(sorted(FIXTURES.glob("*.eval"))), None) if FIXTURES.is_dir() else None

SEEDS: dict[str, bytes] = {
    "safetensors": craft.safetensors({"w": ("F16", [2, 2], bytes(8))}, {"k": "v"}),
    "gguf": craft.gguf(
        [("general.architecture", 8, "llama"), ("a", 9, (4, [1, 2, 3]))],
        [("t", [2, 2], 0, 0)],
        data=bytes(16),
    ),
    "pickle": craft.PICKLE_STACK_GLOBAL,
    "torch": craft.torch_zip(craft.PICKLE_TORCH_STATE),
    "eval": EVAL.read_bytes() if EVAL else craft.zstd_zip({"header.json": b'{"eval": {}}'}),
    "json-log": json.dumps(
        {"version": 2, "eval": {"task": "t"}, "samples": [{"id": 1, "messages": []}]}
    ).encode(),
    "bundle": craft.model_signature({"a": b"a"}, ec.generate_private_key(ec.SECP256R1())),
    "csv": b"a,b\n1,2\n",
    # pickles inside other formats (tests/support/pickles.py)
    "joblib": pickles.joblib_file(),
    "joblib-zlib": zlib.compress(pickles.joblib_file()),
    "legacy-torch": pickles.legacy_torch(),
    "npy": pickles.npy("|O", craft.PICKLE_OS_SYSTEM),
    "npz": pickles.zip_of({"a.npy": pickles.npy("|O", craft.PICKLE_OS_SYSTEM)}),
    "tar": pickles.torch_tar(pickles.torch_state()),
    # the model formats, as their upstream writers wrote them (tests/corpus/make_formats.py)
    "onnx": (CORPUS / "onnx_custom_domain.onnx").read_bytes(),
    "external.onnx": (CORPUS / "onnx_external_escape.onnx").read_bytes(),
    "keras": (CORPUS / "keras_lambda.keras").read_bytes(),
    "h5": (CORPUS / "keras_lambda_legacy.h5").read_bytes(),
    "plain.npy": (CORPUS / "npy_structured.npy").read_bytes(),
    "plain.npz": (CORPUS / "npz_plain.npz").read_bytes(),
    "index.json": (CORPUS / "sharded" / "model.safetensors.index.json").read_bytes(),
}


def _run(parse: Callable[[bytes], Any], data: bytes) -> None:
    with contextlib.suppress(ReviewStationError):
        result = parse(data)
        json.dumps(result)


PARSERS: dict[str, Callable[[bytes], Any]] = {
    "safetensors": lambda d: safetensors.inspect(io.BytesIO(d), len(d)),
    "gguf": lambda d: gguf.inspect(io.BytesIO(d), len(d)),
    "pickle": pickle_scan.scan_bytes,
    "torch": lambda d: torch_zip.inspect(ziparchive.open_zip(io.BytesIO(d), len(d))),
    "eval": lambda d: inspect_eval.inspect_zip(io.BytesIO(d), len(d), detail=True),
    "json-log": lambda d: inspect_eval.inspect_json(io.BytesIO(d), len(d), detail=True),
    "bundle": model_signing.summarize,
    "csv": lambda d: text.inspect(io.BytesIO(d), len(d), "x.csv", "csv", detail=True),
    **{
        name: (lambda n: lambda d: _intake(d, n))(name)
        for name in (
            *("joblib", "joblib-zlib", "legacy-torch", "npy", "npz", "tar", "onnx"),
            *("external.onnx", "keras", "h5", "plain.npy", "plain.npz", "index.json"),
        )
    },
}


def _intake(data: bytes, name: str) -> Any:
    """The whole dispatch, as at import, with nothing caught: only typed errors may leave."""
    sniffed = Sniffed(io.BytesIO(data), len(data), f"x.{name}", data[: 64 * 1024], False)
    return dispatch(sniffed)[1]


def mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    def apply(ops: list[tuple[int, int, int]]) -> bytes:
        data = bytearray(seed)
        for kind, where, value in ops:
            if not data:
                break
            at = where % len(data)
            if kind == 0:
                data[at] = value
            elif kind == 1:
                del data[at : at + 1 + value % 64]
            elif kind == 2:
                data[at:at] = bytes([value]) * (1 + value % 16)
            else:
                data[at : at + 8] = (value * 0x0101010101010101).to_bytes(8, "little")
        return bytes(data)

    ops = st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 1 << 30), st.integers(0, 255)),
        min_size=1,
        max_size=6,
    )
    return ops.map(apply)


@pytest.mark.parametrize("name", list(PARSERS))
def test_fuzz_mutated_inputs(name: str) -> None:
    @FUZZ
    @given(mutations(SEEDS[name]))
    def run(data: bytes) -> None:
        _run(PARSERS[name], data)

    run()


@pytest.mark.parametrize("name", list(PARSERS))
def test_fuzz_random_bytes(name: str) -> None:
    @settings(FUZZ, max_examples=60)
    @given(st.binary(max_size=512))
    def run(data: bytes) -> None:
        _run(PARSERS[name], data)

    run()


@FUZZ
@given(
    st.sampled_from(list(SEEDS)).flatmap(lambda key: mutations(SEEDS[key])),
    st.sampled_from(
        [
            *("m.safetensors", "m.gguf", "m.pt", "log.eval", "log.json", "model.sig", "a.csv"),
            *("x", "m.onnx", "m.keras", "m.h5", "a.npy", "a.npz", "model.bin.index.json"),
        ]
    ),
)
def test_fuzz_dispatcher_never_raises(data: bytes, name: str) -> None:
    summary = inspect_stream(io.BytesIO(data), len(data), name, detail=True)
    stored = json.loads(json.dumps(summary))
    assert "inspector failed" not in summary.get("error", ""), summary["error"]
    # Whatever an inspector makes of mangled bytes passes the typed constructor untouched.
    typed = parse_inspection(stored)
    assert typed.notes == () and typed.to_json() == stored
