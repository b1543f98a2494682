"""GGUF (llama.cpp): header, metadata key/values and tensor infos, read with hard bounds.

Big arrays (tokenizer vocabularies) are walked, not kept: the summary shows their type and
length. Tensor extents are checked against the file; impossible ones are reported.
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from typing import Any, BinaryIO

from reviewstation.artifacts.inspectors.common import clip_text, printable
from reviewstation.errors import InputError

MAX_HEADER_BYTES = 256 * 1024 * 1024
MAX_KV = 65_536
MAX_TENSORS = 1_000_000
MAX_STRING = 16 * 1024 * 1024
MAX_ARRAY = 50_000_000
MAX_DIMS = 8
_BLOCK = 1024 * 1024

_SCALARS = {
    0: ("u8", "B"),
    1: ("i8", "b"),
    2: ("u16", "H"),
    3: ("i16", "h"),
    4: ("u32", "I"),
    5: ("i32", "i"),
    6: ("f32", "f"),
    7: ("bool", "?"),
    10: ("u64", "Q"),
    11: ("i64", "q"),
    12: ("f64", "d"),
}
STRING, ARRAY = 8, 9

# ggml tensor types: name, elements per block, bytes per block (None: size not checked).
GGML_TYPES: dict[int, tuple[str, int, int | None]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 18),
    3: ("Q4_1", 32, 20),
    6: ("Q5_0", 32, 22),
    7: ("Q5_1", 32, 24),
    8: ("Q8_0", 32, 34),
    9: ("Q8_1", 32, 36),
    10: ("Q2_K", 256, 84),
    11: ("Q3_K", 256, 110),
    12: ("Q4_K", 256, 144),
    13: ("Q5_K", 256, 176),
    14: ("Q6_K", 256, 210),
    15: ("Q8_K", 256, 292),
    16: ("IQ2_XXS", 256, None),
    17: ("IQ2_XS", 256, None),
    18: ("IQ3_XXS", 256, None),
    19: ("IQ1_S", 256, None),
    20: ("IQ4_NL", 32, None),
    21: ("IQ3_S", 256, None),
    22: ("IQ2_S", 256, None),
    23: ("IQ4_XS", 256, None),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", 256, None),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", 256, None),
    35: ("TQ2_0", 256, None),
    39: ("MXFP4", 32, None),
}

FILE_TYPES = {
    0: "ALL_F32",
    1: "MOSTLY_F16",
    2: "MOSTLY_Q4_0",
    3: "MOSTLY_Q4_1",
    4: "MOSTLY_Q4_1_SOME_F16",
    7: "MOSTLY_Q8_0",
    8: "MOSTLY_Q5_0",
    9: "MOSTLY_Q5_1",
    10: "MOSTLY_Q2_K",
    11: "MOSTLY_Q3_K_S",
    12: "MOSTLY_Q3_K_M",
    13: "MOSTLY_Q3_K_L",
    14: "MOSTLY_Q4_K_S",
    15: "MOSTLY_Q4_K_M",
    16: "MOSTLY_Q5_K_S",
    17: "MOSTLY_Q5_K_M",
    18: "MOSTLY_Q6_K",
    19: "MOSTLY_IQ2_XXS",
    20: "MOSTLY_IQ2_XS",
    21: "MOSTLY_Q2_K_S",
    22: "MOSTLY_IQ3_XS",
    23: "MOSTLY_IQ3_XXS",
    24: "MOSTLY_IQ1_S",
    25: "MOSTLY_IQ4_NL",
    26: "MOSTLY_IQ3_S",
    27: "MOSTLY_IQ3_M",
    28: "MOSTLY_IQ2_S",
    29: "MOSTLY_IQ2_M",
    30: "MOSTLY_IQ4_XS",
    31: "MOSTLY_IQ1_M",
    32: "MOSTLY_BF16",
    36: "MOSTLY_TQ1_0",
    37: "MOSTLY_TQ2_0",
}


def looks_like(head: bytes) -> bool:
    return head[:4] in (b"GGUF", b"FUGG")


class _Cursor:
    """Sequential reads from the stream with an overall byte budget, buffered in 1 MiB blocks."""

    def __init__(self, stream: BinaryIO, size: int, order: str) -> None:
        self._stream = stream
        self._size = size
        self._buffer = b""
        self._start = 0  # file offset of _buffer[0]
        self.pos = 0
        self.order = order

    def read(self, count: int, what: str) -> bytes:
        if count < 0 or self.pos + count > self._size:
            raise InputError(f"The GGUF {what} runs past the end of the file.")
        if self.pos + count > MAX_HEADER_BYTES:
            raise InputError(f"The GGUF header is larger than {MAX_HEADER_BYTES} bytes.")
        offset = self.pos - self._start
        if offset + count > len(self._buffer):
            self._stream.seek(self.pos)
            self._buffer = self._stream.read(max(count, _BLOCK)) or b""
            self._start = self.pos
            offset = 0
            if len(self._buffer) < count:
                raise InputError(f"The GGUF {what} runs past the end of the file.")
        self.pos += count
        return self._buffer[offset : offset + count]

    def skip(self, count: int, what: str) -> None:
        if count < 0 or self.pos + count > self._size:
            raise InputError(f"The GGUF {what} runs past the end of the file.")
        if self.pos + count > MAX_HEADER_BYTES:
            raise InputError(f"The GGUF header is larger than {MAX_HEADER_BYTES} bytes.")
        self.pos += count

    def unpack(self, code: str, what: str) -> Any:
        fmt = self.order + code
        return struct.unpack(fmt, self.read(struct.calcsize(fmt), what))[0]

    def string(self, wide: bool, what: str, limit: int = MAX_STRING) -> bytes:
        length = self.unpack("Q" if wide else "I", f"{what} length")
        if length > limit:
            raise InputError(f"A GGUF {what} claims {length} bytes (limit {limit}).")
        return self.read(length, what)


def _value(cursor: _Cursor, kind: int, wide: bool, depth: int = 0) -> Any:
    if kind in _SCALARS:
        return cursor.unpack(_SCALARS[kind][1], "value")
    if kind == STRING:
        return clip_text(printable(cursor.string(wide, "string value"), 4000), 1000)
    if kind == ARRAY:
        if depth > 2:
            raise InputError("A GGUF array is nested too deeply.")
        item = cursor.unpack("I", "array type")
        count = cursor.unpack("Q" if wide else "I", "array length")
        if count > MAX_ARRAY:
            raise InputError(f"A GGUF array claims {count} items (limit {MAX_ARRAY}).")
        first: list[Any] = []
        if item in _SCALARS:
            width = struct.calcsize(_SCALARS[item][1])
            keep = min(count, 8)
            first = [_value(cursor, item, wide, depth + 1) for _ in range(keep)]
            cursor.skip((count - keep) * width, "array")
        elif item in (STRING, ARRAY):
            for index in range(count):
                value = _value(cursor, item, wide, depth + 1)
                if index < 8:
                    first.append(value)
        else:
            raise InputError(f"A GGUF array has the unknown item type {item}.")
        type_name = {STRING: "string", ARRAY: "array"}.get(item) or _SCALARS[item][0]
        return {"array_of": type_name, "length": count, "first": first}
    raise InputError(f"A GGUF value has the unknown type {kind}.")


def inspect(stream: BinaryIO, size: int) -> dict[str, Any]:
    stream.seek(0)
    magic = stream.read(4)
    if magic not in (b"GGUF", b"FUGG"):
        raise InputError("The file does not start with the GGUF magic.")
    little = _Cursor(stream, size, "<")
    little.read(4, "magic")
    version = little.unpack("I", "version")
    order = "<"
    if version not in (1, 2, 3) and struct.unpack(">I", struct.pack("<I", version))[0] in (2, 3):
        order = ">"
        version = struct.unpack(">I", struct.pack("<I", version))[0]
    if version not in (1, 2, 3):
        raise InputError(f"GGUF version {version} is not one this inspector knows (1-3).")
    cursor = _Cursor(stream, size, order)
    cursor.read(8, "header")
    wide = version >= 2
    tensor_count = cursor.unpack("Q" if wide else "I", "tensor count")
    kv_count = cursor.unpack("Q" if wide else "I", "metadata count")
    if tensor_count > MAX_TENSORS or kv_count > MAX_KV:
        raise InputError(
            f"The GGUF header claims {tensor_count} tensors and {kv_count} metadata entries"
            f" (limits {MAX_TENSORS} and {MAX_KV})."
        )
    metadata: dict[str, Any] = {}
    for _ in range(kv_count):
        key = printable(cursor.string(wide, "metadata key", 65_536), 200)
        kind = cursor.unpack("I", "metadata type")
        value = _value(cursor, kind, wide)
        if len(metadata) < 200:
            metadata[key] = value
    types: Counter[str] = Counter()
    parameters = 0
    extents: list[tuple[str, int, int | None]] = []
    for _ in range(tensor_count):
        name = printable(cursor.string(wide, "tensor name", 65_536), 200)
        dims_count = cursor.unpack("I", "tensor dimensions")
        if dims_count > MAX_DIMS:
            raise InputError(f"GGUF tensor {name!r} claims {dims_count} dimensions.")
        dims = [cursor.unpack("Q" if wide else "I", "tensor shape") for _ in range(dims_count)]
        ggml_type = cursor.unpack("I", "tensor type")
        offset = cursor.unpack("Q", "tensor offset")
        elements = math.prod(dims)
        parameters += elements
        type_name, block, block_bytes = GGML_TYPES.get(ggml_type, (f"type-{ggml_type}", 1, None))
        types[type_name] += 1
        nbytes = None if block_bytes is None else -(-elements // block) * block_bytes
        extents.append((name, offset, nbytes))
    alignment = metadata.get("general.alignment", 32)
    if type(alignment) is not int or alignment <= 0 or alignment & (alignment - 1):
        alignment = 32
    data_start = -(-cursor.pos // alignment) * alignment
    data_size = max(0, size - data_start)
    problems = []
    for name, offset, nbytes in extents:
        end = offset + (nbytes or 0)
        if offset % alignment:
            problems.append(f"Tensor {name!r} starts at {offset}, not aligned to {alignment}.")
        if end > data_size or offset > data_size:
            problems.append(
                f"Tensor {name!r} claims bytes {offset}-{end} but the data area has"
                f" {data_size} bytes."
            )
        if len(problems) >= 50:
            break
    arch = metadata.get("general.architecture")
    file_type = metadata.get("general.file_type")
    summary: dict[str, Any] = {
        "format": "gguf",
        "kind": "weights",
        "version": version,
        "byte_order": "little" if order == "<" else "big",
        "trusted": not problems,
        "architecture": arch if isinstance(arch, str) else None,
        "name": metadata.get("general.name")
        if isinstance(metadata.get("general.name"), str)
        else None,
        "tensor_count": tensor_count,
        "metadata_count": kv_count,
        "parameter_count": parameters,
        "file_type": FILE_TYPES.get(file_type, file_type) if isinstance(file_type, int) else None,
        "quantization_version": metadata.get("general.quantization_version"),
        "tensor_types": dict(sorted(types.items())),
        "metadata": metadata,
    }
    if problems:
        summary["problems"] = problems
        summary["warnings"] = ["Tensor extents do not match the file; figures are not trusted."]
    return summary
