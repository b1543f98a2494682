"""One writer at a time; a crashed writer's lock is recovered."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.errors import VaultBusy
from reviewstation.vault.lock import read_holder
from reviewstation.vault.session import open_vault

HOLD = """
import sys, time
from pathlib import Path
from reviewstation.vault.session import open_vault
s = open_vault(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
time.sleep(60)
"""


def stop(child: subprocess.Popen[str]) -> None:
    child.kill()
    child.wait()
    if child.stdout:
        child.stdout.close()


def hold_in_child(vault: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(vault), PASS], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def test_second_writer_is_told_who_holds_the_vault(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    child = hold_in_child(vault)
    try:
        with pytest.raises(VaultBusy) as busy:
            open_vault(vault, PASS)
        assert f"process {child.pid}" in str(busy.value)
        assert "alice" in str(busy.value)
        # Readers are not blocked.
        with open_vault(vault, PASS, mode="read") as reader:
            assert reader.user.name == "alice"
    finally:
        stop(child)


def test_stale_lock_after_crash_is_recovered(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    child = hold_in_child(vault)
    os.kill(child.pid, signal.SIGKILL)
    stop(child)
    holder = read_holder(vault)
    assert holder is not None and holder.pid == child.pid  # the crash left its details behind
    with open_vault(vault, PASS) as session:
        assert session.user.name == "alice"


def test_waiting_writer_gets_the_vault_when_it_is_released(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    child = hold_in_child(vault)
    start = time.monotonic()
    try:
        killer = subprocess.Popen(["sh", "-c", f"sleep 1; kill {child.pid}"])
        with open_vault(vault, PASS, wait_seconds=20) as session:
            assert session.user.name == "alice"
        assert time.monotonic() - start < 15
        killer.wait()
    finally:
        stop(child)
