"""Hostile archives: each class from TESTING.md is refused before anything is read or written."""

from __future__ import annotations

import io
import struct
import tarfile
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewstation.errors import ReviewStationError
from reviewstation.ziparchive import LENIENT, STRICT, HostileZip, PackageRefused, Policy


def writers_info(name: str, method: int = zipfile.ZIP_STORED) -> zipfile.ZipInfo:
    """A member as the package writer makes it (fixed time, regular file, stored)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = method
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


def build(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of some cases
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in entries:
                archive.writestr(writers_info(name, method), data)
    return buffer.getvalue()


GOOD = build([("manifest.json", b"{}"), ("evidence/u/a.bin", b"x" * 100)])


def refused(data: bytes, tmp_path: Path, match: str, policy: Policy = STRICT) -> None:
    path = tmp_path / "hostile.rspkg"
    path.write_bytes(data)
    with pytest.raises(PackageRefused, match=match):
        HostileZip(path, policy).close()


def with_info(name: str, data: bytes, tweak: Callable[[zipfile.ZipInfo], None]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = writers_info(name)
        tweak(info)
        archive.writestr(info, data)
    return buffer.getvalue()


def test_a_good_archive_reads(tmp_path: Path) -> None:
    path = tmp_path / "good.rspkg"
    path.write_bytes(GOOD)
    with HostileZip(path) as archive:
        assert archive.names() == ["manifest.json", "evidence/u/a.bin"]
        assert archive.read("evidence/u/a.bin") == b"x" * 100


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("../up.txt", "'..'"),
        ("a/../../up.txt", "'..'"),
        ("/abs.txt", "absolute"),
        ("C:/windows.txt", "absolute"),
        ("c:evil", "absolute"),
        ("back\\slash.txt", "backslash"),
        ("a//b.txt", "empty"),
        ("./dot.txt", "'.'"),
        ("folder/", "empty"),
    ],
)
def test_unsafe_names(tmp_path: Path, name: str, match: str) -> None:
    refused(build([(name, b"x")]), tmp_path, match)


def test_nul_in_a_name(tmp_path: Path) -> None:
    data = build([("nulX.txt", b"x")]).replace(b"nulX.txt", b"nul\x00.txt")
    refused(data, tmp_path, "not portable|control")


@pytest.mark.parametrize(
    "names",
    [
        ["a.json", "a.json"],
        ["A.json", "a.json"],
        ["caf\u00e9.txt", "cafe\u0301.txt"],
        ["Stra\u00dfe", "STRASSE"],
    ],
)
def test_colliding_names(tmp_path: Path, names: list[str]) -> None:
    refused(build([(n, b"x") for n in names]), tmp_path, "two members named")


@pytest.mark.parametrize(
    ("mode", "what"),
    [(0o120777, "symlink"), (0o020666, "char device"), (0o010644, "fifo"), (0o040755, "folder")],
)
def test_links_and_special_files(tmp_path: Path, mode: int, what: str) -> None:
    def tweak(info: zipfile.ZipInfo) -> None:
        info.create_system = 3
        info.external_attr = mode << 16

    refused(with_info("thing", b"/etc/passwd", tweak), tmp_path, "link or special|folder")
    del what


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    refused(
        build([("bomb.json", b"\0" * 20_000_000)], zipfile.ZIP_DEFLATED),
        tmp_path,
        "compressed beyond",
        LENIENT,
    )
    refused(build([("a.json", b"{}")], zipfile.ZIP_DEFLATED), tmp_path, "unsupported compression")


def test_too_many_entries(tmp_path: Path) -> None:
    refused(
        build([(f"m{i}", b"") for i in range(30)]),
        tmp_path,
        "members",
        replace(STRICT, max_members=20),
    )


def test_member_larger_than_its_limit(tmp_path: Path) -> None:
    refused(
        build([("big.json", b"x" * 5000)]),
        tmp_path,
        "larger than",
        replace(STRICT, max_member_bytes=4096),
    )


def test_total_limit(tmp_path: Path) -> None:
    data = build([("evidence/a", b"x" * 3000), ("evidence/b", b"x" * 3000)])
    refused(data, tmp_path, "add up", replace(STRICT, max_total_bytes=5000))


def test_data_before_and_after(tmp_path: Path) -> None:
    refused(b"MZ" + GOOD, tmp_path, "not a ZIP")
    refused(GOOD + b"trailing", tmp_path, "after its end")


def test_comment_is_hidden_data(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(writers_info("a"), b"x")
        archive.comment = b"hidden"
    refused(buffer.getvalue(), tmp_path, "after its end")


def test_tar_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        archive.addfile(info, io.BytesIO(b"{}"))
    refused(buffer.getvalue(), tmp_path, "not a ZIP")


def test_local_header_disagrees_with_central_directory(tmp_path: Path) -> None:
    data = bytearray(GOOD)
    data[data.index(b"manifest.json")] = ord("M")  # first occurrence: the local header
    refused(bytes(data), tmp_path, "names another file")


def test_local_header_with_other_sizes(tmp_path: Path) -> None:
    data = bytearray(GOOD)
    struct.pack_into("<I", data, 22, 1)  # uncompressed size in the first local header
    refused(bytes(data), tmp_path, "has size 0x1 where the package writer writes 0x2")


def test_overlapping_entries(tmp_path: Path) -> None:
    """A central directory whose second entry points into the first one's data."""
    data = bytearray(GOOD)
    directory = data.index(b"PK\x01\x02", 0)
    second = data.index(b"PK\x01\x02", directory + 4)
    struct.pack_into("<I", data, second + 42, 10)  # relative offset of local header
    refused(bytes(data), tmp_path, ".")


