"""The command line as a user runs it: a fresh process, the passphrase on standard input."""

from __future__ import annotations

import subprocess
import sys

from support.vaults import PASS


def rs(*args: str, stdin: str = PASS + "\n") -> subprocess.CompletedProcess[str]:
    """``reviewstation ARGS`` in its own process; the result, whatever its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(*args: str, stdin: str = PASS + "\n") -> str:
    """Standard output of a command that must succeed."""
    result = rs(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return result.stdout
