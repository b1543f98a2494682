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

# ggml tensor types: name, elements per block, bytes per block. From ggml's enum ggml_type and
# gguf-py's GGML_QUANT_SIZES (llama.cpp gguf-py/gguf/constants.py); gaps are types removed from
# GGUF files. A type not listed is shown by number and its tensors' sizes are not checked.
QK_K = 256
GGML_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4),
    1: ("F16", 1, 2),
    2: ("Q4_0", 32, 2 + 16),
    3: ("Q4_1", 32, 2 + 2 + 16),
    6: ("Q5_0", 32, 2 + 4 + 16),
    7: ("Q5_1", 32, 2 + 2 + 4 + 16),
    8: ("Q8_0", 32, 2 + 32),
    9: ("Q8_1", 32, 2 + 2 + 32),  # sizeof(block_q8_1) in ggml (gguf-py still says 4 + 4 + 32)
    10: ("Q2_K", QK_K, 2 + 2 + QK_K // 16 + QK_K // 4),
    11: ("Q3_K", QK_K, 2 + QK_K // 4 + QK_K // 8 + 12),
    12: ("Q4_K", QK_K, 2 + 2 + QK_K // 2 + 12),
    13: ("Q5_K", QK_K, 2 + 2 + QK_K // 2 + QK_K // 8 + 12),
    14: ("Q6_K", QK_K, 2 + QK_K // 2 + QK_K // 4 + QK_K // 16),
    15: ("Q8_K", QK_K, 4 + QK_K + QK_K // 8),
    16: ("IQ2_XXS", QK_K, 2 + QK_K // 4),
    17: ("IQ2_XS", QK_K, 2 + QK_K // 4 + QK_K // 32),
    18: ("IQ3_XXS", QK_K, 2 + QK_K // 4 + QK_K // 8),
    19: ("IQ1_S", QK_K, 2 + QK_K // 8 + QK_K // 16),
    20: ("IQ4_NL", 32, 2 + 16),
    21: ("IQ3_S", QK_K, 2 + QK_K // 4 + QK_K // 8 + QK_K // 32 + 4),
    22: ("IQ2_S", QK_K, 2 + QK_K // 4 + QK_K // 16),
    23: ("IQ4_XS", QK_K, 2 + 2 + QK_K // 2 + QK_K // 64),
    24: ("I8", 1, 1),
    25: ("I16", 1, 2),
    26: ("I32", 1, 4),
    27: ("I64", 1, 8),
    28: ("F64", 1, 8),
    29: ("IQ1_M", QK_K, QK_K // 8 + QK_K // 16 + QK_K // 32),
    30: ("BF16", 1, 2),
    34: ("TQ1_0", QK_K, 2 + 4 * 13),
    35: ("TQ2_0", QK_K, 2 + 64),
    39: ("MXFP4", 32, 1 + 16),
    40: ("NVFP4", 64, 4 + 32),
    41: ("Q1_0", 128, 2 + 16),
}

# general.file_type: llama.cpp's llama_ftype (LlamaFileType in gguf-py); 4 is ggml's name.
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
    38: "MOSTLY_MXFP4_MOE",
    39: "MOSTLY_NVFP4",
    40: "MOSTLY_Q1_0",
    1024: "GUESSED",
}

# Chat templates (tokenizer.chat_template, tokenizer.chat_template.<name>) are shown whole, with
# their newlines, up to this many characters; a longer one is cut with a note saying so.
CHAT_TEMPLATE_KEY = "tokenizer.chat_template"
CHAT_TEMPLATE_CHARS = 100_000


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
    templates: dict[str, str] = {}
    warnings: list[str] = []
    for _ in range(kv_count):
        key = printable(cursor.string(wide, "metadata key", 65_536), 200)
        kind = cursor.unpack("I", "metadata type")
        if kind == STRING and _is_template_key(key):
            raw = cursor.string(wide, "chat template")
            value = clip_text(printable(raw, 4000), 1000)
            if len(templates) < 20:
                templates[key], note = _template(key, raw)
                warnings.extend(note)
        else:
            value = _value(cursor, kind, wide)
        if len(metadata) < 200:
            metadata[key] = value
    types: Counter[str] = Counter()
    parameters = 0
    extents: list[tuple[str, int, int | None]] = []
    unknown: set[int] = set()
    misfits: list[str] = []
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
        known = GGML_TYPES.get(ggml_type)
        nbytes: int | None = None
        if known is None:
            type_name = f"type-{ggml_type}"
            unknown.add(ggml_type)
        else:
            type_name, block, block_bytes = known
            if dims and dims[0] % block:
                misfits.append(
                    f"Tensor {name!r} is {type_name} with rows of {dims[0]} elements,"
                    f" not a multiple of its block of {block}."
                )
            nbytes = -(-elements // block) * block_bytes
        types[type_name] += 1
        extents.append((name, offset, nbytes))
    alignment = metadata.get("general.alignment", 32)
    if type(alignment) is not int or alignment <= 0 or alignment & (alignment - 1):
        alignment = 32
    data_start = -(-cursor.pos // alignment) * alignment
    data_size = max(0, size - data_start)
    problems = misfits[:50]
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
    if templates:
        summary["chat_templates"] = templates
    if unknown:
        numbers = ", ".join(str(n) for n in sorted(unknown)[:20])
        warnings.append(
            f"Tensor type(s) {numbers} are unknown to this inspector (shown as type-N);"
            " the sizes of those tensors are not checked."
        )
    if problems:
        summary["problems"] = problems
        warnings.insert(0, "Tensor extents do not match the file; figures are not trusted.")
    if warnings:
        summary["warnings"] = warnings
    return summary


def _is_template_key(key: str) -> bool:
    return key == CHAT_TEMPLATE_KEY or key.startswith(CHAT_TEMPLATE_KEY + ".")


def _template(key: str, raw: bytes) -> tuple[str, list[str]]:
    """The template as display text: newlines and tabs kept, other control characters
    replaced, cut at CHAT_TEMPLATE_CHARS with a note."""
    text = raw.decode("utf-8", errors="replace")
    shown = "".join(c if c.isprintable() or c in "\n\t" else "\ufffd" for c in text)
    if len(shown) <= CHAT_TEMPLATE_CHARS:
        return shown, []
    return clip_text(shown, CHAT_TEMPLATE_CHARS), [
        f"The chat template {key!r} has {len(shown):,} characters; only the first"
        f" {CHAT_TEMPLATE_CHARS:,} are shown."
    ]
