"""The SQLCipher 4 connection: raw key, no logging, memory temp store, WAL, full sync.

One connection per thread (SQLite's own rule); writes are serialized by the writer lock and
``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import errno
import os
from os import access as os_access
from pathlib import Path
from typing import Any

import sqlcipher3

from reviewstation.errors import VaultCorrupt, VaultError
from reviewstation.storage import refuse_link

DB_NAME = "vault.db"
Connection = Any  # sqlcipher3 ships no type information
DatabaseError = sqlcipher3.DatabaseError


def open_database(
    vault: Path, key: bytes, *, create: bool = False, read_only: bool = False
) -> Connection:
    path = vault / DB_NAME
    # SQLite opens these itself and would follow a link: refused by name first.
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
        refuse_link(vault / name, "vault database file")
    if not create and not path.exists():
        raise VaultCorrupt(f"The vault's database {path} is missing.")
    if create and not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if read_only:
        # On a write-protected medium SQLite cannot create the WAL index; "immutable" tells it
        # nobody else can be writing there, so it reads the file as it is.
        immutable = "&immutable=1" if not os_access(vault, os.W_OK) else ""
        wal = vault / f"{DB_NAME}-wal"
        if immutable and wal.exists() and wal.stat().st_size > 0:
            # "immutable" would ignore committed pages that only the WAL holds.
            raise VaultError(
                "This vault sits on a read-only medium with changes not yet merged into"
                " vault.db; copy the whole vault folder to a writable place to read it."
            )
        conn = sqlcipher3.connect(f"file:{path}?mode=ro{immutable}", uri=True, isolation_level=None)
    else:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=True)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_memory_security = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        # 64 MiB of decrypted pages: search indexes of large vaults stay in memory.
        conn.execute("PRAGMA cache_size = -65536")
        # Reading the schema is the first access that needs the key: wrong key or a damaged
        # first page fails here, before anything trusts the file.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if not read_only:
            conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA trusted_schema = OFF")
    except sqlcipher3.OperationalError as exc:
        conn.close()
        raise VaultError(f"Could not open the vault database ({exc}).") from exc
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        raise VaultCorrupt(
            "The vault database failed authentication (it is damaged or was replaced)."
        ) from exc
    except sqlcipher3.Error as exc:
        conn.close()
        raise VaultError(f"Could not open the vault database ({exc}).") from exc
    return conn


SQLITE_IOERR, SQLITE_FULL = 10, 13


def disk_refused(exc: Exception, doing: str) -> VaultError | None:
    """The one sentence for a database write the disk refused (full, I/O error), or None for
    other database errors (a bug or damage, not the disk: raised as they are)."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code == SQLITE_FULL:
        cause = os.strerror(errno.ENOSPC)
    elif code == SQLITE_IOERR:
        cause = os.strerror(errno.EIO)
    else:
        return None
    return VaultError(
        f"Could not write to the vault database while {doing} ({cause}); nothing changed."
    )


def commit(conn: Connection, doing: str) -> None:
    """COMMIT the open transaction; a refusal by the disk is one clear sentence."""
    try:
        conn.execute("COMMIT")
    except sqlcipher3.DatabaseError as exc:
        refused = disk_refused(exc, doing)
        if refused is None:
            raise
        raise refused from exc
