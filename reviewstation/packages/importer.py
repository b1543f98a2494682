"""``package import``: bring a verified package into this vault, exactly once.

Every check of ``verify_package`` runs first, plus replay (this package id was imported
before: "already imported", nothing changes) and rollback (an older sequence number from the
same signer: refused). Only then is anything written: evidence blobs (encrypted here under new
keys, written and synced before the rows that name them), then one transaction with the
review, findings, checklist runs, artifact records, the import record and its audit entry.

Imported content lives under a local review keyed by (signer, source review), so packages from
many workstations merge without duplicates: a finding or run is matched by its uid and
updated in place (as a new revision) when a newer package brings changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewstation import markings
from reviewstation.artifacts import catalog, custody, inspectors
from reviewstation.artifacts.blobstore import BlobRef, BlobWriter, new_key, wrap_key
from reviewstation.artifacts.inspection import Inspection, with_claim
from reviewstation.artifacts.stream import DEFAULT_CHUNK
from reviewstation.canonical import canonical, loads_bounded
from reviewstation.checklists import library
from reviewstation.checklists.templates import from_mapping
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import InputError, PermissionDenied, ReviewStationError
from reviewstation.findings.service import EDITABLE as FINDING_FIELDS
from reviewstation.packages import members, trust
from reviewstation.packages.verify import Verified, verify_package
from reviewstation.packages.zipsafe import PackageRefused
from reviewstation.progress import CancelFlag, check_cancel
from reviewstation.vault import audit
from reviewstation.vault.database import Connection, DatabaseError
from reviewstation.vault.session import Session

MAX_NATIVE = 64 * 1024 * 1024
# A signer's sequence numbers count their exports from one vault, one by one. A package more
# than this far above the last one imported from the same signer (or above it, for the first)
# is refused: a re-sealed package with a number near 2^53 would otherwise make every later
# real package "older" for good (docs/threat-model.md).
MAX_SEQUENCE_STEP = 10_000
FINDING_STATE = ("status", "approved_by", "author", "cvss_score")


@dataclass
class ImportResult:
    package_id: str
    signer: str
    sequence: int
    review_id: int
    already: bool = False
    findings_added: int = 0
    findings_updated: int = 0
    runs_added: int = 0
    runs_updated: int = 0
    evidence_added: int = 0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_package(
    session: Session,
    path: Path,
    extra_trust: list[PublicIdentity] | None = None,
    *,
    cancel: CancelFlag = None,
) -> ImportResult:
    session.require_writable("import a package")
    try:
        return _import(session, path, extra_trust, cancel)
    except ReviewStationError as exc:
        # A refused package is itself an event the auditor should see.
        with contextlib.suppress(Exception):
            session.record("package.import_refused", path.name, {"reason": str(exc)[:300]})
        raise


def _import(
    session: Session,
    path: Path,
    extra_trust: list[PublicIdentity] | None,
    cancel: CancelFlag,
) -> ImportResult:
    if session.identity is None:
        raise PermissionDenied("Importing needs your passphrase (your decryption key).")
    conn = session.conn
    trusted = trust.trusted(conn) + list(extra_trust or [])
    with verify_package(
        path,
        trusted,
        revoked=trust.revoked_fingerprints(conn),
        recipient=session.identity.recipient,
    ) as package:
        if package.encrypted and not package.decrypted:
            raise PackageRefused("The encrypted package could not be opened.")
        manifest = package.manifest
        signer = package.signer.fingerprint
        marked = str(manifest["marking"])
        theirs, ours = markings.try_parse(marked), markings.try_parse(session.marking)
        if theirs is None:
            raise PackageRefused(
                f"The package's marking {marked!r} is not a marking this tool knows."
            )
        if ours is None or markings.exceeds(theirs, ours):
            raise PackageRefused(
                f"The package is marked {theirs.text}, above this vault's marking"
                f" ({session.marking}); import it into a vault cleared for it."
            )
        result = ImportResult(
            str(manifest["package_id"]), package.signer.name, int(manifest["sequence"]), 0
        )
        earlier = conn.execute(
            "SELECT sums_sha384, review_id FROM package_imports WHERE package_id = ?",
            (result.package_id,),
        ).fetchone()
        if earlier is not None:
            if earlier[0] != package.sums_sha384:
                raise PackageRefused(
                    "A different package with this package id was imported before; refused."
                )
            result.already, result.review_id = True, int(earlier[1])
            return result
        last = conn.execute(
            "SELECT max(sequence) FROM package_imports WHERE signer_fingerprint = ?", (signer,)
        ).fetchone()[0]
        if last is not None and result.sequence <= int(last):
            raise PackageRefused(
                f"This package has sequence number {result.sequence} from {package.signer.name},"
                f" but number {last} was already imported: an older package (rollback or"
                " replay) is refused."
            )
        floor = int(last or 0)
        if result.sequence > floor + MAX_SEQUENCE_STEP:
            raise PackageRefused(
                f"This package has sequence number {result.sequence} from {package.signer.name},"
                f" more than {MAX_SEQUENCE_STEP:,} above the last one imported from them"
                f" ({floor}); accepting it would refuse every real package of theirs below it,"
                " so it is refused."
            )
        findings_doc = _native(package, members.FINDINGS, "reviewstation-findings")
        runs_doc = _native(package, members.CHECKLISTS, "reviewstation-checklists")
        artifacts_doc = (
            _native(package, members.ARTIFACTS, "reviewstation-artifacts")
            if package.zip.has(members.ARTIFACTS)
            else {"artifacts": []}
        )
        blobs = _evidence(session, package, artifacts_doc, cancel)
        try:
            _commit(session, package, result, findings_doc, runs_doc, blobs)
        except DatabaseError as exc:
            for blob in blobs:
                blob.writer.abort()
            raise PackageRefused(
                f"The package's content does not fit this vault's records ({exc}); nothing"
                " was imported."
            ) from exc
        except BaseException:
            for blob in blobs:
                blob.writer.abort()
            raise
    return result


def _native(package: Verified, name: str, kind: str) -> dict[str, Any]:
    doc = loads_bounded(package.read_checked(name), name, MAX_NATIVE)
    if not isinstance(doc, dict) or doc.get("format") != kind or doc.get("version") != 1:
        raise PackageRefused(f"The package's {name} is not a version 1 {kind} document.")
    return doc


@dataclass
class _Blob:
    record: dict[str, Any]
    writer: BlobWriter
    key: bytes
    size: int
    sha256: str
    sha384: str
    inspection: Inspection | None = None  # this vault's own inspectors


def _rechunk(chunks: Iterable[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """Fixed-size blocks with a flag on the last (an empty stream is one empty last block)."""
    buffer = bytearray()
    pending: bytes | None = None
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            if pending is not None:
                yield pending, False
            pending = bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        if pending is not None:
            yield pending, False
        yield bytes(buffer), True
    else:
        yield (pending if pending is not None else b""), True


def _evidence(
    session: Session, package: Verified, doc: dict[str, Any], cancel: CancelFlag
) -> list[_Blob]:
    """Encrypt each new evidence member into this vault's blob store (synced, not yet listed)."""
    blobs: list[_Blob] = []
    records = doc.get("artifacts")
    if not isinstance(records, list):
        raise PackageRefused("The package's artifacts.json is malformed.")
    try:
        for record in records:
            if not isinstance(record, dict) or not record.get("evidence_member"):
                continue
            uid = _uid(record, "artifact")
            member = str(record["evidence_member"])
            if member != f"evidence/{uid}/{record.get('path')}" or not package.zip.has(member):
                raise PackageRefused(f"The evidence member {member!r} is missing or misnamed.")
            with contextlib.suppress(Exception):
                catalog.get_artifact(session.conn, uid)
                continue  # this vault already holds that artifact
            key = new_key()
            writer = BlobWriter(session.path, session.vault_id, uid, key, DEFAULT_CHUNK)
            sha256, sha384, size = hashlib.sha256(), hashlib.sha384(), 0
            try:
                for block, last in _rechunk(package.zip.stream(member), DEFAULT_CHUNK):
                    check_cancel(cancel, "package import")
                    sha256.update(block)
                    sha384.update(block)
                    size += len(block)
                    writer.write_chunk(block, last)
                writer.finish()
            except BaseException:
                writer.abort()
                raise
            blobs.append(_Blob(record, writer, key, size, sha256.hexdigest(), sha384.hexdigest()))
            if (sha256.hexdigest(), sha384.hexdigest()) != (
                record.get("sha256"),
                record.get("sha384"),
            ) or sha384.hexdigest() != package.listed.get(member):
                raise PackageRefused(f"The evidence {member!r} does not match its recorded hashes.")
            # The sender's inspection is only a claim (a modified client can label a pickle
            # "safetensors"); what the panels and flags rely on comes from our own inspectors.
            ref = BlobRef(session.vault_id, uid, writer.name, size, DEFAULT_CHUNK, key, member)
            blobs[-1].inspection = inspectors.summarize(session.path, ref, str(record["path"]))
    except BaseException:
        for blob in blobs:
            blob.writer.abort()
        raise
    return blobs


