"""All file writes go through here: atomic replace, fsync of file and folder, bounded reads.

One module so that durability is decided once and so that fault injection (tests) has one
place to fail the Nth write.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reviewstation.errors import InputError, VaultError


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_fd_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write(path: Path, data: bytes, what: str) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            write_fd_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise VaultError(
            f"Could not write the {what} ({exc.strerror or exc}); nothing changed."
        ) from exc


def append_line(path: Path, line: bytes, what: str) -> None:
    """Append one line durably (O_APPEND: concurrent appenders never interleave a line)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        try:
            write_fd_all(fd, line.rstrip(b"\n") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise VaultError(f"Could not write the {what} ({exc.strerror or exc}).") from exc


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """Read a whole small file, refusing anything larger than ``limit`` before reading it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError as exc:
        raise InputError(f"The {what} {path} does not exist.") from exc
    except IsADirectoryError as exc:
        raise InputError(f"The {what} {path} is a folder, not a file.") from exc
    except OSError as exc:
        raise InputError(f"Could not read the {what} {path} ({exc.strerror or exc}).") from exc
    if len(data) > limit:
        raise InputError(f"The {what} {path} is larger than the {limit}-byte limit.")
    return data


def make_private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=False, exist_ok=False)
    fsync_dir(path.parent)
