"""What the user reads when work off the GUI thread fails: one sentence, never a traceback."""

from __future__ import annotations

import logging

from reviewstation.errors import ReviewStationError
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
