"""Previews of text artifacts: plain text, Markdown, JSON, JSON Lines, CSV. Size-limited."""

from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO

from reviewstation.artifacts.inspectors.common import clip, clip_text
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError

SUMMARY_BYTES = 64 * 1024
VIEW_BYTES = 1024 * 1024
SUMMARY_CHARS = 2000
VIEW_CHARS = 200_000
MAX_JSON_PARSE = 4 * 1024 * 1024  # parsed whole at import (bounded memory)
MAX_JSON_PARSE_VIEW = 16 * 1024 * 1024
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".log": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".rst": "text",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".yaml": "text",
    ".yml": "text",
    ".toml": "text",
    ".cfg": "text",
    ".ini": "text",
    ".py": "text",
    ".sh": "text",
    ".html": "text",
    ".xml": "text",
}
CONFIG_NAMES = (
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "preprocessor_config.json",
)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:  # a character cut by the preview limit
            return data[: exc.start].decode("utf-8", errors="replace")
        return data.decode("utf-8", errors="replace")


def is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    text = _decode(head)
    if not text:
        return True
    odd = sum(1 for c in text if not (c.isprintable() or c in "\n\r\t\f"))
    return odd / len(text) < 0.02 and text.count("\ufffd") / len(text) < 0.02


def _kind(name: str, fmt: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    if "system_card" in base or "system-card" in base or "systemcard" in base:
        return "system_card"
    if "model_card" in base or "model-card" in base or "modelcard" in base or base == "readme.md":
        return "model_card"
    if base in CONFIG_NAMES or base.endswith((".yaml", ".yml", ".toml", ".cfg", ".ini")):
        return "config"
    if fmt in ("csv", "jsonl"):
        return "dataset"
    return "document"


def inspect(
    stream: BinaryIO, size: int, name: str, fmt: str, *, detail: bool = False
) -> dict[str, Any]:
    limit = VIEW_BYTES if detail else SUMMARY_BYTES
    chars = VIEW_CHARS if detail else SUMMARY_CHARS
    stream.seek(0)
    head = stream.read(min(size, limit)) or b""
    if not is_text(head):
        raise InputError("The file is not text.")
    text = _decode(head)
    complete = size <= limit
    summary: dict[str, Any] = {
        "format": fmt,
        "kind": _kind(name, fmt),
        "bytes": size,
        "preview": clip_text(text, chars),
        "preview_complete": complete and len(text) <= chars,
        "lines": text.count("\n") + (1 if text and not text.endswith("\n") else 0)
        if complete
        else None,
        "warnings": [],
    }
    if fmt == "markdown":
        headings = [line.strip() for line in text.splitlines() if line.startswith("#")]
        summary["headings"] = [clip_text(h, 200) for h in headings[:100]]
    elif fmt == "json":
        summary.update(_json(stream, size, MAX_JSON_PARSE_VIEW if detail else MAX_JSON_PARSE))
    elif fmt == "jsonl":
        records = []
        for line in text.splitlines()[:5]:
            try:
                records.append(loads_bounded(line.encode(), "JSON line", SUMMARY_BYTES))
            except InputError:
                summary["warnings"].append("Some lines are not valid JSON.")
                break
        summary["first_records"] = clip(records, text=200, items=20, depth=3)
    elif fmt == "csv":
        summary.update(_csv(text, name))
    return summary


def _json(stream: BinaryIO, size: int, limit: int) -> dict[str, Any]:
    if size > limit:
        return {"json": {"parsed": False, "reason": f"larger than {limit} bytes"}}
    stream.seek(0)
    try:
        obj = loads_bounded(stream.read(size) or b"", "JSON file", limit)
    except InputError as exc:
        return {"json": {"parsed": False, "reason": str(exc)}}
    info: dict[str, Any] = {"parsed": True, "type": type(obj).__name__}
    if isinstance(obj, dict):
        info["keys"] = [clip_text(str(k), 200) for k in list(obj)[:100]]
        info["key_count"] = len(obj)
    elif isinstance(obj, list):
        info["length"] = len(obj)
    return {"json": info}


def _csv(text: str, name: str) -> dict[str, Any]:
    dialect = "excel-tab" if name.lower().endswith(".tsv") else "excel"
    rows: list[list[str]] = []
    try:
        for index, row in enumerate(csv.reader(io.StringIO(text), dialect=dialect)):
            if index >= 21:
                break
            rows.append([clip_text(cell, 200) for cell in row[:100]])
    except csv.Error:
        return {"csv": {"parsed": False}}
    return {
        "csv": {
            "parsed": True,
            "header": rows[0] if rows else [],
            "columns": len(rows[0]) if rows else 0,
            "sample_rows": rows[1:21],
        }
    }
