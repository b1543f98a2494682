"""The one reader of ZIP files that may be hostile, with a policy per kind of file.

Nothing is ever extracted to disk. Before ``zipfile`` sees a file, the end-of-central-directory
record is checked against the policy's limits (entry count, directory size), so a forged
directory cannot make it allocate without bound. Two policies:

- ``STRICT`` (packages, ``HostileZip``): the whole structure is checked before any member is
  read. Refused: data before or after the archive, TAR or anything else, encrypted or unusual
  compression, directory, link and special entries, traversal or otherwise unsafe names,
  duplicate names and names equal up to case or Unicode normalisation, local headers that
  disagree with the central directory, entries that overlap, too many entries, members larger
  than the limits or compressed beyond the allowed ratio. While a member is read, its bytes
  are counted against its declared size.
- ``LENIENT`` (evaluation logs written by Inspect, PyTorch checkpoints: ``open_zip`` and
  ``read_member``): whatever ``zipfile`` reads within the limits, including Zstandard members
  (method 93, written by recent Inspect versions, read with the ``zstandard`` package), bzip2
  and LZMA; members are read whole into memory only up to a size limit.
"""

from __future__ import annotations

import io
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from reviewstation.errors import InputError

LOCAL_MAGIC = b"PK\x03\x04"
LOCAL = struct.Struct("<4sHHHHHIIIHH")  # signature .. extra length (30 bytes)
EOCD = struct.Struct("<4sHHHHIIH")  # end of central directory (22 bytes)
ZIP64_LOCATOR = struct.Struct("<4sIQI")  # 20 bytes
ZIP64_END = struct.Struct("<4sQHHIIQQQQ")  # 56 bytes
ZSTD = 93
READ_CHUNK = 1024 * 1024
ZIP_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
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


@dataclass(frozen=True)
class Policy:
    """What a kind of file may be. ``large_prefix`` members (evidence) get ``max_large_bytes``."""

    name: str
    methods: frozenset[int]
    max_members: int
    max_directory_bytes: int = 64 * 1024 * 1024
    max_member_bytes: int = 64 * 1024 * 1024  # manifests, JSON, reports
    max_large_bytes: int = 1 << 40  # evidence/ members: model files can be huge
    large_prefix: str = "evidence/"
    max_total_bytes: int = 1 << 41
    max_ratio: int = 200  # uncompressed / compressed, for compressed members over 1 MiB

    def member_limit(self, name: str) -> int:
        if self.large_prefix and name.startswith(self.large_prefix):
            return self.max_large_bytes
        return self.max_member_bytes


STRICT = Policy(
    "package", frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}), max_members=10_000
)
LENIENT = Policy(
    "ZIP container",
    frozenset(
        {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, ZSTD}
    ),
    max_members=100_000,
    large_prefix="",
)


class ArchiveRefused(InputError):
    """The file is not an archive we will read; the message names the first reason."""


# The name the package code gives the same refusal.
PackageRefused = ArchiveRefused


def looks_like(head: bytes) -> bool:
    return head[:4] in (LOCAL_MAGIC, b"PK\x05\x06")


def check_name(name: str) -> None:
    """A member name we would also write: relative, forward slashes, no surprises."""
    if not name or len(name) > 1024:
        raise ArchiveRefused(f"A member has an empty or overlong name ({len(name)} characters).")
    if "\x00" in name or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise ArchiveRefused(f"The member name {name!r} contains control characters.")
    if "\\" in name:
        raise ArchiveRefused(f"The member name {name!r} contains a backslash.")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveRefused(f"The member name {name!r} is absolute.")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ArchiveRefused(f"The member name {name!r} has an empty, '.' or '..' component.")


def _directory_bounds(stream: BinaryIO, size: int) -> tuple[int, int]:
    """(entries, directory bytes) as the end records claim them, read without ``zipfile``."""
    tail_size = min(size, 65_535 + EOCD.size)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size) or b""
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < EOCD.size:
        raise ArchiveRefused("The ZIP container has no end-of-directory record.")
    fields = EOCD.unpack(tail[at : at + EOCD.size])
    entries, directory = fields[4], fields[5]
    if entries == 0xFFFF or directory == 0xFFFFFFFF:
        locator = tail[at - ZIP64_LOCATOR.size : at] if at >= ZIP64_LOCATOR.size else b""
        if locator[:4] != b"PK\x06\x07":
            raise ArchiveRefused("The ZIP64 container has no ZIP64 locator.")
        (record_offset,) = struct.unpack("<Q", locator[8:16])
        if record_offset + ZIP64_END.size > size:
            raise ArchiveRefused("The ZIP64 end-of-directory record lies outside the file.")
        stream.seek(record_offset)
        record = stream.read(ZIP64_END.size) or b""
        if record[:4] != b"PK\x06\x06" or len(record) < ZIP64_END.size:
            raise ArchiveRefused("The ZIP64 end-of-directory record is malformed.")
        entries, directory = struct.unpack("<QQ", record[32:48])
    return entries, directory


