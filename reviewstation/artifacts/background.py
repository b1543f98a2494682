"""Background work for long streams: read-ahead, hash-behind and sync-behind threads.

Hashing (hashlib), AES-GCM and file I/O release the GIL for large buffers, so a reader thread
and a writer's fdatasync overlap with the work on the calling thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import queue
import threading
from collections.abc import Callable, Iterator

from reviewstation.errors import InputError


def _fadvise(fd: int, advice: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.posix_fadvise(fd, 0, 0, advice)


class ReadAhead:
    """Read a file in fixed-size blocks on a thread, at most ``depth`` blocks ahead.

    Iterating yields ``(block, last)``; ``last`` is known because the thread has already
    tried the next block. An empty file yields one empty last block.
    """

    def __init__(self, fd: int, block: int, depth: int = 4, limit: int | None = None) -> None:
        self._fd = fd
        self._block = block
        self._limit = limit
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        _fadvise(fd, getattr(os, "POSIX_FADV_SEQUENTIAL", 2))
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)
        self._thread.start()

    def _read_block(self, remaining: int | None) -> bytes:
        want = self._block if remaining is None else min(self._block, remaining)
        parts: list[bytes] = []
        got = 0
        while got < want:
            data = os.read(self._fd, want - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _put(self, item: bytes | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        remaining = self._limit
        try:
            while not self._stop.is_set():
                data = self._read_block(remaining)
                if remaining is not None:
                    remaining -= len(data)
                if not data:
                    self._put(None)
                    return
                if not self._put(data):
                    return
                if len(data) < self._block or remaining == 0:
                    self._put(None)
                    return
        except OSError as exc:
            self._put(InputError(f"Could not read the file ({exc.strerror or exc})."))
        except BaseException as exc:  # pragma: no cover - delivered to the consumer
            self._put(exc)

    def _get(self) -> bytes | None:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def __iter__(self) -> Iterator[tuple[bytes, bool]]:
        current = self._get()
        if current is None:
            yield b"", True
            return
        while True:
            following = self._get()
            if following is None:
                yield current, True
                return
            yield current, False
            current = following

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        self._thread.join()


class SyncBehind:
    """Call ``sync`` on a thread whenever ``every`` more bytes were written, never twice at once.

    Starting write-back early lets the disk work while the CPU encrypts, so the final fsync
    has little left. An error is kept and raised on the next ``wrote`` or ``close``.
    """

    def __init__(self, sync: Callable[[], None], every: int = 64 * 1024 * 1024) -> None:
        self._sync = sync
        self._every = every
        self._pending = 0
        self._wake = threading.Event()
        self._stop = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sync-behind", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            try:
                self._sync()
            except BaseException as exc:
                self._error = exc
                return

    def wrote(self, count: int) -> None:
        if self._error is not None:
            raise self._error
        self._pending += count
        if self._pending >= self._every:
            self._pending = 0
            self._wake.set()

    def close(self) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()
        if self._error is not None:
            raise self._error


class HashBehind:
    """A hash computed on its own thread, fed through a bounded queue of immutable blocks.

    The caller hands a block over and goes on (encrypting, writing) instead of waiting for the
    hash block by block, so a loaded machine's scheduler never has to run two threads in
    lock-step; at most ``depth`` blocks wait. ``hexdigest`` drains the queue and joins;
    ``close`` (also on error) stops the thread without hashing what is left.
    """

    def __init__(self, name: str, depth: int = 8) -> None:
        self._hash = hashlib.new(name)
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._abandon = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"hash-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:  # drains to the end whatever happens, so ``update`` never blocks for good
            block = self._queue.get()
            if block is None:
                return
            if self._abandon or self._error is not None:
                continue
            try:
                self._hash.update(block)
            except BaseException as exc:  # pragma: no cover - delivered to the caller
                self._error = exc

    def update(self, block: bytes) -> None:
        self._queue.put(block)

    def hexdigest(self) -> str:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._hash.hexdigest()

    def close(self) -> None:
        if self._thread.is_alive():
            self._abandon = True
            self._queue.put(None)
            self._thread.join()

    def __enter__(self) -> HashBehind:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


PoolBuffer = bytearray | mmap.mmap


class BufferPool:
    """``count`` reusable buffers of ``size`` bytes: bounds memory and avoids a fresh allocation
    (and, on a VM, fresh pages) per chunk. ``take`` waits until a buffer is free. The buffers
    are anonymous ``mmap`` regions, so page-aligned, as O_DIRECT writes need."""

    def __init__(self, size: int, count: int) -> None:
        self.size = size
        self._free: queue.Queue[PoolBuffer] = queue.Queue()
        for _ in range(count):
            self._free.put(mmap.mmap(-1, size))

    def take(self) -> PoolBuffer:
        return self._free.get()

    def give(self, buffer: PoolBuffer) -> None:
        self._free.put(buffer)


class WriteBehind:
    """Write views of pooled buffers on a thread, in order, at most ``depth`` waiting.

    The calling thread decrypts the next chunk while this one writes the last (``os.write``
    and AES-GCM both release the GIL). Each buffer goes back to ``pool`` once written, or
    unwritten after an error or ``abort``. The first error is kept, nothing after it is
    written, and it is raised on the next ``put`` or on ``close``.
    """

    def __init__(self, write: Callable[[memoryview], None], pool: BufferPool, depth: int) -> None:
        self._write = write
        self._pool = pool
        self._queue: queue.Queue[memoryview | None] = queue.Queue(maxsize=depth)
        self._abandon = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="write-behind", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:  # drains to the end whatever happens, so ``put`` never blocks for good
            view = self._queue.get()
            if view is None:
                return
            try:
                if not self._abandon and self._error is None:
                    self._write(view)
            except BaseException as exc:
                self._error = exc
            finally:
                self._give_back(view)

    def _give_back(self, view: memoryview) -> None:
        buffer = view.obj
        view.release()
        assert isinstance(buffer, bytearray | mmap.mmap)
        self._pool.give(buffer)

    def put(self, view: memoryview) -> None:
        """Queue ``view`` (of a buffer taken from the pool); it is not the caller's any more."""
        if self._error is not None:
            self._give_back(view)
            raise self._error
        self._queue.put(view)

    def close(self) -> None:
        """Wait until everything queued is written; raise the first error."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop without writing what is still queued; never raises."""
        if self._thread.is_alive():
            self._abandon = True
            self._queue.put(None)
            self._thread.join()
