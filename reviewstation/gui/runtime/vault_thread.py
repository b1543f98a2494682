"""The vault thread: one long-lived thread that owns the unlocked ``Session``.

SQLCipher connections may only be used by the thread that opened them, and unlocking runs
Argon2id for up to a second, so neither may happen on the GUI thread. All vault work is
therefore queued to a single worker object living on its own ``QThread``; results come back
as signals, which Qt delivers on the GUI thread. The session never leaves the vault thread,
and widgets never hold it (SecureDrop's rule).

Later features add their operations through ``VaultThread.submit``: a plain function of the
session that runs on the vault thread, with callbacks that run on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from reviewstation.app import changes
from reviewstation.app.workspace import open_workspace
from reviewstation.errors import VaultBusy
from reviewstation.gui.qt import QCoreApplication, QObject, QThread, Signal, Slot, is_valid
from reviewstation.gui.runtime.failures import LOCKED as LOCKED_FAILURE
from reviewstation.gui.runtime.failures import Failure, describe, failure
from reviewstation.vault import keyring_slot
from reviewstation.vault.header import load_header
from reviewstation.vault.permissions import Permissions, permissions
from reviewstation.vault.session import Method, Session

log = logging.getLogger(__name__)

T = TypeVar("T")

LOCKED = LOCKED_FAILURE.message


@dataclass(frozen=True)
class UnlockRequest:
    path: Path
    user: str
    secret: str = field(repr=False)  # empty for "keyring": it is read on the vault thread
    method: Method = "passphrase"
    read_only: bool = False  # no writer lock: for a vault another process is writing


@dataclass(frozen=True)
class SessionInfo:
    """What the GUI may know about the unlocked session: plain values, no handles or keys."""

    path: Path
    vault_id: str
    marking: str
    user: str
    role: str
    read_only: bool  # opened without the writer lock
    permissions: Permissions  # what the session may do, and why not: computed by the core


def _alive(owner: QObject | None) -> bool:
    return owner is None or is_valid(owner)


class _Worker(QObject):
    """Lives on the vault thread. Every slot runs there; it only talks back through signals."""

    unlocked = Signal(object)  # SessionInfo
    unlock_failed = Signal(str)
    writer_busy = Signal()  # just before unlock_failed: another writer holds the vault
    locked = Signal(str)  # "" or the sentence saying what went wrong while locking
    job_finished = Signal(int, object)
    job_failed = Signal(int, object)  # Failure
    job_changed = Signal(int, object)  # before the answer: what the job changed (frozenset)

    def __init__(self, closing: threading.Event) -> None:
        super().__init__()
        self._session: Session | None = None
        # Set by the GUI thread the moment a lock is requested: jobs still queued behind it
        # are refused, so no key is used once the user (or the idle timer) has locked.
        self._closing = closing

    @Slot(object)
    def unlock(self, request: UnlockRequest) -> None:
        if self._session is not None:
            self.unlock_failed.emit("A vault is already unlocked; lock it first.")
            return
        try:
            secret = request.secret
            if request.method == "keyring":
                # Here, not on the GUI thread: the desktop keyring may block on a prompt.
                vault_id = load_header(request.path).vault_id
                secret = keyring_slot.load_secret(vault_id, request.user)
            session = open_workspace(
                request.path,
                secret,
                user=request.user,
                method=request.method,
                mode="read" if request.read_only else "write",
            )
        except VaultBusy as exc:
            self.writer_busy.emit()
            self.unlock_failed.emit(describe(exc, "on the vault thread"))
            return
        except Exception as exc:
            self.unlock_failed.emit(describe(exc, "on the vault thread"))
            return
        self._session = session
        self._closing.clear()
        self.unlocked.emit(
            SessionInfo(
                path=session.path,
                vault_id=session.vault_id,
                marking=session.marking,
                user=session.user.name,
                role=session.user.role,
                read_only=session.read_only,
                permissions=permissions(session),
            )
        )

    @Slot()
    def lock(self) -> None:
        self.locked.emit(self._close())

    @Slot(int, object)
    def run_job(self, job_id: int, job: Callable[[Session], object]) -> None:
        if self._session is None or self._session.closed or self._closing.is_set():
            self.job_failed.emit(job_id, LOCKED_FAILURE)
            return
        session = self._session
        before = self._mark(session)
        try:
            result = job(session)
        except Exception as exc:
            self._report_changes(job_id, session, before)  # a failed job may have written
            self.job_failed.emit(job_id, failure(exc, "on the vault thread"))
            return
        self._report_changes(job_id, session, before)
        self.job_finished.emit(job_id, result)

    @staticmethod
    def _mark(session: Session) -> int | None:
        try:
            return changes.mark(session)
        except Exception:  # the job will meet the same problem and say it
            return None

    def _report_changes(self, job_id: int, session: Session, before: int | None) -> None:
        # Without a mark the trail could not be read before the job, so the job cannot have
        # written through ``change()`` either; and saying "everything" then would make every
        # page read again, fail again, and say it again.
        if session.closed or before is None:
            return
        try:
            changed = changes.changed_since(session, before)
        except Exception:
            changed = changes.ALL  # it wrote, but what cannot be told: everything may have
        if changed:
            self.job_changed.emit(job_id, changed)

    @Slot()
    def stop(self) -> None:
        message = self._close()
        if message:
            log.warning("Closing the vault at exit: %s", message)
        # Hand ourselves back to the main thread (only the owning thread may push an object
        # away), so that the Python wrapper can be freed there once this thread has ended.
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())
        thread = QThread.currentThread()
        if thread is not None:
            thread.quit()

    def _close(self) -> str:
        session, self._session = self._session, None
        if session is None:
            return ""
        try:
            # close() signs a checkpoint, then always drops keys and the writer lock.
            session.close()
        except Exception as exc:
            return describe(exc, "on the vault thread")
        return ""


class VaultThread(QObject):
    """GUI-side handle on the vault thread. Create, use and stop it on the GUI thread."""

    # After every job that wrote to the vault, just before its answer: what changed (a
    # frozenset of ``app.changes`` names, read from the audit entries the job appended) and
    # the job's owner (or None), so a page can leave the refresh of its own work to itself.
    changed = Signal(object, object)
    unlocked = Signal(object)  # SessionInfo
    unlock_failed = Signal(str)
    writer_busy = Signal()
    locked = Signal(str)
    stopped = Signal()

    # Requests cross to the worker as queued signals: the only safe way to call into an
    # object that lives on another thread.
    _unlock_requested = Signal(object)
    _lock_requested = Signal()
    _job_requested = Signal(int, object)
    _stop_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[
            int, tuple[Callable[[object], None], Callable[[Failure], None], QObject | None]
        ] = {}
        self._cancels: dict[int, threading.Event] = {}
        self._next_job = 0
        self._stopping = False
        self._closing = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName("vault")
        self._worker = _Worker(self._closing)
        self._worker.moveToThread(self._thread)
        self._unlock_requested.connect(self._worker.unlock)
        self._lock_requested.connect(self._worker.lock)
        self._job_requested.connect(self._worker.run_job)
        self._stop_requested.connect(self._worker.stop)
        self._worker.unlocked.connect(self.unlocked)
        self._worker.writer_busy.connect(self.writer_busy)
        self._worker.unlock_failed.connect(self.unlock_failed)
        self._worker.locked.connect(self.locked)
        self._worker.job_finished.connect(self._on_job_finished)
        self._worker.job_failed.connect(self._on_job_failed)
        self._worker.job_changed.connect(self._on_job_changed)
        self._thread.finished.connect(self._on_thread_finished)
        self._thread.start()

    def unlock(self, request: UnlockRequest) -> None:
        self._unlock_requested.emit(request)

    def lock(self) -> None:
        """Cancel running work, refuse queued work, forget its callbacks, close the session.

        The close is queued behind the job that is running, if any: that job sees its cancel
        flag, ends, and only then are the keys dropped. Its result is not delivered (the
        windows that asked for it are gone).
        """
        self._closing.set()
        self.cancel_all()
        self._jobs.clear()
        self._lock_requested.emit()

    def cancel_all(self) -> None:
        for event in self._cancels.values():
            event.set()

    def busy(self) -> bool:
        """Whether any submitted job has not answered yet."""
        return bool(self._jobs)

    def submit(
        self,
        job: Callable[[Session], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None],
        cancel: threading.Event | None = None,
        owner: QObject | None = None,
    ) -> int:
        """Run ``job(session)`` on the vault thread; one callback then runs on the GUI thread.

        ``job`` must not touch widgets, and should return plain values, not live handles.
        ``cancel``, if given, is set when the vault is locked while the job waits or runs.
        ``owner``: the object the callbacks belong to; if it has been deleted by the time
        the answer comes, the answer is dropped.
        """
        return self.submit_typed(
            job, on_done, lambda failed: on_error(failed.message), cancel=cancel, owner=owner
        )

    def submit_typed(
        self,
        job: Callable[[Session], T],
        on_done: Callable[[T], None],
        on_failure: Callable[[Failure], None],
        cancel: threading.Event | None = None,
        owner: QObject | None = None,
    ) -> int:
        """``submit``, with the failure as a ``Failure`` (the exception's type and sentence)."""
        self._next_job += 1
        self._jobs[self._next_job] = (cast(Callable[[object], None], on_done), on_failure, owner)
        if cancel is not None:
            self._cancels[self._next_job] = cancel
        self._job_requested.emit(self._next_job, job)
        return self._next_job

    def stop(self) -> None:
        """Close any session on its own thread, then end the thread; ``stopped`` follows."""
        if self._stopping:
            return
        self._stopping = True
        self._closing.set()
        self.cancel_all()
        self._jobs.clear()  # the windows that asked are going away
        self._stop_requested.emit()

    def is_finished(self) -> bool:
        return self._thread.isFinished()

    def wait(self, milliseconds: int = 10_000) -> bool:
        """Block until the thread has ended (only after ``stop``; used at process exit)."""
        return self._thread.wait(milliseconds)

    @Slot(int, object)
    def _on_job_changed(self, job_id: int, changed: frozenset[str]) -> None:
        callbacks = self._jobs.get(job_id)
        owner = callbacks[2] if callbacks is not None else None
        self.changed.emit(changed, owner if owner is not None and is_valid(owner) else None)

    @Slot(int, object)
    def _on_job_finished(self, job_id: int, result: object) -> None:
        self._cancels.pop(job_id, None)
        callbacks = self._jobs.pop(job_id, None)
        if callbacks is not None and _alive(callbacks[2]):
            callbacks[0](result)

    @Slot(int, object)
    def _on_job_failed(self, job_id: int, failed: Failure) -> None:
        self._cancels.pop(job_id, None)
        callbacks = self._jobs.pop(job_id, None)
        if callbacks is not None and _alive(callbacks[2]):
            callbacks[1](failed)

    @Slot()
    def _on_thread_finished(self) -> None:
        self._jobs.clear()
        self._cancels.clear()
        self.stopped.emit()
