"""A progress line on standard error for long work, shown only when it is a terminal."""

from __future__ import annotations

import sys

from reviewstation.progress import Progress
from reviewstation.text import visible


class Meter:
    def __init__(self) -> None:
        self._tty = sys.stderr.isatty()
        self._last = -1

    def __call__(self, progress: Progress) -> None:
        if not self._tty or progress.total <= 0:
            return
        percent = progress.done * 100 // progress.total
        if percent != self._last:
            self._last = percent
            item = visible(progress.item)[:60]
            sys.stderr.write(f"\r{visible(progress.stage)}: {percent:3d}%  {item:<60}")
            sys.stderr.flush()

    def done(self) -> None:
        if self._tty and self._last >= 0:
            sys.stderr.write("\r" + " " * 80 + "\r")
            sys.stderr.flush()
