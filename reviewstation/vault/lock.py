"""The single-writer lock: ``vault.lock`` held with flock, naming its holder.

The kernel drops a flock when its process dies, so a lock left by a crash is simply free:
the next writer takes it and overwrites the stale holder's details. No PID guessing.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from reviewstation import storage
from reviewstation.errors import ReviewStationError, VaultBusy, VaultError
from reviewstation.storage import open_nofollow, read_bounded

LOCK_NAME = "vault.lock"


@dataclass(frozen=True)
class Holder:
    user: str
    pid: int
    host: str
    since: str

    def describe(self) -> str:
        return f"{self.user} (process {self.pid} on {self.host}, since {self.since})"


def read_holder(vault: Path) -> Holder | None:
    try:
        text = read_bounded(vault / LOCK_NAME, 4096, "vault lock", follow=False)
        obj = json.loads(text.decode("utf-8"))
        return Holder(str(obj["user"]), int(obj["pid"]), str(obj["host"]), str(obj["since"]))
    except (OSError, ValueError, KeyError, TypeError, ReviewStationError):
        return None


class WriterLock:
    def __init__(self, vault: Path, fd: int) -> None:
        self.vault = vault
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, vault: Path, user: str, wait_seconds: float = 0.0) -> WriterLock:
        path = vault / LOCK_NAME
        try:
            fd = open_nofollow(path, os.O_RDWR | os.O_CREAT, "vault lock")
        except PermissionError as exc:
            raise VaultError(
                f"The vault at {vault} is read-only here; it cannot be changed."
            ) from exc
        except OSError as exc:
            raise VaultError(f"Could not create the vault lock ({exc.strerror or exc}).") from exc
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    holder = read_holder(vault)
                    who = holder.describe() if holder else "another process"
                    raise VaultBusy(
                        f"The vault is open for writing by {who}; close it there or wait."
                    ) from None
                time.sleep(0.2)
        holder = Holder(
            user,
            os.getpid(),
            socket.gethostname(),
            time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            storage.write_fd_all(fd, json.dumps(holder.__dict__).encode())  # the fault seam
        except OSError as exc:  # a full disk: one clear sentence, and the lock let go
            os.close(fd)
            raise VaultError(
                f"Could not take the vault's writer lock ({exc.strerror or exc}); nothing changed."
            ) from exc
        return cls(vault, fd)

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing drops the flock
