"""Rollback is never washed away by ordinary use (issue 13, class 1).

Someone with file access only (no secret) puts back an older or another copy of ``vault.db``.
Unlocking compares the database's audit chain with the header's signed checkpoint before
anything is written: such a vault opens read-only with one sentence, every write path refuses
with it, no checkpoint is ever signed over the shorter trail, and ``vault verify --trust`` with
every card keeps naming the rollback after other users worked in it. A new way of putting a
database back is one row in ``ROLLBACKS``.

A whole vault put back (header and database of one older copy) agrees with itself; only a
checkpoint that left in a package can tell (``vault verify --package``), and keeps telling
after further work: the last test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.packages import Sender, export, sender
from support.vaults import PASS, make_vault

from reviewstation.app.identity import export_identity
from reviewstation.app.workspace import open_workspace
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import PermissionDenied
from reviewstation.findings.service import add_finding, set_status, update_finding
from reviewstation.packages.importer import import_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts, audit, pending
from reviewstation.vault.header import header_path
from reviewstation.vault.session import Session, open_vault

BOB, CAROL = "bob's own passphrase 1", "carol's own passphrase 2"
SECRETS = {"alice": PASS, "bob": BOB, "carol": CAROL}


@dataclass
class Team:
    folder: Path
    vault: Path  # the current vault: finding 1 approved by bob
    old: Path  # a whole copy from before the approval
    cards: list[Path]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    folder = tmp_path_factory.mktemp("team")
    vault = make_vault(folder)
    cards = []
    with open_vault(vault, PASS) as session:
        accounts.add_user(session, "bob", "lead", BOB, floor_params())
        accounts.add_user(session, "carol", "reviewer", CAROL, floor_params())
        create_review(session, title="t", developer="d", model_name="m")
        add_finding(session, 1, title="Jailbreak", severity="high")
        set_status(session, 1, "confirmed")
        cards.append(folder / "alice.card")
        export_identity(session, cards[-1])
    for name in ("bob", "carol"):
        with open_vault(vault, SECRETS[name], user=name) as session:
            cards.append(folder / f"{name}.card")
            export_identity(session, cards[-1])
    old = folder / "old.rsvault"
    shutil.copytree(vault, old)
    live = folder / "live"
    live.mkdir()
    with open_vault(vault, BOB, user="bob") as session:
        session.record("finding.viewed", "1")
        assert (vault / "vault.db-wal").stat().st_size > 0
        for name in ("vault.db", "vault.db-wal"):  # a copy taken while a writer works
            shutil.copy(vault / name, live / name)
        set_status(session, 1, "approved")
    return Team(folder, vault, old, cards)


# --- ways of putting a database back: (how, words the read-only sentence must contain) -------


def _older_db(team: Team, vault: Path, tmp: Path) -> None:
    shutil.copy(team.old / "vault.db", vault / "vault.db")
    for extra in ("vault.db-wal", "vault.db-shm"):
        (vault / extra).unlink(missing_ok=True)


def _live_copy_with_wal(team: Team, vault: Path, tmp: Path) -> None:
    """A copy taken while a writer had the vault open: vault.db and its WAL, together."""
    for name in ("vault.db", "vault.db-wal"):
        shutil.copy(team.folder / "live" / name, vault / name)
    (vault / "vault.db-shm").unlink(missing_ok=True)


def _forked_db(team: Team, vault: Path, tmp: Path) -> None:
    """Another copy worked on past the header's count: its chain differs at that entry."""
    fork = tmp / "fork.rsvault"
    shutil.copytree(team.old, fork)
    for i in range(4):
        with open_vault(fork, PASS, user="alice") as session:
            update_finding(session, 1, body=f"fork {i}")
    _older_db(Team(team.folder, team.vault, fork, team.cards), vault, tmp)


ROLLBACKS: dict[str, tuple[Callable[[Team, Path, Path], None], str]] = {
    "older vault.db": (_older_db, "database is behind its header"),
    "older vault.db with its WAL (live copy)": (_live_copy_with_wal, "behind its header"),
    "vault.db from a fork worked on longer": (_forked_db, "does not contain the header's"),
}


def cli(*args: str, secret: str = PASS) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args], input=secret + "\n",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def ordinary_work(session: Session) -> None:
    add_finding(session, 1, title="New work", severity="low")


