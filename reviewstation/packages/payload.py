"""The encrypted form's payload: the whole inner package under a random content key.

The same STREAM construction as artifact blobs (``artifacts/stream.py``: AES-256-GCM, chunk
counter and final flag in the nonce), bound to the package id instead of an artifact. The
content key reaches each recipient through HPKE (ML-KEM-1024 + P-384, HKDF-SHA384,
AES-256-GCM); ``info`` binds the package id.

Reading is random access by chunk, straight from the stored member in the outer ZIP, so the
inner package is never written to disk in plaintext and never held whole in memory.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO

from reviewstation.artifacts.stream import (
    HEADER_BYTES,
    PREFIX_BYTES,
    TAG_BYTES,
    BlobCorrupt,
    BlobHeader,
    StreamCipher,
    parse_header,
)
from reviewstation.crypto.recipients import RecipientPrivateKey, RecipientPublicKey
from reviewstation.errors import CryptoError
from reviewstation.ziparchive import PackageRefused

CHUNK = 1024 * 1024
SUITE_NAME = "HPKE(ML-KEM-1024+P-384, HKDF-SHA384, AES-256-GCM) + STREAM(AES-256-GCM, 1 MiB)"
BINDING = "reviewstation/package/v1"
KEY_INFO = b"reviewstation/package/v1/content-key\x00"


def wrap_key(key: bytes, recipient: RecipientPublicKey, package_id: str) -> bytes:
    return recipient.encrypt(key, KEY_INFO + package_id.encode())


def unwrap_key(sealed: bytes, recipient: RecipientPrivateKey, package_id: str) -> bytes:
    key = recipient.decrypt(sealed, KEY_INFO + package_id.encode())
    if len(key) != 32:
        raise CryptoError("The package's content key has the wrong length.")
    return key


class EncryptingWriter(io.RawIOBase):
    """A write-only stream: plaintext in, sealed header and chunks out to ``out``."""

    def __init__(self, out: BinaryIO | io.RawIOBase, key: bytes, package_id: str) -> None:
        super().__init__()
        self._out = out
        self._cipher = StreamCipher(
            key, BINDING, package_id, BlobHeader(CHUNK, os.urandom(PREFIX_BYTES))
        )
        self._out.write(self._cipher.seal_header())
        self._buffer = bytearray()
        self._index = 0
        self.plaintext_bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._buffer += data
        self.plaintext_bytes += len(data)
        # Keep at least one byte back: the last chunk must be sealed as final on close.
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes, final: bool) -> None:
        self._out.write(self._cipher.seal_chunk(self._index, chunk, final))
        self._index += 1

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
        super().close()


class DecryptingReader(io.RawIOBase):
    """A seekable read-only view of the plaintext of a sealed payload stored in ``source``."""

    def __init__(
        self, source: BinaryIO, offset: int, sealed_size: int, key: bytes, package_id: str
    ) -> None:
        super().__init__()
        self._source = source
        self._offset = offset
        source.seek(offset)
        header_bytes = source.read(HEADER_BYTES)
        try:
            header = parse_header(header_bytes, "the encrypted payload")
            self._cipher = StreamCipher(key, BINDING, package_id, header)
            self._cipher.check_header(header_bytes, "the encrypted payload")
        except BlobCorrupt as exc:
            raise PackageRefused(
                "The encrypted payload's header failed authentication (wrong key or altered)."
            ) from exc
        self._chunk = header.chunk_size
        body = sealed_size - HEADER_BYTES
        self._count = max(1, -(-body // (self._chunk + TAG_BYTES)))
        self.size = body - TAG_BYTES * self._count
        if self.size < 0 or self.size > (self._chunk * self._count):
            raise PackageRefused("The encrypted payload has an impossible length.")
        self._position = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._position, 2: self.size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def _plain_chunk(self, index: int) -> bytes:
        if self._cached and self._cached[0] == index:
            return self._cached[1]
        final = index == self._count - 1
        sealed_len = (self.size - index * self._chunk if final else self._chunk) + TAG_BYTES
        self._source.seek(self._offset + HEADER_BYTES + index * (self._chunk + TAG_BYTES))
        sealed = self._source.read(sealed_len)
        try:
            plain = self._cipher.open_chunk(index, sealed, final, self._count, "encrypted payload")
        except BlobCorrupt as exc:
            raise PackageRefused(f"The encrypted payload is damaged: {exc}") from exc
        self._cached = (index, plain)
        return plain

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._position >= self.size:
            return 0
        index, start = divmod(self._position, self._chunk)
        plain = self._plain_chunk(index)
        piece = plain[start : start + len(buffer)]
        buffer[: len(piece)] = piece
        self._position += len(piece)
        return len(piece)

    def verify_all(self) -> None:
        """Authenticate every chunk once (so a damaged tail is found before any use)."""
        for index in range(self._count):
            self._plain_chunk(index)
