"""One test per migration: each brings the schema from the previous version to its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewstation.errors import VaultError
from reviewstation.vault.database import open_database
from reviewstation.vault.migrations import LATEST, MIGRATIONS, migrate, schema_version

KEY = bytes(range(32))


def tables(conn: object) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")  # type: ignore[attr-defined]
    return {r[0] for r in rows}


def test_migration_1_creates_the_foundation(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    assert migrate(conn, target=1) == [1]
    assert schema_version(conn) == 1
    assert {
        "meta",
        "users",
        "key_slots",
        "audit",
        "checkpoints",
        "audit_no_update",
        "audit_no_delete",
    } <= tables(conn)
    conn.close()


def test_migrations_are_idempotent_and_ordered(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    assert migrate(conn) == list(range(1, LATEST + 1))
    assert migrate(conn) == []
    assert len(MIGRATIONS) == LATEST
    conn.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    with pytest.raises(VaultError, match="newer than this ReviewStation"):
        migrate(conn)
    conn.close()


def test_wrong_key_is_refused(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn)
    conn.close()
    with pytest.raises(VaultError, match="failed authentication"):
        open_database(tmp_path, bytes(32))