def open_zip(stream: BinaryIO, size: int, policy: Policy = LENIENT) -> zipfile.ZipFile:
    """``zipfile`` on ``stream``, once the end records are within the policy's limits."""
    entries, directory = _directory_bounds(stream, size)
    if entries > policy.max_members:
        raise ArchiveRefused(
            f"The {policy.name} has {entries} members; at most {policy.max_members} are allowed."
        )
    if directory > policy.max_directory_bytes or directory > size:
        raise ArchiveRefused(f"The {policy.name}'s directory claims {directory} bytes.")
    try:
        archive = zipfile.ZipFile(stream)
    except ZIP_ERRORS as exc:
        raise ArchiveRefused(
            f"The {policy.name} is not a readable ZIP file ({type(exc).__name__}: {exc})."
        ) from exc
    if len(archive.infolist()) > policy.max_members:
        archive.close()
        raise ArchiveRefused(
            f"The {policy.name} has {len(archive.infolist())} members; at most"
            f" {policy.max_members} are allowed."
        )
    return archive


def read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, policy: Policy = LENIENT
) -> bytes:
    """The member's bytes, or ArchiveRefused if it is too big, encrypted or unreadable."""
    name = info.filename[:200]
    if info.file_size > limit:
        raise ArchiveRefused(f"The member {name!r} is {info.file_size} bytes (limit {limit}).")
    if info.flag_bits & 0x1:
        raise ArchiveRefused(f"The member {name!r} is encrypted.")
    if info.compress_type not in policy.methods:
        raise ArchiveRefused(
            f"The member {name!r} uses ZIP compression method {info.compress_type}, which"
            " this reader does not read."
        )
    try:
        if info.compress_type == ZSTD:
            return _read_zstd(archive, info, limit)
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except InputError:
        raise
    except ZIP_ERRORS as exc:
        raise ArchiveRefused(f"The member {name!r} cannot be read ({type(exc).__name__}).") from exc
    if len(data) > limit:
        raise ArchiveRefused(f"The member {name!r} expands beyond {limit} bytes.")
    return data


def _read_zstd(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    name = info.filename[:200]
    try:
        import zstandard
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ArchiveRefused(
            f"The member {name!r} is Zstandard-compressed and the zstandard package is missing."
        ) from exc
    stream: Any = archive.fp
    if info.compress_size > limit:
        raise ArchiveRefused(f"The member {name!r} is {info.compress_size} bytes compressed.")
    stream.seek(info.header_offset)
    local = stream.read(LOCAL.size)
    if len(local) != LOCAL.size or local[:4] != LOCAL_MAGIC:
        raise ArchiveRefused(f"The member {name!r} has no local header.")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    stream.seek(info.header_offset + LOCAL.size + name_length + extra_length)
    compressed = stream.read(info.compress_size)
    if len(compressed) != info.compress_size:
        raise ArchiveRefused(f"The member {name!r} is truncated.")
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(compressed))
        data = reader.read(limit + 1)
    except zstandard.ZstdError as exc:
        raise ArchiveRefused(f"The member {name!r} is not valid Zstandard data.") from exc
    if len(data) > limit:
        raise ArchiveRefused(f"The member {name!r} expands beyond {limit} bytes.")
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise ArchiveRefused(f"The member {name!r} does not match its recorded size and CRC.")
    return data


def _has_zip64(extra: bytes) -> bool:
    """Whether a local header's extra field carries a ZIP64 record (8-byte sizes follow)."""
    position = 0
    while position + 4 <= len(extra):
        header_id, length = struct.unpack_from("<HH", extra, position)
        if header_id == 0x0001:
            return True
        position += 4 + length
    return False


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    compressed: int
    method: int
    crc: int
    offset: int


