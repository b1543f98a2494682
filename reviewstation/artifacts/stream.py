"""The STREAM construction over AES-256-GCM that encrypts artifact content (no I/O here).

Content is cut into chunks of ``chunk_size`` bytes; chunk ``i`` is sealed under the artifact's
own key with the 96-bit nonce ``prefix(7) || i (u32, big-endian) || final flag (1 byte)``, and
with associated data naming the vault, the artifact, ``i`` and the flag. So a chunk cannot be
moved to another position, another artifact or another vault, and a stream cut at a chunk
boundary is caught because its last chunk was not sealed as final. A small header (format,
chunk size, nonce prefix) is authenticated by a GCM tag under a nonce no chunk can use.
The byte layout is specified in docs/formats/blobs.md.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reviewstation.errors import VaultCorrupt

MAGIC = b"RSBLOB"
VERSION = 1
SUITE = 1  # AES-256-GCM STREAM, 7-byte prefix, u32 counter, final flag
KEY_BYTES = 32
PREFIX_BYTES = 7
TAG_BYTES = 16
_BODY = struct.Struct(">6sBBI7sx")  # magic, version, suite, chunk size, nonce prefix, zero
HEADER_BODY_BYTES = _BODY.size  # 20
HEADER_BYTES = HEADER_BODY_BYTES + TAG_BYTES  # 36
MIN_CHUNK = 64
MAX_CHUNK = 16 * 1024 * 1024
DEFAULT_CHUNK = 1024 * 1024  # 1 MiB: stays in cache across both hashes and the cipher
HEADER_COUNTER = 0xFFFFFFFF  # reserved: the header tag's nonce; chunks stop one short
MAX_CHUNKS = HEADER_COUNTER
FLAG_MORE, FLAG_FINAL, FLAG_HEADER = 0, 1, 2
WritableBytes = bytearray | mmap.mmap | memoryview
_CHUNK_LABEL = b"reviewstation/blob/chunk/v1\x00"
_HEADER_LABEL = b"reviewstation/blob/header/v1\x00"


class BlobCorrupt(VaultCorrupt):
    """A blob failed a structural or authentication check; ``reason`` names which.

    Reasons: ``missing`` (no file), ``key`` (the wrapped key does not open), ``header``,
    ``truncated`` (cut inside a chunk), ``final-missing`` (cut at a chunk boundary),
    ``extended`` (longer than recorded: appended data or inserted chunks), ``chunk`` (a chunk
    failed authentication: altered, or taken from another artifact or vault), ``reordered``
    (a chunk of this artifact at the wrong position: moved or duplicated), ``hash`` (content
    decrypts but differs from its recorded hashes).
    """

    def __init__(self, message: str, reason: str, chunk: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.chunk = chunk


@dataclass(frozen=True)
class BlobHeader:
    chunk_size: int
    prefix: bytes

    def body(self) -> bytes:
        return _BODY.pack(MAGIC, VERSION, SUITE, self.chunk_size, self.prefix)


def check_chunk_size(chunk_size: int) -> int:
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise ValueError(f"chunk size must be {MIN_CHUNK}..{MAX_CHUNK} bytes")
    return chunk_size


def chunk_count(size: int, chunk_size: int) -> int:
    """Chunks for ``size`` bytes: the last may be full; only empty content has an empty chunk."""
    return max(1, -(-size // chunk_size))


def sealed_size(size: int, chunk_size: int) -> int:
    """The exact blob file size for ``size`` bytes of content."""
    return HEADER_BYTES + size + TAG_BYTES * chunk_count(size, chunk_size)


def parse_header(data: bytes, what: str) -> BlobHeader:
    """Structure only; :meth:`StreamCipher.check_header` authenticates."""
    if len(data) < HEADER_BYTES:
        raise BlobCorrupt(f"{what}: the blob is shorter than its header.", "header")
    magic, version, suite, chunk_size, prefix = _BODY.unpack(data[:HEADER_BODY_BYTES])
    if magic != MAGIC:
        raise BlobCorrupt(f"{what}: the blob header does not start with {MAGIC!r}.", "header")
    if version != VERSION or suite != SUITE:
        raise BlobCorrupt(
            f"{what}: the blob header names format {version}/{suite}, not {VERSION}/{SUITE}.",
            "header",
        )
    if data[HEADER_BODY_BYTES - 1] != 0 or not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise BlobCorrupt(f"{what}: the blob header has impossible values.", "header")
    return BlobHeader(chunk_size, prefix)


def _binding(vault_id: str, uid: str) -> bytes:
    vault = vault_id.encode()
    artifact = uid.encode()
    return struct.pack(">H", len(vault)) + vault + struct.pack(">H", len(artifact)) + artifact


class StreamCipher:
    """Seals and opens the header and chunks of one artifact's blob."""

    def __init__(self, key: bytes, vault_id: str, uid: str, header: BlobHeader) -> None:
        if len(key) != KEY_BYTES or len(header.prefix) != PREFIX_BYTES:
            raise ValueError("STREAM needs a 32-byte key and a 7-byte nonce prefix")
        check_chunk_size(header.chunk_size)
        self._aead = AESGCM(key)
        self.header = header
        self._binding = _binding(vault_id, uid)
        self._chunk_aad = _CHUNK_LABEL + self._binding

    def _nonce(self, index: int, flag: int) -> bytes:
        return self.header.prefix + struct.pack(">IB", index, flag)

    def _header_aad(self) -> bytes:
        return _HEADER_LABEL + self._binding + self.header.body()

    def seal_header(self) -> bytes:
        nonce = self._nonce(HEADER_COUNTER, FLAG_HEADER)
        return self.header.body() + self._aead.encrypt(nonce, b"", self._header_aad())

    def check_header(self, data: bytes, what: str) -> None:
        nonce = self._nonce(HEADER_COUNTER, FLAG_HEADER)
        if data[:HEADER_BODY_BYTES] != self.header.body():
            raise BlobCorrupt(f"{what}: the blob header failed authentication.", "header")
        try:
            self._aead.decrypt(nonce, data[HEADER_BODY_BYTES:HEADER_BYTES], self._header_aad())
        except InvalidTag as exc:
            raise BlobCorrupt(
                f"{what}: the blob header failed authentication (altered, or the blob belongs"
                " to another artifact or vault).",
                "header",
            ) from exc

    def _aad(self, index: int, final: bool) -> bytes:
        return self._chunk_aad + struct.pack(">IB", index, FLAG_FINAL if final else FLAG_MORE)

    def seal_chunk(self, index: int, plaintext: bytes, final: bool) -> bytes:
        if not 0 <= index < MAX_CHUNKS:
            raise ValueError("too many chunks for one blob")
        size = len(plaintext)
        if size > self.header.chunk_size or (not final and size != self.header.chunk_size):
            raise ValueError("chunk of the wrong size")
        flag = FLAG_FINAL if final else FLAG_MORE
        return self._aead.encrypt(self._nonce(index, flag), plaintext, self._aad(index, final))

    def try_open(self, index: int, sealed: bytes, final: bool) -> bytes | None:
        if not 0 <= index < MAX_CHUNKS:
            return None
        flag = FLAG_FINAL if final else FLAG_MORE
        try:
            return self._aead.decrypt(self._nonce(index, flag), sealed, self._aad(index, final))
        except InvalidTag:
            return None

    def open_chunk_into(
        self, index: int, sealed: bytes, final: bool, count: int, what: str, out: WritableBytes
    ) -> memoryview:
        """:meth:`open_chunk` into ``out`` (at least as long as the plaintext); a view of it.

        On failure ``out`` may hold unauthenticated plaintext: it is wiped before the
        BlobCorrupt is raised, so a caller that reuses the buffer never sees it.
        """
        view = memoryview(out)[: max(0, len(sealed) - TAG_BYTES)]
        if 0 <= index < MAX_CHUNKS and len(sealed) >= TAG_BYTES:
            flag = FLAG_FINAL if final else FLAG_MORE
            try:
                self._aead.decrypt_into(
                    self._nonce(index, flag), sealed, self._aad(index, final), view
                )
            except InvalidTag:
                pass
            else:
                return view
        view[:] = bytes(len(view))
        view.release()
        raise self.diagnose(index, sealed, final, count, what)

    def open_chunk(self, index: int, sealed: bytes, final: bool, count: int, what: str) -> bytes:
        """Decrypt chunk ``index`` of ``count``, or raise BlobCorrupt saying what is wrong."""
        plaintext = self.try_open(index, sealed, final)
        if plaintext is not None:
            return plaintext
        raise self.diagnose(index, sealed, final, count, what)

    def diagnose(
        self, index: int, sealed: bytes, final: bool, count: int, what: str
    ) -> BlobCorrupt:
        """Name why a chunk failed. Only ever on the failure path, so it may try a little."""
        if final and self.try_open(index, sealed, False) is not None:
            return BlobCorrupt(
                f"{what}: the blob ends after chunk {index}, which was not sealed as the last"
                " (the final chunk was dropped).",
                "final-missing",
                index,
            )
        window = range(max(0, index - 64), min(count, index + 65))
        for other in window:
            for other_final in (False, True):
                if (other, other_final) == (index, final):
                    continue
                if self.try_open(other, sealed, other_final) is not None:
                    return BlobCorrupt(
                        f"{what}: chunk {index} holds chunk {other} of this artifact (chunks"
                        " were reordered or duplicated).",
                        "reordered",
                        index,
                    )
        return BlobCorrupt(
            f"{what}: chunk {index} failed authentication (altered, or taken from another"
            " artifact or vault).",
            "chunk",
            index,
        )
