"""Safe inspectors: what an artifact is and what it holds, by parsing alone.

Nothing from an artifact is ever executed, imported or unpickled. Inspectors read decrypted
content from the blob store through a seekable in-memory view (never a temporary file), take
bounded amounts, and return JSON-able summaries. Which inspector reads a file is decided by
its content, in the order of ``registry.INSPECTORS``. A parsing failure becomes an ``error``
field in the summary; it never stops an import.

``inspect_stream`` returns the JSON (what is stored); ``summarize`` and ``view`` return it
typed, through ``reviewstation.artifacts.inspection.parse_inspection``, the same constructor
that reads stored summaries and senders' claims.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from reviewstation.artifacts.blobstore import BlobReader, BlobRef
from reviewstation.artifacts.inspection import PICKLE_FORMATS, Inspection, parse_inspection
from reviewstation.artifacts.inspectors import pickle_scan
from reviewstation.artifacts.inspectors.registry import (
    Sniffed,
    dispatch,
    extension,
    format_guess,
    kind_guess,
)
from reviewstation.artifacts.stream import BlobCorrupt
from reviewstation.errors import ReviewStationError

# 2: allow-list-first pickle verdicts, not_scanned; 3: ONNX, Keras, NumPy, sharded indexes
INSPECTOR_VERSION = 3
HEAD_BYTES = 64 * 1024
WEIGHT_FORMATS = {".safetensors": "safetensors", ".gguf": "gguf"}


def summarize(vault: Path, ref: BlobRef, name: str) -> Inspection:
    """The summary stored with the artifact at import."""
    with BlobReader(vault, ref) as reader:
        return parse_inspection(inspect_stream(reader, ref.size, name, detail=False))  # type: ignore[arg-type]


def view(vault: Path, ref: BlobRef, name: str) -> Inspection:
    """The detailed view (previews, per-sample transcripts), computed on demand."""
    with BlobReader(vault, ref) as reader:
        return parse_inspection(inspect_stream(reader, ref.size, name, detail=True))  # type: ignore[arg-type]


def inspect_stream(stream: BinaryIO, size: int, name: str, *, detail: bool) -> dict[str, Any]:
    """The summary as JSON (the stored form)."""
    stream.seek(0)
    head = stream.read(min(size, HEAD_BYTES)) or b""
    try:
        result = _dispatch(Sniffed(stream, size, name, head, detail))
    except BlobCorrupt:
        raise
    except ReviewStationError as exc:
        result = {"format": format_guess(name, head), "kind": kind_guess(name), "error": str(exc)}
    except Exception as exc:  # a parser bug must not stop an import; the fuzz tests hunt these
        guess = format_guess(name, head)
        result = {
            "format": guess,
            "kind": kind_guess(name),
            "error": f"The {guess} inspector failed ({type(exc).__name__}); nothing was inferred.",
        }
    if result.get("format") not in PICKLE_FORMATS and pickle_scan.runs_code(stream, size):
        result = _polyglot(stream, size, name, result)
    result.setdefault("warnings", [])
    result["bytes"] = size
    result["inspector"] = INSPECTOR_VERSION
    return result


def _polyglot(stream: BinaryIO, size: int, name: str, other: dict[str, Any]) -> dict[str, Any]:
    """Content that another inspector read (or failed to read) but that an unpickler would
    also run: it is a pickle first, whatever else it is."""
    summary = pickle_scan.inspect(stream, size)
    summary["kind"] = kind_guess(name)
    summary["warnings"].insert(
        1,
        f"POLYGLOT: the content also reads as {other.get('format', 'another format')};"
        " loaded as a pickle it would run code.",
    )
    return summary


def _dispatch(sniffed: Sniffed) -> dict[str, Any]:
    _inspector, summary = dispatch(sniffed)
    claimed = WEIGHT_FORMATS.get(extension(sniffed.name))
    if claimed and summary.get("format") != claimed:
        # A disguise (a pickle named .safetensors) must not hide behind the name.
        summary.setdefault("warnings", []).insert(
            0, f"The name says {claimed}, but the content is {summary.get('format', 'unknown')}."
        )
    return summary
