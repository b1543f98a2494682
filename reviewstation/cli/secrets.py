"""Where secrets come from on the command line: a file, standard input lines, or a prompt.

Standard input (when it is not a terminal) supplies one secret per line, in the order the
command asks for them: the acting user's passphrase first, then e.g. a new user's passphrase.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from reviewstation.errors import UsageError
from reviewstation.storage import read_bounded
from reviewstation.text import visible

MAX_SECRET_FILE = 4096


class SecretSource:
    def __init__(self, passphrase_file: Path | None = None) -> None:
        self._file = passphrase_file
        self._used_file = False

    def _stdin_line(self, what: str) -> str:
        line = sys.stdin.readline()
        if not line:
            raise UsageError(f"Expected the {what} on a line of standard input.")
        return line.rstrip("\r\n")

    def get(self, what: str, *, confirm: bool = False) -> str:
        if self._file is not None and not self._used_file:
            self._used_file = True
            data = read_bounded(self._file, MAX_SECRET_FILE, "passphrase file")
            return data.decode("utf-8", errors="strict").splitlines()[0] if data.strip() else ""
        if not sys.stdin.isatty():
            return self._stdin_line(what)
        shown = visible(what)  # names it holds come from the vault's header
        value = getpass.getpass(f"{shown[0].upper()}{shown[1:]}: ")
        if confirm and getpass.getpass(f"Repeat the {shown}: ") != value:
            raise UsageError(f"The two entries of the {what} differ; nothing was changed.")
        return value
