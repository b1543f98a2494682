"""Safe inspectors: what an artifact is and what it holds, by parsing alone.

Nothing from an artifact is ever executed, imported or unpickled. Inspectors read decrypted
content from the blob store through a seekable in-memory view (never a temporary file), take
bounded amounts, and return JSON-able summaries. A parsing failure becomes an ``error`` field
in the summary; it never stops an import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from reviewstation.artifacts.blobstore import BlobReader, BlobRef
from reviewstation.artifacts.inspectors import (
    gguf,
    inspect_eval,
    model_signing,
    pickle_scan,
    safetensors,
    text,
    torch_zip,
    zipsafe,
)
from reviewstation.artifacts.inspectors.common import clip, printable
from reviewstation.artifacts.stream import BlobCorrupt
from reviewstation.errors import InputError, ReviewStationError

INSPECTOR_VERSION = 1
PICKLE_EXTENSIONS = (".pkl", ".pickle", ".bin", ".pt", ".pth", ".ckpt", ".joblib")
WEIGHT_EXTENSIONS = (".bin", ".pt", ".pth", ".ckpt")
HEAD_BYTES = 64 * 1024
WEIGHT_FORMATS = {".safetensors": "safetensors", ".gguf": "gguf"}


def summarize(vault: Path, ref: BlobRef, name: str) -> dict[str, Any]:
    """The summary stored with the artifact at import."""
    with BlobReader(vault, ref) as reader:
        return inspect_stream(reader, ref.size, name, detail=False)  # type: ignore[arg-type]


def view(vault: Path, ref: BlobRef, name: str) -> dict[str, Any]:
    """The detailed view (previews, per-sample transcripts), computed on demand."""
    with BlobReader(vault, ref) as reader:
        return inspect_stream(reader, ref.size, name, detail=True)  # type: ignore[arg-type]


def inspect_stream(stream: BinaryIO, size: int, name: str, *, detail: bool) -> dict[str, Any]:
    stream.seek(0)
    head = stream.read(min(size, HEAD_BYTES)) or b""
    guess = "unknown"
    try:
        result = _dispatch(stream, size, name, head, detail)
    except BlobCorrupt:
        raise
    except ReviewStationError as exc:
        result = {"format": _guess(name, head), "kind": _kind_guess(name), "error": str(exc)}
    except Exception as exc:  # a parser bug must not stop an import; the fuzz tests hunt these
        guess = _guess(name, head)
        result = {
            "format": guess,
            "kind": _kind_guess(name),
            "error": f"The {guess} inspector failed ({type(exc).__name__}); nothing was inferred.",
        }
    result.setdefault("warnings", [])
    result["bytes"] = size
    result["inspector"] = INSPECTOR_VERSION
    return result


def _ext(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    return "." + base.rsplit(".", 1)[1] if "." in base else ""


def _guess(name: str, head: bytes) -> str:
    ext = _ext(name)
    if gguf.looks_like(head):
        return "gguf"
    if zipsafe.looks_like(head):
        return "zip"
    if pickle_scan.looks_like(head):
        return "pickle"
    if ext == ".safetensors":
        return "safetensors"
    if ext in PICKLE_EXTENSIONS:
        return "pickle"
    return text.EXTENSIONS.get(ext, "binary")


def _kind_guess(name: str) -> str:
    ext = _ext(name)
    if ext in (".safetensors", ".gguf", *WEIGHT_EXTENSIONS):
        return "weights"
    if ext == ".eval":
        return "eval_log"
    return "other"


def _dispatch(stream: BinaryIO, size: int, name: str, head: bytes, detail: bool) -> dict[str, Any]:
    summary = _by_content(stream, size, name, head, detail)
    claimed = WEIGHT_FORMATS.get(_ext(name))
    if claimed and summary.get("format") != claimed:
        # A disguise (a pickle named .safetensors) must not hide behind the name.
        summary.setdefault("warnings", []).insert(
            0, f"The name says {claimed}, but the content is {summary.get('format', 'unknown')}."
        )
    return summary


def _by_content(
    stream: BinaryIO, size: int, name: str, head: bytes, detail: bool
) -> dict[str, Any]:
    """The content decides; the name only breaks ties and names a broken file's format."""
    ext = _ext(name)
    if gguf.looks_like(head):
        return gguf.inspect(stream, size)
    if safetensors.looks_like(head, size):
        return safetensors.inspect(stream, size)
    if zipsafe.looks_like(head):
        return _zip(stream, size, name, detail)
    if ext == ".safetensors" and not pickle_scan.looks_like(head):
        try:
            return safetensors.inspect(stream, size)  # says what is wrong with the header
        except InputError:
            try:
                return pickle_scan.inspect(stream, size)  # an old-protocol pickle in disguise
            except InputError:
                pass
            raise
    if model_signing.looks_like(name, head):
        stream.seek(0)
        if size > model_signing.MAX_BUNDLE:
            raise InputError("The signature bundle is too large.")
        return model_signing.summarize(stream.read(size) or b"")
    if pickle_scan.looks_like(head) or ext in PICKLE_EXTENSIONS:
        try:
            summary = pickle_scan.inspect(stream, size)
            summary["kind"] = "weights" if ext in WEIGHT_EXTENSIONS else "other"
            return summary
        except InputError:
            if pickle_scan.looks_like(head):
                raise
    if ext == ".json" and b'"eval"' in head and b'"version"' in head:
        try:
            return inspect_eval.inspect_json(stream, size, detail=detail)
        except InputError:
            pass
    if head.startswith(b"%PDF-"):
        return {"format": "pdf", "kind": "document", "version": printable(head[5:8], 8)}
    fmt = text.EXTENSIONS.get(ext)
    if fmt is not None or text.is_text(head):
        try:
            return text.inspect(stream, size, name, fmt or "text", detail=detail)
        except InputError:
            pass
    return {"format": "binary", "kind": _kind_guess(name), "magic": head[:16].hex()}


def _zip(stream: BinaryIO, size: int, name: str, detail: bool) -> dict[str, Any]:
    archive = zipsafe.open_zip(stream, size)
    names = [info.filename for info in archive.infolist()]
    if name.lower().endswith(".eval") or "header.json" in names or "_journal/start.json" in names:
        return inspect_eval.inspect_zip(stream, size, detail=detail)
    if torch_zip.is_torch(names):
        return torch_zip.inspect(archive)
    return {
        "format": "zip",
        "kind": "other",
        "members": len(names),
        "names": clip([n[:300] for n in names], items=100),
        "uncompressed_bytes": sum(i.file_size for i in archive.infolist()),
    }
