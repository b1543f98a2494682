"""I/O errors at the Nth write: every file write of the product goes through
``storage.write_fd_all``, so failing it reaches blobs, exports, packages, headers and side files."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

import pytest

from reviewstation import storage


class Faults:
    """Fail ``storage.write_fd_all`` from its Nth call on (or only at the Nth: transient)."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail_at: int | None = None
        self.transient = False
        self.code = errno.ENOSPC
        self.injected = 0

    def arm(self, at: int, *, transient: bool = False, code: int = errno.ENOSPC) -> None:
        self.calls, self.fail_at, self.transient, self.code = 0, at, transient, code

    def disarm(self) -> None:
        self.fail_at = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Faults:
        real = storage.write_fd_all

        def write(fd: int, data: bytes | bytearray | memoryview) -> None:
            self.calls += 1
            at = self.fail_at
            if at is not None and (self.calls == at or (not self.transient and self.calls > at)):
                self.injected += 1
                raise OSError(self.code, os.strerror(self.code))
            real(fd, data)

        monkeypatch.setattr(storage, "write_fd_all", write)
        return self

    def count(self, action: Callable[[], object]) -> int:
        """How many writes ``action`` makes (run it once, disarmed)."""
        self.disarm()
        self.calls = 0
        action()
        return self.calls


def install_faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    return Faults().install(monkeypatch)
