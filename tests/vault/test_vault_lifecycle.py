"""Creating, unlocking and closing vaults: what a reviewer relies on every day."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, PermissionDenied, VaultCorrupt, WrongPassphrase
from reviewstation.vault import accounts, audit
from reviewstation.vault.header import load_header
from reviewstation.vault.session import create_vault, open_vault


def actions(path: Path) -> list[str]:
    with open_vault(path, PASS, mode="read") as session:
        return [e.action for e in audit.entries(session.conn)]


def test_database_is_not_readable_as_sqlite(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    raw = (vault / "vault.db").read_bytes()
    assert not raw.startswith(b"SQLite format 3\x00")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(vault / "vault.db").execute("SELECT * FROM sqlite_master").fetchall()


def test_no_plaintext_of_names_or_marking_in_database(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, user="canaryuser-7f3a", marking="CUI")
    with open_vault(vault, PASS) as session:
        session.record("test.note", "canary-target-9c1d")
    for name in ("vault.db", "vault.db-wal"):
        path = vault / name
        if path.exists():
            data = path.read_bytes()
            assert b"canary-target-9c1d" not in data
            assert b"canaryuser-7f3a" not in data


def test_unlock_records_audit_entries_and_checkpoint(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        assert session.user.name == "alice"
        assert session.user.role == "lead"
        assert session.marking == "CUI"
    header = load_header(vault)
    assert header.checkpoint is not None
    assert actions(vault)[:5] == ["vault.init", "user.add", "slot.add", "slot.add", "vault.unlock"]
    assert header.checkpoint.count == len(actions(vault))


def test_wrong_passphrase_is_uniform_and_recorded_at_next_unlock(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with pytest.raises(WrongPassphrase) as wrong:
        open_vault(vault, "not the passphrase")
    with pytest.raises(WrongPassphrase) as nobody:
        open_vault(vault, PASS, user="mallory")
    # The same sentence shape whether the user exists or not, apart from the name.
    assert str(wrong.value).replace("'alice'", "X") == str(nobody.value).replace("'mallory'", "X")
    before = load_header(vault)
    with open_vault(vault, PASS) as session:
        entries = list(audit.entries(session.conn))
        failed = [e for e in entries if e.action == "unverified.vault.unlock_failed"]
    assert {e.user for e in failed} == {"alice", "mallory"}
    assert before.slots == load_header(vault).slots


def test_pending_events_are_folded_once(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with pytest.raises(WrongPassphrase):
        open_vault(vault, "nope nope nope")
    open_vault(vault, PASS).close()
    open_vault(vault, PASS).close()
    assert actions(vault).count("unverified.vault.unlock_failed") == 1


def test_create_refuses_existing_folder_and_bad_input(tmp_path: Path) -> None:
    existing = tmp_path / "x.rsvault"
    existing.mkdir()
    with pytest.raises(InputError):
        create_vault(existing, "alice", PASS)
    with pytest.raises(InputError):
        create_vault(tmp_path / "y.rsvault", "alice", "short")
    with pytest.raises(InputError):
        create_vault(tmp_path / "z.rsvault", "", PASS)
    with pytest.raises(InputError):
        create_vault(tmp_path / "w.rsvault", "alice", PASS, marking="")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.rsvault"]


def test_header_edit_is_detected_after_unlock(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, marking="SECRET")
    header_file = vault / "vault.header"
    header_file.write_bytes(header_file.read_bytes().replace(b'"SECRET"', b'"UNCLASSIFIED"'))
    with pytest.raises(VaultCorrupt, match="header has been altered"):
        open_vault(vault, PASS)


def test_absurd_kdf_parameters_refused_before_any_work(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    header_file = vault / "vault.header"
    text = header_file.read_bytes()
    for bad in (b'"m_kib":4294967296', b'"m_kib":1024', b'"t":1', b'"t":100000'):
        key = bad.split(b":")[0]
        start = text.index(key)
        end = min(i for i in (text.find(b",", start), text.find(b"}", start)) if i > 0)
        header_file.write_bytes(text[:start] + bad + text[end:])
        with pytest.raises(VaultCorrupt, match="outside the allowed"):
            open_vault(vault, PASS)
    header_file.write_bytes(text)


def test_lowered_kdf_parameters_make_the_slot_fail(tmp_path: Path) -> None:
    """Parameters are authenticated: an attacker can't make the slot cheaper to attack."""
    vault = make_vault(tmp_path)
    header_file = vault / "vault.header"
    text = header_file.read_bytes()
    header_file.write_bytes(text.replace(b'"m_kib":65536', b'"m_kib":65537'))
    with pytest.raises(WrongPassphrase):
        open_vault(vault, PASS)


def test_auditor_session_is_read_only(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        accounts.add_user(session, "audra", "auditor", PASS, kdf=floor_params())
    with open_vault(vault, PASS, user="audra") as session, pytest.raises(PermissionDenied):
        session.require_writable("change a finding")


def test_read_mode_never_writes_the_database(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    before = len(actions(vault))
    with open_vault(vault, PASS, mode="read") as session:
        with pytest.raises(PermissionDenied), session.change("test.write"):
            pass
        session.record("artifact.view", "x")  # audited later, via the pending events
    assert len(actions(vault)) == before
    with open_vault(vault, PASS) as session:
        viewed = [
            e for e in audit.entries(session.conn) if e.action == "unverified.record.read_only"
        ]
    assert viewed[-1].details["details"] == {"action": "artifact.view"}


def test_forged_pending_lines_never_pass_for_real_entries(tmp_path: Path) -> None:
    import json

    vault = make_vault(tmp_path)
    forged = {
        "id": "f00d",
        "at": "2026-01-01T00:00:00Z",
        "user": "bob",
        "action": "finding.delete",
        "reason": "F-7",
        "host": "x",
        "pid": 1,
    }
    (vault / "pending-events.jsonl").write_text(json.dumps(forged) + "\n")
    with open_vault(vault, PASS) as session:
        entries = list(audit.entries(session.conn))
    assert "finding.delete" not in [e.action for e in entries]
    rejected = [e for e in entries if e.action == "unverified.rejected"]
    assert rejected[0].details["claimed_action"] == "finding.delete"
    assert not (vault / "pending-events.jsonl").exists()


def test_recovery_session_only_reads(tmp_path: Path) -> None:
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.vault import accounts

    vault = tmp_path / "r.rsvault"
    _, recovery = create_vault(vault, "alice", PASS, kdf=floor_params())
    with open_vault(vault, recovery, method="recovery", user="alice") as session:
        with pytest.raises(PermissionDenied, match="recovery key"):
            accounts.add_user(session, "mallory", "lead", "mallory passphrase", kdf=floor_params())
        with pytest.raises(PermissionDenied, match="recovery key"):
            accounts.change_passphrase(session, "another passphrase", kdf=floor_params())
    assert load_header(vault).users() == ["alice"]


def test_garbage_pending_lines_never_block_an_unlock(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    lines = [
        b'{"id": "a1", "action": "vault.unlock_failed", "details": NaN}',
        b'{"id": "a2", "action": "vault.unlock_failed", "user": "\\ud800"}',
        b'{"id": "a3", "action": "vault.unlock_failed", "details": [1, 2]}',
        b"not json at all",
        b'{"id": "a4", "action": "vault.unlock_failed", "user": "bob"}',
    ]
    (vault / "pending-events.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    with open_vault(vault, PASS) as session:
        folded = [e for e in audit.entries(session.conn) if e.action.startswith("unverified.")]
    assert [e.user for e in folded] == ["?", "bob"]
