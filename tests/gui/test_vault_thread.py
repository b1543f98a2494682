"""The vault thread: sessions stay on it, results come back on the GUI thread."""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from reviewstation.errors import NotFound
from reviewstation.gui.runtime.vault_thread import LOCKED, SessionInfo, UnlockRequest, VaultThread
from reviewstation.vault.session import Session, open_vault

from .conftest import SampleVault

TIMEOUT = 10_000


@pytest.fixture
def vault_thread(qtbot: QtBot) -> Iterator[VaultThread]:
    thread = VaultThread()
    yield thread
    with qtbot.waitSignal(thread.stopped, timeout=TIMEOUT):
        thread.stop()
    assert thread.wait(TIMEOUT)


class Outcome:
    def __init__(self) -> None:
        self.value: object = None
        self.error = ""
        self.thread: threading.Thread | None = None
        self.done = False

    def ok(self, value: object) -> None:
        self.value, self.thread, self.done = value, threading.current_thread(), True

    def failed(self, message: str) -> None:
        self.error, self.thread, self.done = message, threading.current_thread(), True


def unlock(qtbot: QtBot, vault_thread: VaultThread, vault: SampleVault) -> SessionInfo:
    request = UnlockRequest(vault.path, vault.user, vault.passphrase)
    assert vault.passphrase not in repr(request)
    with qtbot.waitSignal(vault_thread.unlocked, timeout=TIMEOUT) as blocker:
        vault_thread.unlock(request)
    info = blocker.args[0] if blocker.args else None
    assert isinstance(info, SessionInfo)
    return info


def run_job(qtbot: QtBot, vault_thread: VaultThread, job: object) -> Outcome:
    outcome = Outcome()
    vault_thread.submit(job, outcome.ok, outcome.failed)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: outcome.done, timeout=TIMEOUT)
    return outcome


def test_unlock_reports_plain_facts(
    qtbot: QtBot, vault_thread: VaultThread, vault: SampleVault
) -> None:
    info = unlock(qtbot, vault_thread, vault)
    assert (info.user, info.role, info.marking, info.vault_id) == (
        "alice",
        "lead",
        "SECRET",
        vault.vault_id,
    )


def test_jobs_run_on_the_vault_thread_and_answer_on_the_gui_thread(
    qtbot: QtBot, vault_thread: VaultThread, vault: SampleVault
) -> None:
    unlock(qtbot, vault_thread, vault)

    def job(session: Session) -> tuple[str, bool]:
        return session.user.name, threading.current_thread() is threading.main_thread()

    outcome = run_job(qtbot, vault_thread, job)
    assert outcome.value == ("alice", False)
    assert outcome.thread is threading.main_thread()


def test_job_errors_arrive_as_one_sentence(
    qtbot: QtBot, vault_thread: VaultThread, vault: SampleVault, caplog: pytest.LogCaptureFixture
) -> None:
    unlock(qtbot, vault_thread, vault)

    def missing(session: Session) -> None:
        raise NotFound("There is no review 7.")

    def broken(session: Session) -> None:
        raise ZeroDivisionError("secret detail")

    assert run_job(qtbot, vault_thread, missing).error == "There is no review 7."
    with caplog.at_level(logging.ERROR, logger="reviewstation.gui.runtime.failures"):
        message = run_job(qtbot, vault_thread, broken).error
    assert "internal error (ZeroDivisionError)" in message
    assert "secret detail" not in message
    assert "ZeroDivisionError" in caplog.text  # the details go to the log, not the window

    def disk_full(session: Session) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    # The system's reason, not "internal error": a full disk is the user's to fix.
    assert run_job(qtbot, vault_thread, disk_full).error == (
        "The operating system refused: No space left on device."
    )


def test_jobs_after_lock_are_refused(
    qtbot: QtBot, vault_thread: VaultThread, vault: SampleVault
) -> None:
    unlock(qtbot, vault_thread, vault)
    with qtbot.waitSignal(vault_thread.locked, timeout=TIMEOUT) as blocker:
        vault_thread.lock()
    assert blocker.args == [""]
    assert run_job(qtbot, vault_thread, lambda s: 1).error == LOCKED


def test_stop_closes_an_open_session(qtbot: QtBot, vault: SampleVault) -> None:
    thread = VaultThread()
    unlock(qtbot, thread, vault)
    with qtbot.waitSignal(thread.stopped, timeout=TIMEOUT):
        thread.stop()
    assert thread.wait(TIMEOUT)
    open_vault(vault.path, vault.passphrase, user=vault.user).close()


def test_a_rolled_back_vault_unlocks_read_only_and_says_why(
    qtbot: QtBot, vault_thread: VaultThread, vault: SampleVault
) -> None:
    import shutil

    from reviewstation.gui.windows.main_window import window_title

    older = vault.path.parent / "older.db"
    shutil.copy(vault.path / "vault.db", older)
    with open_vault(vault.path, vault.passphrase) as session:
        session.record("test.action")
    shutil.copy(older, vault.path / "vault.db")
    info = unlock(qtbot, vault_thread, vault)  # asked for writing
    assert info.read_only
    reason = info.permissions.reason
    assert reason is not None and "behind its header" in reason and not info.permissions.can_write
    assert "read-only" in window_title(info)
