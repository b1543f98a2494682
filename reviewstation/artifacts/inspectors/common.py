"""Bounded reading and clipping shared by the inspectors.

Inspectors parse hostile bytes. They read through a seekable stream of decrypted content, take
only what a format's bounds allow, and raise only ``InputError`` for malformed input. What
they return is JSON-able and clipped, so a summary stays small whatever the artifact holds.
"""

from __future__ import annotations

import json
import re
from typing import Any, BinaryIO

from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError

MAX_TEXT = 2000  # characters of one string in a summary
MAX_ITEMS = 50  # entries of one list or mapping in a summary
MAX_DEPTH = 6
_DRIVE = re.compile(r"^[A-Za-z]:")


def read_at(stream: BinaryIO, offset: int, length: int, size: int, what: str) -> bytes:
    """Exactly ``length`` bytes at ``offset``, or InputError if the content is shorter."""
    if offset < 0 or length < 0 or offset + length > size:
        raise InputError(f"The {what} runs past the end of the file.")
    stream.seek(offset)
    data = stream.read(length)
    if data is None or len(data) != length:
        raise InputError(f"The {what} runs past the end of the file.")
    return data


def clip_text(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [{len(text) - limit} more characters]"


def clip(obj: Any, *, text: int = MAX_TEXT, items: int = MAX_ITEMS, depth: int = MAX_DEPTH) -> Any:
    """A JSON-able copy with long strings, long lists, big mappings and deep nesting cut."""
    if isinstance(obj, str):
        return clip_text(obj, text)
    if obj is None or isinstance(obj, bool | int | float):
        return obj
    if depth <= 0:
        return "…"
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for index, (key, value) in enumerate(obj.items()):
            if index >= items:
                out["…"] = f"{len(obj) - items} more entries"
                break
            out[clip_text(str(key), 200)] = clip(value, text=text, items=items, depth=depth - 1)
        return out
    if isinstance(obj, list | tuple):
        clipped = [clip(v, text=text, items=items, depth=depth - 1) for v in obj[:items]]
        if len(obj) > items:
            clipped.append(f"… {len(obj) - items} more items")
        return clipped
    return clip_text(repr(obj), 200)


def printable(data: bytes, limit: int = 200) -> str:
    """Bytes from a file as safe display text (for names and keys inside binary formats)."""
    text = data[:limit].decode("utf-8", errors="replace")
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


def path_problem(location: str | None, owner: str) -> str | None:
    """Why a path that a file names beside itself (ONNX external data, a checkpoint shard)
    must not be followed, or None. A safe path is relative and stays inside ``owner``'s
    folder, with no ``..``, control characters or NUL."""
    if not location:
        return "names no location"
    if any(not c.isprintable() for c in location):
        return f"location {printable(location.encode(), 100)!r} holds control characters"
    if location.startswith(("/", "\\")) or _DRIVE.match(location):
        return f"location {location[:200]!r} is an absolute path"
    parts = re.split(r"[\\/]", location)
    if ".." in parts:
        depth = 0
        for part in parts:
            depth = depth - 1 if part == ".." else depth + (part not in ("", "."))
            if depth < 0:
                return f"location {location[:200]!r} escapes {owner}'s folder"
        return f"location {location[:200]!r} uses '..'"
    return None


def loader_json(
    data: bytes, what: str, limit: int, *, from_bytes: bool = False
) -> tuple[Any, str | None]:
    """JSON as the loader that will read it does (Python's ``json`` module, as Keras and
    transformers use), and why the strict reader refused it, if it did. Only what neither
    reads raises ``InputError``: a file the loader accepts is never left unread because the
    strict reader is stricter (``NaN``, a deep nesting, a long number). ``from_bytes``: the
    loader hands ``json.loads`` the bytes (Keras), which detects UTF-16, UTF-32 and a BOM;
    otherwise it decodes UTF-8 first (transformers)."""
    try:
        return loads_bounded(data, what, limit), None
    except InputError as strict:
        if len(data) > limit:
            raise
        try:
            return json.loads(data if from_bytes else data.decode("utf-8")), str(strict)
        except (ValueError, RecursionError) as exc:
            raise InputError(str(strict)) from exc
