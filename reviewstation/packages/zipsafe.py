"""Reading a ZIP file that may be hostile: check the whole structure before trusting any of it.

Python's ``zipfile`` is used only after these checks pass, and only to stream members by name;
nothing is ever extracted to disk. Refused before anything is read or written: data before or
after the archive, TAR or anything else, encrypted or unusual compression, directory, link and
special entries, traversal or otherwise unsafe names, duplicate names and names equal up to
case or Unicode normalisation, local headers that disagree with the central directory, entries
that overlap, too many entries, members larger than the limits or compressed beyond the
allowed ratio. While a member is read, its bytes are counted against its declared size.
"""

from __future__ import annotations

import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reviewstation.errors import InputError

LOCAL_MAGIC = b"PK\x03\x04"
LOCAL = struct.Struct("<4sHHHHHIIIHH")  # signature .. extra length (30 bytes)
EOCD = struct.Struct("<4sHHHHIIH")  # end of central directory (22 bytes)
ZIP64_LOCATOR = struct.Struct("<4sIQI")  # 20 bytes
ZIP64_END = struct.Struct("<4sQHHIIQQQQ")  # 56 bytes
ALLOWED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_members: int = 10_000
    max_member_bytes: int = 64 * 1024 * 1024  # manifests, JSON, reports
    max_evidence_bytes: int = 1 << 40  # evidence/ members: model files can be huge
    max_total_bytes: int = 1 << 41
    max_ratio: int = 200  # uncompressed / compressed, for deflated members
    evidence_prefix: str = "evidence/"

    def member_limit(self, name: str) -> int:
        return (
            self.max_evidence_bytes
            if name.startswith(self.evidence_prefix)
            else (self.max_member_bytes)
        )


class PackageRefused(InputError):
    """The file is not a package we will read; the message names the first reason."""


def check_name(name: str) -> None:
    """A member name we would also write: relative, forward slashes, no surprises."""
    if not name or len(name) > 1024:
        raise PackageRefused(f"A member has an empty or overlong name ({len(name)} characters).")
    if "\x00" in name or any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        raise PackageRefused(f"The member name {name!r} contains control characters.")
    if "\\" in name:
        raise PackageRefused(f"The member name {name!r} contains a backslash.")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise PackageRefused(f"The member name {name!r} is absolute.")
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise PackageRefused(f"The member name {name!r} has an empty, '.' or '..' component.")


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


