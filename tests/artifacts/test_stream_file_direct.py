"""StreamFile(direct=True), as export writes: O_DIRECT where the file system takes it, ordinary
writes for an unaligned tail or where O_DIRECT is refused, and the bytes exact in every case
(no piece lost or written twice when the switch happens in the middle of a write)."""

from __future__ import annotations

import errno
import mmap
import os
from pathlib import Path

import pytest

from reviewstation import storage
from reviewstation.errors import VaultError
from reviewstation.storage import DIRECT_ALIGN, StreamFile

MIB = 1024 * 1024


def aligned(data: bytes) -> mmap.mmap:
    """A page-aligned buffer holding ``data`` (what export's BufferPool hands out)."""
    buffer = mmap.mmap(-1, max(len(data), 1))
    buffer[: len(data)] = data
    return buffer


def write_all(path: Path, pieces: list[bytes], *, as_mmap: bool) -> StreamFile:
    target = StreamFile(path, "exported file", direct=True)
    for piece in pieces:
        if as_mmap and piece:
            target.write(memoryview(aligned(piece))[: len(piece)])
        else:
            target.write(piece)
    target.finish()
    return target


def on_direct(target: StreamFile) -> bool:
    return target.direct


def o_direct_works(folder: Path) -> bool:
    target = StreamFile(folder / "probe", "probe", direct=True)
    target.abort()
    return target.direct


SHAPES = {
    "aligned pieces": [MIB, MIB, 4 * DIRECT_ALIGN],
    "aligned pieces, unaligned tail": [MIB, MIB, 12345],
    "unaligned first piece": [100, MIB, MIB],
    "one small piece": [7],
    "nothing": [],
}


@pytest.mark.parametrize("as_mmap", [True, False], ids=["page-aligned", "bytes"])
@pytest.mark.parametrize("shape", list(SHAPES), ids=list(SHAPES))
def test_content_is_exact_whatever_the_shapes(tmp_path: Path, shape: str, as_mmap: bool) -> None:
    pieces = [os.urandom(n) for n in SHAPES[shape]]
    target = write_all(tmp_path / "out.bin", pieces, as_mmap=as_mmap)
    assert (tmp_path / "out.bin").read_bytes() == b"".join(pieces)
    assert target.written == sum(SHAPES[shape])


def test_direct_is_used_where_the_file_system_allows_it(tmp_path: Path) -> None:
    if not o_direct_works(tmp_path):
        pytest.skip("this file system refuses O_DIRECT")
    pieces = [os.urandom(MIB) for _ in range(3)]
    target = StreamFile(tmp_path / "out.bin", "exported file", direct=True)
    for piece in pieces:
        target.write(memoryview(aligned(piece)))
    assert on_direct(target)  # page-aligned 1 MiB pieces stayed on O_DIRECT
    target.write(b"tail")
    assert not on_direct(target)
    target.finish()
    assert (tmp_path / "out.bin").read_bytes() == b"".join(pieces) + b"tail"


@pytest.mark.parametrize("written_before_refusal", [0, DIRECT_ALIGN, 3 * DIRECT_ALIGN])
def test_a_refusal_midway_resumes_exactly_where_the_device_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written_before_refusal: int
) -> None:
    """O_DIRECT refused (EINVAL) after part of a piece went out: the rest follows, once."""
    real = storage.write_fd_all
    refused: list[bool] = []

    def partly_then_einval(fd: int, data: bytes | bytearray | memoryview) -> None:
        if not refused:
            refused.append(True)
            real(fd, memoryview(data)[:written_before_refusal])
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        real(fd, data)

    first, second = os.urandom(MIB), os.urandom(MIB)
    target = StreamFile(tmp_path / "out.bin", "exported file", direct=True)
    target.direct = True  # as if the file system had taken O_DIRECT
    monkeypatch.setattr(storage, "write_fd_all", partly_then_einval)
    target.write(memoryview(aligned(first)))
    assert not target.direct
    target.write(second)
    target.finish()
    assert (tmp_path / "out.bin").read_bytes() == first + second


def test_other_errors_are_not_taken_for_a_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes | bytearray | memoryview) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = StreamFile(tmp_path / "out.bin", "exported file", direct=True)
    monkeypatch.setattr(storage, "write_fd_all", full)
    with pytest.raises(VaultError, match="No space left"):
        target.write(memoryview(aligned(os.urandom(MIB))))
    target.abort()
    assert not (tmp_path / "out.bin").exists()


def test_without_o_direct_support_writes_are_ordinary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(os, "O_DIRECT", raising=False)
    data = os.urandom(MIB)
    target = write_all(tmp_path / "out.bin", [data], as_mmap=True)
    assert not target.direct
    assert (tmp_path / "out.bin").read_bytes() == data
