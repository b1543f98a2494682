"""safetensors: an 8-byte little-endian header length, a JSON header, then raw tensor data.

Every claim in the header is checked against the file: known dtypes, shapes whose byte size
matches the declared offsets, offsets inside the data area, no overlaps or gaps. A header that
lies is reported (``trusted: false`` with each problem named), and its figures are not used.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from typing import Any, BinaryIO

from reviewstation.artifacts.inspectors.common import clip, clip_text, read_at
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError

MAX_HEADER = 100 * 1024 * 1024  # the reference implementation's own limit
MAX_TENSORS = 1_000_000
MAX_DIMS = 16
MAX_PROBLEMS = 50
# Bits per element, for every dtype of the safetensors Dtype enum (upstream order). Sub-byte
# types (F4, F6_*) pack elements; as upstream, a tensor whose bits do not fill whole bytes is
# malformed ("misaligned"), and the byte size is bits / 8 exactly.
DTYPE_BITS = {
    "BOOL": 8,
    "F4": 4,
    "F6_E2M3": 6,
    "F6_E3M2": 6,
    "U8": 8,
    "I8": 8,
    "F8_E5M2": 8,
    "F8_E4M3": 8,
    "F8_E8M0": 8,
    "F8_E4M3FNUZ": 8,
    "F8_E5M2FNUZ": 8,
    "I16": 16,
    "U16": 16,
    "F16": 16,
    "BF16": 16,
    "I32": 32,
    "U32": 32,
    "F32": 32,
    "C64": 64,
    "F64": 64,
    "I64": 64,
    "U64": 64,
}


def looks_like(head: bytes, size: int) -> bool:
    if len(head) < 9 or size < 10:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length <= min(MAX_HEADER, size - 8) and head[8:9] == b"{"


def inspect(stream: BinaryIO, size: int) -> dict[str, Any]:
    raw_length = read_at(stream, 0, 8, size, "safetensors header length")
    (length,) = struct.unpack("<Q", raw_length)
    if length > MAX_HEADER:
        raise InputError(f"The safetensors header claims {length} bytes (limit {MAX_HEADER}).")
    if length > size - 8:
        raise InputError(
            f"The safetensors header claims {length} bytes but the file has only {size - 8}"
            " after the length field."
        )
    header = loads_bounded(
        read_at(stream, 8, length, size, "safetensors header").rstrip(b" "),
        "safetensors header",
        MAX_HEADER,
    )
    if not isinstance(header, dict):
        raise InputError("The safetensors header is not a JSON object.")
    data_size = size - 8 - length
    problems: list[str] = []
    metadata = header.pop("__metadata__", None)
    if metadata is not None and not (
        isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())
    ):
        problems.append("__metadata__ is not a mapping of strings to strings.")
    if len(header) > MAX_TENSORS:
        raise InputError(f"The safetensors header lists more than {MAX_TENSORS} tensors.")
    dtypes: Counter[str] = Counter()
    parameters = 0
    spans: list[tuple[int, int, str]] = []
    tensors: list[dict[str, Any]] = []
    for name, info in header.items():
        problem = _check_tensor(name, info, data_size)
        if problem:
            problems.append(problem)
            continue
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        dtypes[dtype] += 1
        parameters += math.prod(shape)
        spans.append((begin, end, name))
        if len(tensors) < 20:
            tensors.append({"name": clip_text(name, 200), "dtype": dtype, "shape": shape})
    problems.extend(_check_layout(spans, data_size))
    trusted = not problems
    summary: dict[str, Any] = {
        "format": "safetensors",
        "kind": "weights",
        "trusted": trusted,
        "header_bytes": length,
        "data_bytes": data_size,
        "tensor_count": len(header),
        "metadata": clip(metadata) if isinstance(metadata, dict) else None,
    }
    if trusted:
        summary.update(
            {
                "parameter_count": parameters,
                "dtypes": dict(sorted(dtypes.items())),
                "tensors": tensors,
            }
        )
    else:
        summary["problems"] = problems[:MAX_PROBLEMS] + (
            [f"… {len(problems) - MAX_PROBLEMS} more problems"]
            if len(problems) > MAX_PROBLEMS
            else []
        )
        summary["warnings"] = [
            "The header's claims do not match the file; its tensor figures are not trusted."
        ]
    return summary


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _check_tensor(name: str, info: Any, data_size: int) -> str | None:
    label = f"Tensor {clip_text(name, 100)!r}"
    if not isinstance(info, dict):
        return f"{label} is not described by an object."
    dtype, shape, offsets = info.get("dtype"), info.get("shape"), info.get("data_offsets")
    if dtype not in DTYPE_BITS:
        return f"{label} has the unknown dtype {clip_text(str(dtype), 40)!r}."
    if not (isinstance(shape, list) and len(shape) <= MAX_DIMS and all(map(_is_count, shape))):
        return f"{label} has a malformed shape."
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))):
        return f"{label} has malformed data offsets."
    begin, end = offsets
    if begin > end:
        return f"{label} ends (byte {end}) before it begins (byte {begin})."
    if end > data_size:
        return f"{label} claims bytes {begin}-{end} but the data area has only {data_size} bytes."
    bits = math.prod(shape) * DTYPE_BITS[dtype]
    if bits % 8:
        return f"{label} is {dtype} {shape} ({bits} bits), which does not end on a byte boundary."
    expected = bits // 8
    if end - begin != expected:
        return (
            f"{label} is {dtype} {shape} ({expected} bytes) but its offsets span"
            f" {end - begin} bytes."
        )
    return None


def _check_layout(spans: list[tuple[int, int, str]], data_size: int) -> list[str]:
    problems = []
    position = 0
    for begin, end, name in sorted(spans):
        if begin < position:
            problems.append(f"Tensor {clip_text(name, 100)!r} overlaps the tensor before it.")
        elif begin > position:
            problems.append(
                f"There are {begin - position} unaccounted bytes before tensor"
                f" {clip_text(name, 100)!r}."
            )
        position = max(position, end)
    if position < data_size:
        problems.append(f"{data_size - position} bytes after the last tensor are unaccounted for.")
    return problems
