"""Unsigned bytes in a package, table-driven (issue 13, class 3).

VALID means: every byte of the file is either signed content or ZIP structure the package
writer itself produces. Each row takes a real exported package apart into its records, makes
one byte-level change the way an attacker would (fixing every offset, size and count so that
only the change remains), puts it back together and expects ``package verify`` to refuse it
with one line naming the problem. A new variant is one row.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.packages import Sender, export, sender
from support.vaults import PASS, make_vault

from reviewstation.errors import InputError
from reviewstation.packages.verify import verify_package
from reviewstation.vault.session import open_vault

LOCAL = struct.Struct("<4sHHHHHIIIHH")
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
EOCD = struct.Struct("<4sHHHHIIH")


@dataclass
class Entry:
    """One member: its local header fields (without the lengths), name, extra and data, any
    bytes after its data (a descriptor, a gap), and its central directory record."""

    local: list[int]  # version, flags, method, time, date, crc, csize, usize
    name: bytes
    extra: bytes
    data: bytes
    central: list[int]  # made by, needed, flags, method, time, date, crc, csize, usize,
    #                     disk, internal, external
    cname: bytes
    cextra: bytes
    comment: bytes = b""
    after: bytes = b""


@dataclass
class Archive:
    entries: list[Entry]
    prefix: bytes = b""
    before_directory: bytes = b""
    zip64_end: bool = False
    count_delta: int = 0
    disk: int = 0
    comment: bytes = b""
    suffix: bytes = b""
    offsets: dict[int, int] = field(default_factory=dict)  # entry index -> forged offset

    @classmethod
    def parse(cls, data: bytes) -> Archive:
        sig, _d, _cd, _n1, count, size, start, _c = EOCD.unpack(data[-EOCD.size :])
        assert sig == b"PK\x05\x06" and len(data) - EOCD.size == start + size
        entries: list[Entry] = []
        position = start
        for _ in range(count):
            c = CENTRAL.unpack_from(data, position)
            at = position + CENTRAL.size
            cname, cextra = data[at : at + c[10]], data[at + c[10] : at + c[10] + c[11]]
            position = at + c[10] + c[11] + c[12]
            offset = c[16]
            lo = LOCAL.unpack_from(data, offset)
            at = offset + LOCAL.size
            name, extra = data[at : at + lo[9]], data[at + lo[9] : at + lo[9] + lo[10]]
            at += lo[9] + lo[10]
            entries.append(
                Entry(
                    list(lo[1:9]),
                    name,
                    extra,
                    data[at : at + c[8]],
                    [*c[1:10], *c[13:16]],
                    cname,
                    cextra,
                )
            )
        return cls(entries)

    def build(self) -> bytes:
        out = bytearray(self.prefix)
        offsets = []
        for index, e in enumerate(self.entries):
            offsets.append(self.offsets.get(index, len(out)))
            out += LOCAL.pack(b"PK\x03\x04", *e.local, len(e.name), len(e.extra))
            out += e.name + e.extra + e.data + e.after
        out += self.before_directory
        start = len(out)
        for e, offset in zip(self.entries, offsets, strict=True):
            c = e.central
            out += CENTRAL.pack(
                b"PK\x01\x02", *c[:9], len(e.cname), len(e.cextra), len(e.comment), *c[9:], offset
            )
            out += e.cname + e.cextra + e.comment
        size = len(out) - start
        count = len(self.entries) + self.count_delta
        if self.zip64_end:
            end64 = len(out)
            out += struct.pack(
                "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, size, start
            )
            out += struct.pack("<4sIQI", b"PK\x06\x07", 0, end64, 1)
        out += EOCD.pack(b"PK\x05\x06", self.disk, 0, count, count, size, start, len(self.comment))
        return bytes(out + self.comment + self.suffix)

    def entry(self, name: str) -> Entry:
        return next(e for e in self.entries if e.name == name.encode())


def extra(header_id: int, body: bytes) -> bytes:
    return struct.pack("<HH", header_id, len(body)) + body


def unicode_path(entry: Entry, other: str) -> bytes:
    """An Info-ZIP Unicode path field (0x7075): version 1, CRC of the header's name, a name."""
    return extra(0x7075, b"\x01" + struct.pack("<I", zlib.crc32(entry.name)) + other.encode())


