"""Versioned schema migrations. Each is a function applied in its own transaction.

Add a migration by appending to ``MIGRATIONS``; never edit one that has shipped. The schema
version is SQLite's ``user_version``.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlcipher3

from reviewstation.errors import VaultError
from reviewstation.vault.database import Connection, commit

Migration = Callable[[Connection], None]


def _run(conn: Connection, script: str) -> None:
    """Statement by statement (executescript() would COMMIT the migration's transaction)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlcipher3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL in a migration: {statement.strip()[:60]}")


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
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

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
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
        CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
            BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
        -- A person's public keys never change: checkpoints they signed stay checkable.
        CREATE TRIGGER users_keys_fixed BEFORE UPDATE
            OF name, sig_p384_spki, sig_mldsa87, rcpt_mlkem1024, rcpt_p384_spki ON users
            BEGIN SELECT RAISE(ABORT, 'a user''s name and public keys never change'); END;
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
            BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;
        CREATE TRIGGER custody_no_delete BEFORE DELETE ON custody_events
            BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;
        """,
    )


def _v4_checklists_findings(conn: Connection) -> None:
    _run(
        conn,
        """
        -- Every template a run was started from is kept here, so a vault is self-contained.
        CREATE TABLE checklist_templates (
            key          TEXT PRIMARY KEY,
            template_id  TEXT NOT NULL,
            version      INTEGER NOT NULL,
            title        TEXT NOT NULL,
            hash         TEXT NOT NULL,
            body         TEXT NOT NULL,
            origin       TEXT NOT NULL CHECK (origin IN ('builtin', 'imported')),
            added        TEXT NOT NULL,
            added_by     TEXT NOT NULL,
            UNIQUE (template_id, version)
        ) STRICT;

        CREATE TABLE checklist_runs (
            id             INTEGER PRIMARY KEY,
            uid            TEXT NOT NULL UNIQUE,
            review_id      INTEGER NOT NULL REFERENCES reviews (id),
            template_key   TEXT NOT NULL REFERENCES checklist_templates (key),
            template_hash  TEXT NOT NULL,
            started        TEXT NOT NULL,
            started_by     TEXT NOT NULL,
            signed_off_by  TEXT,
            signed_off_at  TEXT,
            superseded_by  INTEGER REFERENCES checklist_runs (id)
        ) STRICT;

        CREATE TABLE checklist_answers (
            run_id                  INTEGER NOT NULL REFERENCES checklist_runs (id),
            item_id                 TEXT NOT NULL,
            item_hash               TEXT NOT NULL,
            status                  TEXT NOT NULL DEFAULT 'not_reviewed' CHECK (status IN
                ('not_reviewed', 'open', 'not_a_finding', 'not_applicable')),
            note                    TEXT NOT NULL DEFAULT '',
            severity_override       TEXT CHECK (severity_override IN
                ('critical', 'high', 'medium', 'low', 'info')),
            override_justification  TEXT NOT NULL DEFAULT '',
            updated                 TEXT,
            updated_by              TEXT,
            carried_from            INTEGER REFERENCES checklist_runs (id),
            PRIMARY KEY (run_id, item_id)
        ) STRICT;

        -- Evidence names an artifact by uid (artifacts may live in another vault's package),
        -- optionally one sample of an evaluation log with the digest of that sample.
        CREATE TABLE checklist_evidence (
            id             INTEGER PRIMARY KEY,
            run_id         INTEGER NOT NULL REFERENCES checklist_runs (id),
            item_id        TEXT NOT NULL,
            artifact_uid   TEXT NOT NULL,
            sample_id      TEXT,
            sample_digest  TEXT,
            added          TEXT NOT NULL,
            added_by       TEXT NOT NULL,
            UNIQUE (run_id, item_id, artifact_uid, sample_id)
        ) STRICT;

        CREATE TABLE findings (
            id               INTEGER PRIMARY KEY,
            uid              TEXT NOT NULL UNIQUE,
            review_id        INTEGER NOT NULL REFERENCES reviews (id),
            kind             TEXT NOT NULL
                CHECK (kind IN ('capability', 'safeguard', 'vulnerability')),
            title            TEXT NOT NULL,
            body             TEXT NOT NULL DEFAULT '',
            severity         TEXT NOT NULL
                CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
            cvss_vector      TEXT,
            cvss_score       REAL,
            cwe              TEXT,
            vendor           TEXT NOT NULL DEFAULT '',
            product          TEXT NOT NULL DEFAULT '',
            versions         TEXT NOT NULL DEFAULT '',
            product_id       TEXT NOT NULL DEFAULT '',
            vex_status       TEXT CHECK (vex_status IN
                ('not_affected', 'affected', 'fixed', 'under_investigation')),
            disclosure       TEXT NOT NULL DEFAULT 'not_shared' CHECK (disclosure IN
                ('not_shared', 'sent_to_clearinghouse', 'vendor_notified', 'cve_assigned')),
            cve_id           TEXT,
            portion_marking  TEXT NOT NULL,
            author           TEXT NOT NULL,
            status           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN
                ('draft', 'confirmed', 'approved', 'disputed', 'withdrawn')),
            approved_by      TEXT,
            created          TEXT NOT NULL,
            updated          TEXT NOT NULL,
            revision         INTEGER NOT NULL DEFAULT 1
        ) STRICT;
        CREATE INDEX findings_by_review ON findings (review_id, id);
        CREATE INDEX findings_by_updated ON findings (updated, id);

        -- One row per change: who, when, and each field's old and new value.
        CREATE TABLE finding_revisions (
            finding_id  INTEGER NOT NULL REFERENCES findings (id),
            revision    INTEGER NOT NULL,
            at          TEXT NOT NULL,
            user        TEXT NOT NULL,
            changes     TEXT NOT NULL,
            PRIMARY KEY (finding_id, revision)
        ) STRICT;
        CREATE TRIGGER finding_revisions_no_update BEFORE UPDATE ON finding_revisions
            BEGIN SELECT RAISE(ABORT, 'finding revisions are append-only'); END;
        CREATE TRIGGER finding_revisions_no_delete BEFORE DELETE ON finding_revisions
            BEGIN SELECT RAISE(ABORT, 'finding revisions are append-only'); END;

        CREATE TABLE finding_evidence (
            id             INTEGER PRIMARY KEY,
            finding_id     INTEGER NOT NULL REFERENCES findings (id),
            artifact_uid   TEXT NOT NULL,
            sample_id      TEXT,
            sample_digest  TEXT,
            UNIQUE (finding_id, artifact_uid, sample_id)
        ) STRICT;

        CREATE TABLE finding_links (
            finding_id  INTEGER NOT NULL REFERENCES findings (id),
            run_id      INTEGER NOT NULL REFERENCES checklist_runs (id),
            item_id     TEXT NOT NULL,
            PRIMARY KEY (finding_id, run_id, item_id)
        ) STRICT;

        -- Full-text index inside the encrypted database (never a plaintext index file).
        CREATE VIRTUAL TABLE findings_fts USING fts5(
            title, body, content='findings', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER findings_fts_insert AFTER INSERT ON findings BEGIN
            INSERT INTO findings_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
        END;
        CREATE TRIGGER findings_fts_delete AFTER DELETE ON findings BEGIN
            INSERT INTO findings_fts (findings_fts, rowid, title, body)
                VALUES ('delete', old.id, old.title, old.body);
        END;
        CREATE TRIGGER findings_fts_update AFTER UPDATE OF title, body ON findings BEGIN
            INSERT INTO findings_fts (findings_fts, rowid, title, body)
                VALUES ('delete', old.id, old.title, old.body);
            INSERT INTO findings_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
        END;
        """,
    )


def _v5_packages(conn: Connection) -> None:
    _run(
        conn,
        """
        -- Identity cards of signers whose packages this vault accepts.
        CREATE TABLE trusted_signers (
            fingerprint  TEXT PRIMARY KEY,
            name         TEXT NOT NULL,
            role         TEXT NOT NULL,
            card         TEXT NOT NULL,
            added        TEXT NOT NULL,
            added_by     TEXT NOT NULL,
            revoked_at   TEXT,
            revoked_by   TEXT
        ) STRICT;

        -- Every package this vault sealed; sequence numbers rise per signer.
        CREATE TABLE package_exports (
            package_id   TEXT PRIMARY KEY,
            signer       TEXT NOT NULL,
            sequence     INTEGER NOT NULL,
            review_id    INTEGER NOT NULL REFERENCES reviews (id),
            created      TEXT NOT NULL,
            encrypted    INTEGER NOT NULL,
            recipients   TEXT NOT NULL,
            checkpoint   INTEGER NOT NULL,
            UNIQUE (signer, sequence)
        ) STRICT;

        -- Every package imported: replays are recognised, older sequences refused.
        CREATE TABLE package_imports (
            package_id          TEXT PRIMARY KEY,
            signer_fingerprint  TEXT NOT NULL,
            signer_name         TEXT NOT NULL,
            sequence            INTEGER NOT NULL,
            sums_sha384         TEXT NOT NULL,
            source_vault        TEXT NOT NULL,
            source_review       TEXT NOT NULL,
            review_id           INTEGER NOT NULL REFERENCES reviews (id),
            checkpoint          TEXT NOT NULL,
            imported            TEXT NOT NULL,
            imported_by         TEXT NOT NULL,
            UNIQUE (signer_fingerprint, sequence)
        ) STRICT;

        -- Where an imported review came from: one local review per signer and source review.
        CREATE TABLE review_sources (
            review_id           INTEGER PRIMARY KEY REFERENCES reviews (id),
            signer_fingerprint  TEXT NOT NULL,
            source_review       TEXT NOT NULL,
            UNIQUE (signer_fingerprint, source_review)
        ) STRICT;
        """,
    )


def _v6_export_requests(conn: Connection) -> None:
    _run(
        conn,
        """
        -- Two-person integrity for package exports (reviewstation/packages/approval.py): what a
        -- user asked to export, and which other lead approved exactly that. The policy that
        -- makes an approval necessary is the meta row 'export_approval' ('required' or 'off').
        CREATE TABLE export_requests (
            id              INTEGER PRIMARY KEY,
            uid             TEXT NOT NULL UNIQUE,
            review_id       INTEGER NOT NULL REFERENCES reviews (id),
            content_sha384  TEXT NOT NULL,
            evidence        TEXT NOT NULL,
            recipients      TEXT NOT NULL,
            requested       TEXT NOT NULL,
            requested_by    TEXT NOT NULL REFERENCES users (name),
            approved        TEXT,
            approved_by     TEXT REFERENCES users (name),
            package_id      TEXT UNIQUE,
            CHECK ((approved IS NULL) = (approved_by IS NULL)),
            CHECK (approved_by IS NULL OR approved_by <> requested_by),
            CHECK (package_id IS NULL OR approved IS NOT NULL)
        ) STRICT;
        CREATE INDEX export_requests_by_review ON export_requests (review_id, id);
        CREATE TRIGGER export_requests_fixed BEFORE UPDATE
            OF id, uid, review_id, content_sha384, evidence, recipients, requested, requested_by
            ON export_requests
            BEGIN SELECT RAISE(ABORT, 'an export request never changes once made'); END;
        CREATE TRIGGER export_requests_approved_once BEFORE UPDATE OF approved, approved_by
            ON export_requests WHEN old.approved IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'an export approval is given once'); END;
        CREATE TRIGGER export_requests_used_once BEFORE UPDATE OF package_id
            ON export_requests WHEN old.package_id IS NOT NULL
            BEGIN SELECT RAISE(ABORT, 'an export approval is used once'); END;
        CREATE TRIGGER export_requests_no_delete BEFORE DELETE ON export_requests
            BEGIN SELECT RAISE(ABORT, 'export requests are kept'); END;
        """,
    )


def _v7_findings_counts(conn: Connection) -> None:
    _run(
        conn,
        """
        -- The Overview counts a review's findings per severity and the Findings tab filters
        -- by severity or status: without these, each count reads every finding of the
        -- review (seconds at 100,000 findings, on the thread every other job waits for).
        CREATE INDEX findings_by_review_severity ON findings (review_id, severity, id);
        CREATE INDEX findings_by_review_status ON findings (review_id, status, id);
        """,
    )


def _v8_cvss_base_scores(conn: Connection) -> None:
    """``cvss_score`` was the score of the whole vector, so a vector with threat (E) or
    environmental metrics stored its CVSS-BT/BE/BTE score under the name "base score". It is
    now CVSS-B: the score of the vector's base metrics alone. The vector, the reviewers'
    assessment, is unchanged, so no revision is recorded. Self-contained on purpose (a
    shipped migration must not follow later changes to findings/scoring.py)."""
    from cvss import CVSS4

    base = ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA")
    rows = conn.execute("SELECT id, cvss_vector FROM findings WHERE cvss_vector IS NOT NULL")
    for finding_id, vector in rows.fetchall():
        parts = str(vector).split("/")
        kept = [p for p in parts[1:] if p.partition(":")[0] in base]
        score = float(CVSS4("/".join([parts[0], *kept])).base_score)
        conn.execute("UPDATE findings SET cvss_score = ? WHERE id = ?", (score, finding_id))


def _v9_finding_locations(conn: Connection) -> None:
    """Where in the product's source a finding lies (findings/location.py checks the values):
    a file relative to the repository root, its lines, the function, the commit and the
    repository. All optional; NULL is "not recorded"."""
    _run(
        conn,
        """
        ALTER TABLE findings ADD COLUMN file_path TEXT;
        ALTER TABLE findings ADD COLUMN start_line INTEGER CHECK (start_line >= 1);
        ALTER TABLE findings ADD COLUMN end_line INTEGER CHECK (end_line >= start_line);
        ALTER TABLE findings ADD COLUMN function_name TEXT;
        ALTER TABLE findings ADD COLUMN commit_id TEXT;
        ALTER TABLE findings ADD COLUMN repository TEXT;
        """,
    )


def _v10_vex_statements(conn: Connection) -> None:
    _run(
        conn,
        """
        -- What a VEX statement needs beyond its status (reviewstation/findings/service.py):
        -- vers ranges of the affected and fixing versions, why a product is not affected, and
        -- what a user of an affected one should do. Empty for every finding so far.
        ALTER TABLE findings ADD COLUMN affected_versions TEXT NOT NULL DEFAULT '';
        ALTER TABLE findings ADD COLUMN fixed_versions TEXT NOT NULL DEFAULT '';
        ALTER TABLE findings ADD COLUMN justification TEXT CHECK (justification IN (
            'component_not_present', 'vulnerable_code_not_present',
            'vulnerable_code_not_in_execute_path',
            'vulnerable_code_cannot_be_controlled_by_adversary',
            'inline_mitigations_already_exist'));
        ALTER TABLE findings ADD COLUMN action_statement TEXT NOT NULL DEFAULT '';
        """,
    )


def _v11_exports_written(conn: Connection) -> None:
    _run(
        conn,
        """
        -- When an export's file was complete and in place (its 'package.written' audit entry):
        -- a review's advisories count only these as revisions, never an export that failed
        -- or was cancelled after it was recorded. Filled in from the audit trail.
        ALTER TABLE package_exports ADD COLUMN written TEXT;
        UPDATE package_exports SET written = (
            SELECT at FROM audit WHERE action = 'package.written'
                AND target = package_exports.package_id ORDER BY seq LIMIT 1);
        CREATE INDEX package_exports_by_review ON package_exports (review_id, created);
        """,
    )


def _v12_findings_search_fields(conn: Connection) -> None:
    """Search finds a finding by its CWE, CVE id, vendor and product as well as by its title
    and text: the full-text index gets those columns and is rebuilt from the findings."""
    _run(
        conn,
        """
        DROP TRIGGER findings_fts_insert;
        DROP TRIGGER findings_fts_delete;
        DROP TRIGGER findings_fts_update;
        DROP TABLE findings_fts;
        CREATE VIRTUAL TABLE findings_fts USING fts5(
            title, body, cwe, cve_id, vendor, product, content='findings', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER findings_fts_insert AFTER INSERT ON findings BEGIN
            INSERT INTO findings_fts (rowid, title, body, cwe, cve_id, vendor, product)
                VALUES (new.id, new.title, new.body, new.cwe, new.cve_id, new.vendor,
                        new.product);
        END;
        CREATE TRIGGER findings_fts_delete AFTER DELETE ON findings BEGIN
            INSERT INTO findings_fts (findings_fts, rowid, title, body, cwe, cve_id, vendor,
                                      product)
                VALUES ('delete', old.id, old.title, old.body, old.cwe, old.cve_id, old.vendor,
                        old.product);
        END;
        CREATE TRIGGER findings_fts_update
            AFTER UPDATE OF title, body, cwe, cve_id, vendor, product ON findings BEGIN
            INSERT INTO findings_fts (findings_fts, rowid, title, body, cwe, cve_id, vendor,
                                      product)
                VALUES ('delete', old.id, old.title, old.body, old.cwe, old.cve_id, old.vendor,
                        old.product);
            INSERT INTO findings_fts (rowid, title, body, cwe, cve_id, vendor, product)
                VALUES (new.id, new.title, new.body, new.cwe, new.cve_id, new.vendor,
                        new.product);
        END;
        INSERT INTO findings_fts (findings_fts) VALUES ('rebuild');
        """,
    )


def _v13_retired_keys(conn: Connection) -> None:
    _run(
        conn,
        """
        -- A lead's passphrase reset gives the person a new signing identity (nobody else can
        -- open the old one); the old public keys stay here so the checkpoints they signed
        -- still verify. Append-only.
        CREATE TABLE retired_keys (
            name           TEXT NOT NULL REFERENCES users (name),
            sig_p384_spki  BLOB NOT NULL,
            sig_mldsa87    BLOB NOT NULL,
            retired        TEXT NOT NULL
        ) STRICT;
        CREATE TRIGGER retired_keys_no_update BEFORE UPDATE ON retired_keys
            BEGIN SELECT RAISE(ABORT, 'retired keys are append-only'); END;
        CREATE TRIGGER retired_keys_no_delete BEFORE DELETE ON retired_keys
            BEGIN SELECT RAISE(ABORT, 'retired keys are append-only'); END;
        -- A name never changes; public keys change only once the old signing keys are
        -- retired above, so every checkpoint a person signed stays checkable.
        DROP TRIGGER IF EXISTS users_keys_fixed;  -- absent in vaults from before it shipped
        CREATE TRIGGER users_name_fixed BEFORE UPDATE OF name ON users
            BEGIN SELECT RAISE(ABORT, 'a user''s name never changes'); END;
        CREATE TRIGGER users_keys_retired_first BEFORE UPDATE
            OF sig_p384_spki, sig_mldsa87, rcpt_mlkem1024, rcpt_p384_spki ON users
            WHEN NOT EXISTS (
                SELECT 1 FROM retired_keys WHERE name = old.name
                AND sig_p384_spki = old.sig_p384_spki AND sig_mldsa87 = old.sig_mldsa87)
            BEGIN
                SELECT RAISE(ABORT, 'a user''s public keys change only after the old ones'
                    || ' are retired');
            END;
        """,
    )


def _v14_determination_areas(conn: Connection) -> None:
    _run(
        conn,
        """
        -- Per capability area of a review: the Inspect runs that count and the baseline run
        -- (the reference model), with the comparison's options. Append-only versions: a
        -- change adds a row (the newest per area is current; ``removed`` ends an area), so a
        -- citation of one version always reproduces the same comparison.
        CREATE TABLE determination_areas (
            id          INTEGER PRIMARY KEY,
            uid         TEXT NOT NULL UNIQUE,
            review_id   INTEGER NOT NULL REFERENCES reviews (id),
            area        TEXT NOT NULL,
            baseline    TEXT NOT NULL,
            runs        TEXT NOT NULL,
            options     TEXT NOT NULL,
            note        TEXT NOT NULL,
            removed     INTEGER NOT NULL DEFAULT 0,
            created     TEXT NOT NULL,
            created_by  TEXT NOT NULL
        ) STRICT;
        CREATE INDEX determination_areas_review ON determination_areas (review_id, area, id);
        CREATE TRIGGER determination_areas_no_update BEFORE UPDATE ON determination_areas
            BEGIN SELECT RAISE(ABORT, 'determination areas are append-only'); END;
        CREATE TRIGGER determination_areas_no_delete BEFORE DELETE ON determination_areas
            BEGIN SELECT RAISE(ABORT, 'determination areas are append-only'); END;
        """,
    )


def _v15_triage_labels(conn: Connection) -> None:
    """Triage labels on a sample of an Inspect log, or on one message or event of it
    (reviewstation/findings/triage.py owns the table), and their full-text index."""
    _run(
        conn,
        """
        CREATE TABLE triage_labels (
            id             INTEGER PRIMARY KEY,
            uid            TEXT NOT NULL UNIQUE,
            review_id      INTEGER NOT NULL REFERENCES reviews (id),
            artifact_uid   TEXT NOT NULL,
            sample         TEXT NOT NULL,  -- ID@EPOCH
            sample_digest  TEXT NOT NULL,  -- SHA-384 of the resolved record, as evidence
            part           TEXT,           -- message:N, message:ID, event:N, event:ID; NULL
            label          TEXT NOT NULL CHECK (label IN ('in-scope', 'out-of-scope',
                'reward-hacking', 'sandbox-escape-attempt', 'scorer-error', 'needs-discussion')),
            note           TEXT NOT NULL DEFAULT '',
            author         TEXT NOT NULL,
            created        TEXT NOT NULL,
            status         TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'confirmed', 'disputed')),
            decided_by     TEXT,
            decided        TEXT,
            reason         TEXT NOT NULL DEFAULT '',
            CHECK ((status = 'open') = (decided_by IS NULL)),
            CHECK ((decided_by IS NULL) = (decided IS NULL)),
            CHECK (decided_by IS NULL OR decided_by <> author)
        ) STRICT;
        CREATE INDEX triage_by_artifact ON triage_labels (artifact_uid, sample);
        CREATE INDEX triage_by_review ON triage_labels (review_id, id);
        CREATE TRIGGER triage_no_delete BEFORE DELETE ON triage_labels
            BEGIN SELECT RAISE(ABORT, 'triage labels are never deleted'); END;
        CREATE TRIGGER triage_fixed BEFORE UPDATE
            OF uid, review_id, artifact_uid, sample, sample_digest, part, label, author, created
            ON triage_labels
            BEGIN SELECT RAISE(ABORT, 'a triage label is fixed once written'); END;
        CREATE VIRTUAL TABLE triage_fts USING fts5(
            sample, part, label, note, reason, author, decided_by,
            content='triage_labels', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER triage_fts_insert AFTER INSERT ON triage_labels BEGIN
            INSERT INTO triage_fts (rowid, sample, part, label, note, reason, author, decided_by)
                VALUES (new.id, new.sample, new.part, new.label, new.note, new.reason,
                        new.author, new.decided_by);
        END;
        CREATE TRIGGER triage_fts_update
            AFTER UPDATE OF note, reason, decided_by ON triage_labels BEGIN
            INSERT INTO triage_fts (triage_fts, rowid, sample, part, label, note, reason,
                                    author, decided_by)
                VALUES ('delete', old.id, old.sample, old.part, old.label, old.note,
                        old.reason, old.author, old.decided_by);
            INSERT INTO triage_fts (rowid, sample, part, label, note, reason, author, decided_by)
                VALUES (new.id, new.sample, new.part, new.label, new.note, new.reason,
                        new.author, new.decided_by);
        END;
        """,
    )


def _v16_disclosures(conn: Connection) -> None:
    _run(
        conn,
        """
        -- Recipients of selective disclosures: each card with the highest marking a lead
        -- cleared it for (packages/disclosure.py).
        CREATE TABLE disclosure_recipients (
            fingerprint  TEXT PRIMARY KEY,
            name         TEXT NOT NULL UNIQUE,
            card         TEXT NOT NULL,
            clearance    TEXT NOT NULL,
            set_by       TEXT NOT NULL,
            set_at       TEXT NOT NULL
        ) STRICT;
        -- Every item of a disclosure package (withheld or disclosed): its salt and exact
        -- bytes, so that a later proof is possible. The vault is encrypted; the salts of
        -- withheld items never leave it except in a proof.
        CREATE TABLE disclosure_items (
            package_id  TEXT NOT NULL,
            item        TEXT NOT NULL,
            kind        TEXT NOT NULL,
            state       TEXT NOT NULL,
            digest      TEXT NOT NULL,
            salt        BLOB NOT NULL,
            bytes       BLOB NOT NULL,
            PRIMARY KEY (package_id, item)
        ) STRICT;
        CREATE TRIGGER disclosure_items_no_update BEFORE UPDATE ON disclosure_items
            BEGIN SELECT RAISE(ABORT, 'disclosure items are append-only'); END;
        -- An export request for a disclosure binds the plan (recipient and withheld set).
        ALTER TABLE export_requests ADD COLUMN disclosure TEXT;
        """,
    )


def _v17_package_merges(conn: Connection) -> None:
    _run(
        conn,
        """
        -- Merging a package into an existing review (reviewstation/packages/staging.py): each
        -- decision on a staged item, and where each merged field came from. Append-only: a
        -- later decision on the same item is a new row.
        CREATE TABLE merge_decisions (
            package_id          TEXT NOT NULL,
            sums_sha384         TEXT NOT NULL,
            review_id           INTEGER NOT NULL REFERENCES reviews (id),
            item_key            TEXT NOT NULL,
            item_id             TEXT NOT NULL,
            status              TEXT NOT NULL,
            decision            TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
            approval_reset      INTEGER NOT NULL DEFAULT 0,
            signer_fingerprint  TEXT NOT NULL,
            signer_name         TEXT NOT NULL,
            decided             TEXT NOT NULL,
            decided_by          TEXT NOT NULL
        ) STRICT;
        CREATE INDEX merge_decisions_by_package ON merge_decisions (package_id, item_key);
        CREATE TRIGGER merge_decisions_no_update BEFORE UPDATE ON merge_decisions
            BEGIN SELECT RAISE(ABORT, 'merge decisions are append-only'); END;
        CREATE TRIGGER merge_decisions_no_delete BEFORE DELETE ON merge_decisions
            BEGIN SELECT RAISE(ABORT, 'merge decisions are append-only'); END;

        CREATE TABLE merge_provenance (
            review_id           INTEGER NOT NULL REFERENCES reviews (id),
            item_key            TEXT NOT NULL,
            field               TEXT NOT NULL,
            finding_id          INTEGER REFERENCES findings (id),
            revision            INTEGER,
            package_id          TEXT NOT NULL,
            signer_fingerprint  TEXT NOT NULL,
            signer_name         TEXT NOT NULL,
            changed_by          TEXT NOT NULL,
            changed_at          TEXT NOT NULL,
            merged              TEXT NOT NULL,
            merged_by           TEXT NOT NULL
        ) STRICT;
        CREATE INDEX merge_provenance_by_finding ON merge_provenance (finding_id, revision);
        CREATE INDEX merge_provenance_by_review ON merge_provenance (review_id);
        CREATE TRIGGER merge_provenance_no_update BEFORE UPDATE ON merge_provenance
            BEGIN SELECT RAISE(ABORT, 'merge provenance is append-only'); END;
        CREATE TRIGGER merge_provenance_no_delete BEFORE DELETE ON merge_provenance
            BEGIN SELECT RAISE(ABORT, 'merge provenance is append-only'); END;
        """,
    )


MIGRATIONS: list[tuple[str, Migration]] = [
    ("foundation: meta, users, key slots, audit trail, checkpoints", _v1_foundation),
    ("reviews and their assignees", _v2_reviews),
    ("artifacts, custody", _v3_artifacts),
    ("checklists, findings, revisions, full-text search", _v4_checklists_findings),
    ("packages: trusted signers, exports, imports, review sources", _v5_packages),
    ("export approval requests (two-person integrity)", _v6_export_requests),
    ("indexes for counting and filtering findings per review", _v7_findings_counts),
    ("findings: cvss_score is CVSS-B, from the vector's base metrics alone", _v8_cvss_base_scores),
    ("findings: where in the source (file, lines, function, commit)", _v9_finding_locations),
    ("findings: VEX ranges, justification and action statement", _v10_vex_statements),
    ("package exports: when each was written (advisory revisions)", _v11_exports_written),
    ("findings search: CWE, CVE id, vendor and product in the index", _v12_findings_search_fields),
    ("retired signing keys (a passphrase reset by a lead)", _v13_retired_keys),
    ("determination areas: chosen runs and baseline per capability area", _v14_determination_areas),
    ("triage labels on samples, messages and events, and their search index", _v15_triage_labels),
    ("selective disclosure: recipients' clearances, item salts, plans", _v16_disclosures),
    ("package merges: staged decisions and per-field provenance", _v17_package_merges),
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
            commit(conn, f"upgrading the schema to version {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
