"""Migration 3 (artifacts, custody): from schema 2 to 3, and what its constraints enforce."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reviewstation.vault.database import DatabaseError, open_database
from reviewstation.vault.migrations import MIGRATIONS, migrate, schema_version

KEY = bytes(range(32))


def names(conn: Any) -> set[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger', 'index')"
    )
    return {r[0] for r in rows}


def _review(conn: Any) -> int:
    conn.execute(
        "INSERT INTO reviews (uid, title, developer, model_name, access_mode, received, deadline,"
        " marking, created, created_by, updated) VALUES ('r-1', 't', 'd', 'm', 'weights',"
        " '2026-01-01', '2026-01-31', 'CUI', 'now', 'alice', 'now')"
    )
    return int(conn.execute("SELECT id FROM reviews").fetchone()[0])


def _artifact(conn: Any, review: int, uid: str = "a-1", **overrides: Any) -> None:
    row: dict[str, Any] = {
        "uid": uid,
        "review_id": review,
        "batch": "b-1",
        "path": "model.safetensors",
        "kind": "weights",
        "size": 10,
        "sha256": "0" * 64,
        "sha384": "0" * 96,
        "blob": f"blob-{uid}",
        "chunk_size": 4096,
        "wrapped_key": b"k",
        "imported_at": "now",
        "imported_by": "alice",
        **overrides,
    }
    conn.execute(
        f"INSERT INTO artifacts ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
        list(row.values()),
    )


def test_migration_3_adds_artifacts_and_custody(tmp_path: Path) -> None:
    assert MIGRATIONS[2][0] == "artifacts, custody"
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=2)
    assert "artifacts" not in names(conn)
    assert migrate(conn, target=3) == [3]
    assert schema_version(conn) >= 3
    assert {
        "artifacts",
        "artifacts_by_review",
        "custody_events",
        "custody_by_artifact",
        "custody_no_update",
        "custody_no_delete",
    } <= names(conn)
    review = _review(conn)
    _artifact(conn, review)
    artifact = conn.execute("SELECT id FROM artifacts").fetchone()[0]
    conn.execute(
        "INSERT INTO custody_events (artifact_id, at, user, event) VALUES (?, 'now', 'alice', 'x')",
        (artifact,),
    )
    with pytest.raises(DatabaseError, match="append-only"):
        conn.execute("UPDATE custody_events SET event = 'y'")
    with pytest.raises(DatabaseError, match="append-only"):
        conn.execute("DELETE FROM custody_events")
    conn.close()


@pytest.mark.parametrize(
    "overrides",
    [
        {"review_id": 999},  # no such review
        {"size": -1},
        {"chunk_size": 0},
        {"wrapped_key": None},  # a blob without its key
        {"blob": None},  # a key without its blob, and not erased
        {"declared_match": 2},
    ],
)
def test_migration_3_constraints(tmp_path: Path, overrides: dict[str, Any]) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=3)
    review = _review(conn)
    with pytest.raises(DatabaseError):
        _artifact(conn, review, **overrides)
    conn.close()


def test_migration_3_uids_and_blob_names_are_unique(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=3)
    review = _review(conn)
    _artifact(conn, review, "a-1")
    with pytest.raises(DatabaseError):
        _artifact(conn, review, "a-1", blob="other")
    with pytest.raises(DatabaseError):
        _artifact(conn, review, "a-2", blob="blob-a-1")
    # An erased artifact keeps its record without blob or key.
    _artifact(conn, review, "a-3", blob=None, wrapped_key=None, erased_at="now", erased_by="bob")
    conn.close()
