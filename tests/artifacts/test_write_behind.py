"""WriteBehind and BufferPool (export's writer thread), and decryption into reused buffers:
order kept, every buffer returned whatever happens, errors raised on the caller's thread,
no thread left behind, no unauthenticated plaintext left in a buffer."""

from __future__ import annotations

import os
import threading

import pytest

from reviewstation.artifacts.background import BufferPool, WriteBehind
from reviewstation.artifacts.stream import BlobCorrupt, BlobHeader, StreamCipher

SIZE = 64  # the smallest STREAM chunk


class Sink:
    """Records what is written; fails at the ``fail_at``-th write (1-based) when set."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.written: list[bytes] = []
        self.calls = 0
        self.fail_at = fail_at

    def __call__(self, view: memoryview) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise OSError(28, "No space left on device")
        self.written.append(bytes(view))


def fill(pool: BufferPool, block: bytes) -> memoryview:
    buffer = pool.take()
    buffer[: len(block)] = block
    return memoryview(buffer)[: len(block)]


def free_buffers(pool: BufferPool, count: int) -> int:
    """How many buffers can be taken without waiting (all are given back)."""
    taken = []
    for _ in range(count):
        taken.append(pool.take())
    for buffer in taken:
        pool.give(buffer)
    return len(taken)


@pytest.mark.parametrize("blocks", [0, 1, 3, 50])
def test_writes_in_order_and_returns_every_buffer(blocks: int) -> None:
    pool = BufferPool(SIZE, 3)
    sink = Sink()
    writer = WriteBehind(sink, pool, depth=1)
    data = [os.urandom(1 + (7 * i) % SIZE) for i in range(blocks)]
    for block in data:
        writer.put(fill(pool, block))  # more blocks than buffers: each must come back
    writer.close()
    assert sink.written == data
    assert free_buffers(pool, 3) == 3


@pytest.mark.parametrize("fail_at", [1, 2, 6])
def test_a_write_error_is_raised_and_nothing_after_it_is_written(fail_at: int) -> None:
    before = threading.active_count()
    pool = BufferPool(SIZE, 3)
    sink = Sink(fail_at)
    writer = WriteBehind(sink, pool, depth=1)
    data = [bytes([i]) * SIZE for i in range(6)]

    def run() -> None:
        try:
            for block in data:
                writer.put(fill(pool, block))
            writer.close()
        finally:
            writer.abort()

    with pytest.raises(OSError, match="No space"):
        run()
    assert sink.written == data[: fail_at - 1]
    assert free_buffers(pool, 3) == 3
    assert threading.active_count() == before


def test_abort_drops_what_is_queued_and_stops_the_thread() -> None:
    before = threading.active_count()
    pool = BufferPool(SIZE, 4)
    gate = threading.Event()
    written: list[bytes] = []

    def slow(view: memoryview) -> None:
        gate.wait()
        written.append(bytes(view))

    writer = WriteBehind(slow, pool, depth=2)
    for value in range(3):
        writer.put(fill(pool, bytes([value]) * SIZE))
    threading.Timer(0.05, gate.set).start()
    writer.abort()
    assert len(written) <= 1  # the one already being written when abort came, at most
    assert free_buffers(pool, 4) == 4
    assert threading.active_count() <= before + 1  # the Timer may still be winding down


def cipher() -> StreamCipher:
    return StreamCipher(os.urandom(32), "vault", "artifact", BlobHeader(SIZE, os.urandom(7)))


@pytest.mark.parametrize("length", [0, 1, SIZE])
def test_open_chunk_into_equals_open_chunk(length: int) -> None:
    stream = cipher()
    plain = os.urandom(length)
    sealed = stream.seal_chunk(0, plain, True)
    buffer = bytearray(SIZE)
    view = stream.open_chunk_into(0, sealed, True, 1, "Artifact 1", buffer)
    assert bytes(view) == plain == stream.open_chunk(0, sealed, True, 1, "Artifact 1")


@pytest.mark.parametrize(
    "change",
    ["a ciphertext bit", "the tag", "the final flag", "the position"],
)
def test_a_chunk_that_fails_authentication_leaves_no_plaintext_in_the_buffer(
    change: str,
) -> None:
    stream = cipher()
    plain = b"SECRET-WEIGHTS-" + os.urandom(SIZE - 15)
    sealed = bytearray(stream.seal_chunk(3, plain, False))
    index, final = 3, False
    if change == "a ciphertext bit":
        sealed[0] ^= 1  # GCM is a stream cipher: everything but byte 0 would decrypt right
    elif change == "the tag":
        sealed[-1] ^= 1  # the whole plaintext would decrypt right
    elif change == "the final flag":
        final = True
    else:
        index = 4
    buffer = bytearray(SIZE)
    with pytest.raises(BlobCorrupt):
        stream.open_chunk_into(index, bytes(sealed), final, 10, "Artifact 1", buffer)
    assert buffer == bytearray(SIZE)
