"""Canonical JSON (what we hash, MAC and sign) and a bounded JSON reader for hostile input."""

from __future__ import annotations

import json
import math
import re
from array import array
from itertools import accumulate
from typing import Any

from reviewstation.errors import InputError
from reviewstation.text import looks_like

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_NUMBER_CHARS = 40


def canonical(obj: Any) -> bytes:
    """Deterministic bytes: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _check_tree(obj: Any, what: str) -> None:
    """Depth bound and encodable strings, iteratively so hostile nesting can't blow the stack."""
    stack = [(obj, 1)]
    while stack:
        node, level = stack.pop()
        if level > MAX_JSON_DEPTH:
            raise InputError(f"The {what} is nested too deeply.")
        if isinstance(node, dict):
            for key, value in node.items():
                _check_text(key, what)
                stack.append((value, level + 1))
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
        elif isinstance(node, str):
            _check_text(node, what)


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates from \\ud800-style escapes
        raise InputError(f"The {what} contains invalid Unicode.") from exc


def _no_constants(name: str) -> Any:
    raise InputError(f"JSON contains the non-standard constant {name}.")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_CHARS:
        raise InputError("JSON contains an absurdly large number.")
    return int(text)


def _bounded_float(text: str) -> float:
    value = float(text) if len(text.lstrip("-")) <= MAX_NUMBER_CHARS else math.inf
    if not math.isfinite(value):
        raise InputError("JSON contains an absurdly large number.")
    return value


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)  # to its end, or the data's
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def _max_nesting(data: bytes) -> int:
    """Bracket depth outside strings: refuses deep input before the recursive parser sees it.

    Strings (an unterminated one runs to the end) are cut out, then the brackets left are
    summed as +1 / -1 steps, all in C: linear and fast on large input."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data)).translate(_STEPS)
    return max(accumulate(array("b", brackets), initial=0))


def loads_bounded(data: bytes, what: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse untrusted JSON with size, depth and number limits; InputError on anything odd."""
    if len(data) > max_bytes:
        raise InputError(f"The {what} is too large ({len(data)} bytes; limit {max_bytes}).")
    depth = 0
    if data.count(b"[") + data.count(b"{") >= MAX_JSON_DEPTH:
        depth = _max_nesting(data)
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"The {what} is nested too deeply.")
    try:
        text = data.decode("utf-8")
        obj = json.loads(
            text,
            parse_constant=_no_constants,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
        )
    except InputError:
        raise
    except (ValueError, RecursionError) as exc:
        seems = looks_like(data)
        if not seems.startswith("JSON"):  # a file of another kind: say which
            raise InputError(f"The {what} should be JSON but looks like {seems}.") from exc
        where = f" ({exc.msg}, line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise InputError(f"The {what} is not valid JSON{where}.") from exc
    # The walk costs more than the parse on large input, and is needed only at the depth
    # limit itself (values inside the 64th bracket) or when a string may hold a lone surrogate
    # (which cannot be encoded again): only a \\uD800-\\uDFFF escape makes one.
    if depth == MAX_JSON_DEPTH or _SURROGATE_ESCAPE.search(data):
        _check_tree(obj, what)
    return obj
