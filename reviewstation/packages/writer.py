"""Writing a package ZIP: members streamed in, each hashed as it is written.

``PackageWriter`` writes the file under a temporary name beside the target and renames it into
place only when complete and synced, so a crash or a full disk never leaves a package that
looks finished. ``ZipBuilder`` writes into any binary stream (the inner package of the
encrypted form goes straight into the encrypting stream, never to disk in plaintext).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, BinaryIO

from reviewstation.errors import InputError, VaultError
from reviewstation.storage import fsync_dir, open_new_stream

# Fixed timestamp and attributes: the same content gives the same bytes (reproducible).
EPOCH = (1980, 1, 1, 0, 0, 0)


class _HashingSink(io.RawIOBase):
    """Writes through to a ZIP member while SHA-384 runs on a second thread.

    SHA-384 is the slowest step of an export (about 0.8 GB/s here) and hashlib releases the
    GIL for large buffers, so hashing block n overlaps with writing it (CRC-32 and I/O).
    """

    def __init__(self, out: IO[bytes], pool: ThreadPoolExecutor) -> None:
        super().__init__()
        self._out = out
        self._pool = pool
        self._digest = hashlib.sha384()
        self._pending: Future[None] | None = None
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        block = bytes(data)
        if self._pending is not None:
            self._pending.result()
        self._pending = self._pool.submit(self._digest.update, block)
        self._out.write(block)
        self.size += len(block)
        return len(block)

    def hexdigest(self) -> str:
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        return self._digest.hexdigest()


class ZipBuilder:
    def __init__(self, stream: BinaryIO | io.RawIOBase) -> None:
        self._zip = zipfile.ZipFile(stream, "w", allowZip64=True)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha384")
        self.digests: dict[str, str] = {}
        self.sizes: dict[str, int] = {}
        self._names: set[str] = set()

    @staticmethod
    def _info(name: str) -> zipfile.ZipInfo:
        """Every member is stored: its bytes in the file are exactly the bytes SHA384SUMS
        covers, so a package holds no unsigned encoding (a deflate stream can carry hidden
        bytes that decompress to the same content)."""
        info = zipfile.ZipInfo(name, date_time=EPOCH)
        info.compress_type = zipfile.ZIP_STORED
        info.create_system = 3
        info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
        return info

    @contextlib.contextmanager
    def open_stream(
        self, name: str, *, hashed: bool = True, large: bool = True
    ) -> Iterator[_HashingSink]:
        if name in self._names:
            raise ValueError(f"member {name} written twice")
        self._names.add(name)
        info = self._info(name)
        with self._zip.open(info, "w", force_zip64=large) as out:
            sink = _HashingSink(out, self._pool)
            yield sink
        digest = sink.hexdigest()
        if hashed:
            self.digests[name] = digest
        self.sizes[name] = sink.size

    def add_stream(
        self,
        name: str,
        chunks: Iterable[bytes],
        *,
        known_sha384: str | None = None,
    ) -> None:
        """``known_sha384``: the content's digest is already established (an artifact whose
        every chunk was just authenticated against the key it was sealed with), so it is not
        computed again; SHA-384 is the slowest step of an export. A wrong value can only make
        the receiver refuse the package, never accept altered content."""
        if known_sha384 is None:
            with self.open_stream(name) as sink:
                for chunk in chunks:
                    sink.write(chunk)
            return
        if name in self._names:
            raise ValueError(f"member {name} written twice")
        self._names.add(name)
        size = 0
        with self._zip.open(self._info(name), "w", force_zip64=True) as out:
            for chunk in chunks:
                out.write(chunk)
                size += len(chunk)
        self.digests[name] = known_sha384
        self.sizes[name] = size

    def add(self, name: str, data: bytes, *, hashed: bool = True) -> None:
        with self.open_stream(name, hashed=hashed, large=False) as sink:
            sink.write(data)

    def close(self) -> None:
        try:
            self._zip.close()
        finally:
            self._pool.shutdown()


class PackageWriter:
    def __init__(self, target: Path) -> None:
        if target.exists():
            raise InputError(f"{target} already exists; choose another name.")
        if not target.parent.is_dir():
            raise InputError(f"The folder {target.parent} does not exist.")
        self.target = target
        self.temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            self._file = open_new_stream(self.temp)  # closed in finish/abort
        except OSError as exc:
            raise VaultError(f"Cannot write {target} ({exc.strerror or exc}).") from exc
        self.builder = ZipBuilder(self._file)

    def finish(self) -> Path:
        try:
            self.builder.close()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.rename(self.temp, self.target)
            fsync_dir(self.target.parent)
        except OSError as exc:
            self.abort()
            raise VaultError(f"Could not finish {self.target} ({exc.strerror or exc}).") from exc
        return self.target

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.builder.close()
        with contextlib.suppress(Exception):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()
