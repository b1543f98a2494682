"""One test per migration: each brings the schema from the previous version to its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewstation.errors import VaultError
from reviewstation.vault.database import DatabaseError, open_database
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


def test_migration_2_adds_reviews(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=1)
    assert "reviews" not in tables(conn)
    assert migrate(conn, target=2) == [2]
    assert {"reviews", "review_assignees"} <= tables(conn)
    conn.close()


def test_migration_4_adds_checklists_findings_and_search(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=3)
    assert migrate(conn, target=4) == [4]
    assert {
        "checklist_templates",
        "checklist_runs",
        "checklist_answers",
        "checklist_evidence",
        "findings",
        "finding_revisions",
        "finding_evidence",
        "finding_links",
        "findings_fts",
    } <= tables(conn)
    # The full-text index follows the table through its triggers.
    conn.execute(
        "INSERT INTO reviews (uid, title, developer, model_name, access_mode, received, deadline,"
        " marking, created, created_by, updated) VALUES"
        " ('r', 't', 'd', 'm', 'api', '2026-01-01', '2026-01-31', 'CUI', 'x', 'a', 'x')"
    )
    conn.execute(
        "INSERT INTO findings (uid, review_id, kind, title, body, severity, portion_marking,"
        " author, created, updated) VALUES ('f', 1, 'capability', 'Heap overflow',"
        " 'found by fuzzing', 'high', 'CUI', 'a', 'x', 'x')"
    )
    hits = conn.execute("SELECT rowid FROM findings_fts WHERE findings_fts MATCH 'fuzzing'")
    assert hits.fetchall() == [(1,)]
    conn.execute("UPDATE findings SET body = 'found by review' WHERE id = 1")
    hits = conn.execute("SELECT rowid FROM findings_fts WHERE findings_fts MATCH 'fuzzing'")
    assert hits.fetchall() == []
    conn.close()


def test_migration_5_adds_package_bookkeeping(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=4)
    assert migrate(conn, target=5) == [5]
    assert {"trusted_signers", "package_exports", "package_imports", "review_sources"} <= tables(
        conn
    )
    conn.close()


def test_migration_6_adds_export_requests_that_keep_their_word(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=5)
    assert migrate(conn, target=6) == [6]
    assert {
        "export_requests",
        "export_requests_fixed",
        "export_requests_approved_once",
        "export_requests_used_once",
        "export_requests_no_delete",
    } <= tables(conn)
    conn.execute(
        "INSERT INTO reviews (uid, title, developer, model_name, access_mode, received, deadline,"
        " marking, created, created_by, updated) VALUES"
        " ('r', 't', 'd', 'm', 'api', '2026-01-01', '2026-01-31', 'CUI', 'x', 'a', 'x')"
    )
    conn.execute(
        "INSERT INTO users (name, role, created, sig_p384_spki, sig_mldsa87, rcpt_mlkem1024,"
        " rcpt_p384_spki, wrapped_identity) VALUES"
        " ('a', 'lead', 'x', x'00', x'00', x'00', x'00', x'00'),"
        " ('b', 'lead', 'x', x'01', x'01', x'01', x'01', x'01')"
    )
    conn.execute(
        "INSERT INTO export_requests (uid, review_id, content_sha384, evidence, recipients,"
        " requested, requested_by) VALUES ('q', 1, 'h', '[]', '[]', 'x', 'a')"
    )
    with pytest.raises(Exception, match="CHECK constraint"):  # no self-approval
        conn.execute("UPDATE export_requests SET approved = 'y', approved_by = 'a'")
    conn.execute("UPDATE export_requests SET approved = 'y', approved_by = 'b'")
    for change, message in (
        ("content_sha384 = 'other'", "never changes"),
        ("approved_by = 'a', approved = 'z'", "given once"),
    ):
        with pytest.raises(Exception, match=message):
            conn.execute(f"UPDATE export_requests SET {change}")  # noqa: S608
    conn.execute("UPDATE export_requests SET package_id = 'p'")
    with pytest.raises(Exception, match="used once"):
        conn.execute("UPDATE export_requests SET package_id = 'p2'")
    with pytest.raises(Exception, match="kept"):
        conn.execute("DELETE FROM export_requests")
    conn.close()


def test_migration_7_indexes_findings_per_review_for_counts(tmp_path: Path) -> None:
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=6)
    assert migrate(conn, target=7) == [7]
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM findings WHERE review_id = 1 AND severity = 'high'"
    ).fetchall()
    assert any("COVERING INDEX findings_by_review_severity" in str(row[3]) for row in plan), plan
    plan = conn.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM findings WHERE review_id = 1 AND status = 'draft'"
    ).fetchall()
    assert any("findings_by_review_status" in str(row[3]) for row in plan), plan
    conn.close()


def test_migration_8_stores_cvss_b_from_the_base_metrics_alone(tmp_path: Path) -> None:
    # Before: cvss_score was the whole vector's score (CVSS-BT 8.1 for E:U) named "base".
    # Expected values are FIRST's calculator's (tests/findings/test_cvss_first.py).
    base = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    rows = [
        (f"{base}/E:U", 8.1, 9.3),
        (f"{base}/MAV:P/MAC:H", 5.4, 9.3),
        (f"{base}/E:U/CR:H/IR:L/AR:M/MAV:A/S:P/U:Red", 6.1, 9.3),
        (base, 9.3, 9.3),
        (None, None, None),
    ]
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=7)
    t = "2026-01-01T00:00:00Z"
    conn.execute(
        "INSERT INTO reviews (uid, title, developer, model_name, access_mode, received,"
        " deadline, marking, created, created_by, updated)"
        " VALUES ('r', 'R', 'D', 'M', 'api', ?, ?, 'U', ?, 'a', ?)",
        (t, t, t, t),
    )
    for n, (vector, old, _) in enumerate(rows):
        conn.execute(
            "INSERT INTO findings (uid, review_id, kind, title, severity, cvss_vector,"
            " cvss_score, portion_marking, author, created, updated)"
            " VALUES (?, 1, 'vulnerability', 't', 'high', ?, ?, 'U', 'a', ?, ?)",
            (f"f{n}", vector, old, t, t),
        )
    assert migrate(conn, target=8) == [8]
    stored = conn.execute("SELECT cvss_vector, cvss_score, revision FROM findings ORDER BY id")
    assert [(v, s) for v, s, _ in stored.fetchall()] == [(v, new) for v, _, new in rows]
    conn.close()


def _version_of(name: str) -> int:
    """A migration's number found by its description (the lead renumbers at merges)."""
    return next(n for n, (text, _) in enumerate(MIGRATIONS, 1) if text.startswith(name))