class HostileZip:
    """A structurally checked archive whose members can be streamed by name."""

    def __init__(
        self,
        source: Path | BinaryIO,
        policy: Policy = STRICT,
        *,
        label: str = "",
    ) -> None:
        """``source``: a path, or a seekable binary file (e.g. a decrypting view)."""
        self.policy = policy
        if isinstance(source, Path):
            self.label = label or source.name
            try:
                self._file: BinaryIO = open(source, "rb")  # noqa: SIM115 (closed in close())
            except OSError as exc:
                raise InputError(f"Cannot read {source} ({exc.strerror or exc}).") from exc
        else:
            self.label = label or "the package"
            self._file = source
        try:
            self.members = self._check()
        except BaseException:
            self._file.close()
            raise
        self._by_name = {m.name: m for m in self.members}

    def close(self) -> None:
        if hasattr(self, "_zip"):
            self._zip.close()
        self._file.close()

    def __enter__(self) -> HostileZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self) -> list[Member]:
        handle = self._file
        size = handle.seek(0, 2)
        handle.seek(0)
        head = handle.read(4)
        if head != LOCAL_MAGIC:
            raise ArchiveRefused(
                f"{self.label} is not a ZIP package (it does not start with a ZIP entry)."
            )
        self._zip = open_zip(handle, size, self.policy)
        infos = self._zip.infolist()
        if len(infos) > self.policy.max_members:
            raise ArchiveRefused(
                f"The package has {len(infos)} members; at most"
                f" {self.policy.max_members} are allowed."
            )
        members: list[Member] = []
        seen: dict[str, str] = {}
        total = 0
        for info in infos:
            name = info.filename
            if info.orig_filename != name:
                raise ArchiveRefused(f"The member name {info.orig_filename!r} is not portable.")
            check_name(name)
            if name.endswith("/") or info.is_dir():
                raise ArchiveRefused(f"The package contains a folder entry {name!r}.")
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise ArchiveRefused(f"The member {name!r} is a link or special file.")
            if info.flag_bits & 0x1:
                raise ArchiveRefused(f"The member {name!r} is encrypted with ZIP encryption.")
            if info.compress_type not in self.policy.methods:
                raise ArchiveRefused(f"The member {name!r} uses an unsupported compression method.")
            key = _folded(name)
            if key in seen:
                raise ArchiveRefused(
                    f"The package has two members named {seen[key]!r} and {name!r}"
                    " (equal up to case or Unicode normalisation)."
                )
            seen[key] = name
            limit = self.policy.member_limit(name)
            if info.file_size > limit:
                raise ArchiveRefused(f"The member {name!r} is larger than the {limit}-byte limit.")
            if (
                info.compress_type == zipfile.ZIP_DEFLATED
                and info.file_size > 1024 * 1024
                and info.file_size > self.policy.max_ratio * max(info.compress_size, 1)
            ):
                raise ArchiveRefused(
                    f"The member {name!r} is compressed beyond the allowed ratio (a zip bomb?)."
                )
            total += info.file_size
            if total > self.policy.max_total_bytes:
                raise ArchiveRefused("The package's members add up to more than the allowed total.")
            members.append(
                Member(
                    name,
                    info.file_size,
                    info.compress_size,
                    info.compress_type,
                    info.CRC,
                    info.header_offset,
                )
            )
        self._check_layout(members, size)
        return members

    def _check_layout(self, members: list[Member], size: int) -> None:
        """Local headers agree with the central directory; entries are contiguous from 0."""
        position = 0
        for member in sorted(members, key=lambda m: m.offset):
            if member.offset != position:
                raise ArchiveRefused(
                    f"The member {member.name!r} does not start where the previous one ends"
                    " (overlapping entries or hidden data)."
                )
            self._file.seek(member.offset)
            raw = self._file.read(LOCAL.size)
            if len(raw) != LOCAL.size:
                raise ArchiveRefused(f"The local header of {member.name!r} is truncated.")
            sig, _ver, flags, method, _t, _d, crc, csize, usize, nlen, xlen = LOCAL.unpack(raw)
            name = self._file.read(nlen)
            if sig != LOCAL_MAGIC or name.decode("utf-8", "replace") != member.name:
                raise ArchiveRefused(
                    f"The local header of {member.name!r} disagrees with the central directory."
                )
            if method != member.method:
                raise ArchiveRefused(
                    f"The local header of {member.name!r} names another compression method."
                )
            descriptor = bool(flags & 0x8)
            if not descriptor and crc != member.crc:
                raise ArchiveRefused(
                    f"The local header of {member.name!r} disagrees with the central directory."
                )
            if (
                not descriptor
                and usize != 0xFFFFFFFF
                and (csize, usize)
                != (min(member.compressed, 0xFFFFFFFF), min(member.size, 0xFFFFFFFF))
            ):
                raise ArchiveRefused(
                    f"The local header of {member.name!r} gives other sizes than the central"
                    " directory."
                )
            extra = self._file.read(xlen)
            position = member.offset + LOCAL.size + nlen + xlen + member.compressed
            if descriptor:
                position += self._descriptor_length(position, _has_zip64(extra))
        if position != self._zip.start_dir:
            raise ArchiveRefused("The package has data between its members and its directory.")
        self._check_tail(size)

    def _check_tail(self, size: int) -> None:
        """The directory runs straight into the end record, which ends the file (no comment)."""
        self._file.seek(size - EOCD.size)
        sig, _disk, _cd_disk, _n_disk, _n, cd_size, cd_offset, comment = EOCD.unpack(
            self._file.read(EOCD.size)
        )
        if sig != b"PK\x05\x06" or comment != 0:
            raise ArchiveRefused("The package has data after its end (or a ZIP comment).")
        directory_end = size - EOCD.size
        if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
            self._file.seek(size - EOCD.size - ZIP64_LOCATOR.size)
            loc_sig, _d, record_at, _disks = ZIP64_LOCATOR.unpack(
                self._file.read(ZIP64_LOCATOR.size)
            )
            if loc_sig != b"PK\x06\x07":
                raise ArchiveRefused("The package's ZIP64 end locator is missing.")
            self._file.seek(record_at)
            record = self._file.read(ZIP64_END.size)
            if len(record) != ZIP64_END.size:
                raise ArchiveRefused("The package's ZIP64 end record is truncated.")
            rec_sig, rec_size, *_rest, cd_size, cd_offset = ZIP64_END.unpack(record)
            if rec_sig != b"PK\x06\x06" or record_at + 12 + rec_size != directory_end - 20:
                raise ArchiveRefused("The package's ZIP64 end record is malformed.")
            directory_end = record_at
        if cd_offset != self._zip.start_dir or cd_offset + cd_size != directory_end:
            raise ArchiveRefused("The package's central directory is not where its end says.")

    def _descriptor_length(self, position: int, zip64: bool) -> int:
        self._file.seek(position)
        signed = self._file.read(4) == b"PK\x07\x08"
        return (20 if zip64 else 12) + (4 if signed else 0)

    def data_offset(self, name: str) -> int:
        """Where a stored member's bytes start in the file (for random access to them)."""
        member = self._by_name[name]
        if member.method != zipfile.ZIP_STORED:
            raise ArchiveRefused(f"The member {name!r} must be stored, not compressed.")
        self._file.seek(member.offset)
        raw = self._file.read(LOCAL.size)
        nlen, xlen = struct.unpack("<HH", raw[-4:])
        return int(member.offset + LOCAL.size + nlen + xlen)

    @property
    def file(self) -> BinaryIO:
        return self._file

    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def has(self, name: str) -> bool:
        return name in self._by_name

    def stream(self, name: str) -> Iterator[bytes]:
        """The member's bytes in chunks, never more than its declared size (CRC checked)."""
        member = self._by_name.get(name)
        if member is None:
            raise ArchiveRefused(f"The package has no member {name!r}.")
        count = 0
        try:
            with self._zip.open(name) as handle:
                while chunk := handle.read(READ_CHUNK):
                    count += len(chunk)
                    if count > member.size:
                        raise ArchiveRefused(f"The member {name!r} is longer than it declares.")
                    yield chunk
        except (zipfile.BadZipFile, zlib.error) as exc:
            raise ArchiveRefused(f"The member {name!r} is damaged ({exc}).") from exc
        except (OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise ArchiveRefused(f"The member {name!r} cannot be read ({exc}).") from exc
        if count != member.size:
            raise ArchiveRefused(f"The member {name!r} is shorter than it declares.")

    def read(self, name: str) -> bytes:
        member = self._by_name.get(name)
        if member is not None and member.size > self.policy.max_member_bytes:
            raise ArchiveRefused(f"The member {name!r} is too large to read whole.")
        return b"".join(self.stream(name))
