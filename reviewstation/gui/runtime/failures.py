"""What the user reads when work off the GUI thread fails: one sentence, never a traceback."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from reviewstation.errors import Cancelled, ReviewStationError, VaultError
from reviewstation.text import visible

log = logging.getLogger(__name__)

INTERNAL_ERROR = (
    "ReviewStation hit an internal error ({}); nothing was changed. Please report it, with the "
    "details printed in the terminal."
)


def describe(exc: BaseException, where: str) -> str:
    """The core's own sentence; the system's reason for an OS error (a full disk, a missing
    folder); otherwise a bug: the traceback goes to the log and the user is told so. A
    sentence may name a file or quote a card: control and bidi characters are shown escaped."""
    if isinstance(exc, ReviewStationError):
        return visible(str(exc))
    if isinstance(exc, OSError):
        return visible(f"The operating system refused: {exc.strerror or exc}.")
    log.error("Unexpected error %s", where, exc_info=exc)
    return INTERNAL_ERROR.format(type(exc).__name__)


@dataclass(frozen=True)
class Failure:
    """Why a job failed, for the GUI thread: the exception's type (to decide on) and the
    sentence the user reads. The exception itself stays on its thread: its traceback holds
    the job's frames, and with them the session."""

    kind: type[BaseException]
    message: str

    @property
    def cancelled(self) -> bool:
        return issubclass(self.kind, Cancelled)

    def is_a(self, *kinds: type[BaseException]) -> bool:
        return issubclass(self.kind, kinds)


def failure(exc: BaseException, where: str) -> Failure:
    return Failure(type(exc), describe(exc, where))


LOCKED = Failure(VaultError, "The vault is locked; unlock it again to continue.")