def _commit(
    session: Session,
    package: Verified,
    result: ImportResult,
    findings_doc: dict[str, Any],
    runs_doc: dict[str, Any],
    blobs: list[_Blob],
) -> None:
    manifest = package.manifest
    signer = package.signer
    details = {
        "signer": signer.fingerprint,
        "signer_name": signer.name,
        "sequence": result.sequence,
        "source_vault": manifest["source_vault"],
        "checkpoint": manifest["checkpoint"]["count"],
        "sums_sha384": package.sums_sha384,
        "encrypted": package.encrypted,
    }
    with session.change("package.import", result.package_id, details) as conn:
        review = findings_doc.get("review")
        if not isinstance(review, dict):
            raise PackageRefused("The package's findings.json has no review.")
        result.review_id = _local_review(session, conn, signer.fingerprint, review)
        for finding in _list(findings_doc, "findings"):
            _merge_finding(session, conn, result, finding)
        for run in _list(runs_doc, "runs"):
            _merge_run(session, conn, result, run)
        _link_findings(conn, _list(findings_doc, "findings"))
        for blob in blobs:
            _add_artifact(session, conn, result, blob, signer)
        conn.execute(
            "INSERT INTO package_imports (package_id, signer_fingerprint, signer_name, sequence,"
            " sums_sha384, source_vault, source_review, review_id, checkpoint, imported,"
            " imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                result.package_id,
                signer.fingerprint,
                signer.name,
                result.sequence,
                package.sums_sha384,
                manifest["source_vault"],
                str(review.get("uid")),
                result.review_id,
                canonical(manifest["checkpoint"]).decode(),
                audit.now(),
                session.user.name,
            ),
        )


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uid(obj: dict[str, Any], what: str) -> str:
    uid = obj.get("uid")
    if not isinstance(uid, str) or not UUID.fullmatch(uid):
        raise PackageRefused(f"A {what} in the package has no valid uid.")
    return uid