def test_findings_search_migration_indexes_existing_findings_by_cwe_cve_and_vendor(
    tmp_path: Path,
) -> None:
    version = _version_of("findings search: CWE")
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=version - 1)
    conn.execute("PRAGMA foreign_keys = OFF")  # a finding alone is enough for the index
    conn.execute(
        "INSERT INTO findings (uid, review_id, kind, title, body, severity, cwe, vendor,"
        " product, disclosure, cve_id, portion_marking, author, created, updated)"
        " VALUES ('u', 1, 'vulnerability', 'Old', '', 'high', 'CWE-787', 'Acme', 'libw',"
        " 'cve_assigned', 'CVE-2026-1111', 'U', 'alice', 'now', 'now')"
    )
    match = "SELECT rowid FROM findings_fts WHERE findings_fts MATCH ?"
    assert conn.execute(match, ('"CWE-787"',)).fetchall() == []
    assert migrate(conn, target=version) == [version]
    for words in ('"CWE-787"', '"CVE-2026-1111"', '"acme"', '"libw"', '"old"'):
        assert conn.execute(match, (words,)).fetchall() == [(1,)], words
    conn.close()


def test_retired_keys_migration_keeps_the_table_append_only(tmp_path: Path) -> None:
    version = _version_of("retired signing keys")
    conn = open_database(tmp_path, KEY, create=True)
    migrate(conn, target=version)
    assert {"retired_keys", "retired_keys_no_update", "retired_keys_no_delete"} <= tables(conn)
    key = b"k" * 8
    conn.execute(
        "INSERT INTO users (name, role, created, sig_p384_spki, sig_mldsa87, rcpt_mlkem1024,"
        " rcpt_p384_spki, wrapped_identity) VALUES ('bob', 'lead', 'now', ?, ?, ?, ?, ?)",
        (key, key, key, key, key),
    )
    with pytest.raises(DatabaseError, match="only after the old ones are retired"):
        conn.execute("UPDATE users SET sig_p384_spki = X'00' WHERE name = 'bob'")
    with pytest.raises(DatabaseError, match="name never changes"):
        conn.execute("UPDATE users SET name = 'eve' WHERE name = 'bob'")
    conn.execute(
        "INSERT INTO retired_keys (name, sig_p384_spki, sig_mldsa87, retired)"
        " VALUES ('bob', ?, ?, 'now')",
        (key, key),
    )
    conn.execute("UPDATE users SET sig_p384_spki = X'00', sig_mldsa87 = X'00' WHERE name = 'bob'")
    with pytest.raises(DatabaseError, match="append-only"):
        conn.execute("DELETE FROM retired_keys")
    conn.close()
