"""canonical.canonical and canonical.loads_bounded: the bounded reader for hostile JSON."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from reviewstation.canonical import MAX_JSON_BYTES, MAX_JSON_DEPTH, canonical, loads_bounded
from reviewstation.errors import InputError


def _nested_list(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _nested_object(depth: int) -> bytes:
    return b'{"k":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


def test_canonical_is_deterministic() -> None:
    assert canonical({"b": 1, "a": [True, None, "é"]}) == '{"a":[true,null,"é"],"b":1}'.encode()
    assert canonical({"a": 1, "b": 2}) == canonical({"b": 2, "a": 1})


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_canonical_refuses_non_finite(value: float) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - json's own refusal
        canonical({"x": value})


def test_loads_round_trip() -> None:
    obj = {"name": "Zoë", "n": [1, -2, 3.5, True, None], "nested": {"a": {"b": []}}}
    assert loads_bounded(canonical(obj), "test") == obj


@pytest.mark.parametrize(
    "text",
    [
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"[1, NaN]",
        b'{"a": Infinity}',
        b'{"a": [0, -Infinity]}',
    ],
)
def test_non_standard_constants(text: bytes) -> None:
    with pytest.raises(InputError):
        loads_bounded(text, "test")


@pytest.mark.parametrize(
    "text",
    [
        b"1e400",
        b"-1e400",
        b"[1E999]",
        b'{"a": 9' + b"9" * 400 + b".0}",
        b"1." + b"1" * 50,
        b"0.0000000000000000000000000000000000000000001",
    ],
    ids=["1e400", "-1e400", "1E999", "400-digit-float", "51-digit-float", "44-digit-float"],
)
def test_floats_are_finite_and_bounded(text: bytes) -> None:
    with pytest.raises(InputError):
        loads_bounded(text, "test")


@pytest.mark.parametrize(
    "text",
    [b"1" * 41, b"-" + b"1" * 41, b"[" + b"9" * 100 + b"]", b'{"a": ' + b"7" * 5000 + b"}"],
    ids=["41", "-41", "100", "5000"],
)
def test_integers_with_too_many_digits(text: bytes) -> None:
    with pytest.raises(InputError):
        loads_bounded(text, "test")


def test_forty_digits_is_the_limit() -> None:
    assert loads_bounded(b"9" * 40, "test") == int("9" * 40)
    assert loads_bounded(b"-" + b"9" * 40, "test") == -int("9" * 40)


@pytest.mark.parametrize("builder", [_nested_list, _nested_object], ids=["list", "object"])
def test_depth_limit(builder: Any) -> None:
    assert MAX_JSON_DEPTH == 64
    assert _depth_of(loads_bounded(builder(64), "test")) == 64
    with pytest.raises(InputError, match="nested"):
        loads_bounded(builder(65), "test")


def _depth_of(obj: Any) -> int:
    if isinstance(obj, dict):
        return 1 + max((_depth_of(v) for v in obj.values()), default=0)
    if isinstance(obj, list):
        return 1 + max((_depth_of(v) for v in obj), default=0)
    return 0


@pytest.mark.parametrize("depth", [65, 1_000, 100_000, 1_000_000])
def test_very_deep_nesting(depth: int) -> None:
    with pytest.raises(InputError):
        loads_bounded(_nested_list(depth), "test")


@pytest.mark.parametrize("depth", [100, 900, 5000])
def test_deep_nesting_hidden_behind_closing_brackets_in_a_string(depth: int) -> None:
    """Brackets inside a string must not mask real nesting from the byte-level pre-check."""
    data = b'["' + b"]" * depth + b'",' + _nested_list(depth) + b"]"
    with pytest.raises(InputError):
        loads_bounded(data, "test")


def test_mixed_nesting_just_over_the_limit() -> None:
    data = b'{"a":[' * 32 + b'{"b":1}' + b"]}" * 32
    with pytest.raises(InputError):
        loads_bounded(data, "test")


def test_brackets_inside_strings_are_not_nesting() -> None:
    data = json.dumps({"note": "[" * 100}).encode()
    assert loads_bounded(data, "test") == {"note": "[" * 100}


def test_size_limit() -> None:
    assert MAX_JSON_BYTES == 16 * 1024 * 1024
    assert loads_bounded(b"[1]" + b" " * 7, "test", max_bytes=10) == [1]
    with pytest.raises(InputError, match="too large"):
        loads_bounded(b"[1]" + b" " * 8, "test", max_bytes=10)
    with pytest.raises(InputError, match="too large"):
        loads_bounded(b" " * (MAX_JSON_BYTES + 1), "test")


@pytest.mark.parametrize(
    "text",
    [
        b'"\xff"',
        b'"\xc0\xaf"',  # overlong "/"
        b'"\xe2\x82"',  # truncated sequence
        b'"\xed\xa0\x80"',  # UTF-8-encoded surrogate
        b'"\xf4\x90\x80\x80"',  # beyond U+10FFFF
        b'\xff\xfe"\x00a\x00"\x00',  # UTF-16 LE with BOM
        b"\xef\xbb\xbf[]",  # UTF-8 BOM
    ],
)
def test_invalid_utf8(text: bytes) -> None:
    with pytest.raises(InputError):
        loads_bounded(text, "test")


@pytest.mark.parametrize(
    "text",
    [b"", b" ", b"{", b"[1,]", b"{'a': 1}", b'{"a" 1}', b"tru", b"01", b"[1] [2]", b"\x00"],
)
def test_not_json(text: bytes) -> None:
    with pytest.raises(InputError):
        loads_bounded(text, "test")


@pytest.mark.parametrize("text", [b'"\\ud800"', b'{"\\udfff": 1}', b'["a\\udc00b"]'])
def test_lone_surrogate_escapes(text: bytes) -> None:
    with pytest.raises(InputError):
        loads_bounded(text, "test")


def test_paired_surrogate_escape_is_fine() -> None:
    assert loads_bounded(b'"\\ud83d\\ude00"', "test") == "\U0001f600"


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": 1.5, "b": [true, false, null], "c": "\\u00e9"}',
        b"-0",
        b"1e10",
        b"-2.5E-3",
        b'"\\ud83d\\ude00"',
        b"[" * 64 + b"]" * 64,
    ],
)
def test_accepted_values_can_be_canonicalised(text: bytes) -> None:
    """Whatever the reader accepts, canonical() must be able to encode (we sign what we read)."""
    canonical(loads_bounded(text, "test"))
