"""Canonical JSON (what we hash, MAC and sign) and a bounded JSON reader for hostile input."""

from __future__ import annotations

import json
from typing import Any

from reviewstation.errors import InputError

MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_JSON_DEPTH = 64


def canonical(obj: Any) -> bytes:
    """Deterministic bytes: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def _depth(obj: Any) -> int:
    # Iterative so that a hostile nesting cannot exhaust the Python stack.
    deepest, stack = 0, [(obj, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return deepest


def _no_constants(name: str) -> Any:
    raise InputError(f"JSON contains the non-standard constant {name}.")


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > 40:
        raise InputError("JSON contains an absurdly large number.")
    return int(text)


def loads_bounded(data: bytes, what: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse untrusted JSON with size, depth and number limits; InputError on anything odd."""
    if len(data) > max_bytes:
        raise InputError(f"The {what} is too large ({len(data)} bytes; limit {max_bytes}).")
    # Cheap pre-check so a deeply nested document never reaches the recursive parser.
    if data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH:
        level = peak = 0
        for byte in data:
            if byte in b"[{":
                level += 1
                peak = max(peak, level)
            elif byte in b"]}":
                level -= 1
        if peak > MAX_JSON_DEPTH:
            raise InputError(f"The {what} is nested too deeply.")
    try:
        text = data.decode("utf-8")
        obj = json.loads(text, parse_constant=_no_constants, parse_int=_bounded_int)
    except InputError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"The {what} is not valid JSON.") from exc
    if _depth(obj) > MAX_JSON_DEPTH:
        raise InputError(f"The {what} is nested too deeply.")
    return obj
