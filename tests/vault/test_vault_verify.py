"""The auditor's check names each kind of damage: flipped bytes, rollback, audit edits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.vault.database import open_database
from reviewstation.vault.header import load_header
from reviewstation.vault.keys import database_key
from reviewstation.vault.session import open_vault, unlock_keys
from reviewstation.vault.verify import verify_vault


def raw_connection(vault: Path):  # type: ignore[no-untyped-def]
    """The database opened with the real key, as an insider with the passphrase could."""
    header = load_header(vault)
    master, _ = unlock_keys(vault, header, "alice", PASS, "passphrase")
    conn = open_database(vault, database_key(master, header.vault_id))
    for trigger in ("audit_no_update", "audit_no_delete", "checkpoints_no_update"):
        conn.execute(f"DROP TRIGGER {trigger}")
    return conn


def use(vault: Path, times: int = 1) -> None:
    for _ in range(times):
        with open_vault(vault, PASS) as session:
            session.record("test.action", "t")


def test_fresh_vault_is_intact(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    use(vault, 2)
    report = verify_vault(vault, PASS)
    assert report.intact, report.problems
    assert report.entries > 5
    assert "rollback against the header checkpoint" in report.checks


def test_flipped_byte_in_database_is_reported(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    use(vault)
    db = vault / "vault.db"
    data = bytearray(db.read_bytes())
    assert len(data) > 8192
    data[4096 + 100] ^= 0x01  # inside page 2
    db.write_bytes(bytes(data))
    report = verify_vault(vault, PASS)
    assert not report.intact
    assert any("Database" in p for p in report.problems), report.problems


def test_flipped_byte_in_first_page_is_reported(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    db = vault / "vault.db"
    data = bytearray(db.read_bytes())
    data[200] ^= 0x80
    db.write_bytes(bytes(data))
    report = verify_vault(vault, PASS)
    assert any("failed authentication" in p for p in report.problems), report.problems


def test_older_database_put_back_is_a_rollback(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    use(vault)
    saved = tmp_path / "old.db"
    shutil.copy(vault / "vault.db", saved)
    use(vault, 2)
    shutil.copy(saved, vault / "vault.db")
    report = verify_vault(vault, PASS)
    assert not report.intact
    assert any("rolled back" in p for p in report.problems), report.problems


def test_edited_audit_entry_is_named(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    use(vault, 2)
    conn = raw_connection(vault)
    conn.execute("UPDATE audit SET target = 'forged' WHERE seq = 3")
    conn.close()
    report = verify_vault(vault, PASS)
    assert "Audit trail: entry 3 (slot.add) was altered after it was written." in report.problems


def test_deleted_audit_entry_is_named(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    use(vault, 2)
    conn = raw_connection(vault)
    conn.execute("DELETE FROM audit WHERE seq = 4")
    conn.close()
    report = verify_vault(vault, PASS)
    assert "Audit trail: entry 4 is missing (the next entry is 5)." in report.problems


def test_cut_tail_is_caught_by_the_checkpoint(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    use(vault, 2)
    conn = raw_connection(vault)
    last = conn.execute("SELECT max(seq) FROM audit").fetchone()[0]
    conn.execute("DELETE FROM audit WHERE seq >= ?", (last - 1,))
    conn.close()
    report = verify_vault(vault, PASS)
    assert any("Header checkpoint" in p and "rolled back" in p for p in report.problems)


def test_audit_trail_is_append_only_in_the_schema(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session, pytest.raises(Exception, match="append-only"):
        session.conn.execute("UPDATE audit SET user = 'x' WHERE seq = 1")


def test_forged_checkpoint_signature_is_reported(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    conn = raw_connection(vault)
    conn.execute("UPDATE checkpoints SET at = '1999-01-01T00:00:00Z'")
    conn.close()
    report = verify_vault(vault, PASS)
    assert any("signature does not verify" in p for p in report.problems), report.problems


def test_header_slot_unknown_to_database_is_reported(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    conn = raw_connection(vault)
    conn.execute("DELETE FROM key_slots WHERE kind = 'recovery'")
    conn.close()
    report = verify_vault(vault, PASS)
    assert any("not recorded in the database" in p for p in report.problems), report.problems


def test_trusted_cards_catch_a_replaced_signer(tmp_path: Path) -> None:
    """An insider re-signs history with a key of their own: only outside trust can tell."""
    from reviewstation.crypto.identity import PrivateIdentity
    from reviewstation.vault import audit as audit_mod

    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        genuine = session.user.public_identity(session.vault_id)
    assert verify_vault(vault, PASS, trusted=[genuine]).intact
    impostor = PrivateIdentity.generate().public("alice", "lead", genuine.vault_id)
    report = verify_vault(vault, PASS, trusted=[impostor])
    assert any("not on the trusted list" in p for p in report.problems), report.problems
    assert any(genuine.fingerprint in n for n in report.notes)
    del audit_mod


def test_older_header_put_back_is_named_and_loses_nothing(tmp_path: Path) -> None:
    """The header may lag the database (it is written after the commit), never lead it: a
    lagging header is a note (nothing is missing); one whose key slots differ is a problem."""
    vault = make_vault(tmp_path)
    old_header = (vault / "vault.header").read_bytes()
    use(vault, 2)
    (vault / "vault.header").write_bytes(old_header)
    report = verify_vault(vault, PASS)
    assert report.intact, report.problems
    assert any("older header was put back" in n for n in report.notes), report.notes
    with open_vault(vault, PASS) as session:
        from reviewstation.crypto.kdf import floor_params
        from reviewstation.vault import accounts

        accounts.change_passphrase(session, "a newer passphrase 9", kdf=floor_params())
    (vault / "vault.header").write_bytes(old_header)  # the old passphrase's slot is back
    report = verify_vault(vault, PASS)
    assert any("not recorded in the database" in p for p in report.problems), report.problems


def test_verify_works_on_a_read_only_medium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stat

    from reviewstation.vault import database

    vault = make_vault(tmp_path)
    use(vault)
    mode = vault.stat().st_mode
    vault.chmod(stat.S_IRUSR | stat.S_IXUSR)
    # As root the chmod does not bite; make the database layer see the folder as read-only.
    monkeypatch.setattr(database, "os_access", lambda *_args: False)
    try:
        report = verify_vault(vault, PASS)
        assert report.intact, report.problems
    finally:
        vault.chmod(mode)


def test_fast_entry_encoding_equals_canonical_json() -> None:
    """The chain walk assembles entries by hand; it must be byte-for-byte canonical JSON."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from reviewstation.canonical import canonical
    from reviewstation.vault.audit import _body

    texts = st.text(max_size=30)
    values = st.recursive(
        st.none() | st.booleans() | st.integers(-(10**12), 10**12) | texts,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
        max_leaves=8,
    )

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.integers(1, 10**9), texts, texts, texts, texts, st.dictionaries(texts, values))
    def same(
        seq: int, at: str, user: str, action: str, target: str, details: dict[str, object]
    ) -> None:
        expected = canonical(
            {
                "seq": seq,
                "at": at,
                "user": user,
                "action": action,
                "target": target,
                "details": details,
            }
        )
        assert _body(seq, at, user, action, target, canonical(details).decode()) == expected

    same()
