"""The one reader of ZIP files that may be hostile, with a policy per kind of file.

Nothing is ever extracted to disk. Before ``zipfile`` sees a file, the end-of-central-directory
record is checked against the policy's limits (entry count, directory size), so a forged
directory cannot make it allocate without bound. Two policies:

- ``STRICT`` (packages, ``HostileZip``): the whole file is checked before any member is read,
  and every byte of it must be a member's stored bytes or a record exactly as the package
  writer (``packages/writer.py``, Python's ``zipfile``) writes it for that member: local
  header, data, central record, the ZIP64 end records only when needed, the end record last.
  So refused, each named in one line: data before, between or after the records, comments,
  extra fields of any kind, data descriptors, needless ZIP64 records, entry counts, times,
  attributes or flags other than the writer's, local headers that disagree with the central
  directory, overlapping or ghost entries; and, before that, TAR or anything else, ZIP
  encryption, any compression, directory, link and special entries, unsafe names, duplicate
  names and names equal up to case or Unicode normalisation, too many or too large members.
  While a member is read, its bytes are counted against its declared size and its CRC-32 is
  checked. ``STRICT_INNER`` is the same for the inner package of the encrypted form, whose
  writer (a stream that cannot seek) adds a data descriptor to every entry.
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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from reviewstation.errors import InputError

LOCAL_MAGIC = b"PK\x03\x04"
LOCAL = struct.Struct("<4sHHHHHIIIHH")  # signature .. extra length (30 bytes)
EOCD = struct.Struct("<4sHHHHIIH")  # end of central directory (22 bytes)
ZIP64_LOCATOR = struct.Struct("<4sIQI")  # 20 bytes
ZIP64_END = struct.Struct("<4sQHHIIQQQQ")  # 56 bytes
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # central directory entry (46 bytes)
DESCRIPTOR = struct.Struct("<4sIII")  # data descriptor, with its signature
DESCRIPTOR64 = struct.Struct("<4sIQQ")  # the same with 8-byte sizes (ZIP64)
ZSTD = 93
READ_CHUNK = 1024 * 1024
# What the package writer (Python's zipfile, packages/writer.py) puts in every header.
EPOCH_DATE = (1 << 5) | 1  # 1980-01-01; the time is 00:00:00
REGULAR_FILE = 0o100644 << 16  # external attributes: a regular file, rw-r--r--
ZIP64_WRITE_LIMIT = (1 << 31) - 1  # beyond this zipfile writes ZIP64 fields and records
LOCAL_FIELDS = (
    "signature",
    "version needed",
    "general-purpose flags",
    "compression method",
    "time",
    "date",
    "CRC-32",
    "compressed size",
    "size",
    "name length",
    "extra field length",
)
CENTRAL_FIELDS = (
    "signature",
    "version made by",
    "version needed",
    "general-purpose flags",
    "compression method",
    "time",
    "date",
    "CRC-32",
    "compressed size",
    "size",
    "name length",
    "extra field length",
    "comment length",
    "disk number",
    "internal attributes",
    "external attributes",
    "local header offset",
)
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
    # Every byte is a member's data or a record the package writer writes, byte for byte.
    exact: bool = False
    # (exact) Entries carry data descriptors: written into a stream that cannot seek.
    descriptors: bool = False

    def member_limit(self, name: str) -> int:
        if self.large_prefix and name.startswith(self.large_prefix):
            return self.max_large_bytes
        return self.max_member_bytes


STRICT = Policy("package", frozenset({zipfile.ZIP_STORED}), max_members=10_000, exact=True)
# The inner package of the encrypted form, written into the encrypting stream.
STRICT_INNER = replace(STRICT, name="inner package", descriptors=True)
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
        # inspect_ai cuts large members into several frames (one per 200 MiB of input).
        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(compressed), read_across_frames=True
        )
        pieces: list[bytes] = []
        held = 0
        while held <= limit:
            piece = reader.read(min(READ_CHUNK, limit + 1 - held))
            if not piece:
                break
            pieces.append(piece)
            held += len(piece)
        data = b"".join(pieces)
    except zstandard.ZstdError as exc:
        raise ArchiveRefused(f"The member {name!r} is not valid Zstandard data.") from exc
    if len(data) > limit:
        raise ArchiveRefused(f"The member {name!r} expands beyond {limit} bytes.")
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise ArchiveRefused(f"The member {name!r} does not match its recorded size and CRC.")
    return data


def _encoded(name: str) -> tuple[bytes, int]:
    """A name's bytes as the writer writes them, and its flags (bit 11: UTF-8)."""
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), 0x800


