"""The encrypted blob store: one file per artifact under ``blobs/``, named at random.

Each artifact has its own random 256-bit key, wrapped (AES-256-GCM) under a sub-key of the
vault master key and kept in the artifact's database row; destroying the wrapped key is the
crypto-erase. Content goes through :mod:`reviewstation.artifacts.stream`. The layout is in
docs/formats/blobs.md. Plaintext exists only in memory: writers take it chunk by chunk,
readers return it chunk by chunk or through a seekable, decrypt-on-read file object.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
import struct
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reviewstation.artifacts.background import BufferPool, ReadAhead, SyncBehind
from reviewstation.artifacts.stream import (
    DEFAULT_CHUNK,
    HEADER_BYTES,
    KEY_BYTES,
    PREFIX_BYTES,
    TAG_BYTES,
    BlobCorrupt,
    BlobHeader,
    StreamCipher,
    check_chunk_size,
    chunk_count,
    parse_header,
    sealed_size,
)
from reviewstation.crypto import aead
from reviewstation.crypto.kdf import hkdf
from reviewstation.errors import CryptoError, VaultError
from reviewstation.progress import CancelFlag, check_cancel
from reviewstation.storage import StreamFile, fsync_dir, open_nofollow, refuse_link

BLOBS_DIR = "blobs"
BLOB_SUFFIX = ".blob"
_NAME = re.compile(r"^[0-9a-f]{32}\.blob$")
_WRAP_INFO = b"reviewstation/artifacts/key-wrap/v1"
_WRAP_AAD = b"reviewstation/artifacts/key/v1\x00"


def blobs_dir(vault: Path) -> Path:
    return vault / BLOBS_DIR


def is_blob_name(name: str) -> bool:
    return bool(_NAME.match(name))


def blob_path(vault: Path, name: str) -> Path:
    """The file for a recorded blob name; a malformed name (a damaged row) is refused."""
    if not is_blob_name(name):
        raise BlobCorrupt(f"The recorded blob name {name[:80]!r} is malformed.", "missing")
    return blobs_dir(vault) / name


def ensure_blobs_dir(vault: Path) -> Path:
    folder = blobs_dir(vault)
    refuse_link(folder, "blob folder")
    if not folder.is_dir():
        try:
            folder.mkdir(mode=0o700)
            fsync_dir(vault)
        except FileExistsError:
            pass
        except OSError as exc:
            raise VaultError(
                f"Could not create the blob folder {folder} ({exc.strerror or exc})."
            ) from exc
    return folder


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _key_aad(vault_id: str, uid: str) -> bytes:
    vault = vault_id.encode()
    return _WRAP_AAD + struct.pack(">H", len(vault)) + vault + uid.encode()


def wrap_key(master: bytes, vault_id: str, uid: str, key: bytes) -> bytes:
    """The artifact key sealed under the vault's key-wrap sub-key, bound to vault and artifact."""
    kek = hkdf(master, _WRAP_INFO, salt=vault_id.encode())
    return aead.seal(kek, key, _key_aad(vault_id, uid))


def unwrap_key(master: bytes, vault_id: str, uid: str, wrapped: bytes, what: str) -> bytes:
    kek = hkdf(master, _WRAP_INFO, salt=vault_id.encode())
    try:
        key = aead.open_sealed(kek, wrapped, _key_aad(vault_id, uid))
    except CryptoError as exc:
        raise BlobCorrupt(
            f"{what}: its content key does not open (the record was altered).", "key"
        ) from exc
    if len(key) != KEY_BYTES:
        raise BlobCorrupt(f"{what}: its content key has the wrong length.", "key")
    return key


@dataclass(frozen=True)
class BlobRef:
    """What the database row says about one blob: enough to find and open it."""

    vault_id: str
    uid: str
    name: str
    size: int
    chunk_size: int
    key: bytes = field(repr=False)
    what: str = "Artifact"

    @property
    def sealed_size(self) -> int:
        return sealed_size(self.size, self.chunk_size)

    @property
    def chunks(self) -> int:
        return chunk_count(self.size, self.chunk_size)


