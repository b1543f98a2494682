"""Pickles inside other formats, found by content whatever the names say.

- NumPy ``.npy``: an array of objects is stored as a pickle after the header.
- Compressed joblib (zlib, gzip, bz2, xz, lzma): decompressed with the standard library as it
  is scanned, up to ``MAX_INFLATED`` bytes; LZ4 (no standard decompressor) is not scanned.
- tar archives (the oldest ``torch.save`` format, and any tar), walked header by header:
  every regular file scanned as a ZIP member is.
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
from typing import Any, BinaryIO, cast

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors import pickle_scan
from reviewstation.artifacts.inspectors.pickle_scan import InflatingSource, Scan, Source
from reviewstation.artifacts.stream import BlobCorrupt
from reviewstation.errors import InputError

NPY_MAGIC = b"\x93NUMPY"
MAX_NPY_HEADER = 1024 * 1024
MAX_INFLATED = 1024 * 1024 * 1024
MAX_MEMBERS = 100_000  # members sniffed in one archive, nested ones included (ziparchive allows
# 100,000 entries, so a top-level archive that opens at all is sniffed whole)
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
    fortran_order: Any = False
    version: int = 1

    @property
    def has_object(self) -> bool:
        return _descr_has_object(self.descr, 0)


# The only type strings NumPy writes for plain values (``'<f4'``, ``'|b1'``, ``'<M8[ns]'``).
PLAIN_DESCR = re.compile(r"^[<>|=]?([biufcSUVMm?])(\d*)(\[[A-Za-z0-9]+\])?$")


def _descr_has_object(descr: Any, depth: int) -> bool:
    """Whether a NumPy ``descr`` may hold objects. Allow-list first: only a plain type
    string NumPy writes, or a structured list of ``(name, descr[, shape])`` fields that are
    all plain, is data; anything else NumPy also accepts (``'object'``, ``'(2,)O'``,
    ``'i4,O'``, a tuple, a dict) is taken as objects, and scanned as a pickle."""
    if depth > 16:
        return True  # too deep to tell: the safe side
    if isinstance(descr, str):
        return PLAIN_DESCR.match(descr) is None
    if isinstance(descr, list) and descr:
        for item in descr:
            if not isinstance(item, tuple) or len(item) not in (2, 3):
                return True
            if _descr_has_object(item[1], depth + 1):
                return True
        return False
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
    return NpyHeader(
        fields["descr"], fields.get("shape"), start + length, fields.get("fortran_order"), major
    )


def scan_npy(stream: BinaryIO, size: int, scan: Scan, where: str = "") -> bool:
    """Scan the pickle of an object array; False when the array is plain data."""
    stream.seek(0)
    head = stream.read(min(size, MAX_NPY_HEADER + 16)) or b""
    header = npy_header(head)
    if not header.has_object:
        return False
    scan.containers.append("NumPy .npy (object array)")
    scan.stream(Source(stream, header.data_offset, size), many=False, where=where)
    if scan.pickles == 0 and not scan.not_scanned:
        scan.not_scanned.append(
            f"{where + ': ' if where else ''}the array data: the header's dtype"
            f" {str(header.descr)[:80]!r} is not a plain one NumPy writes, and no pickle follows"
        )
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
    infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
    for index, info in enumerate(infos):
        name = prefix + (info.filename[:300] or "<no name>")
        if torch and _STORAGE.search(info.filename) and not _npy_inside(archive, info):
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
            _unscanned(result, name, str(exc))
        except BlobCorrupt:
            raise
        except Exception as exc:  # zipfile's decompressors raise OSError, EOFError, ...
            _unscanned(result, name, f"unreadable ({type(exc).__name__})")


def _npy_inside(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a member named like a tensor storage is a ``.npy`` (or a ``.pkl``): torch.load
    reads a storage as raw bytes, but ``np.load`` of the same ZIP reads any member that starts
    with the NumPy magic as an array, unpickling an object array. Only the magic is read."""
    if info.filename.endswith(".pkl"):
        return True
    if info.file_size < len(NPY_MAGIC):
        return False
    try:
        with _open(archive, info) as member:
            return (member.read(len(NPY_MAGIC)) or b"") == NPY_MAGIC
    except BlobCorrupt:
        raise
    except Exception:  # unreadable: scanning it says so
        return True