def both(entry: Entry, index: int, value: int) -> None:
    """Set a field that the local header and the central record share, in both."""
    entry.local[index] = value
    entry.central[index + 1] = value


def descriptor(entry: Entry) -> None:
    both(entry, 1, entry.local[1] | 0x8)
    entry.after = struct.pack(
        "<4sIII", b"PK\x07\x08", entry.local[5], len(entry.data), len(entry.data)
    )


def duplicate(archive: Archive) -> None:
    copy = Archive.parse(archive.build()).entry("findings.json")
    copy.data = b'{"format":"reviewstation-findings"}\n'
    both(copy, 5, zlib.crc32(copy.data))
    both(copy, 6, len(copy.data))
    both(copy, 7, len(copy.data))
    archive.entries.append(copy)


def deflate(entry: Entry) -> None:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    entry.data = packer.compress(entry.data) + packer.flush()
    both(entry, 2, 8)
    both(entry, 6, len(entry.data))


def ghost(archive: Archive) -> None:
    """A whole local entry in front that no directory record names."""
    e = archive.entry("findings.json")
    archive.prefix = LOCAL.pack(b"PK\x03\x04", *e.local, len(e.name), 0) + e.name + e.data


MUTATIONS: dict[str, tuple[Callable[[Archive], object], str]] = {
    "extra field in a local header": (
        lambda a: setattr(a.entry("findings.json"), "extra", extra(0xCAFE, b"\0" * 4096)),
        "extra field 0xcafe",
    ),
    "extra field in a central record": (
        lambda a: setattr(a.entry("report.pdf"), "cextra", extra(0x5455, b"\x01" + b"\0" * 4)),
        "extra field 0x5455",
    ),
    "per-entry comment": (
        lambda a: setattr(a.entry("manifest.json"), "comment", b"hidden " * 100),
        "carries a comment",
    ),
    "archive comment": (lambda a: setattr(a, "comment", b"x" * 1000), "after its end"),
    "bytes appended": (lambda a: setattr(a, "suffix", b"\0" * 1024), "after its end"),
    "bytes in front": (lambda a: setattr(a, "prefix", b"MZ" * 512), "not a ZIP"),
    "a ghost entry in front": (ghost, "does not start where"),
    "gap between members": (
        lambda a: setattr(a.entry("findings.json"), "after", b"\0" * 512),
        "does not start where",
    ),
    "gap before the directory": (
        lambda a: setattr(a, "before_directory", b"\0" * 512),
        "between its members and its directory",
    ),
    "data descriptor": (lambda a: descriptor(a.entry("report.pdf")), "data descriptor"),
    "local CRC disagrees": (
        lambda a: a.entry("SHA384SUMS").local.__setitem__(5, 0x12345678),
        "CRC-32",
    ),
    "local method disagrees": (
        lambda a: a.entry("SHA384SUMS").local.__setitem__(2, 8),
        "compression method",
    ),
    "local name disagrees": (
        lambda a: setattr(a.entry("findings.json"), "name", b"findings.jsoN"),
        "names another file",
    ),
    "duplicate names": (duplicate, "two members named"),
    "entry count too low": (lambda a: setattr(a, "count_delta", -1), "claims"),
    "entry count too high": (lambda a: setattr(a, "count_delta", 1), "claims"),
    "needless ZIP64 end records": (
        lambda a: setattr(a, "zip64_end", True),
        "ZIP64 end records it does not need",
    ),
    "needless ZIP64 field in a central record": (
        lambda a: setattr(
            a.entry("report.pdf"),
            "cextra",
            extra(1, struct.pack("<Q", len(a.entry("report.pdf").data))),
        ),
        "ZIP64 field it does not need",
    ),
    "Unicode path field naming another file (local)": (
        lambda a: setattr(
            a.entry("findings.json"), "extra", unicode_path(a.entry("findings.json"), "evil.sh")
        ),
        "Unicode path field naming 'evil.sh'",
    ),
    "Unicode path field naming another file (central)": (
        lambda a: setattr(
            a.entry("report.pdf"), "cextra", unicode_path(a.entry("report.pdf"), "../report.pdf")
        ),
        "Unicode path field naming '../report.pdf'",
    ),
    "deflated member": (lambda a: deflate(a.entry("findings.json")), "compression method"),
    "timestamp": (lambda a: both(a.entry("manifest.json"), 3, 0x6000), "time"),
    "date": (lambda a: both(a.entry("manifest.json"), 4, 0x5A21), "date"),
    "external attributes": (
        lambda a: a.entry("SHA384SUMS").central.__setitem__(11, 0o100600 << 16),
        "external attributes",
    ),
    "internal attributes": (
        lambda a: a.entry("SHA384SUMS").central.__setitem__(10, 1),
        "internal attributes",
    ),
    "version made by": (
        lambda a: a.entry("SHA384SUMS").central.__setitem__(0, (3 << 8) | 63),
        "version made by",
    ),
    "UTF-8 flag on an ASCII name": (
        lambda a: both(a.entry("findings.json"), 1, 0x800),
        "general-purpose flags",
    ),
    "disk number": (lambda a: setattr(a, "disk", 1), "end records disagree|not a readable"),
    "second record points into the first": (
        lambda a: a.offsets.__setitem__(1, 10),
        "does not start where",
    ),
}
# Rows that the encrypted form's outer layer must refuse in the same way.
OUTER: dict[str, tuple[Callable[[Archive], object], str]] = {
    "extra field in the payload's header": (
        lambda a: setattr(a.entry("payload.enc"), "cextra", extra(0xCAFE, b"\0" * 64)),
        "extra field 0xcafe",
    ),
    "comment on the recipients list": (
        lambda a: setattr(a.entry("recipients.json"), "comment", b"hidden"),
        "carries a comment",
    ),
    "bytes appended": (lambda a: setattr(a, "suffix", b"\0" * 64), "after its end"),
    "data descriptor on the manifest": (
        lambda a: descriptor(a.entry("manifest.json")),
        "data descriptor",
    ),
}


