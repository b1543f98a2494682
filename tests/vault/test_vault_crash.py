"""kill -9 in the middle of a passphrase change: the old or the new passphrase opens the vault."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.vaults import PASS, make_vault

from reviewstation.errors import WrongPassphrase
from reviewstation.vault.session import open_vault
from reviewstation.vault.verify import verify_vault

NEW = "the brand new passphrase"
CHANGE = """
import sys
from pathlib import Path
from reviewstation.crypto.kdf import floor_params
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault
s = open_vault(Path(sys.argv[1]), sys.argv[2])
print("go", flush=True)
accounts.change_passphrase(s, sys.argv[3], kdf=floor_params())
s.close()
print("done", flush=True)
"""


def opens_with(vault: Path, secret: str) -> bool:
    try:
        open_vault(vault, secret).close()
    except WrongPassphrase:
        return False
    return True


def test_kill_during_passphrase_change_never_locks_everyone_out(tmp_path: Path) -> None:
    rng = random.Random(1234)
    outcomes = {"old": 0, "new": 0}
    for run in range(8):
        (tmp_path / f"run{run}").mkdir()
        vault = make_vault(tmp_path / f"run{run}")
        child = subprocess.Popen(
            [sys.executable, "-c", CHANGE, str(vault), PASS, NEW],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "go"
        time.sleep(rng.uniform(0.0, 0.35))  # the change itself takes ~0.2 s (one Argon2id)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()
        old, new = opens_with(vault, PASS), opens_with(vault, NEW)
        assert old != new, f"run {run}: old={old} new={new}"
        outcomes["old" if old else "new"] += 1
        report = verify_vault(vault, PASS if old else NEW)
        # Only an interrupted change's bookkeeping may be reported, never damage.
        assert all("Key slot" in p for p in report.problems), report.problems
    assert sum(outcomes.values()) == 8
    print(outcomes)