class BlobWriter:
    """Encrypt chunks into a new blob file. ``finish`` makes it durable; ``abort`` removes it."""

    def __init__(
        self,
        vault: Path,
        vault_id: str,
        uid: str,
        key: bytes,
        chunk_size: int = DEFAULT_CHUNK,
        *,
        sync_every: int = 64 * 1024 * 1024,
    ) -> None:
        self.name = secrets.token_hex(16) + BLOB_SUFFIX
        self.path = ensure_blobs_dir(vault) / self.name
        self.chunk_size = check_chunk_size(chunk_size)
        self._cipher = StreamCipher(
            key, vault_id, uid, BlobHeader(chunk_size, os.urandom(PREFIX_BYTES))
        )
        self._file = StreamFile(self.path, "artifact blob")
        self._sync = SyncBehind(self._file.sync_behind, sync_every)
        self._index = 0
        self._closed = False
        try:
            self._file.write(self._cipher.seal_header())
        except BaseException:
            self.abort()
            raise

    @property
    def sealed_bytes(self) -> int:
        return self._file.written

    def write_chunk(self, plaintext: bytes, final: bool) -> None:
        if self._closed:
            raise VaultError("The blob is already finished.")
        sealed = self._cipher.seal_chunk(self._index, plaintext, final)
        self._file.write(sealed)
        self._sync.wrote(len(sealed))
        self._index += 1
        if final:
            self._closed = True

    def finish(self) -> None:
        if not self._closed:
            raise VaultError("The blob's final chunk was never written.")
        self._sync.close()
        self._file.finish()

    def abort(self) -> None:
        self._closed = True
        with contextlib.suppress(BaseException):  # aborting anyway; the first error stands
            self._sync.close()
        self._file.abort()


def _classify_size(ref: BlobRef, actual: int) -> BlobCorrupt | None:
    expected = ref.sealed_size
    if actual == expected:
        return None
    if actual > expected:
        return BlobCorrupt(
            f"{ref.what}: the blob has {actual - expected} bytes more than recorded (data was"
            " appended or chunks were duplicated).",
            "extended",
        )
    unit = ref.chunk_size + TAG_BYTES
    body = actual - HEADER_BYTES
    if body >= 0 and body % unit == 0:
        return BlobCorrupt(
            f"{ref.what}: the blob ends at a chunk boundary after {body // unit} of"
            f" {ref.chunks} chunks (the final chunk was dropped).",
            "final-missing",
            body // unit,
        )
    return BlobCorrupt(
        f"{ref.what}: the blob is cut off inside chunk {max(body, 0) // unit}"
        f" ({expected - actual} bytes missing).",
        "truncated",
        max(body, 0) // unit,
    )


def _open(vault: Path, ref: BlobRef) -> tuple[int, StreamCipher]:
    """Open and authenticate the header, then check the length against the record."""
    path = blob_path(vault, ref.name)
    refuse_link(path.parent, "blob folder")
    try:
        fd = open_nofollow(path, os.O_RDONLY, "blob")
    except FileNotFoundError as exc:
        raise BlobCorrupt(f"{ref.what}: its blob {ref.name} is missing.", "missing") from exc
    except OSError as exc:
        raise VaultError(f"{ref.what}: could not open its blob ({exc.strerror or exc}).") from exc
    try:
        head = os.pread(fd, HEADER_BYTES, 0)
        header = parse_header(head, ref.what)
        if header.chunk_size != ref.chunk_size:
            raise BlobCorrupt(
                f"{ref.what}: the blob's chunk size differs from its record.", "header"
            )
        cipher = StreamCipher(ref.key, ref.vault_id, ref.uid, header)
        cipher.check_header(head, ref.what)
        problem = _classify_size(ref, os.fstat(fd).st_size)
        if problem is not None:
            raise problem
    except BaseException:
        os.close(fd)
        raise
    return fd, cipher


def _expected_plain(ref: BlobRef, index: int) -> int:
    if index < ref.chunks - 1:
        return ref.chunk_size
    return ref.size - (ref.chunks - 1) * ref.chunk_size


def _check_length(ref: BlobRef, index: int, length: int) -> None:
    if length != _expected_plain(ref, index):
        raise BlobCorrupt(f"{ref.what}: chunk {index} has the wrong length.", "chunk", index)


def _sealed_chunks(fd: int, ref: BlobRef, cancel: CancelFlag) -> Iterator[tuple[int, bytes]]:
    """``(index, sealed chunk)`` in order, read ahead on a thread; checks the chunk count."""
    count = ref.chunks
    unit = ref.chunk_size + TAG_BYTES
    os.lseek(fd, HEADER_BYTES, os.SEEK_SET)
    reader = ReadAhead(fd, unit, limit=ref.sealed_size - HEADER_BYTES)
    try:
        index = 0
        for sealed, _last in reader:
            check_cancel(cancel, "read")
            if index >= count:  # pragma: no cover - the size check rules this out
                raise BlobCorrupt(f"{ref.what}: data after the final chunk.", "extended")
            yield index, sealed
            index += 1
        if index != count:  # pragma: no cover - the size check rules this out
            raise BlobCorrupt(f"{ref.what}: chunks are missing.", "truncated", index)
    finally:
        reader.close()


