"""An I/O error at the Nth write (transient and persistent) in package export, header writes
(key-slot changes) and pending events; disk full for real on a small tmpfs where allowed.
Each: a clear one-line error naming the operation, the previous state intact, no zero-byte or
truncated files, and the work goes on once the fault is gone."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.faults import Faults, install_faults
from support.packages import Sender, export, sender
from support.vaults import PASS, make_vault

from reviewstation.app.verify import verify_workspace
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import ReviewStationError, VaultError
from reviewstation.packages.export import export_package
from reviewstation.packages.verify import verify_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts, audit, pending
from reviewstation.vault.header import Header, header_path
from reviewstation.vault.session import Session, open_vault


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    return install_faults(monkeypatch)


@pytest.fixture(scope="module")
def alice_template(tmp_path_factory: pytest.TempPathFactory) -> Sender:
    return sender(tmp_path_factory.mktemp("alice"))


@pytest.fixture
def alice(alice_template: Sender, tmp_path: Path) -> Sender:
    vault = tmp_path / "alice.rsvault"
    shutil.copytree(alice_template.vault, vault)
    return Sender(vault, alice_template.card, alice_template.evidence)


def files_ok(folder: Path) -> None:
    """No zero-byte file and no leftover temporary anywhere under ``folder``."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.endswith(".lock"):
            assert path.stat().st_size > 0 or path.name.endswith(("-wal", "-shm")), path
            assert not path.name.endswith((".tmp", ".partial")), path


def one_line(error: BaseException, *words: str) -> None:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    for word in words:
        assert word in text, (word, text)


# --- package export -------------------------------------------------------------------------

EXPORT_WRITES: dict[str, int] = {}


def export_writes(alice: Sender, faults: Faults, tmp_path: Path) -> int:
    if "n" not in EXPORT_WRITES:
        probe = tmp_path / "probe"
        probe.mkdir()
        with open_vault(alice.vault, PASS) as session:
            EXPORT_WRITES["n"] = faults.count(
                lambda: export_package(session, 1, probe / "p.rspkg", evidence=["1"])
            )
        shutil.rmtree(probe)
    return EXPORT_WRITES["n"]


@pytest.mark.parametrize(
    ("where", "transient", "code"),
    [
        (0.0, False, errno.ENOSPC),
        (0.5, True, errno.EIO),
        (0.5, False, errno.ENOSPC),
        (1.0, False, errno.EIO),
    ],
)
def test_package_export_write_failure(
    alice: Sender, faults: Faults, tmp_path: Path, where: float, transient: bool, code: int
) -> None:
    total = export_writes(alice, faults, tmp_path)
    assert total >= 2
    out = tmp_path / "out"
    out.mkdir()
    with open_vault(alice.vault, PASS) as session:
        at = max(1, round(where * total))
        faults.arm(at, transient=transient, code=code)
        with pytest.raises(VaultError) as caught:
            export_package(session, 1, out / "p.rspkg", evidence=["1"])
        faults.disarm()
    # The first write is the header's new checkpoint, the rest the package file.
    one_line(caught.value, "Could not ", os.strerror(code))
    assert ("p.rspkg" in str(caught.value) or "package" in str(caught.value)) == (at != 1)
    assert list(out.iterdir()) == []  # no package, no partial, nothing zero-byte
    report = verify_workspace(alice.vault, PASS)
    assert report.intact, report.problems
    with open_vault(alice.vault, PASS, mode="read") as session:
        actions = [e.action for e in audit.entries(session.conn)]
    assert "package.export_failed" in actions or at == 1
    export(alice.vault, out / "p.rspkg", evidence=["1"])  # the fault gone, work goes on
    verify_package(out / "p.rspkg", [alice.card]).close()


# --- header writes (key-slot changes) -------------------------------------------------------

SLOT_CHANGES: dict[str, Callable[[Session], object]] = {
    "change passphrase": lambda s: accounts.change_passphrase(
        s, "never stored pass", kdf=floor_params()
    ),
    "add user": lambda s: accounts.add_user(
        s, "bob", "reviewer", "bob's own passphrase", floor_params()
    ),
    "add keyring slot": lambda s: accounts.add_secret_slot(s, "keyring", os.urandom(32)),
}


@pytest.mark.parametrize("transient", [True, False])
@pytest.mark.parametrize("change", sorted(SLOT_CHANGES))
def test_header_write_failure(tmp_path: Path, faults: Faults, change: str, transient: bool) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        before = header_path(vault).read_bytes()  # the unlock's own checkpoint included
        count = audit.head(session.conn, session.vault_id)[0]
        faults.arm(1, transient=transient, code=errno.ENOSPC)
        with pytest.raises(VaultError) as caught:
            SLOT_CHANGES[change](session)
        faults.disarm()
        one_line(caught.value, "vault header", "No space left")
        assert audit.head(session.conn, session.vault_id)[0] == count
    # The close records its own checkpoint; the key slots are what must not have changed.
    assert (
        Header.from_bytes(header_path(vault).read_bytes()).slots == Header.from_bytes(before).slots
    )
    files_ok(vault)
    report = verify_workspace(vault, PASS, user="alice")
    assert report.intact, report.problems
    with open_vault(
        vault, PASS, user="alice"
    ) as session:  # the fault gone, the change goes through
        SLOT_CHANGES[change](session)
    secret = PASS if change != "change passphrase" else "never stored pass"
    assert verify_workspace(vault, secret, user="alice").intact


