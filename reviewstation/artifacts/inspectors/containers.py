"""Pickles inside other formats, found by content whatever the names say.

- NumPy ``.npy``: an array of objects is stored as a pickle after the header.
- Compressed joblib (zlib, gzip, bz2, xz, lzma): decompressed with the standard library as it
  is scanned, up to ``MAX_INFLATED`` bytes; LZ4 (no standard decompressor) is not scanned.
- ZIP archives (PyTorch checkpoints, NumPy ``.npz``, Keras ``.keras``, plain archives): every
  member is sniffed (pickle, ``.npy``, nested ZIP, compressed pickle) and every pickle found is
  scanned, streamed from the archive, never extracted. A PyTorch checkpoint's tensor storages
  (``<name>/data/<key>``) are raw bytes ``torch.load`` never unpickles: not sniffed.

Work is bounded (``MAX_MEMBERS`` sniffed in all, ``MAX_NESTED`` bytes for a nested archive,
``MAX_DEPTH`` levels); what a bound leaves out is listed in ``not_scanned``, and a summary
with anything there is never "expected".
"""

from __future__ import annotations

import ast
import bz2
import io
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from reviewstation.artifacts.inspectors import pickle_scan, zipsafe
from reviewstation.artifacts.inspectors.pickle_scan import InflatingSource, Scan, Source
from reviewstation.errors import InputError

NPY_MAGIC = b"\x93NUMPY"
MAX_NPY_HEADER = 1024 * 1024
MAX_INFLATED = 1024 * 1024 * 1024
MAX_MEMBERS = 20_000  # members sniffed in one archive, nested ones included
MAX_NESTED = 128 * 1024 * 1024  # a ZIP inside a ZIP is read into memory
MAX_DEPTH = 3
SNIFF = 64  # bytes of a member read to tell what it is
PICKLE_NAMES = (".pkl", ".pickle", ".joblib", ".dill", ".pt", ".pth", ".ckpt", ".bin", ".p")
_STORAGE = re.compile(r"(^|/)data/\d+$")
LZ4_MAGIC = b"\x04\x22\x4d\x18"


# -- NumPy .npy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NpyHeader:
    descr: Any
    shape: Any
    data_offset: int

    @property
    def has_object(self) -> bool:
        return _descr_has_object(self.descr, 0)


def _descr_has_object(descr: Any, depth: int) -> bool:
    if depth > 16:
        return True  # too deep to tell: the safe side
    if isinstance(descr, str):
        return descr.lstrip("<>|=").startswith("O")
    if isinstance(descr, list | tuple):
        return any(_descr_has_object(item, depth + 1) for item in descr)
    return True


def npy_header(head: bytes) -> NpyHeader:
    """The header of a ``.npy`` file (``InputError`` if it is malformed)."""
    if not head.startswith(NPY_MAGIC) or len(head) < 10:
        raise InputError("The NumPy file has no valid magic.")
    major = head[6]
    if major == 1:
        (length,), start = struct.unpack("<H", head[8:10]), 10
    elif major in (2, 3) and len(head) >= 12:
        (length,), start = struct.unpack("<I", head[8:12]), 12
    else:
        raise InputError(f"The NumPy file has an unknown format version {major}.")
    if length > MAX_NPY_HEADER or start + length > len(head):
        raise InputError("The NumPy header is larger than the file or the limit.")
    text = head[start : start + length].decode("latin-1" if major < 3 else "utf-8", "replace")
    try:
        fields = ast.literal_eval(text.strip())  # literals only: never code
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError) as exc:
        raise InputError("The NumPy header is not a literal dictionary.") from exc
    if not isinstance(fields, dict) or "descr" not in fields:
        raise InputError("The NumPy header has no 'descr'.")
    return NpyHeader(fields["descr"], fields.get("shape"), start + length)


def scan_npy(stream: BinaryIO, size: int, scan: Scan, where: str = "") -> bool:
    """Scan the pickle of an object array; False when the array is plain data."""
    stream.seek(0)
    head = stream.read(min(size, MAX_NPY_HEADER + 16)) or b""
    header = npy_header(head)
    if not header.has_object:
        return False
    scan.containers.append("NumPy .npy (object array)")
    scan.stream(Source(stream, header.data_offset, size), many=False, where=where)
    return True


# -- compressed pickles (joblib) -----------------------------------------------------------


def compression(head: bytes) -> tuple[str, int, Callable[[], Any]] | None:
    """(name, offset of the compressed data, decompressor factory) if ``head`` starts a
    stream joblib may have written."""
    if head[:2] == b"ZF":  # joblib < 0.10: 'ZF', a 19-byte hex length, then zlib
        return "zlib (old joblib)", 21, zlib.decompressobj
    if len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0:
        return "zlib", 0, zlib.decompressobj
    if head[:3] == b"\x1f\x8b\x08":
        return "gzip", 0, lambda: zlib.decompressobj(31)
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return "bz2", 0, bz2.BZ2Decompressor
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz", 0, lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ)
    if head[:3] == b"]\x00\x00":
        return "lzma", 0, lambda: lzma.LZMADecompressor(lzma.FORMAT_ALONE)
    return None


