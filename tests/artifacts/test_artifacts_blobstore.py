"""The blob store's STREAM format: byte-exact round trips, and every tampering named.

Each tamper case changes one thing in a valid blob and must raise BlobCorrupt with the
expected reason, having returned only authenticated chunks before it (no wrong data).
"""

from __future__ import annotations

import mmap
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewstation.artifacts.background import BufferPool
from reviewstation.artifacts.blobstore import (
    BlobReader,
    BlobRef,
    BlobWriter,
    iter_plaintext,
    iter_plaintext_into,
    new_key,
    unwrap_key,
    wrap_key,
)
from reviewstation.artifacts.stream import (
    HEADER_BYTES,
    PREFIX_BYTES,
    TAG_BYTES,
    BlobCorrupt,
    chunk_count,
    sealed_size,
)

CHUNK = 64
UNIT = CHUNK + TAG_BYTES
VAULT_ID = "11111111-2222-3333-4444-555555555555"


def seal(
    folder: Path,
    data: bytes,
    *,
    uid: str | None = None,
    key: bytes | None = None,
    vault_id: str = VAULT_ID,
    chunk: int = CHUNK,
) -> BlobRef:
    uid = uid or str(uuid.uuid4())
    key = key or new_key()
    writer = BlobWriter(folder, vault_id, uid, key, chunk)
    count = chunk_count(len(data), chunk)
    for index in range(count):
        writer.write_chunk(data[index * chunk : (index + 1) * chunk], index == count - 1)
    writer.finish()
    return BlobRef(vault_id, uid, writer.name, len(data), chunk, key, "Artifact 1 (test)")


def read_all(folder: Path, ref: BlobRef) -> bytes:
    return b"".join(iter_plaintext(folder, ref))