# --- pending events (written while the database is read-only) -------------------------------


@pytest.mark.parametrize("transient", [True, False])
def test_pending_event_write_failure_never_blocks_and_never_truncates(
    tmp_path: Path, faults: Faults, transient: bool
) -> None:
    vault = make_vault(tmp_path)
    open_vault(vault, PASS, mode="read").close()  # one good event first
    good = (vault / pending.PENDING_NAME).read_bytes()
    faults.arm(1, transient=transient, code=errno.EIO)
    open_vault(vault, PASS, mode="read").close()  # best effort: the open still works
    faults.disarm()
    assert (vault / pending.PENDING_NAME).read_bytes() == good
    assert len(pending.read(vault)) == 1
    with open_vault(vault, PASS) as session:  # folded at the next writable unlock
        actions = [e.action for e in audit.entries(session.conn)]
    assert "unverified.vault.open_read_only" in actions
    files_ok(vault)


# --- disk full, for real ---------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> Path:
    ballast = folder / "ballast"
    with open(ballast, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
    return ballast


def test_disk_full_during_artifact_import_and_package_export(
    small_disk: Path, tmp_path: Path
) -> None:
    vault = make_vault(small_disk)
    with open_vault(vault, PASS) as session:
        create_review(session, title="t", developer="d", model_name="m")
    source = tmp_path / "model.bin"
    source.write_bytes(os.urandom(3_000_000))
    (tmp_path / "ev.bin").write_bytes(os.urandom(500_000))
    out = small_disk / "out"
    out.mkdir()
    with open_vault(vault, PASS) as session:
        add_artifacts(session, 1, [tmp_path / "ev.bin"])
        card = session.user.public_identity(session.vault_id)
        ballast = fill(small_disk)
        with pytest.raises(ReviewStationError) as caught:
            add_artifacts(session, 1, [source])
        one_line(caught.value, "No space left")
        with pytest.raises(ReviewStationError) as caught:
            export_package(session, 1, out / "p.rspkg", evidence=["1"])
        one_line(caught.value, "Could not", "No space left")
        assert list(out.iterdir()) == []
        files_ok(vault)
        ballast.unlink()  # space freed: the work goes on, in the same session
        assert len(add_artifacts(session, 1, [source]).added) == 1
        export_package(session, 1, out / "p.rspkg", evidence=["1"])
    verify_package(out / "p.rspkg", [card]).close()
    assert verify_workspace(vault, PASS, full=True).intact
    fill(small_disk)  # full again: unlocking for writing fails clearly (lock, checkpoint)...
    with pytest.raises(ReviewStationError) as caught:
        open_vault(vault, PASS).close()
    one_line(caught.value, "Could not", "No space left")
    assert verify_workspace(vault, PASS, full=True).intact  # ...reading and verifying still work


# --- a nearly full disk at unlock (issue 13, class 9) --------------------------------------


@pytest.mark.parametrize("transient", [True, False])
def test_every_write_of_an_unlock_failing_is_one_clear_line(
    tmp_path: Path, faults: Faults, transient: bool
) -> None:
    """The Nth write of a writable unlock and its close (the lock's holder, the session-end
    checkpoint in the header) fails, for every N: a one-line VaultError, never an untyped
    error (exit 3), and the vault still verifies and opens once the fault is gone."""
    vault = make_vault(tmp_path)
    total = faults.count(lambda: open_vault(vault, PASS).close())
    assert total >= 2
    for at in range(1, total + 1):
        faults.arm(at, transient=transient, code=errno.ENOSPC)
        with pytest.raises(VaultError) as caught:
            open_vault(vault, PASS).close()
        faults.disarm()
        one_line(caught.value, "Could not", "No space left")
        files_ok(vault)
        assert verify_workspace(vault, PASS).intact
    open_vault(vault, PASS).close()


def fill_to_the_last_page(folder: Path) -> Path:
    ballast = folder / "ballast"
    fd = os.open(ballast, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for size in (1 << 20, 4096):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return ballast


def test_nearly_full_disk_at_unlock_is_one_clear_line(small_disk: Path) -> None:
    """For real: from no space at all to enough, in steps of a page, a writable unlock either
    works or ends in one line naming what could not be written (the lock, the database, the
    header); the CLI's "internal error" (exit 3, any non-ReviewStationError) never appears."""
    vault = make_vault(small_disk)
    with open_vault(vault, PASS) as session:
        create_review(session, title="t", developer="d", model_name="m")
    outcomes: dict[str, int] = {}
    for free in range(0, 80 * 1024, 4096):
        ballast = fill_to_the_last_page(small_disk)
        os.truncate(ballast, max(0, ballast.stat().st_size - free))
        try:
            open_vault(vault, PASS).close()
            outcome = "ok"
        except ReviewStationError as exc:
            one_line(exc, "Could not")
            outcome = str(exc).split(" (")[0]
        ballast.unlink()
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        assert verify_workspace(vault, PASS).intact, free
    print(outcomes)
    assert "ok" in outcomes and len(outcomes) > 1