def _extra_problem(extra: bytes, wanted: bytes) -> str:
    """What is wrong with a header's extra field, in words (``wanted``: the writer's)."""
    if wanted and extra.startswith(wanted):
        extra, wanted = extra[len(wanted) :], b""
    if len(extra) < 4:
        return (
            "lacks the ZIP64 field its version or sizes call for"
            if wanted or not extra
            else ("has a malformed extra field")
        )
    header_id, length = struct.unpack_from("<HH", extra)
    if header_id == 0x7075:
        path = extra[9 : 4 + length].decode("utf-8", "replace")
        return f"carries a Unicode path field naming {path!r}, which no signature covers"
    if header_id == 0x0001:
        if wanted:
            return "has a ZIP64 field that disagrees with its sizes"
        return "carries a ZIP64 field it does not need"
    return (
        f"carries an extra field 0x{header_id:04x} ({len(extra)} bytes) that the package writer"
        " never writes"
    )


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
            # A raw stream (the decrypting view of an inner package) may answer a read with
            # less than was asked; buffered, every read gets all it asks for short of the end.
            self._file = io.BufferedReader(source) if isinstance(source, io.RawIOBase) else source
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
                raise ArchiveRefused(
                    f"The member {name!r} uses an unsupported compression method"
                    f" ({info.compress_type})"
                    + (
                        "; a package stores every member, so that its bytes are the signed"
                        " bytes (export a package from an earlier version again)."
                        if self.policy.exact
                        else "."
                    )
                )
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
        if self.policy.exact:
            self._check_exact(members, size)
        return members

    def _check_exact(self, members: list[Member], size: int) -> None:
        """Every byte of the file is a member's data or a record the package writer writes.

        The file is walked from offset 0 without ``zipfile``: each local header (then the
        member's data, then its data descriptor when the policy has them), the central
        directory, the ZIP64 end records only when the writer would need them, and the end
        record, which ends the file. Each record must equal, byte for byte, the one the
        writer (``packages/writer.py``) writes for that member; the first difference is named.
        """
        position = 0
        zip64_local: list[bool] = []
        for member in members:
            if member.offset != position:
                raise ArchiveRefused(
                    f"The member {member.name!r} does not start where the previous one ends"
                    " (overlapping entries or hidden data)."
                )
            position, zip64 = self._check_local(member, position)
            zip64_local.append(zip64)
        directory_start = position
        if directory_start != self._zip.start_dir:
            raise ArchiveRefused(
                f"The {self.policy.name} has data between its members and its directory."
            )
        for member, zip64 in zip(members, zip64_local, strict=True):
            position = self._check_central(member, zip64, position)
        directory_size = position - directory_start
        count = len(members)
        expected = b""
        if (
            count > 0xFFFF
            or directory_start > ZIP64_WRITE_LIMIT
            or directory_size > ZIP64_WRITE_LIMIT
        ):
            expected += ZIP64_END.pack(
                b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, directory_size, directory_start
            )
            expected += ZIP64_LOCATOR.pack(b"PK\x06\x07", 0, position, 1)
        expected += EOCD.pack(
            b"PK\x05\x06",
            0,
            0,
            min(count, 0xFFFF),
            min(count, 0xFFFF),
            min(directory_size, 0xFFFFFFFF),
            min(directory_start, 0xFFFFFFFF),
            0,
        )
        self._file.seek(position)
        actual = self._read(size - position + 1)
        if actual == expected:
            return
        if actual[:4] == b"PK\x06\x06" and not expected.startswith(b"PK\x06\x06"):
            raise ArchiveRefused(
                f"The {self.policy.name} has ZIP64 end records it does not need (the writer"
                " adds them only beyond 65,535 members or 2 GiB of offsets)."
            )
        found = actual[-EOCD.size :] if len(actual) >= EOCD.size else b""
        if found[:4] == b"PK\x05\x06" and found[8:10] != expected[-EOCD.size + 8 : -EOCD.size + 10]:
            raise ArchiveRefused(
                f"The {self.policy.name}'s end record claims {struct.unpack('<H', found[10:12])[0]}"
                f" entries; its directory has {count}."
            )
        if len(actual) > len(expected) and actual[: len(expected) - 2] == expected[:-2]:
            raise ArchiveRefused(
                f"The {self.policy.name} has data after its end (or a ZIP comment)."
            )
        raise ArchiveRefused(
            f"The {self.policy.name}'s end records disagree with its directory (entry count,"
            " directory size or offset, ZIP64 records or a comment)."
        )

    def _check_local(self, member: Member, position: int) -> tuple[int, bool]:
        """The member's local header, data and descriptor: (where the next entry starts,
        whether the local header carries a ZIP64 field)."""
        self._file.seek(position)
        raw = self._read(LOCAL.size)
        if len(raw) != LOCAL.size or raw[:4] != LOCAL_MAGIC:
            raise ArchiveRefused(f"The local header of {member.name!r} is missing or truncated.")
        fields = LOCAL.unpack(raw)
        name, extra = self._read(fields[9]), self._read(fields[10])
        descriptor = self.policy.descriptors
        zip64 = bool(extra[:2] == b"\x01\x00" or fields[1] == 45)
        if member.size > ZIP64_WRITE_LIMIT or member.compressed > ZIP64_WRITE_LIMIT:
            zip64 = True
        crc, csize, usize = (
            (0, 0, 0) if descriptor else (member.crc, member.compressed, member.size)
        )
        want_extra = struct.pack("<HHQQ", 1, 16, usize, csize) if zip64 else b""
        if zip64:
            csize = usize = 0xFFFFFFFF
        encoded, flags = _encoded(member.name)
        want = (
            LOCAL_MAGIC,
            45 if zip64 else 20,
            flags | (0x8 if descriptor else 0),
            member.method,
            0,
            EPOCH_DATE,
            crc,
            csize,
            usize,
            len(encoded),
            len(want_extra),
        )
        self._compare("local", member.name, name, encoded, extra, want_extra, fields, want)
        position += LOCAL.size + len(name) + len(extra) + member.compressed
        if descriptor:
            layout = DESCRIPTOR64 if zip64 else DESCRIPTOR
            self._file.seek(position)
            got = self._read(layout.size)
            if got != layout.pack(b"PK\x07\x08", member.crc, member.compressed, member.size):
                raise ArchiveRefused(
                    f"The data descriptor of {member.name!r} is missing or disagrees with the"
                    " central directory."
                )
            position += layout.size
        return position, zip64

    def _check_central(self, member: Member, zip64_local: bool, position: int) -> int:
        self._file.seek(position)
        raw = self._read(CENTRAL.size)
        if len(raw) != CENTRAL.size or raw[:4] != b"PK\x01\x02":
            raise ArchiveRefused(
                f"The central directory entry of {member.name!r} is missing or truncated."
            )
        fields = CENTRAL.unpack(raw)
        name, extra = self._read(fields[10]), self._read(fields[11])
        comment = self._read(fields[12])
        large: list[int] = []
        csize, usize, offset = member.compressed, member.size, member.offset
        if usize > ZIP64_WRITE_LIMIT or csize > ZIP64_WRITE_LIMIT:
            large += [usize, csize]
            csize = usize = 0xFFFFFFFF
        if offset > ZIP64_WRITE_LIMIT:
            large.append(offset)
            offset = 0xFFFFFFFF
        want_extra = struct.pack(f"<HH{len(large)}Q", 1, 8 * len(large), *large) if large else b""
        version = 45 if (zip64_local or large) else 20
        encoded, flags = _encoded(member.name)
        want = (
            b"PK\x01\x02",
            (3 << 8) | version,
            version,
            flags | (0x8 if self.policy.descriptors else 0),
            member.method,
            0,
            EPOCH_DATE,
            member.crc,
            csize,
            usize,
            len(encoded),
            len(want_extra),
            0,
            0,
            0,
            REGULAR_FILE,
            offset,
        )
        if comment:
            raise ArchiveRefused(
                f"The central directory entry of {member.name!r} carries a comment"
                f" ({len(comment)} bytes that no signature covers)."
            )
        self._compare(
            "central directory", member.name, name, encoded, extra, want_extra, fields, want
        )
        return position + CENTRAL.size + len(name) + len(extra) + len(comment)

    def _compare(
        self,
        where: str,
        member: str,
        name: bytes,
        encoded: bytes,
        extra: bytes,
        want_extra: bytes,
        fields: tuple[Any, ...],
        want: tuple[Any, ...],
    ) -> None:
        if name != encoded:
            raise ArchiveRefused(
                f"The {where} header of {member!r} names another file"
                f" ({name.decode('utf-8', 'replace')!r})."
            )
        if extra != want_extra:
            raise ArchiveRefused(
                f"The {where} header of {member!r} {_extra_problem(extra, want_extra)}."
            )
        labels = LOCAL_FIELDS if where == "local" else CENTRAL_FIELDS
        if (fields[3 if where != "local" else 2] ^ want[3 if where != "local" else 2]) & 0x8:
            raise ArchiveRefused(
                f"The {where} header of {member!r} "
                + (
                    "announces a data descriptor, which the package writer does not write"
                    if not self.policy.descriptors
                    else "lacks the data descriptor flag the writer sets"
                )
                + "."
            )
        for label, got, expected in zip(labels, fields, want, strict=True):
            if got != expected:
                shown = f"{got:#x}" if isinstance(got, int) else repr(got)
                wanted = f"{expected:#x}" if isinstance(expected, int) else repr(expected)
                raise ArchiveRefused(
                    f"The {where} header of {member!r} has {label} {shown} where the package"
                    f" writer writes {wanted}."
                )

    def _read(self, count: int) -> bytes:
        """``count`` bytes, fewer only at the end of the file: a raw stream (the decrypting
        view of an inner package) may answer a read with less than was asked."""
        parts: list[bytes] = []
        while count > 0:
            part = self._file.read(count)
            if not part:
                break
            parts.append(part)
            count -= len(part)
        return b"".join(parts)

    def data_offset(self, name: str) -> int:
        """Where a stored member's bytes start in the file (for random access to them)."""
        member = self._by_name[name]
        if member.method != zipfile.ZIP_STORED:
            raise ArchiveRefused(f"The member {name!r} must be stored, not compressed.")
        self._file.seek(member.offset)
        raw = self._read(LOCAL.size)
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
