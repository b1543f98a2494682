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


# --- GGUF: (ggml type number, name, elements per block, bytes per block) --------------------

GGUF_TYPES = [
    (0, "F32", 1, 4),
    (1, "F16", 1, 2),
    (2, "Q4_0", 32, 18),
    (3, "Q4_1", 32, 20),
    (6, "Q5_0", 32, 22),
    (7, "Q5_1", 32, 24),
    (8, "Q8_0", 32, 34),
    (9, "Q8_1", 32, 36),
    (10, "Q2_K", 256, 84),
    (11, "Q3_K", 256, 110),
    (12, "Q4_K", 256, 144),
    (13, "Q5_K", 256, 176),
    (14, "Q6_K", 256, 210),
    (15, "Q8_K", 256, 292),
    (16, "IQ2_XXS", 256, 66),
    (17, "IQ2_XS", 256, 74),
    (18, "IQ3_XXS", 256, 98),
    (19, "IQ1_S", 256, 50),
    (20, "IQ4_NL", 32, 18),
    (21, "IQ3_S", 256, 110),
    (22, "IQ2_S", 256, 82),
    (23, "IQ4_XS", 256, 136),
    (24, "I8", 1, 1),
    (25, "I16", 1, 2),
    (26, "I32", 1, 4),
    (27, "I64", 1, 8),
    (28, "F64", 1, 8),
    (29, "IQ1_M", 256, 56),
    (30, "BF16", 1, 2),
    (34, "TQ1_0", 256, 54),
    (35, "TQ2_0", 256, 66),
    (39, "MXFP4", 32, 17),
    (40, "NVFP4", 64, 36),
    (41, "Q1_0", 128, 18),
]
STRING, U32 = 8, 4


def _one_tensor(ggml_type: int, dims: list[int], data: bytes, file_type: int = 1) -> bytes:
    meta = [("general.architecture", STRING, "llama"), ("general.file_type", U32, file_type)]
    return craft.gguf(meta, [("w", dims, ggml_type, 0)], data=data)


@pytest.mark.parametrize(("number", "name", "block", "size"), GGUF_TYPES)
def test_every_ggml_type_is_named_and_size_checked(
    number: int, name: str, block: int, size: int
) -> None:
    dims = [block * 2, 3]  # two blocks a row, three rows
    honest = _one_tensor(number, dims, bytes(6 * size))
    summary = inspect(honest, "m.gguf")
    assert summary["trusted"] is True, summary.get("problems")
    assert summary["tensor_types"] == {name: 1}
    assert summary["parameter_count"] == block * 6
    short = _one_tensor(number, dims, bytes(6 * size - 1))
    summary = inspect(short, "m.gguf")
    assert summary["trusted"] is False
    assert any("claims bytes 0-" in p for p in summary["problems"])


def test_the_ggml_table_covers_the_inspector() -> None:
    from reviewstation.artifacts.inspectors.gguf import GGML_TYPES

    assert {n: (name, b, s) for n, name, b, s in GGUF_TYPES} == GGML_TYPES


@pytest.mark.parametrize(
    ("number", "name"),
    [
        (0, "ALL_F32"),
        (15, "MOSTLY_Q4_K_M"),
        (32, "MOSTLY_BF16"),
        (36, "MOSTLY_TQ1_0"),
        (37, "MOSTLY_TQ2_0"),
        (38, "MOSTLY_MXFP4_MOE"),
        (39, "MOSTLY_NVFP4"),
        (40, "MOSTLY_Q1_0"),
        (1024, "GUESSED"),
        (999, 999),  # unknown: the number
    ],
)
def test_gguf_file_types_by_name(number: int, name: str | int) -> None:
    summary = inspect(_one_tensor(0, [2], bytes(8), file_type=number), "m.gguf")
    assert summary["file_type"] == name


def test_unknown_ggml_type_is_reported_by_number_not_a_crash() -> None:
    summary = inspect(_one_tensor(99, [32], bytes(64)), "m.gguf")
    assert summary["tensor_types"] == {"type-99": 1}
    assert summary["trusted"] is True  # nothing it can check is wrong
    assert any("99" in w and "not checked" in w for w in summary["warnings"])


def test_row_not_a_multiple_of_the_block_is_a_problem() -> None:
    summary = inspect(_one_tensor(2, [48], bytes(36)), "m.gguf")
    assert summary["trusted"] is False
    assert any("rows of 48" in p and "block of 32" in p for p in summary["problems"])


TEMPLATE = (
    "{% for message in messages %}\n"
    "<|{{ message['role'] }}|>\n\t{{ message['content'] }}\x07\n"
    "{% endfor %}\n"
)


def test_chat_templates_are_shown_whole_with_newlines() -> None:
    meta = [
        ("general.architecture", STRING, "llama"),
        ("tokenizer.chat_template", STRING, TEMPLATE * 200),
        ("tokenizer.chat_template.tool_use", STRING, "{{ tools }}\n"),
    ]
    summary = inspect(craft.gguf(meta, []), "m.gguf")
    whole = (TEMPLATE * 200).replace("\x07", "\ufffd")
    assert len(whole) > 4000  # longer than an ordinary text field
    assert summary["chat_templates"] == {
        "tokenizer.chat_template": whole,
        "tokenizer.chat_template.tool_use": "{{ tools }}\n",
    }
    assert not summary.get("warnings")


def test_a_huge_chat_template_is_cut_with_a_note() -> None:
    from reviewstation.artifacts.inspectors.gguf import CHAT_TEMPLATE_CHARS

    text = "x\n" * CHAT_TEMPLATE_CHARS
    meta = [("tokenizer.chat_template", STRING, text)]
    summary = inspect(craft.gguf(meta, []), "m.gguf")
    shown = summary["chat_templates"]["tokenizer.chat_template"]
    assert shown.startswith(text[:CHAT_TEMPLATE_CHARS])
    assert shown.endswith(f"… [{CHAT_TEMPLATE_CHARS} more characters]")
    assert any("only the first 100,000" in w for w in summary["warnings"])


def test_cli_prints_the_chat_template_line_by_line(capsys: pytest.CaptureFixture[str]) -> None:
    from reviewstation.cli.commands.artifact import _print_inspection

    meta = [("tokenizer.chat_template", STRING, TEMPLATE)]
    summary = parse_inspection(inspect(craft.gguf(meta, []), "m.gguf"))
    _print_inspection(summary)
    out = capsys.readouterr().out
    assert "Chat template  tokenizer.chat_template (" in out
    assert "    | <|{{ message['role'] }}|>\n" in out  # its own line, behind the prefix
    assert "\x07" not in out and "\ufffd" in out  # a control character never reaches the tty
