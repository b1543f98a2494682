"""The ``meta`` table: the vault's own facts (id, marking, creation time, policies).

This module is the table's one writer; readers query it directly.
"""

from __future__ import annotations

from reviewstation.vault.database import Connection


def write(conn: Connection, key: str, value: str) -> None:
    """Set one fact (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def delete(conn: Connection, key: str) -> None:
    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