def _unscanned(result: ArchiveScan, name: str, why: str) -> None:
    result.members.append({"member": name, "error": why[:300]})
    result.scan.not_scanned.append(f"{name}: {why[:300]}")


def _open(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> BinaryIO:
    if info.flag_bits & 0x1:
        raise InputError("encrypted, so not read")
    if info.compress_type == ziparchive.ZSTD:
        return io.BytesIO(ziparchive.read_member(archive, info, MAX_NESTED))
    try:
        return archive.open(info)  # type: ignore[return-value]
    except ziparchive.ZIP_ERRORS as exc:
        raise InputError(f"unreadable ({type(exc).__name__})") from exc


def _scan_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, result: ArchiveScan, depth: int
) -> None:
    with _open(archive, info) as member:

        def nested() -> bytes:
            return ziparchive.read_member(archive, info, MAX_NESTED)

        scan_content(member, info.file_size, name, result, depth, nested)


def scan_content(
    member: BinaryIO,
    size: int,
    name: str,
    result: ArchiveScan,
    depth: int,
    nested: Callable[[], bytes],
) -> None:
    """One member of an archive, told apart by its first bytes (and a pickle-family name)."""
    member.seek(0)
    head = member.read(SNIFF) or b""
    member.seek(0)
    if head.startswith(NPY_MAGIC):
        _record(result, name, lambda s: scan_npy(member, size, s, name))
    elif ziparchive.looks_like(head):
        _nested(nested, name, result, depth)
    elif looks_like_tar(head):
        _nested_tar(member, size, name, result, depth)
    elif pickle_scan.looks_like(head) or name.lower().endswith(PICKLE_NAMES):
        _record(result, name, lambda s: _scan_pickle(member, size, s, name, head))
    elif compression(head) or head.startswith(LZ4_MAGIC):
        _record(result, name, lambda s: scan_compressed(member, size, name, s, name))
    elif pickle_scan.parses_as_pickle(member, size):
        _record(result, name, lambda s: _scan_pickle(member, size, s, name, head))


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


def _nested(read: Callable[[], bytes], name: str, result: ArchiveScan, depth: int) -> None:
    if depth + 1 >= MAX_DEPTH:
        raise InputError(f"an archive nested more than {MAX_DEPTH} deep; not scanned")
    data = read()
    inner = ziparchive.open_zip(io.BytesIO(data), len(data))
    names = [i.filename for i in inner.infolist()]
    scan_archive(inner, result, torch=is_torch(names), prefix=name + "/", depth=depth + 1)


def _nested_tar(member: BinaryIO, size: int, name: str, result: ArchiveScan, depth: int) -> None:
    if depth + 1 >= MAX_DEPTH:
        raise InputError(f"an archive nested more than {MAX_DEPTH} deep; not scanned")
    scan_tar(member, size, result, prefix=name + "/", depth=depth + 1)


# -- tar archives (the oldest torch.save format, and any tar) ------------------------------

TAR_BLOCK = 512


def looks_like_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


class Window:
    """A read-only, seekable view of ``size`` bytes of a stream from ``start``."""

    def __init__(self, stream: BinaryIO, start: int, size: int) -> None:
        self._stream, self._start, self._size, self._pos = stream, start, size, 0

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, count: int = -1) -> bytes:
        left = max(0, self._size - self._pos)
        count = left if count is None or count < 0 else min(count, left)
        self._stream.seek(self._start + self._pos)
        data = self._stream.read(count) or b""
        self._pos += len(data)
        return data

    def seekable(self) -> bool:
        return True

    def __enter__(self) -> Window:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _tar_number(field: bytes) -> int:
    if field[:1] == b"\x80":  # GNU base-256, for large sizes: Python's tarfile reads it
        return int.from_bytes(field[1:], "big")
    if field[:1] == b"\xff":
        raise InputError("a tar header has a negative base-256 number")
    text = field.split(b"\0", 1)[0].strip() or b"0"
    try:
        return int(text, 8)
    except ValueError as exc:
        raise InputError("a tar header has a malformed number") from exc


MAX_PAX = 1024 * 1024  # bytes of pax records read


_PAX_RECORD = re.compile(rb"(\d+) ([^=]+)=")  # tarfile's own