def _link_findings(conn: Connection, findings: list[dict[str, Any]]) -> None:
    """Links from findings to checklist items, by the uids both sides share."""
    for finding in findings:
        for link in finding.get("links") or []:
            if not isinstance(link, dict) or not isinstance(link.get("run_uid"), str):
                continue
            conn.execute(
                "INSERT OR IGNORE INTO finding_links (finding_id, run_id, item_id)"
                " SELECT f.id, r.id, ? FROM findings f, checklist_runs r"
                " WHERE f.uid = ? AND r.uid = ?",
                (str(link.get("item")), _uid(finding, "finding"), link["run_uid"]),
            )


def _list(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = doc.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PackageRefused(f"The package's {key} list is malformed.")
    return items


def _text(obj: dict[str, Any], key: str, default: str = "") -> str:
    value = obj.get(key, default)
    return default if value is None else str(value)


def _within(value: object, session: Session, what: str) -> markings.Marking:
    """A marking the package carries, refused when it is not one or is above this vault."""
    try:
        return markings.within(str(value), session.marking, what)
    except InputError as exc:
        raise PackageRefused(str(exc)) from None


def _local_review(session: Session, conn: Connection, signer: str, review: dict[str, Any]) -> int:
    source = _text(review, "uid")
    row = conn.execute(
        "SELECT review_id FROM review_sources WHERE signer_fingerprint = ? AND source_review = ?",
        (signer, source),
    ).fetchone()
    if row is not None:
        return int(row[0])
    now = audit.now()
    access = _text(review, "access_mode", "weights")
    cursor = conn.execute(
        "INSERT INTO reviews (uid, title, developer, developer_contact, model_name, model_version,"
        " access_mode, received, deadline, planned_release, determination,"
        " determination_reference, determination_rationale, determination_by, determination_at,"
        " marking, status, created, created_by, updated) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'in_review', ?, ?, ?)",
        (
            str(uuid.uuid4()),
            _text(review, "title", "Imported review"),
            _text(review, "developer", "?"),
            _text(review, "developer_contact"),
            _text(review, "model_name", "?"),
            _text(review, "model_version"),
            access if access in ("weights", "api", "weights+api") else "weights",
            _text(review, "received", now[:10]),
            _text(review, "deadline", now[:10]),
            review.get("planned_release"),
            _text(review, "determination", "pending")
            if review.get("determination") in ("pending", "covered", "not_covered")
            else "pending",
            _text(review, "determination_reference"),
            _text(review, "determination_rationale"),
            review.get("determination_by"),
            review.get("determination_at"),
            _within(_text(review, "marking", session.marking), session, "review's marking").text,
            now,
            session.user.name,
            now,
        ),
    )
    review_id = int(cursor.lastrowid)
    conn.execute(
        "INSERT INTO review_sources (review_id, signer_fingerprint, source_review)"
        " VALUES (?, ?, ?)",
        (review_id, signer, source),
    )
    return review_id


def _merge_finding(
    session: Session, conn: Connection, result: ImportResult, finding: dict[str, Any]
) -> None:
    uid = _uid(finding, "finding")
    values = {name: finding.get(name) for name in (*FINDING_FIELDS, *FINDING_STATE)}
    portion = _within(values["portion_marking"], session, f"portion marking of finding {uid}")
    values["portion_marking"] = portion.portion
    row = conn.execute(
        "SELECT id, review_id, revision FROM findings WHERE uid = ?", (uid,)
    ).fetchone()
    note = {"package": result.package_id, "source_revision": finding.get("revision")}
    if row is None:
        now = audit.now()
        columns = {
            **values,
            "uid": uid,
            "review_id": result.review_id,
            "created": now,
            "updated": now,
            "revision": 1,
        }
        try:
            cursor = conn.execute(
                f"INSERT INTO findings ({', '.join(columns)})"  # noqa: S608
                f" VALUES ({', '.join('?' * len(columns))})",
                list(columns.values()),
            )
        except Exception as exc:
            raise PackageRefused(f"The package's finding {uid} is invalid ({exc}).") from exc
        finding_id = int(cursor.lastrowid)
        changes = {k: [None, v] for k, v in values.items() if v not in (None, "")}
        _revision(conn, finding_id, 1, session, {**changes, "imported": note})
        result.findings_added += 1
    else:
        if int(row[1]) != result.review_id:
            raise PackageRefused(f"The finding {uid} already belongs to another review here.")
        query = f"SELECT {', '.join(values)} FROM findings WHERE id = ?"  # noqa: S608
        current = dict(zip(values, conn.execute(query, (row[0],)).fetchone(), strict=True))
        diff = {k: [current[k], v] for k, v in values.items() if current[k] != v}
        if not diff:
            return
        revision = int(row[2]) + 1
        sets = "".join(f"{k} = ?, " for k in diff)
        conn.execute(
            f"UPDATE findings SET {sets}updated = ?, revision = ? WHERE id = ?",  # noqa: S608
            [*(v for _, v in diff.values()), audit.now(), revision, row[0]],
        )
        _revision(conn, int(row[0]), revision, session, {**diff, "imported": note})
        result.findings_updated += 1
    finding_id = int(conn.execute("SELECT id FROM findings WHERE uid = ?", (uid,)).fetchone()[0])
    for ref in finding.get("evidence") or []:
        if isinstance(ref, dict) and ref.get("artifact"):
            conn.execute(
                "INSERT OR IGNORE INTO finding_evidence (finding_id, artifact_uid, sample_id,"
                " sample_digest) VALUES (?, ?, ?, ?)",
                (finding_id, str(ref["artifact"]), ref.get("sample_id"), ref.get("sample_digest")),
            )


def _revision(
    conn: Connection, finding_id: int, revision: int, session: Session, changes: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO finding_revisions (finding_id, revision, at, user, changes)"
        " VALUES (?, ?, ?, ?, ?)",
        (finding_id, revision, audit.now(), session.user.name, json.dumps(changes, sort_keys=True)),
    )


ANSWER_FIELDS = (
    "status",
    "note",
    "severity_override",
    "override_justification",
    "updated",
    "updated_by",
)


def _merge_run(
    session: Session, conn: Connection, result: ImportResult, run: dict[str, Any]
) -> None:
    try:
        template = from_mapping(run["template_body"], "package template")
    except (KeyError, InputError) as exc:
        raise PackageRefused(
            f"A checklist run in the package has an invalid template ({exc})."
        ) from exc
    library.pin(session, template, "imported")
    uid = _uid(run, "checklist run")
    row = conn.execute("SELECT id, review_id FROM checklist_runs WHERE uid = ?", (uid,)).fetchone()
    if row is None:
        cursor = conn.execute(
            "INSERT INTO checklist_runs (uid, review_id, template_key, template_hash, started,"
            " started_by, signed_off_by, signed_off_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                result.review_id,
                template.key,
                template.hash,
                _text(run, "started"),
                _text(run, "started_by"),
                run.get("signed_off_by"),
                run.get("signed_off_at"),
            ),
        )
        run_id = int(cursor.lastrowid)
        result.runs_added += 1
    else:
        if int(row[1]) != result.review_id:
            raise PackageRefused(f"The checklist run {uid} already belongs to another review here.")
        run_id = int(row[0])
        conn.execute(
            "UPDATE checklist_runs SET signed_off_by = ?, signed_off_at = ? WHERE id = ?",
            (run.get("signed_off_by"), run.get("signed_off_at"), run_id),
        )
    before = _answers(conn, run_id)
    known = {item.id: item.content_hash for item in template.items}
    for item in _list(run, "items"):
        item_id = _text(item, "id")
        if item_id not in known:
            raise PackageRefused(f"Checklist item {item_id!r} is not in its template.")
        values = [item.get(k) for k in ANSWER_FIELDS]
        conn.execute(
            "INSERT INTO checklist_answers (run_id, item_id, item_hash, status, note,"
            " severity_override, override_justification, updated, updated_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, item_id) DO UPDATE SET"
            " status = excluded.status, note = excluded.note,"
            " severity_override = excluded.severity_override,"
            " override_justification = excluded.override_justification,"
            " updated = excluded.updated, updated_by = excluded.updated_by",
            (run_id, item_id, known[item_id], *values),
        )
        for ref in item.get("evidence") or []:
            if isinstance(ref, dict) and ref.get("artifact"):
                conn.execute(
                    "INSERT OR IGNORE INTO checklist_evidence (run_id, item_id, artifact_uid,"
                    " sample_id, sample_digest, added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        item_id,
                        str(ref["artifact"]),
                        ref.get("sample_id"),
                        ref.get("sample_digest"),
                        audit.now(),
                        session.user.name,
                    ),
                )
    if row is not None and _answers(conn, run_id) != before:
        result.runs_updated += 1