class SafeZip:
    """A structurally checked archive whose members can be streamed by name."""

    def __init__(
        self,
        source: Path | BinaryIO,
        limits: Limits = Limits(),
        *,
        label: str = "",
    ) -> None:
        """``source``: a path, or a seekable binary file (e.g. a decrypting view)."""
        self.limits = limits
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

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self) -> list[Member]:
        handle = self._file
        size = handle.seek(0, 2)
        handle.seek(0)
        head = handle.read(4)
        if head != LOCAL_MAGIC:
            raise PackageRefused(
                f"{self.label} is not a ZIP package (it does not start with a ZIP entry)."
            )
        try:
            self._zip = zipfile.ZipFile(handle)
        except (
            zipfile.BadZipFile,
            OSError,
            ValueError,
            NotImplementedError,
            struct.error,
            KeyError,
        ) as exc:
            raise PackageRefused(f"{self.label} is not a readable ZIP file ({exc}).") from exc
        infos = self._zip.infolist()
        if len(infos) > self.limits.max_members:
            raise PackageRefused(
                f"The package has {len(infos)} members; at most"
                f" {self.limits.max_members} are allowed."
            )
        members: list[Member] = []
        seen: dict[str, str] = {}
        total = 0
        for info in infos:
            name = info.filename
            if info.orig_filename != name:
                raise PackageRefused(f"The member name {info.orig_filename!r} is not portable.")
            check_name(name)
            if name.endswith("/") or info.is_dir():
                raise PackageRefused(f"The package contains a folder entry {name!r}.")
            mode = info.external_attr >> 16
            if info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
                raise PackageRefused(f"The member {name!r} is a link or special file.")
            if info.flag_bits & 0x1:
                raise PackageRefused(f"The member {name!r} is encrypted with ZIP encryption.")
            if info.compress_type not in ALLOWED_METHODS:
                raise PackageRefused(f"The member {name!r} uses an unsupported compression method.")
            key = _folded(name)
            if key in seen:
                raise PackageRefused(
                    f"The package has two members named {seen[key]!r} and {name!r}"
                    " (equal up to case or Unicode normalisation)."
                )
            seen[key] = name
            limit = self.limits.member_limit(name)
            if info.file_size > limit:
                raise PackageRefused(f"The member {name!r} is larger than the {limit}-byte limit.")
            if (
                info.compress_type == zipfile.ZIP_DEFLATED
                and info.file_size > 1024 * 1024
                and info.file_size > self.limits.max_ratio * max(info.compress_size, 1)
            ):
                raise PackageRefused(
                    f"The member {name!r} is compressed beyond the allowed ratio (a zip bomb?)."
                )
            total += info.file_size
            if total > self.limits.max_total_bytes:
                raise PackageRefused("The package's members add up to more than the allowed total.")
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
                raise PackageRefused(
                    f"The member {member.name!r} does not start where the previous one ends"
                    " (overlapping entries or hidden data)."
                )
            self._file.seek(member.offset)
            raw = self._file.read(LOCAL.size)
            if len(raw) != LOCAL.size:
                raise PackageRefused(f"The local header of {member.name!r} is truncated.")
            sig, _ver, flags, method, _t, _d, crc, csize, usize, nlen, xlen = LOCAL.unpack(raw)
            name = self._file.read(nlen)
            if sig != LOCAL_MAGIC or name.decode("utf-8", "replace") != member.name:
                raise PackageRefused(
                    f"The local header of {member.name!r} disagrees with the central directory."
                )
            if method != member.method:
                raise PackageRefused(
                    f"The local header of {member.name!r} names another compression method."
                )
            descriptor = bool(flags & 0x8)
            if not descriptor and crc != member.crc:
                raise PackageRefused(
                    f"The local header of {member.name!r} disagrees with the central directory."
                )
            if (
                not descriptor
                and usize != 0xFFFFFFFF
                and (csize, usize)
                != (min(member.compressed, 0xFFFFFFFF), min(member.size, 0xFFFFFFFF))
            ):
                raise PackageRefused(
                    f"The local header of {member.name!r} gives other sizes than the central"
                    " directory."
                )
            extra = self._file.read(xlen)
            position = member.offset + LOCAL.size + nlen + xlen + member.compressed
            if descriptor:
                position += self._descriptor_length(position, _has_zip64(extra))
        if position != self._zip.start_dir:
            raise PackageRefused("The package has data between its members and its directory.")
        self._check_tail(size)

    def _check_tail(self, size: int) -> None:
        """The directory runs straight into the end record, which ends the file (no comment)."""
        self._file.seek(size - EOCD.size)
        sig, _disk, _cd_disk, _n_disk, _n, cd_size, cd_offset, comment = EOCD.unpack(
            self._file.read(EOCD.size)
        )
        if sig != b"PK\x05\x06" or comment != 0:
            raise PackageRefused("The package has data after its end (or a ZIP comment).")
        directory_end = size - EOCD.size
        if cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
            self._file.seek(size - EOCD.size - ZIP64_LOCATOR.size)
            loc_sig, _d, record_at, _disks = ZIP64_LOCATOR.unpack(
                self._file.read(ZIP64_LOCATOR.size)
            )
            if loc_sig != b"PK\x06\x07":
                raise PackageRefused("The package's ZIP64 end locator is missing.")
            self._file.seek(record_at)
            record = self._file.read(ZIP64_END.size)
            if len(record) != ZIP64_END.size:
                raise PackageRefused("The package's ZIP64 end record is truncated.")
            rec_sig, rec_size, *_rest, cd_size, cd_offset = ZIP64_END.unpack(record)
            if rec_sig != b"PK\x06\x06" or record_at + 12 + rec_size != directory_end - 20:
                raise PackageRefused("The package's ZIP64 end record is malformed.")
            directory_end = record_at
        if cd_offset != self._zip.start_dir or cd_offset + cd_size != directory_end:
            raise PackageRefused("The package's central directory is not where its end says.")

    def _descriptor_length(self, position: int, zip64: bool) -> int:
        self._file.seek(position)
        signed = self._file.read(4) == b"PK\x07\x08"
        return (20 if zip64 else 12) + (4 if signed else 0)

    def data_offset(self, name: str) -> int:
        """Where a stored member's bytes start in the file (for random access to them)."""
        member = self._by_name[name]
        if member.method != zipfile.ZIP_STORED:
            raise PackageRefused(f"The member {name!r} must be stored, not compressed.")
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
            raise PackageRefused(f"The package has no member {name!r}.")
        count = 0
        try:
            with self._zip.open(name) as handle:
                while chunk := handle.read(READ_CHUNK):
                    count += len(chunk)
                    if count > member.size:
                        raise PackageRefused(f"The member {name!r} is longer than it declares.")
                    yield chunk
        except (zipfile.BadZipFile, zlib.error) as exc:
            raise PackageRefused(f"The member {name!r} is damaged ({exc}).") from exc
        except (OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise PackageRefused(f"The member {name!r} cannot be read ({exc}).") from exc
        if count != member.size:
            raise PackageRefused(f"The member {name!r} is shorter than it declares.")

    def read(self, name: str) -> bytes:
        member = self._by_name.get(name)
        if member is not None and member.size > self.limits.max_member_bytes:
            raise PackageRefused(f"The member {name!r} is too large to read whole.")
        return b"".join(self.stream(name))
