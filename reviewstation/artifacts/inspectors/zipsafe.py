"""Reading ZIP containers from hostile artifacts: bounded, in memory, never extracted.

Before ``zipfile`` sees the file, the end-of-central-directory record is checked against
limits (entry count, directory size), so a forged directory cannot make it allocate without
bound. Members are read whole into memory only up to a size limit. Zstandard members (method
93, written by recent Inspect versions) are decompressed with the ``zstandard`` package.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any, BinaryIO

from reviewstation.errors import InputError

MAX_ENTRIES = 100_000
MAX_DIRECTORY = 64 * 1024 * 1024
ZSTD = 93
_SUPPORTED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, ZSTD}
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    KeyError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    zlib.error,
    OverflowError,
    UnicodeDecodeError,
    LookupError,
)


def looks_like(head: bytes) -> bool:
    return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def _directory_bounds(stream: BinaryIO, size: int) -> tuple[int, int]:
    tail_size = min(size, 65_535 + 22)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size) or b""
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise InputError("The ZIP container has no end-of-directory record.")
    fields = struct.unpack("<4sHHHHIIH", tail[at : at + 22])
    entries, directory = fields[4], fields[5]
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        locator = tail[at - 20 : at] if at >= 20 else b""
        if locator[:4] != _ZIP64_LOCATOR:
            raise InputError("The ZIP64 container has no ZIP64 locator.")
        (record_offset,) = struct.unpack("<Q", locator[8:16])
        if record_offset + 56 > size:
            raise InputError("The ZIP64 end-of-directory record lies outside the file.")
        stream.seek(record_offset)
        record = stream.read(56) or b""
        if record[:4] != _ZIP64_EOCD or len(record) < 56:
            raise InputError("The ZIP64 end-of-directory record is malformed.")
        entries, directory = struct.unpack("<QQ", record[32:48])
    return entries, directory


def open_zip(stream: BinaryIO, size: int) -> zipfile.ZipFile:
    entries, directory = _directory_bounds(stream, size)
    if entries > MAX_ENTRIES:
        raise InputError(f"The ZIP container claims {entries} entries (limit {MAX_ENTRIES}).")
    if directory > MAX_DIRECTORY or directory > size:
        raise InputError(f"The ZIP container's directory claims {directory} bytes.")
    try:
        archive = zipfile.ZipFile(stream)
    except ZIP_ERRORS as exc:
        raise InputError(f"The ZIP container is malformed ({type(exc).__name__}).") from exc
    if len(archive.infolist()) > MAX_ENTRIES:
        raise InputError(f"The ZIP container has more than {MAX_ENTRIES} entries.")
    return archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The member's bytes, or InputError if it is too big, encrypted or unreadable."""
    name = info.filename[:200]
    if info.file_size > limit:
        raise InputError(f"The member {name!r} is {info.file_size} bytes (limit {limit}).")
    if info.flag_bits & 0x1:
        raise InputError(f"The member {name!r} is encrypted.")
    if info.compress_type not in _SUPPORTED:
        raise InputError(
            f"The member {name!r} uses ZIP compression method {info.compress_type}, which"
            " this inspector does not read."
        )
    try:
        if info.compress_type == ZSTD:
            return _read_zstd(archive, info, limit)
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except InputError:
        raise
    except ZIP_ERRORS as exc:
        raise InputError(f"The member {name!r} cannot be read ({type(exc).__name__}).") from exc
    if len(data) > limit:
        raise InputError(f"The member {name!r} expands beyond {limit} bytes.")
    return data


def _read_zstd(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    name = info.filename[:200]
    try:
        import zstandard
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise InputError(
            f"The member {name!r} is Zstandard-compressed and the zstandard package is missing."
        ) from exc
    stream: Any = archive.fp
    if info.compress_size > limit:
        raise InputError(f"The member {name!r} is {info.compress_size} bytes compressed.")
    stream.seek(info.header_offset)
    local = stream.read(30)
    if len(local) != 30 or local[:4] != b"PK\x03\x04":
        raise InputError(f"The member {name!r} has no local header.")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    stream.seek(info.header_offset + 30 + name_length + extra_length)
    compressed = stream.read(info.compress_size)
    if len(compressed) != info.compress_size:
        raise InputError(f"The member {name!r} is truncated.")
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(compressed))
        data = reader.read(limit + 1)
    except zstandard.ZstdError as exc:
        raise InputError(f"The member {name!r} is not valid Zstandard data.") from exc
    if len(data) > limit:
        raise InputError(f"The member {name!r} expands beyond {limit} bytes.")
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise InputError(f"The member {name!r} does not match its recorded size and CRC.")
    return data
