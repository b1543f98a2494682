"""Versioned schema migrations. Each is a function applied in its own transaction.

Add a migration by appending to ``MIGRATIONS``; never edit one that has shipped. The schema
version is SQLite's ``user_version``.
"""

from __future__ import annotations

from collections.abc import Callable

from reviewstation.errors import VaultError
from reviewstation.vault.database import Connection

Migration = Callable[[Connection], None]


def _run(conn: Connection, script: str) -> None:
    # Statement by statement: executescript() would COMMIT the migration's transaction.
    for statement in script.split(";\n"):
        if statement.strip():
            conn.execute(statement)


def _v1_foundation(conn: Connection) -> None:
    _run(
        conn,
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT;

        CREATE TABLE users (
            name              TEXT PRIMARY KEY,
            role              TEXT NOT NULL CHECK (role IN ('reviewer', 'lead', 'auditor')),
            created           TEXT NOT NULL,
            active            INTEGER NOT NULL DEFAULT 1,
            sig_p384_spki     BLOB NOT NULL,
            sig_mldsa87       BLOB NOT NULL,
            rcpt_mlkem1024    BLOB NOT NULL,
            rcpt_p384_spki    BLOB NOT NULL,
            wrapped_identity  BLOB NOT NULL
        ) STRICT;

        -- Mirror of the header's slots, so that a header edited or swapped behind the
        -- database's back is named by the integrity check.
        CREATE TABLE key_slots (
            id       TEXT PRIMARY KEY,
            kind     TEXT NOT NULL,
            user     TEXT,
            created  TEXT NOT NULL
        ) STRICT;

        CREATE TABLE audit (
            seq      INTEGER PRIMARY KEY,
            at       TEXT NOT NULL,
            user     TEXT NOT NULL,
            action   TEXT NOT NULL,
            target   TEXT NOT NULL,
            details  TEXT NOT NULL,
            prev     BLOB NOT NULL,
            hash     BLOB NOT NULL
        ) STRICT;
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;;

        CREATE TABLE checkpoints (
            count        INTEGER PRIMARY KEY,
            head         TEXT NOT NULL,
            user         TEXT NOT NULL,
            at           TEXT NOT NULL,
            reason       TEXT NOT NULL,
            sig_p384     BLOB NOT NULL,
            sig_mldsa87  BLOB NOT NULL
        ) STRICT;
        CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;;
        CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;;
        -- A person's public keys never change: checkpoints they signed stay checkable.
        CREATE TRIGGER users_keys_fixed BEFORE UPDATE
            OF name, sig_p384_spki, sig_mldsa87, rcpt_mlkem1024, rcpt_p384_spki ON users
            BEGIN SELECT RAISE(ABORT, 'a user''s name and public keys never change'); END;;
        """,
    )


def _v2_reviews(conn: Connection) -> None:
    _run(
        conn,
        """
        CREATE TABLE reviews (
            id                       INTEGER PRIMARY KEY,
            uid                      TEXT NOT NULL UNIQUE,
            title                    TEXT NOT NULL,
            developer                TEXT NOT NULL,
            developer_contact        TEXT NOT NULL DEFAULT '',
            model_name               TEXT NOT NULL,
            model_version            TEXT NOT NULL DEFAULT '',
            access_mode              TEXT NOT NULL
                CHECK (access_mode IN ('weights', 'api', 'weights+api')),
            received                 TEXT NOT NULL,
            deadline                 TEXT NOT NULL,
            planned_release          TEXT,
            determination            TEXT NOT NULL DEFAULT 'pending'
                CHECK (determination IN ('pending', 'covered', 'not_covered')),
            determination_reference  TEXT NOT NULL DEFAULT '',
            determination_rationale  TEXT NOT NULL DEFAULT '',
            determination_by         TEXT,
            determination_at         TEXT,
            marking                  TEXT NOT NULL,
            status                   TEXT NOT NULL DEFAULT 'intake',
            created                  TEXT NOT NULL,
            created_by               TEXT NOT NULL,
            updated                  TEXT NOT NULL
        ) STRICT;

        CREATE TABLE review_assignees (
            review_id  INTEGER NOT NULL REFERENCES reviews (id),
            user       TEXT NOT NULL REFERENCES users (name),
            PRIMARY KEY (review_id, user)
        ) STRICT;
        """,
    )


def _v3_artifacts(conn: Connection) -> None:
    _run(
        conn,
        """
        -- Artifact metadata; the content is an encrypted blob under blobs/ (docs/formats/blobs.md).
        -- Crypto-erase sets blob and wrapped_key to NULL together and keeps the rest as record.
        CREATE TABLE artifacts (
            id               INTEGER PRIMARY KEY,
            uid              TEXT NOT NULL UNIQUE,
            review_id        INTEGER NOT NULL REFERENCES reviews (id),
            batch            TEXT NOT NULL,
            path             TEXT NOT NULL,
            kind             TEXT NOT NULL,
            size             INTEGER NOT NULL CHECK (size >= 0),
            sha256           TEXT NOT NULL,
            sha384           TEXT NOT NULL,
            blob             TEXT UNIQUE,
            chunk_size       INTEGER NOT NULL CHECK (chunk_size > 0),
            wrapped_key      BLOB,
            medium           TEXT NOT NULL DEFAULT '',
            received_from    TEXT NOT NULL DEFAULT '',
            received_at      TEXT NOT NULL DEFAULT '',
            imported_at      TEXT NOT NULL,
            imported_by      TEXT NOT NULL,
            declared_sha256  TEXT,
            declared_match   INTEGER CHECK (declared_match IN (0, 1)),
            duplicate_of     TEXT,
            inspection       TEXT NOT NULL DEFAULT '{}',
            erased_at        TEXT,
            erased_by        TEXT,
            CHECK ((blob IS NULL) = (wrapped_key IS NULL)),
            CHECK ((blob IS NULL) = (erased_at IS NOT NULL))
        ) STRICT;
        CREATE INDEX artifacts_by_review ON artifacts (review_id, sha256);

        -- Chain of custody beyond intake (signature checks, exports, erasure): append-only.
        CREATE TABLE custody_events (
            id           INTEGER PRIMARY KEY,
            artifact_id  INTEGER NOT NULL REFERENCES artifacts (id),
            at           TEXT NOT NULL,
            user         TEXT NOT NULL,
            event        TEXT NOT NULL,
            details      TEXT NOT NULL DEFAULT '{}'
        ) STRICT;
        CREATE INDEX custody_by_artifact ON custody_events (artifact_id, id);
        CREATE TRIGGER custody_no_update BEFORE UPDATE ON custody_events
            BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;;
        CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody_events
            BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;;
        """,
    )


MIGRATIONS: list[tuple[str, Migration]] = [
    ("foundation: meta, users, key slots, audit trail, checkpoints", _v1_foundation),
    ("reviews and their assignees", _v2_reviews),
    ("artifacts, custody", _v3_artifacts),
]
LATEST = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection, target: int = LATEST) -> list[int]:
    """Bring the schema to ``target``; return the versions applied."""
    current = schema_version(conn)
    if current > LATEST:
        raise VaultError(
            f"This vault uses schema version {current}, newer than this ReviewStation "
            f"understands ({LATEST}); upgrade ReviewStation."
        )
    applied = []
    for version in range(current + 1, target + 1):
        _, step = MIGRATIONS[version - 1]
        conn.execute("BEGIN IMMEDIATE")
        try:
            step(conn)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
