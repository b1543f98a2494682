"""All file writes go through here: atomic replace, fsync of file and folder, bounded reads.

One module so that durability is decided once and so that fault injection (tests) has one
place to fail the Nth write.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Buffer

from reviewstation.errors import InputError, VaultError


def link_refused(path: Path, what: str) -> VaultError:
    return VaultError(
        f"The {what} {path} is a symbolic link; ReviewStation never opens a vault file through"
        " a link (put the real file there, or remove the link), and nothing was changed."
    )


def refuse_link(path: Path, what: str) -> None:
    """A symbolic link at ``path`` (to a file, to a folder, or dangling) is refused."""
    if os.path.islink(path):
        raise link_refused(path, what)


def open_nofollow(path: Path, flags: int, what: str, mode: int = 0o600) -> int:
    """``os.open`` that never follows a symbolic link at the last component (O_NOFOLLOW): a
    link there, dangling or not, is one sentence and nothing is created, truncated or read.
    Other OSErrors are raised as they are, for the caller's own sentence."""
    try:
        return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise link_refused(path, what) from exc
        raise


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_fd_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write(path: Path, data: bytes, what: str) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = open_nofollow(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, what)
        try:
            write_fd_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise VaultError(
            f"Could not write the {what} ({exc.strerror or exc}); nothing changed."
        ) from exc
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise VaultError(
            f"The {what} was replaced but its folder could not be synced ({exc.strerror or exc})."
        ) from exc


def append_line(path: Path, line: bytes, what: str) -> None:
    """Append one line durably (O_APPEND: concurrent appenders never interleave a line)."""
    try:
        fd = open_nofollow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, what)
        try:
            write_fd_all(fd, line.rstrip(b"\n") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise VaultError(f"Could not write the {what} ({exc.strerror or exc}).") from exc


def read_bounded(path: Path, limit: int, what: str, *, follow: bool = True) -> bytes:
    """Read a whole small file, refusing anything larger than ``limit`` before reading it.
    ``follow=False`` for files in the vault folder: a symbolic link is refused."""
    try:
        if follow:
            handle = open(path, "rb")  # noqa: SIM115 - closed by the with below
        else:
            handle = os.fdopen(open_nofollow(path, os.O_RDONLY, what), "rb")
        with handle:
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


DIRECT_ALIGN = 4096  # O_DIRECT: lengths (and buffer addresses) multiples of this


class StreamFile:
    """A new file written piece by piece: created exclusively (mode 0600), fsynced on finish.

    For large content (artifact blobs, exports): ``sync_behind`` starts writing back what is
    already written while more arrives, so the final fsync has little left to do. ``abort``
    removes the file; nothing half-written is left under the name.

    ``direct=True`` writes with O_DIRECT where the file system allows it, for callers whose
    buffers are page-aligned (``mmap``): the data goes from the buffer to the device without
    being copied into fresh page-cache pages, which on a VM whose free memory is handed back
    to the host costs a host fault per page (3-6x a plain write of 1 GiB here), and no copy of
    the content stays in the page cache. A length that is not a multiple of 4 KiB (the last
    piece), or a file system or buffer that refuses O_DIRECT (EINVAL), switches the file to
    ordinary writes for the rest, resuming exactly where the device stopped.
    """

    def __init__(self, path: Path, what: str, *, direct: bool = False) -> None:
        self.path = path
        self.what = what
        self.written = 0
        try:
            self._fd: int | None = open_nofollow(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, what)
        except FileExistsError as exc:
            raise VaultError(f"Could not create the {what}: {path} already exists.") from exc
        except OSError as exc:
            raise VaultError(f"Could not create the {what} ({exc.strerror or exc}).") from exc
        self.direct = direct and self._set_direct(True)

    def _set_direct(self, on: bool) -> bool:
        """Turn O_DIRECT on or off; whether it is now on (False where it is not supported)."""
        flag = getattr(os, "O_DIRECT", 0)
        if not flag or self._fd is None:
            return False
        try:
            flags = fcntl.fcntl(self._fd, fcntl.F_GETFL)
            fcntl.fcntl(self._fd, fcntl.F_SETFL, (flags | flag) if on else (flags & ~flag))
        except OSError:
            return False
        return on

    def _fail(self, exc: OSError) -> VaultError:
        return VaultError(f"Could not write the {self.what} ({exc.strerror or exc}).")

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._fd is None:
            raise VaultError(f"The {self.what} is already closed.")
        view = memoryview(data).cast("B")
        try:
            if self.direct and len(view) % DIRECT_ALIGN:
                self.direct = self._set_direct(False)
            if self.direct:
                try:
                    write_fd_all(self._fd, view)
                except OSError as exc:
                    if exc.errno != errno.EINVAL:
                        raise
                    # Refused (alignment, or the file system): resume buffered where it stopped.
                    done = os.lseek(self._fd, 0, os.SEEK_CUR) - self.written
                    self.direct = self._set_direct(False)
                    write_fd_all(self._fd, view[done:])
            else:
                write_fd_all(self._fd, view)
        except OSError as exc:
            raise self._fail(exc) from exc
        self.written += len(view)

    def sync_behind(self) -> None:
        """fdatasync what has been written so far; safe to call from another thread."""
        fd = self._fd
        if fd is None:
            return
        try:
            os.fdatasync(fd)
        except OSError as exc:
            raise self._fail(exc) from exc

    def finish(self) -> None:
        """Make the content and its name durable."""
        if self._fd is None:
            raise VaultError(f"The {self.what} is already closed.")
        fd, self._fd = self._fd, None
        try:
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            fsync_dir(self.path.parent)
        except OSError as exc:
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise self._fail(exc) from exc

    def abort(self) -> None:
        """Close and remove the file; never raises."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(OSError):
            self.path.unlink()


def remove_file(path: Path, what: str) -> bool:
    """Delete a file durably; False if it was not there."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise VaultError(f"Could not remove the {what} ({exc.strerror or exc}).") from exc
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise VaultError(
            f"The {what} was removed but its folder could not be synced ({exc.strerror or exc})."
        ) from exc
    return True


def publish_no_clobber(temp: Path, final: Path, what: str) -> None:
    """Give a finished temp file its final name, refusing to replace anything already there.

    A hard link is atomic and fails if the name exists; file systems without links (FAT on
    removable media) fall back to a rename after a check.
    """
    try:
        try:
            os.link(temp, final)
        except FileExistsError as exc:
            raise InputError(f"{final} already exists; the {what} will not overwrite it.") from exc
        except OSError:
            if os.path.lexists(final):
                raise InputError(
                    f"{final} already exists; the {what} will not overwrite it."
                ) from None
            os.rename(temp, final)
        else:
            os.unlink(temp)
        fsync_dir(final.parent)
    except OSError as exc:
        raise VaultError(f"Could not finish the {what} ({exc.strerror or exc}).") from exc


class _FdRaw(io.RawIOBase):
    """A seekable raw file over a descriptor whose writes go through ``write_fd_all``."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Buffer, /) -> int:
        view = memoryview(data)
        write_fd_all(self._fd, view)
        return view.nbytes

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return os.lseek(self._fd, offset, whence)

    def tell(self) -> int:
        return os.lseek(self._fd, 0, os.SEEK_CUR)

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if not self.closed:
            try:
                os.close(self._fd)
            finally:
                super().close()


def open_new_stream(path: Path) -> io.BufferedWriter:
    """A new file (exclusive, mode 0600) as a buffered, seekable stream for libraries that
    write through a file object (zipfile); its writes go through ``write_fd_all``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    return io.BufferedWriter(_FdRaw(fd), buffer_size=1 << 20)