@dataclass
class Packages:
    sender: Sender
    plain: Path
    encrypted: Path


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Packages:
    folder = tmp_path_factory.mktemp("zipbytes")
    alice = sender(folder)
    (folder / "bob").mkdir()
    bob = make_vault(folder / "bob", user="bob")
    with open_vault(bob, PASS) as session:
        card = session.user.public_identity(session.vault_id)
    export(alice.vault, folder / "plain.rspkg", evidence=["1"])
    export(alice.vault, folder / "enc.rspkg", evidence=["1"], recipients=[card])
    return Packages(alice, folder / "plain.rspkg", folder / "enc.rspkg")


def refused(package: Path, card: object, match: str) -> str:
    with pytest.raises(InputError, match=match) as caught:
        verify_package(package, [card]).close()  # type: ignore[list-item]
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    return message


@pytest.mark.parametrize("row", sorted(MUTATIONS))
def test_unsigned_bytes_in_a_plaintext_package_are_refused(
    packages: Packages, tmp_path: Path, row: str
) -> None:
    mutate, match = MUTATIONS[row]
    archive = Archive.parse(packages.plain.read_bytes())
    mutate(archive)
    bad = tmp_path / "bad.rspkg"
    bad.write_bytes(archive.build())
    assert bad.read_bytes() != packages.plain.read_bytes()
    refused(bad, packages.sender.card, match)


@pytest.mark.parametrize("row", sorted(OUTER))
def test_unsigned_bytes_in_an_encrypted_package_are_refused(
    packages: Packages, tmp_path: Path, row: str
) -> None:
    mutate, match = OUTER[row]
    archive = Archive.parse(packages.encrypted.read_bytes())
    mutate(archive)
    bad = tmp_path / "bad.rspkg"
    bad.write_bytes(archive.build())
    refused(bad, packages.sender.card, match)


@pytest.mark.parametrize("form", ["plain", "encrypted"])
def test_an_untouched_package_passes_and_unzip_t_accepts_it(
    packages: Packages, tmp_path: Path, form: str
) -> None:
    """The model of the table rebuilds the package byte for byte (so each row changes only
    what it says), the package verifies, and Info-ZIP's ``unzip -t`` accepts it."""
    package = getattr(packages, form)
    original = package.read_bytes()
    assert Archive.parse(original).build() == original
    copy = tmp_path / "copy.rspkg"
    copy.write_bytes(Archive.parse(original).build())
    verify_package(copy, [packages.sender.card]).close()
    if shutil.which("unzip") is None:
        pytest.skip("unzip is not installed")
    done = subprocess.run(["unzip", "-t", str(copy)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No errors detected" in done.stdout