@pytest.mark.parametrize("attack", sorted(ROLLBACKS))
def test_rollback_opens_read_only_and_stays_named(team: Team, tmp_path: Path, attack: str) -> None:
    put_back, words = ROLLBACKS[attack]
    vault = tmp_path / "v.rsvault"
    shutil.copytree(team.vault, vault)
    put_back(team, vault, tmp_path)
    header = header_path(vault).read_bytes()
    with open_vault(vault, PASS, user="alice", mode="read") as session:
        points = len(audit.checkpoints(session.conn))
    # Ordinary work by the other users (and the lead): refused, each time with the sentence.
    for name in ("carol", "bob", "alice"):
        with open_workspace(vault, SECRETS[name], user=name) as session:
            reason = session.read_only_reason
            assert reason is not None and words in reason, reason
            assert "\n" not in reason and reason.startswith("This vault is open read-only")
            assert session.read_only
            for write in (ordinary_work, lambda s: s.checkpoint("manual"), pending_fold):
                with pytest.raises(PermissionDenied) as caught:
                    write(session)
                assert reason in str(caught.value)
    # Nothing was signed over it: the header and the checkpoints are as the attacker left them.
    assert header_path(vault).read_bytes() == header
    with open_vault(vault, PASS, user="alice", mode="read") as session:
        assert len(audit.checkpoints(session.conn)) == points
    assert not (vault / "vault.lock").exists() or (vault / "vault.lock").stat().st_size == 0
    # The CLI says it in one line on open, and refuses the work.
    done = cli("finding", "list", str(vault), "--user", "carol", secret=CAROL)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and words in done.stderr, done.stderr
    done = cli(
        "finding", "add", str(vault), "--user", "carol", "--review", "1",
        "--title", "x", "--severity", "low", secret=CAROL,
    )  # fmt: skip
    assert done.returncode != 0 and "Cannot" in done.stderr and words in done.stderr
    # The auditor, with every card, still sees the rollback.
    trust = [arg for card in team.cards for arg in ("--trust", str(card))]
    done = cli("vault", "verify", str(vault), "--user", "alice", *trust)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Header checkpoint" in done.stdout, done.stdout
    assert "rolled back" in done.stdout or "differs from what was signed" in done.stdout


def pending_fold(session: Session) -> None:
    from reviewstation.vault.session import _fold_pending

    pending.record(session.path, "mallory", "vault.verify", "planted")
    _fold_pending(session)


def test_the_newer_database_put_back_makes_the_vault_writable_again(
    team: Team, tmp_path: Path
) -> None:
    vault = tmp_path / "v.rsvault"
    shutil.copytree(team.vault, vault)
    newer = (vault / "vault.db").read_bytes()
    _older_db(team, vault, tmp_path)
    with open_workspace(vault, CAROL, user="carol") as session:
        assert session.read_only_reason is not None
    (vault / "vault.db").write_bytes(newer)
    with open_workspace(vault, CAROL, user="carol") as session:
        assert session.read_only_reason is None and not session.read_only
        ordinary_work(session)
        actions = [e.action for e in audit.entries(session.conn)]
    # What happened while it was read-only is folded in, marked unverified.
    assert "unverified.vault.open_read_only" in actions
    done = cli("vault", "verify", str(vault), "--user", "alice")
    assert done.returncode == 0, done.stdout


def test_an_older_header_is_named_in_the_trail_and_loses_nothing(tmp_path: Path) -> None:
    """The header behind the database (put back, or a crash between a commit and the header's
    update): the database holds all history, so work goes on and the unlock's entry names it."""
    vault = make_vault(tmp_path)
    old = header_path(vault).read_bytes()
    with open_vault(vault, PASS) as session:
        session.record("test.action")
    header_path(vault).write_bytes(old)
    with open_vault(vault, PASS) as session:
        assert session.read_only_reason is None
        unlock = [e for e in audit.entries(session.conn) if e.action == "vault.unlock"][-1]
        assert (
            unlock.details["header_behind"]["header_checkpoint"]
            < (unlock.details["header_behind"]["newest_checkpoint"])
        )


@pytest.fixture(scope="module")
def alice(tmp_path_factory: pytest.TempPathFactory) -> Sender:
    return sender(tmp_path_factory.mktemp("alice"))


def test_import_replay_after_rollback_is_refused(alice: Sender, tmp_path: Path) -> None:
    """The receiving side: the package's import record rolled back with vault.db; the vault is
    read-only, so the package cannot import a second time."""
    package = tmp_path / "p.rspkg"
    export(alice.vault, package, evidence=["1"])
    (tmp_path / "hq").mkdir()
    hq = make_vault(tmp_path / "hq")
    before = tmp_path / "before.db"
    shutil.copy(hq / "vault.db", before)
    with open_vault(hq, PASS) as session:
        import_package(session, package, [alice.card])
    shutil.copy(before, hq / "vault.db")
    blobs = sorted(p.name for p in hq.rglob("*") if p.is_file() and "blobs" in p.parts)
    assert blobs  # the first import's evidence: orphans now, kept (a read-only open cleans none)
    with open_workspace(hq, PASS) as session:
        with pytest.raises(PermissionDenied, match="database is behind its header"):
            import_package(session, package, [alice.card])
        assert session.conn.execute("SELECT count(*) FROM package_imports").fetchone()[0] == 0
    assert sorted(p.name for p in hq.rglob("*") if p.is_file() and "blobs" in p.parts) == blobs


def test_whole_vault_rollback_is_caught_by_a_package_even_after_work(
    alice: Sender, tmp_path: Path
) -> None:
    """Header and database from one older copy agree with each other: locally undetectable.
    A checkpoint that left in a package (``--package``) names it, also after ordinary work
    signed new checkpoints over the older copy."""
    vault = tmp_path / "v.rsvault"
    shutil.copytree(alice.vault, vault)
    old = tmp_path / "old.rsvault"
    shutil.copytree(vault, old)
    later = tmp_path / "later.rspkg"
    export(vault, later, evidence=["1"])
    shutil.rmtree(vault)
    shutil.copytree(old, vault)
    with open_workspace(vault, PASS) as session:
        assert session.read_only_reason is None  # consistent in itself: the documented limit
        update_finding(session, 1, body="work after the whole-vault rollback")
        update_finding(session, 1, body="and more")
    done = cli("vault", "verify", str(vault), "--package", str(later))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Package checkpoint" in done.stdout, done.stdout
