"""Writing a package ZIP: members streamed in, each hashed as it is written.

The file is written under a temporary name beside the target and renamed into place only when
complete and synced, so a crash or a full disk never leaves a package that looks finished.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import zipfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from reviewstation.errors import InputError, VaultError
from reviewstation.storage import fsync_dir

# Fixed timestamp and attributes: the same content gives the same bytes (reproducible).
EPOCH = (1980, 1, 1, 0, 0, 0)


class PackageWriter:
    def __init__(self, target: Path) -> None:
        if target.exists():
            raise InputError(f"{target} already exists; choose another name.")
        if not target.parent.is_dir():
            raise InputError(f"The folder {target.parent} does not exist.")
        self.target = target
        self.temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            self._file = open(self.temp, "xb")  # noqa: SIM115 (closed in finish/abort)
        except OSError as exc:
            raise VaultError(f"Cannot write {target} ({exc.strerror or exc}).") from exc
        self._zip = zipfile.ZipFile(self._file, "w", allowZip64=True)
        self.digests: dict[str, str] = {}
        self.sizes: dict[str, int] = {}

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.create_system = 3
        info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
        return info

    def add(self, name: str, data: bytes, *, compress: bool = True) -> str:
        return self.add_stream(name, [data], compress=compress, size_hint=len(data))

    def add_stream(
        self, name: str, chunks: Iterable[bytes], *, compress: bool = False, size_hint: int = 0
    ) -> str:
        """Write a member from chunks; returns its SHA-384 hex digest."""
        if name in self.digests:
            raise ValueError(f"member {name} written twice")
        digest = hashlib.sha384()
        size = 0
        info = self._info(name, compress)
        info.file_size = size_hint
        with self._zip.open(info, "w", force_zip64=size_hint >= 0xFFFFFFFF or not compress) as out:
            for chunk in chunks:
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        self.digests[name] = digest.hexdigest()
        self.sizes[name] = size
        return self.digests[name]

    def finish(self) -> Path:
        try:
            self._zip.close()
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
            self._zip.close()
        with contextlib.suppress(Exception):
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.temp.unlink()

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.abort()
