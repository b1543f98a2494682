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

from reviewstation.gui.qt import QObject, Signal, Slot, is_valid
from reviewstation.gui.runtime.failures import describe

log = logging.getLogger(__name__)

T = TypeVar("T")

# Calls whose answer has not been delivered yet. Holding them here makes the GUI thread drop
# the last reference to each relay, so no QObject is ever freed on the worker thread.
_pending: set[BackgroundCall[object]] = set()


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
            self._failed.emit(describe(exc, "in background work"))
            return
        self._succeeded.emit(result)

    def _finish(self) -> bool:
        self._thread.join()  # it has emitted, so it is ending: this is brief
        _pending.discard(self)
        return is_valid(self._owner)

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