def test_encrypted_and_unsupported_members(tmp_path: Path) -> None:
    def encrypted(info: zipfile.ZipInfo) -> None:
        info.flag_bits |= 0x1

    data = bytearray(with_info("a", b"xyz", lambda info: None))
    # Set the encryption flag in both headers, as a ZIP-encrypting tool would.
    struct.pack_into("<H", data, 6, 1)
    directory = data.index(b"PK\x01\x02")
    struct.pack_into("<H", data, directory + 8, 1)
    refused(bytes(data), tmp_path, "encrypted|disagrees|readable")
    bzip = build([("a", b"x" * 100)], zipfile.ZIP_BZIP2)
    refused(bzip, tmp_path, "unsupported compression")
    del encrypted


def test_forged_size_in_both_headers_is_caught_while_reading(tmp_path: Path) -> None:
    data = bytearray(build([("a.json", b"0123456789")]))
    struct.pack_into("<I", data, 22, 4)  # local: uncompressed size
    directory = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, directory + 24, 4)  # central: uncompressed size
    path = tmp_path / "forged.rspkg"
    path.write_bytes(bytes(data))
    with pytest.raises(PackageRefused), HostileZip(path) as archive:
        archive.read("a.json")


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_fuzzed_archives_only_raise_typed_errors(
    tmp_path: Path, edits: list[tuple[int, int]]
) -> None:
    data = bytearray(GOOD)
    for position, value in edits:
        data[position] = value
    path = tmp_path / "fuzz.rspkg"
    path.write_bytes(bytes(data))
    try:
        with HostileZip(path) as archive:
            for name in archive.names():
                archive.read(name)
    except ReviewStationError:
        pass


EVAL_LOGS = sorted((Path(__file__).parent / "fixtures" / "inspect-logs").glob("*.eval"))


@pytest.mark.parametrize("log", EVAL_LOGS, ids=lambda p: p.name[:40])
def test_real_inspect_logs_open_under_the_lenient_policy_only(log: Path) -> None:
    """Evaluation logs written by inspect_ai (deflate, or Zstandard; their own timestamps) are
    read whole under LENIENT; the strict package policy refuses them."""
    from reviewstation.ziparchive import LENIENT, open_zip, read_member

    assert EVAL_LOGS
    with log.open("rb") as stream:
        archive = open_zip(stream, log.stat().st_size)
        infos = archive.infolist()
        assert any(i.filename == "header.json" for i in infos)
        for info in infos:
            assert len(read_member(archive, info, LENIENT.max_member_bytes)) == info.file_size
    with pytest.raises(PackageRefused, match=r"compression method|where the package writer"):
        HostileZip(log).close()


class _Dribble(io.RawIOBase):
    """A seekable raw stream that answers every read with at most 7 bytes."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._data.seek(offset, whence)

    def tell(self) -> int:
        return self._data.tell()

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        piece = self._data.read(min(len(buffer), 7))
        buffer[: len(piece)] = piece
        return len(piece)


def test_short_reads_from_a_raw_stream_are_not_mistaken_for_truncation() -> None:
    """The decrypting view of an inner package may return less than asked at a chunk edge."""
    data = build([("manifest.json", b"{}" * 50), ("evidence/u/a.bin", b"x" * 1000)])
    with HostileZip(_Dribble(data), label="dribble") as archive:  # type: ignore[arg-type]
        assert archive.read("evidence/u/a.bin") == b"x" * 1000


@pytest.mark.long
def test_the_writers_zip64_records_beyond_2_gib_are_accepted(tmp_path: Path) -> None:
    """A stored member over 2 GiB, written by the package writer: ZIP64 fields in its local
    and central records, a ZIP64 offset for the member after it, and the ZIP64 end records:
    each is what the strict reader expects (about 40 s, 2 GiB of disk)."""
    from reviewstation.packages.writer import ZipBuilder

    path = tmp_path / "huge.rspkg"
    zero = bytes(1 << 20)
    with path.open("wb") as out:
        builder = ZipBuilder(out)
        builder.add("manifest.json", b"{}")
        builder.add_stream("evidence/u/big.bin", (zero for _ in range(2049)), known_sha384="0" * 96)
        builder.add("SHA384SUMS", b"x", hashed=False)
        builder.close()
    with HostileZip(path) as archive:
        assert archive.names() == ["manifest.json", "evidence/u/big.bin", "SHA384SUMS"]
        assert archive.read("SHA384SUMS") == b"x"
    path.unlink()