def iter_plaintext(vault: Path, ref: BlobRef, cancel: CancelFlag = None) -> Iterator[bytes]:
    """Decrypt the whole blob in order, checking every chunk; raise BlobCorrupt on any fault.

    Nothing is yielded from a chunk before it has been authenticated; a consumer that must
    not act on partial content (export) writes to a temporary name until the end.
    """
    fd, cipher = _open(vault, ref)
    try:
        last = ref.chunks - 1
        for index, sealed in _sealed_chunks(fd, ref, cancel):
            plain = cipher.open_chunk(index, sealed, index == last, ref.chunks, ref.what)
            _check_length(ref, index, len(plain))
            yield plain
    finally:
        os.close(fd)


def iter_plaintext_into(
    vault: Path, ref: BlobRef, pool: BufferPool, cancel: CancelFlag = None
) -> Iterator[memoryview]:
    """:func:`iter_plaintext` decrypting into buffers taken from ``pool`` (no allocation per
    chunk). Each view yielded is authenticated; its buffer then belongs to the consumer, who
    gives it back to the pool when done with it (``WriteBehind`` does)."""
    if pool.size < ref.chunk_size:
        raise ValueError("the pool's buffers are smaller than the blob's chunks")
    fd, cipher = _open(vault, ref)
    try:
        last = ref.chunks - 1
        for index, sealed in _sealed_chunks(fd, ref, cancel):
            buffer = pool.take()
            try:
                plain = cipher.open_chunk_into(
                    index, sealed, index == last, ref.chunks, ref.what, buffer
                )
                _check_length(ref, index, len(plain))
            except BaseException:
                pool.give(buffer)
                raise
            yield plain
    finally:
        os.close(fd)


class BlobReader(io.RawIOBase):
    """A read-only, seekable view of the plaintext, decrypting (and authenticating) on demand.

    For inspectors that need random access (ZIP central directories, headers at the start).
    Keeps a few decrypted chunks in memory; never writes anything.
    """

    CACHE_CHUNKS = 4

    def __init__(self, vault: Path, ref: BlobRef) -> None:
        super().__init__()
        self._ref = ref
        self._fd, self._cipher = _open(vault, ref)
        self._pos = 0
        self._cache: OrderedDict[int, bytes] = OrderedDict()

    @property
    def size(self) -> int:
        return self._ref.size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            target = offset
        elif whence == io.SEEK_CUR:
            target = self._pos + offset
        elif whence == io.SEEK_END:
            target = self._ref.size + offset
        else:
            raise ValueError("invalid whence")
        if target < 0:
            raise ValueError("negative seek position")
        self._pos = target
        return target

    def _chunk(self, index: int) -> bytes:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        unit = self._ref.chunk_size + TAG_BYTES
        sealed = os.pread(self._fd, unit, HEADER_BYTES + index * unit)
        count = self._ref.chunks
        plain = self._cipher.open_chunk(index, sealed, index == count - 1, count, self._ref.what)
        _check_length(self._ref, index, len(plain))
        self._cache[index] = plain
        if len(self._cache) > self.CACHE_CHUNKS:
            self._cache.popitem(last=False)
        return plain

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("read from a closed BlobReader")
        view = memoryview(buffer).cast("B")
        filled = 0
        size = self._ref.size
        chunk_size = self._ref.chunk_size
        while filled < len(view) and self._pos < size:
            index, offset = divmod(self._pos, chunk_size)
            data = self._chunk(index)
            take = min(len(view) - filled, len(data) - offset)
            view[filled : filled + take] = data[offset : offset + take]
            filled += take
            self._pos += take
        return filled

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes (all that is left if negative), copied once."""
        if self.closed:
            raise ValueError("read from a closed BlobReader")
        left = max(0, self._ref.size - self._pos)
        want = left if size is None or size < 0 else min(size, left)
        parts = []
        chunk_size = self._ref.chunk_size
        while want > 0:
            index, offset = divmod(self._pos, chunk_size)
            data = self._chunk(index)
            take = min(want, len(data) - offset)
            parts.append(data if (offset, take) == (0, len(data)) else data[offset : offset + take])
            self._pos += take
            want -= take
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def read_at(self, offset: int, length: int) -> bytes:
        self.seek(offset)
        return self.read(length) or b""

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
            self._cache.clear()
        super().close()