def pooled_chunks(folder: Path, ref: BlobRef, got: list[bytes]) -> None:
    """Every chunk through ``iter_plaintext_into`` (as export reads), copied into ``got``,
    each buffer given back before the next is taken: two buffers are plenty."""
    pool = BufferPool(ref.chunk_size, 2)
    for view in iter_plaintext_into(folder, ref, pool):
        got.append(bytes(view))
        buffer = view.obj
        view.release()
        assert isinstance(buffer, mmap.mmap)
        pool.give(buffer)


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17, 10 * CHUNK],
    ids=lambda n: f"{n}B",
)
def test_round_trip_is_byte_exact(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    ref = seal(tmp_path, data)
    pooled: list[bytes] = []
    pooled_chunks(tmp_path, ref, pooled)
    assert b"".join(pooled) == data
    path = tmp_path / "blobs" / ref.name
    assert path.stat().st_size == sealed_size(size, CHUNK)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert read_all(tmp_path, ref) == data
    with BlobReader(tmp_path, ref) as reader:
        assert reader.read() == data
        for offset in (0, 1, CHUNK - 1, CHUNK, size // 2, max(size - 1, 0)):
            reader.seek(offset)
            assert reader.read(CHUNK + 5) == data[offset : offset + CHUNK + 5]
        reader.seek(0, os.SEEK_END)
        assert reader.tell() == size and reader.read(10) == b""


def test_no_plaintext_in_the_blob_and_names_are_random(tmp_path: Path) -> None:
    data = b"CANARY-" * 100
    first = seal(tmp_path, data)
    second = seal(tmp_path, data)
    blob = (tmp_path / "blobs" / first.name).read_bytes()
    assert b"CANARY" not in blob
    assert first.name != second.name
    # Same content, different keys and prefixes: nothing in common but the magic.
    other = (tmp_path / "blobs" / second.name).read_bytes()
    assert blob[HEADER_BYTES:] != other[HEADER_BYTES:]


def test_writer_refuses_wrong_chunk_shapes(tmp_path: Path) -> None:
    writer = BlobWriter(tmp_path, VAULT_ID, "u", new_key(), CHUNK)
    with pytest.raises(ValueError, match="wrong size"):
        writer.write_chunk(b"short", False)  # only the final chunk may be short
    writer.abort()
    assert not (tmp_path / "blobs" / writer.name).exists()


# --- tampering -------------------------------------------------------------------------

DATA = bytes(range(256)) * 2 + b"tail"  # 516 bytes: 8 full chunks and a final one of 4
COUNT = chunk_count(len(DATA), CHUNK)


def chunk_at(index: int) -> int:
    return HEADER_BYTES + index * UNIT


def flip(offset: int) -> Callable[[bytearray], bytearray]:
    def change(blob: bytearray) -> bytearray:
        blob[offset] ^= 0x01
        return blob

    return change


def cut(length: int) -> Callable[[bytearray], bytearray]:
    return lambda blob: blob[:length]


def swap(a: int, b: int) -> Callable[[bytearray], bytearray]:
    def change(blob: bytearray) -> bytearray:
        first, second = (
            bytes(blob[chunk_at(a) : chunk_at(a) + UNIT]),
            bytes(blob[chunk_at(b) : chunk_at(b) + UNIT]),
        )
        blob[chunk_at(a) : chunk_at(a) + UNIT] = second
        blob[chunk_at(b) : chunk_at(b) + UNIT] = first
        return blob

    return change


def copy_over(source: int, target: int) -> Callable[[bytearray], bytearray]:
    def change(blob: bytearray) -> bytearray:
        blob[chunk_at(target) : chunk_at(target) + UNIT] = blob[
            chunk_at(source) : chunk_at(source) + UNIT
        ]
        return blob

    return change


def insert_copy(source: int) -> Callable[[bytearray], bytearray]:
    def change(blob: bytearray) -> bytearray:
        piece = blob[chunk_at(source) : chunk_at(source) + UNIT]
        return blob[: chunk_at(source)] + piece + blob[chunk_at(source) :]

    return change


LAST = COUNT - 1
FINAL_SIZE = len(DATA) - LAST * CHUNK + TAG_BYTES
TAMPER: dict[str, tuple[Callable[[bytearray], bytearray], str, int | None]] = {
    "header magic": (flip(0), "header", None),
    "header version": (flip(6), "header", None),
    "header chunk size": (flip(9), "header", None),
    "header nonce prefix": (flip(12), "header", None),
    "header tag": (flip(HEADER_BYTES - 1), "header", None),
    "ciphertext of first chunk": (flip(chunk_at(0) + 3), "chunk", 0),
    "ciphertext of middle chunk": (flip(chunk_at(4) + 10), "chunk", 4),
    "tag of middle chunk": (flip(chunk_at(4) + UNIT - 1), "chunk", 4),
    "ciphertext of final chunk": (flip(chunk_at(LAST)), "chunk", LAST),
    "tag of final chunk": (flip(chunk_at(LAST) + FINAL_SIZE - 1), "chunk", LAST),
    "truncated mid-chunk": (cut(chunk_at(3) + 20), "truncated", 3),
    "truncated inside the final chunk": (cut(chunk_at(LAST) + 2), "truncated", LAST),
    "truncated at a chunk boundary": (cut(chunk_at(5)), "final-missing", 5),
    "final chunk dropped": (cut(chunk_at(LAST)), "final-missing", LAST),
    "header only": (cut(HEADER_BYTES), "final-missing", 0),
    "cut inside the header": (cut(10), "header", None),
    "chunks reordered": (swap(2, 5), "reordered", 2),
    "chunk duplicated over the next": (copy_over(2, 3), "reordered", 3),
    "chunk duplicated and inserted": (insert_copy(2), "extended", None),
    "trailing garbage": (lambda b: b + b"\x00", "extended", None),
}


def check_tamper(folder: Path, ref: BlobRef, reason: str, chunk: int | None) -> None:
    got: list[bytes] = []

    def consume() -> None:
        for plain in iter_plaintext(folder, ref):
            got.append(plain)

    with pytest.raises(BlobCorrupt) as caught:
        consume()
    assert caught.value.reason == reason, str(caught.value)
    if chunk is not None:
        assert caught.value.chunk == chunk, str(caught.value)
    assert ref.what in str(caught.value)
    # What was returned before the failure is exactly the authentic prefix.
    assert b"".join(got) == DATA[: len(got) * CHUNK]
    if chunk is not None and reason in ("chunk", "reordered"):
        assert len(got) == chunk  # every chunk before the bad one, and not the bad one
    with pytest.raises(BlobCorrupt) as again, BlobReader(folder, ref) as reader:
        reader.read()
    assert again.value.reason == reason
    # The pooled reader export uses: the same verdict after the same authentic prefix.
    pooled: list[bytes] = []
    with pytest.raises(BlobCorrupt) as into:
        pooled_chunks(folder, ref, pooled)
    assert (into.value.reason, into.value.chunk) == (reason, caught.value.chunk)
    assert pooled == got


@pytest.mark.parametrize("case", list(TAMPER), ids=list(TAMPER))
def test_tampering_is_detected_and_named(tmp_path: Path, case: str) -> None:
    change, reason, chunk = TAMPER[case]
    ref = seal(tmp_path, DATA)
    path = tmp_path / "blobs" / ref.name
    path.write_bytes(bytes(change(bytearray(path.read_bytes()))))
    check_tamper(tmp_path, ref, reason, chunk)


def _transplant(tmp_path: Path, donor: BlobRef, index: int) -> BlobRef:
    victim = seal(tmp_path, DATA)
    path = tmp_path / "blobs" / victim.name
    blob = bytearray(path.read_bytes())
    donor_blob = (tmp_path / "blobs" / donor.name).read_bytes()
    blob[chunk_at(index) : chunk_at(index) + UNIT] = donor_blob[
        chunk_at(index) : chunk_at(index) + UNIT
    ]
    path.write_bytes(bytes(blob))
    return victim


def test_chunk_from_another_artifact_is_detected(tmp_path: Path) -> None:
    donor = seal(tmp_path, DATA)
    victim = _transplant(tmp_path, donor, 3)
    check_tamper(tmp_path, victim, "chunk", 3)


def _same_key_blob(
    tmp_path: Path, *, uid: str, vault_id: str, key: bytes, prefix: bytes
) -> BlobRef:
    """A blob sealed with a chosen key and nonce prefix: isolates the AAD binding."""
    from unittest import mock

    with mock.patch("reviewstation.artifacts.blobstore.os.urandom", return_value=prefix):
        return seal(tmp_path, DATA, uid=uid, key=key, vault_id=vault_id)


def _splice_chunk(tmp_path: Path, target: BlobRef, donor: BlobRef, index: int) -> None:
    path = tmp_path / "blobs" / target.name
    blob = bytearray(path.read_bytes())
    donor_blob = (tmp_path / "blobs" / donor.name).read_bytes()
    blob[chunk_at(index) : chunk_at(index) + UNIT] = donor_blob[
        chunk_at(index) : chunk_at(index) + UNIT
    ]
    path.write_bytes(bytes(blob))


@pytest.mark.parametrize("binding", ["another artifact", "another vault"])
def test_chunk_transplant_fails_even_with_the_same_key_and_nonce(
    tmp_path: Path, binding: str
) -> None:
    """Even if two blobs shared key and nonce prefix, the AAD binding stops a transplant."""
    key, prefix = new_key(), os.urandom(PREFIX_BYTES)
    target = _same_key_blob(tmp_path, uid="artifact-a", vault_id=VAULT_ID, key=key, prefix=prefix)
    donor = _same_key_blob(
        tmp_path,
        uid="artifact-b" if binding == "another artifact" else "artifact-a",
        vault_id=VAULT_ID if binding == "another artifact" else "another-vault-id",
        key=key,
        prefix=prefix,
    )
    _splice_chunk(tmp_path, target, donor, 2)
    check_tamper(tmp_path, target, "chunk", 2)


def test_whole_blob_swapped_for_another_artifacts(tmp_path: Path) -> None:
    mine = seal(tmp_path, DATA)
    other = seal(tmp_path, DATA)
    shutil.copyfile(tmp_path / "blobs" / other.name, tmp_path / "blobs" / mine.name)
    check_tamper(tmp_path, mine, "header", None)


def test_missing_blob_is_named(tmp_path: Path) -> None:
    ref = seal(tmp_path, DATA)
    (tmp_path / "blobs" / ref.name).unlink()
    check_tamper(tmp_path, ref, "missing", None)


def test_wrapped_keys_are_bound_to_vault_and_artifact() -> None:
    master, key = os.urandom(32), new_key()
    wrapped = wrap_key(master, VAULT_ID, "artifact-a", key)
    assert unwrap_key(master, VAULT_ID, "artifact-a", wrapped, "A") == key
    for vault_id, uid, secret in [
        (VAULT_ID, "artifact-b", master),  # moved to another artifact's row
        ("another-vault", "artifact-a", master),  # moved to another vault
        (VAULT_ID, "artifact-a", os.urandom(32)),  # another master key
    ]:
        with pytest.raises(BlobCorrupt) as caught:
            unwrap_key(secret, vault_id, uid, wrapped, "A")
        assert caught.value.reason == "key"
    damaged = bytearray(wrapped)
    damaged[-1] ^= 1
    with pytest.raises(BlobCorrupt):
        unwrap_key(master, VAULT_ID, "artifact-a", bytes(damaged), "A")
