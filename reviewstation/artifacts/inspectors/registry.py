"""Which inspector reads a file: an explicit, ordered registry, decided by content.

Each entry says what content it recognises (``recognises``, from the first 64 KiB, the size
and, only where content alone is ambiguous, the name) and how to read it (``inspect``). The
first entry that recognises the file and returns a summary wins; an entry may return ``None``
("not mine after all") to let the next one try. The order is the precedence and is tested
(``tests/artifacts/test_inspection_types.py``):

1. ``gguf``: the ``GGUF`` magic.
2. ``safetensors``: an 8-byte header length that fits the file, then ``{``.
3. ``zip``: a ZIP signature; inside, an Inspect log (``header.json`` or the journal, or the
   ``.eval`` name), a PyTorch checkpoint (``*.pkl`` members), or another archive, whose
   members are all sniffed for pickles: with any, ``zip-with-pickles`` (a Keras ``.keras``
   or NumPy ``.npz`` says so in ``container``); without, a Keras archive (``config.json`` and
   ``metadata.json``) is ``keras``, an archive of ``.npy`` members ``npz``, else ``zip``.
4. ``tar``: the ``ustar`` magic; every regular file sniffed for pickles as ZIP members are
   (the oldest ``torch.save`` format is a tar); with any, ``tar-with-pickles``, else the
   file falls through (a plain tar is shown as binary).
5. ``safetensors-header``: named ``.safetensors`` but not recognised above and not a
   protocol 2+ pickle: the safetensors reader says what is wrong with the header, unless the
   content reads as an old-protocol pickle, which is scanned as one. (A protocol 2+ pickle
   named ``.safetensors`` never gets here: entry 11 scans it by its content.)
6. ``model-signing``: a JSON object with a ``dsseEnvelope`` in a ``*.sig`` / sigstore file.
7. ``npy``: the ``\x93NUMPY`` magic; an object array (a pickle after the header) is
   scanned as a pickle, plain values are ``npy`` (header checked against the size).
8. ``hdf5``: the HDF5 signature (legacy Keras ``.h5``): the Keras config found as text in
   it is read; without one, the file is reported not inspected.
9. ``onnx``: named ``.onnx`` (protobuf has no magic) and not a protocol 2+ pickle: the
   ModelProto read from the wire.
10. ``compressed-pickle``: a zlib / gzip / bz2 / xz / lzma stream (compressed joblib) whose
   content is a pickle, decompressed as scanned within a bound; LZ4 (no standard-library
   decompressor) under a pickle name is reported unscanned.
11. ``pickle``: the PROTO opcode or a pickle-family name, or, whatever the name, content that
   parses as a well-formed protocol 0/1 pickle (they have no magic); a named file that does
   not parse as a pickle falls through.
12. ``sharded-index``: named ``*.index.json`` with a ``weight_map``: a sharded checkpoint.
13. ``inspect-json``: a ``.json`` file whose head has ``"eval"`` and ``"version"``.
14. ``pdf``: ``%PDF-``.
15. ``text``: a text extension, or a head that decodes as text.
16. ``binary``: anything else (the first 16 bytes in hex).

Whatever an entry returns, content that an unpickler would run is reported as a pickle
first (``inspectors.inspect_stream``: the polyglot check).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors import (
    containers,
    gguf,
    inspect_eval,
    keras,
    model_signing,
    numpy_files,
    onnx,
    pickle_scan,
    safetensors,
    sharded,
    text,
    torch_zip,
)
from reviewstation.artifacts.inspectors.common import clip, printable
from reviewstation.errors import InputError

PICKLE_EXTENSIONS = (".pkl", ".pickle", ".bin", ".pt", ".pth", ".ckpt", ".joblib", ".dill")
WEIGHT_EXTENSIONS = (".bin", ".pt", ".pth", ".ckpt")


@dataclass(frozen=True)
class Sniffed:
    """What an inspector may look at: the stream, its size, its first bytes and its name."""

    stream: BinaryIO
    size: int
    name: str
    head: bytes
    detail: bool

    @property
    def ext(self) -> str:
        return extension(self.name)


def extension(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    return "." + base.rsplit(".", 1)[1] if "." in base else ""


Summary = dict[str, Any]


@dataclass(frozen=True)
class Inspector:
    name: str
    recognises: Callable[[Sniffed], bool]
    inspect: Callable[[Sniffed], Summary | None]  # None: not this format after all


# -- the entries -------------------------------------------------------------------------


def _safetensors_header(s: Sniffed) -> Summary | None:
    try:
        return safetensors.inspect(s.stream, s.size)  # says what is wrong with the header
    except InputError:
        try:
            return pickle_scan.inspect(s.stream, s.size)  # an old-protocol pickle in disguise
        except InputError:
            pass
        raise


def _model_signing(s: Sniffed) -> Summary:
    s.stream.seek(0)
    if s.size > model_signing.MAX_BUNDLE:
        raise InputError("The signature bundle is too large.")
    return model_signing.summarize(s.stream.read(s.size) or b"")


def _pickle(s: Sniffed) -> Summary | None:
    named = pickle_scan.looks_like(s.head) or s.ext in PICKLE_EXTENSIONS
    if not named and not pickle_scan.parses_as_pickle(s.stream, s.size):
        return None  # protocols 0 and 1 have no magic: only a well-formed pickle is one
    try:
        summary = pickle_scan.inspect(s.stream, s.size)
    except InputError:
        if pickle_scan.looks_like(s.head):
            raise
        return None
    summary["kind"] = "weights" if s.ext in WEIGHT_EXTENSIONS else "other"
    return summary


def _npy(s: Sniffed) -> Summary | None:
    scan = pickle_scan.Scan()
    if not containers.scan_npy(s.stream, s.size, scan):
        return numpy_files.inspect_npy(s.stream, s.size)  # plain values: data, not code
    summary = scan.summary()
    summary["kind"] = "other"
    summary["container"] = ", ".join(scan.containers)
    return summary


def _compressed(s: Sniffed) -> Summary | None:
    scan = pickle_scan.Scan()
    if not containers.scan_compressed(s.stream, s.size, s.name, scan):
        return None
    summary = scan.summary()
    summary["kind"] = "weights" if s.ext in WEIGHT_EXTENSIONS else "other"
    if "joblib.numpy_pickle.NumpyArrayWrapper" in scan.imports:
        scan.containers.append("joblib")
    summary["container"] = ", ".join(scan.containers)
    return summary


def _inspect_json(s: Sniffed) -> Summary | None:
    try:
        return inspect_eval.inspect_json(s.stream, s.size, detail=s.detail)
    except InputError:
        return None


def _text(s: Sniffed) -> Summary | None:
    try:
        fmt = text.EXTENSIONS.get(s.ext) or "text"
        return text.inspect(s.stream, s.size, s.name, fmt, detail=s.detail)
    except InputError:
        return None


def _zip(s: Sniffed) -> Summary:
    archive = ziparchive.open_zip(s.stream, s.size)
    names = [info.filename for info in archive.infolist()]
    if s.ext == ".eval" or "header.json" in names or "_journal/start.json" in names:
        return inspect_eval.inspect_zip(s.stream, s.size, detail=s.detail)
    if keras.looks_like_keras(names, s.ext):
        with_pickles = torch_zip.inspect_other(archive)
        if with_pickles is None:
            return keras.inspect_keras(archive)
        return _with_container(with_pickles, "Keras .keras", _keras_warnings(archive))
    if numpy_files.looks_like_npz(names, s.ext):
        with_pickles = torch_zip.inspect_other(archive)
        if with_pickles is None:
            return numpy_files.inspect_npz(archive)
        return _with_container(with_pickles, "NumPy .npz", [])
    if torch_zip.is_torch(names):
        return torch_zip.inspect(archive)
    with_pickles = torch_zip.inspect_other(archive)
    if with_pickles is not None:
        return with_pickles
    return {
        "format": "zip",
        "kind": "other",
        "members": len(names),
        "names": clip([n[:300] for n in names], items=100),
        "uncompressed_bytes": sum(i.file_size for i in archive.infolist()),
    }


def _keras_warnings(archive: zipfile.ZipFile) -> list[str]:
    """A Keras archive with pickles inside is a pickle container first; what its config
    says (Lambda layers, custom objects) goes with it as warnings."""
    facts, found = keras.keras_facts(archive)
    model = facts.get("model_class")
    said = [f"Keras model ({model}, {found.layers} layers)." if model else "Keras archive."]
    return said + keras.warnings_for(found)


def _with_container(summary: Summary, container: str, warnings: list[str]) -> Summary:
    summary["container"] = ", ".join(p for p in (container, summary.get("container")) if p)[:300]
    summary["warnings"].extend(warnings)
    return summary


def _hdf5(s: Sniffed) -> Summary:
    summary = keras.inspect_hdf5(s.stream, s.size)
    summary["kind"] = kind_guess(s.name)
    return summary


def kind_guess(name: str) -> str:
    ext = extension(name)
    if ext in (".safetensors", ".gguf", ".onnx", ".keras", ".h5", *WEIGHT_EXTENSIONS):
        return "weights"
    if ext == ".eval":
        return "eval_log"
    return "other"


INSPECTORS: tuple[Inspector, ...] = (
    Inspector("gguf", lambda s: gguf.looks_like(s.head), lambda s: gguf.inspect(s.stream, s.size)),
    Inspector(
        "safetensors",
        lambda s: safetensors.looks_like(s.head, s.size),
        lambda s: safetensors.inspect(s.stream, s.size),
    ),
    Inspector("zip", lambda s: ziparchive.looks_like(s.head), _zip),
    Inspector(
        "tar",
        lambda s: containers.looks_like_tar(s.head),
        lambda s: torch_zip.inspect_tar(s.stream, s.size),
    ),
    Inspector(
        "safetensors-header",
        lambda s: s.ext == ".safetensors" and not pickle_scan.looks_like(s.head),
        _safetensors_header,
    ),
    Inspector("model-signing", lambda s: model_signing.looks_like(s.name, s.head), _model_signing),
    Inspector("npy", lambda s: s.head.startswith(containers.NPY_MAGIC), _npy),
    Inspector("hdf5", lambda s: keras.looks_like_hdf5(s.head), _hdf5),
    Inspector(
        "onnx",
        lambda s: s.ext == ".onnx" and not pickle_scan.looks_like(s.head),
        lambda s: onnx.inspect(s.stream, s.size),
    ),
    Inspector(
        "compressed-pickle",
        lambda s: (
            containers.compression(s.head) is not None or s.head.startswith(containers.LZ4_MAGIC)
        ),
        _compressed,
    ),
    Inspector("pickle", lambda s: True, _pickle),
    Inspector(
        "sharded-index",
        lambda s: sharded.looks_like(s.name),
        lambda s: sharded.inspect(s.stream, s.size, s.name),
    ),
    Inspector(
        "inspect-json",
        lambda s: s.ext == ".json" and b'"eval"' in s.head and b'"version"' in s.head,
        _inspect_json,
    ),
    Inspector(
        "pdf",
        lambda s: s.head.startswith(b"%PDF-"),
        lambda s: {"format": "pdf", "kind": "document", "version": printable(s.head[5:8], 8)},
    ),
    Inspector("text", lambda s: s.ext in text.EXTENSIONS or text.is_text(s.head), _text),
    Inspector(
        "binary",
        lambda s: True,
        lambda s: {"format": "binary", "kind": kind_guess(s.name), "magic": s.head[:16].hex()},
    ),
)


def dispatch(sniffed: Sniffed) -> tuple[Inspector, Summary]:
    """The first inspector that recognises the content and reads it, and its summary.
    ``InputError`` from an inspector that recognised the file propagates (the caller turns it
    into a summary with ``error``)."""
    for inspector in INSPECTORS:
        if inspector.recognises(sniffed):
            summary = inspector.inspect(sniffed)
            if summary is not None:
                return inspector, summary
    raise AssertionError("the binary inspector recognises everything")  # pragma: no cover


def format_guess(name: str, head: bytes) -> str:
    """The format a file that could not be read most likely has (named in its error)."""
    ext = extension(name)
    if gguf.looks_like(head):
        return "gguf"
    if ziparchive.looks_like(head):
        return "zip"
    if pickle_scan.looks_like(head):
        return "pickle"
    if ext == ".safetensors":
        return "safetensors"
    if ext == ".onnx":
        return "onnx"
    if ext in PICKLE_EXTENSIONS:
        return "pickle"
    return text.EXTENSIONS.get(ext, "binary")