def _answers(conn: Connection, run_id: int) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT item_id, status, note, severity_override, override_justification"
            " FROM checklist_answers WHERE run_id = ? ORDER BY item_id",
            (run_id,),
        )
    ]


def _inspection(blob: _Blob) -> dict[str, Any]:
    """This vault's inspection of the imported bytes, with the sender's summary kept beside it
    under ``sender_inspection``: checked by the same constructor, labelled as a claim, shown
    apart and never relied on. A claim that carries an earlier sender's claim is not nested."""
    assert blob.inspection is not None
    return with_claim(blob.inspection, blob.record.get("inspection")).to_json()


def _add_artifact(
    session: Session, conn: Connection, result: ImportResult, blob: _Blob, signer: PublicIdentity
) -> None:
    record = blob.record
    source_custody = record.get("custody") if isinstance(record.get("custody"), dict) else {}
    assert isinstance(source_custody, dict)
    row = {
        "uid": str(record["uid"]),
        "review_id": result.review_id,
        "batch": result.package_id,
        "path": str(record.get("path")),
        "kind": str(record.get("kind") or "other")
        if record.get("kind") in catalog.KINDS
        else "other",
        "size": blob.size,
        "sha256": blob.sha256,
        "sha384": blob.sha384,
        "blob": blob.writer.name,
        "chunk_size": DEFAULT_CHUNK,
        "wrapped_key": wrap_key(session.master, session.vault_id, str(record["uid"]), blob.key),
        "medium": f"package {result.package_id}",
        "received_from": f"{signer.name} ({signer.fingerprint[:16]})",
        "received_at": _text(source_custody, "received_at"),
        "imported_at": audit.now(),
        "imported_by": session.user.name,
        "declared_sha256": None,
        "declared_match": None,
        "duplicate_of": None,
        "inspection": canonical(_inspection(blob)).decode(),
        "erased_at": None,
        "erased_by": None,
    }
    artifact_id = catalog.insert(conn, row)
    custody.add_event(
        conn,
        artifact_id,
        session.user.name,
        "imported_from_package",
        {
            "package": result.package_id,
            "signer": signer.fingerprint,
            "source_custody": source_custody,
        },
    )
    result.evidence_added += 1