def scan_compressed(stream: BinaryIO, size: int, name: str, scan: Scan, where: str = "") -> bool:
    """Scan a compressed pickle; False when the content is not one (a ``.gz`` of text)."""
    stream.seek(0)
    head = stream.read(64) or b""
    if head.startswith(LZ4_MAGIC):
        if not name.lower().endswith((*PICKLE_NAMES, ".lz4")):
            return False
        scan.containers.append("LZ4-compressed")
        scan.not_scanned.append(
            f"{where + ': ' if where else ''}the whole content: LZ4-compressed, which no"
            " standard-library decompressor reads"
        )
        return True
    found = compression(head)
    if found is None:
        return False
    kind, offset, factory = found
    probe = InflatingSource(stream, offset, size, factory(), MAX_INFLATED)
    try:
        proto = pickle_scan.looks_like(probe.peek(2))
    except (pickle_scan.PastEnd, pickle_scan.TooLarge):
        return False
    if not proto and not pickle_scan.source_parses(probe):
        return False
    scan.containers.append(f"{kind}-compressed")
    source = InflatingSource(stream, offset, size, factory(), MAX_INFLATED)
    scan.stream(source, many=True, where=where)
    left = source.left_over()
    if left and not scan.not_scanned:
        scan.not_scanned.append(
            f"{where + ': ' if where else ''}{left:,} bytes after the compressed stream"
        )
    return True


# -- ZIP archives --------------------------------------------------------------------------


@dataclass
class ArchiveScan:
    """The pickles found in an archive, member by member, and the scan over all of them."""

    scan: Scan = field(default_factory=Scan)
    members: list[dict[str, Any]] = field(default_factory=list)
    sniffed: int = 0


def is_torch(names: list[str]) -> bool:
    return any(n.endswith(".pkl") for n in names)


def scan_archive(
    archive: zipfile.ZipFile,
    result: ArchiveScan,
    *,
    torch: bool,
    prefix: str = "",
    depth: int = 0,
) -> None:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    for index, info in enumerate(infos):
        name = prefix + info.filename[:300]
        if torch and _STORAGE.search(info.filename) and not info.filename.endswith(".pkl"):
            continue  # a raw tensor storage: torch.load reads its bytes, never unpickles them
        if result.sniffed >= MAX_MEMBERS:
            left = len(infos) - index
            where = f" of {prefix.rstrip('/')}" if prefix else ""
            result.scan.not_scanned.append(
                f"not scanned: {left:,} members{where} (over the {MAX_MEMBERS:,}-member budget)"
            )
            return
        result.sniffed += 1
        try:
            _scan_member(archive, info, name, result, depth)
        except InputError as exc:
            result.members.append({"member": name, "error": str(exc)[:300]})
            result.scan.not_scanned.append(f"{name}: {str(exc)[:300]}")


def _open(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    if info.flag_bits & 0x1:
        raise InputError("encrypted, so not read")
    if info.compress_type == zipsafe.ZSTD:
        return io.BytesIO(zipsafe.read_member(archive, info, MAX_NESTED))
    try:
        return archive.open(info)  # type: ignore[return-value]
    except zipsafe.ZIP_ERRORS as exc:
        raise InputError(f"unreadable ({type(exc).__name__})") from exc


def _scan_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, result: ArchiveScan, depth: int
) -> None:
    try:
        with _open(archive, info) as member:
            head = member.read(SNIFF) or b""
            member.seek(0)
            size = info.file_size
            if head.startswith(NPY_MAGIC):
                _record(result, name, lambda s: scan_npy(member, size, s, name))
            elif zipsafe.looks_like(head):
                _nested(archive, info, name, result, depth)
            elif pickle_scan.looks_like(head) or info.filename.lower().endswith(PICKLE_NAMES):
                _record(result, name, lambda s: _scan_pickle(member, size, s, name, head))
            elif compression(head) or head.startswith(LZ4_MAGIC):
                _record(result, name, lambda s: scan_compressed(member, size, name, s, name))
            elif pickle_scan.parses_as_pickle(member, size):
                _record(result, name, lambda s: _scan_pickle(member, size, s, name, head))
    except zipsafe.ZIP_ERRORS as exc:
        raise InputError(f"unreadable ({type(exc).__name__})") from exc


def _scan_pickle(stream: BinaryIO, size: int, scan: Scan, where: str, head: bytes) -> bool:
    source = Source(stream, 0, size)
    scan.stream(source, many=True, where=where)
    sure = pickle_scan.looks_like(head) or where.endswith(".pkl")  # what torch.load unpickles
    if scan.pickles == 0 and not scan.imports and not sure:
        scan.not_scanned.clear()
        return False  # named like a pickle (".bin"), is not one
    return True


def _record(result: ArchiveScan, name: str, scan_it: Callable[[Scan], bool]) -> None:
    member = Scan()
    if not scan_it(member):
        return
    merge(result.scan, member)
    result.members.append({"member": name, "verdict": member.verdict(), "opcodes": member.opcodes})


def merge(into: Scan, part: Scan) -> None:
    into.imports.update(part.imports)
    into.calls += part.calls
    into.opcodes += part.opcodes
    into.pickles += part.pickles
    into.untracked = into.untracked or part.untracked
    into.object_arrays = into.object_arrays or part.object_arrays
    into.not_scanned.extend(part.not_scanned)
    if into.protocol is None:
        into.protocol = part.protocol
    for container in part.containers:
        if container not in into.containers:
            into.containers.append(container)


def _nested(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, result: ArchiveScan, depth: int
) -> None:
    if depth + 1 >= MAX_DEPTH:
        raise InputError(f"an archive nested more than {MAX_DEPTH} deep; not scanned")
    data = zipsafe.read_member(archive, info, MAX_NESTED)
    inner = zipsafe.open_zip(io.BytesIO(data), len(data))
    names = [i.filename for i in inner.infolist()]
    scan_archive(inner, result, torch=is_torch(names), prefix=name + "/", depth=depth + 1)
