"""Current weight formats: every safetensors dtype and every GGUF tensor type upstream knows,
each in a small file built by hand, with the byte-size cross-check exercised both ways.

Upstream tables: safetensors' ``Dtype`` enum (safetensors/src/tensor.rs, bitsize per dtype)
and llama.cpp's ``GGML_QUANT_SIZES`` / ``LlamaFileType`` (gguf-py/gguf/constants.py). The sizes
below are written out here, not read from the inspector, so a wrong table fails a row.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from support import artifact_files as craft

from reviewstation.artifacts.inspection import parse_inspection
from reviewstation.artifacts.inspectors import inspect_stream


def inspect(data: bytes, name: str) -> dict[str, Any]:
    summary = inspect_stream(io.BytesIO(data), len(data), name, detail=False)
    typed = parse_inspection(json.loads(json.dumps(summary)))
    assert typed.notes == () and typed.to_json() == json.loads(json.dumps(summary))
    return summary


# --- safetensors: (dtype, shape, bytes) -----------------------------------------------------

SAFETENSORS_DTYPES = [
    ("BOOL", [3], 3),
    ("F4", [2, 3], 3),  # 4 bits each
    ("F6_E2M3", [4], 3),  # 6 bits each
    ("F6_E3M2", [8], 6),
    ("U8", [3], 3),
    ("I8", [3], 3),
    ("F8_E5M2", [2, 2], 4),
    ("F8_E4M3", [2, 2], 4),
    ("F8_E8M0", [5], 5),
    ("F8_E4M3FNUZ", [2, 3], 6),
    ("F8_E5M2FNUZ", [2, 3], 6),
    ("I16", [3], 6),
    ("U16", [3], 6),
    ("F16", [3], 6),
    ("BF16", [3], 6),
    ("I32", [3], 12),
    ("U32", [3], 12),
    ("F32", [3], 12),
    ("C64", [3], 24),
    ("F64", [3], 24),
    ("I64", [3], 24),
    ("U64", [3], 24),
]


@pytest.mark.parametrize(("dtype", "shape", "nbytes"), SAFETENSORS_DTYPES)
def test_every_safetensors_dtype_is_named_and_size_checked(
    dtype: str, shape: list[int], nbytes: int
) -> None:
    honest = craft.safetensors({"w": (dtype, shape, bytes(nbytes))})
    summary = inspect(honest, "model.safetensors")
    assert summary["trusted"] is True, summary.get("problems")
    assert summary["dtypes"] == {dtype: 1}
    assert summary["tensors"] == [{"name": "w", "dtype": dtype, "shape": shape}]
    # One byte short of what the dtype needs: the cross-check names the tensor.
    short = craft.safetensors({"w": (dtype, shape, bytes(nbytes - 1))})
    summary = inspect(short, "model.safetensors")
    assert summary["trusted"] is False
    assert any(f"is {dtype}" in p and "offsets span" in p for p in summary["problems"])


def test_the_table_covers_the_inspector() -> None:
    from reviewstation.artifacts.inspectors.safetensors import DTYPE_BITS

    assert sorted(DTYPE_BITS) == sorted(d for d, _, _ in SAFETENSORS_DTYPES)


@pytest.mark.parametrize(("dtype", "count"), [("F4", 3), ("F6_E2M3", 3), ("F6_E3M2", 1)])
def test_sub_byte_tensor_not_filling_whole_bytes_is_misaligned(dtype: str, count: int) -> None:
    # As upstream (MisalignedSlice): 3 x 4 bits = 12 bits is no whole number of bytes.
    data = craft.safetensors({"w": (dtype, [count], bytes(count))})
    summary = inspect(data, "model.safetensors")
    assert summary["trusted"] is False
    assert any("byte boundary" in p for p in summary["problems"])


def test_unknown_safetensors_dtype_is_named() -> None:
    summary = inspect(craft.safetensors({"w": ("F2_NEW", [4], bytes(1))}), "m.safetensors")
    assert summary["trusted"] is False
    assert any("unknown dtype 'F2_NEW'" in p for p in summary["problems"])