def _pax_size(records: bytes, length: int) -> int | None:
    """The ``size`` a block of pax records sets (the last one, as tarfile keeps), if any,
    the records walked by their lengths exactly as tarfile walks them."""
    if length > MAX_PAX:
        raise InputError(f"a tar pax header of {length:,} bytes")
    found, pos = None, 0
    while True:
        match = _PAX_RECORD.match(records, pos)
        if match is None:
            break  # as tarfile: the records end here
        if int(match.group(1)) < 1:
            raise InputError("a tar pax header is malformed")
        end = match.start(1) + int(match.group(1))
        if match.group(2) == b"size":
            value = records[match.end(2) + 1 : end - 1]
            try:
                found = int(value)
            except ValueError:
                found = 0  # as tarfile does with a size it cannot read
        pos = end
    if found is not None and found < 0:
        raise InputError("a tar pax header sets a negative size")
    return found


def scan_tar(
    stream: BinaryIO, size: int, result: ArchiveScan, *, prefix: str = "", depth: int = 0
) -> None:
    """Every regular file of an uncompressed tar, walked header by header (each checksum
    checked) and scanned in place; a header that does not add up ends the walk, and the
    rest is reported not scanned."""
    offset = 0
    local: int | None = None  # a pax header's size for the next member only
    global_size: int | None = None  # a global pax header's, for every later member
    while offset + TAR_BLOCK <= size:
        stream.seek(offset)
        header = stream.read(TAR_BLOCK) or b""
        if len(header) < TAR_BLOCK or header == bytes(TAR_BLOCK):
            return  # the end-of-archive blocks
        stored = header[148:156]
        if _tar_number(stored) != sum(header[:148]) + 32 * 8 + sum(header[156:]):
            result.scan.not_scanned.append(
                f"{prefix}the tar content from byte {offset:,} (a header does not add up)"
            )
            return
        length = _tar_number(header[124:136])
        kind = header[156:157]
        name = header[:100].split(b"\0", 1)[0]
        if header[257:262] == b"ustar" and header[345:500].strip(b"\0"):
            name = header[345:500].split(b"\0", 1)[0] + b"/" + name
        data = offset + TAR_BLOCK
        if data + length > size:
            result.scan.not_scanned.append(f"{prefix}the tar member at byte {offset:,} (cut short)")
            return
        if kind in (b"x", b"g"):
            # pax records: tarfile (torch.load's tar path) takes a member's size from a
            # "size" record over its header's, and finds the next member by it.
            stream.seek(data)
            found = _pax_size(stream.read(min(length, MAX_PAX)) or b"", length)
            if kind == b"x":
                local = found
            else:
                global_size = found if found is not None else global_size
            offset = data + -(-length // TAR_BLOCK) * TAR_BLOCK
            continue
        if kind not in (b"L", b"K"):  # GNU long names: the member after them takes the size
            override = local if local is not None else global_size
            local = None
            if override is not None:
                length = override
                if data + length > size:
                    result.scan.not_scanned.append(
                        f"{prefix}the tar member at byte {offset:,} (cut short)"
                    )
                    return
        if kind in (b"0", b"\0", b"7"):
            if result.sniffed >= MAX_MEMBERS:
                result.scan.not_scanned.append(
                    f"not scanned: the tar members from byte {offset:,} on (over the"
                    f" {MAX_MEMBERS:,}-member budget)"
                )
                return
            result.sniffed += 1
            label = prefix + (name.decode("utf-8", "replace")[:300] or "<no name>")
            window = Window(stream, data, length)

            def nested(window: Window = window, length: int = length) -> bytes:
                if length > MAX_NESTED:
                    raise InputError(f"a nested archive of {length:,} bytes; not scanned")
                window.seek(0)
                return window.read(length)

            try:
                scan_content(cast(BinaryIO, window), length, label, result, depth, nested)
            except InputError as exc:
                _unscanned(result, label, str(exc))
            except BlobCorrupt:
                raise
            except Exception as exc:  # a nested archive's decompressors: OSError, EOFError, ...
                _unscanned(result, label, f"unreadable ({type(exc).__name__})")
        offset = data + -(-length // TAR_BLOCK) * TAR_BLOCK
