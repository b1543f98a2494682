"""Work that needs no unlocked session (creating a vault) run off the GUI thread.

The vault thread only runs jobs of an unlocked session, and creating a vault happens before
there is one; its Argon2id still must not freeze the window. The function runs on a plain
(non-daemon) Python thread, so an exit while it runs waits for it instead of leaving a half-made
vault; its answer comes back as a queued signal, on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import shiboken6

from reviewstation.errors import ReviewStationError
from reviewstation.gui.qt import QObject, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")

INTERNAL_ERROR = (
    "ReviewStation hit an internal error ({}); nothing was changed. Please report it, with the "
    "details printed in the terminal."
)

# Calls whose answer has not been delivered yet. Holding them here makes the GUI thread drop
# the last reference to each relay, so no QObject is ever freed on the worker thread.
_pending: set[BackgroundCall[object]] = set()


def describe(exc: BaseException) -> str:
    """One sentence for the user; a traceback only in the log."""
    if isinstance(exc, ReviewStationError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"The operating system refused: {exc.strerror or exc}."
    log.error("Unexpected error in background work", exc_info=exc)
    return INTERNAL_ERROR.format(type(exc).__name__)


class BackgroundCall(QObject, Generic[T]):
    """Created on the GUI thread by ``run_in_background``; do not build one directly."""

    _succeeded = Signal(object)
    _failed = Signal(str)

    def __init__(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[str], None],
        owner: QObject,
    ) -> None:
        super().__init__()
        self._work = work
        self._on_done = on_done
        self._on_error = on_error
        self._owner = owner
        self._thread = threading.Thread(target=self._run, name="background", daemon=False)
        # Queued: the slots run on this object's (the GUI) thread, whoever emits.
        self._succeeded.connect(self._deliver_result)
        self._failed.connect(self._deliver_error)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:
            self._failed.emit(describe(exc))
            return
        self._succeeded.emit(result)

    def _finish(self) -> bool:
        self._thread.join()  # it has emitted, so it is ending: this is brief
        _pending.discard(self)
        return shiboken6.isValid(self._owner)

    @Slot(object)
    def _deliver_result(self, result: object) -> None:
        if self._finish():
            self._on_done(result)  # type: ignore[arg-type]

    @Slot(str)
    def _deliver_error(self, message: str) -> None:
        if self._finish():
            self._on_error(message)


def run_in_background(
    work: Callable[[], T],
    on_done: Callable[[T], None],
    on_error: Callable[[str], None],
    owner: QObject,
) -> None:
    """Run ``work()`` on its own thread; then ``on_done(result)`` or ``on_error(sentence)``
    on the GUI thread, unless ``owner`` has been deleted by then. ``work`` must not touch
    widgets."""
    call = BackgroundCall(work, on_done, on_error, owner)
    _pending.add(call)  # type: ignore[arg-type]
    call.start()
