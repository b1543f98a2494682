"""What long work reports and how it is cancelled: shared by every layer and both front ends.

Long work is a plain function that takes a ``ProgressCallback`` and a ``CancelFlag``; the GUI
runs it off its thread, the CLI prints the progress on a terminal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from reviewstation.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    """What long work reports: the stage, the current item, and bytes done of the total."""

    stage: str
    item: str
    done: int
    total: int


ProgressCallback = Callable[[Progress], None]


class _EventLike(Protocol):
    def is_set(self) -> bool: ...


CancelFlag = _EventLike | Callable[[], bool] | None


def is_cancelled(flag: CancelFlag) -> bool:
    if flag is None:
        return False
    if callable(flag):
        return bool(flag())
    return flag.is_set()


def check_cancel(flag: CancelFlag, what: str) -> None:
    if is_cancelled(flag):
        raise Cancelled(f"The {what} was cancelled; nothing was changed.")
