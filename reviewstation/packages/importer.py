"""``package import``: bring a verified package into this vault, exactly once.

Every check of ``verify_package`` runs first, plus replay (this package id was imported
before: "already imported", nothing changes) and rollback (an older sequence number from the
same signer: refused). Only then is anything written: evidence blobs (encrypted here under new
keys, written and synced before the rows that name them), then one transaction with the
review, findings, checklist runs, artifact records, the import record and its audit entry.

Imported content lives under a local review keyed by (signer, source review), so packages from
many workstations merge without duplicates: a finding or run is matched by its uid and
updated in place (as a new revision) when a newer package brings changes.

The importer writes only its own tables (``package_imports``, ``review_sources``). Everything
else goes through the store functions of the features that own it (reviews, findings,
checklists, the artifact intake and catalog), inside the one transaction, so imported content
is checked by this vault's rules exactly as typed content is: lengths, one-line fields,
statuses, the two-person rule. Names of people from the sending vault are attributed to the
signer (``users.foreign_name``: ``name@<16 hex of the signer's fingerprint>``) and never
match a person here; the package's checklist templates are pinned under the signer's
namespace and never shadow a shipped or local template. Content that breaks a rule refuses
the whole package.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewstation import evidence, markings
from reviewstation.artifacts import catalog, custody, inspectors, intake
from reviewstation.artifacts.custody import Custody
from reviewstation.artifacts.inspection import Inspection, with_claim
from reviewstation.canonical import canonical, loads_bounded
from reviewstation.checklists import library, runs
from reviewstation.checklists.templates import from_mapping
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import InputError, NotFound, PermissionDenied, ReviewStationError
from reviewstation.findings import service as findings
from reviewstation.findings import triage
from reviewstation.packages import members, trust
from reviewstation.packages.verify import Verified, verify_package
from reviewstation.progress import CancelFlag
from reviewstation.reviews import service as reviews
from reviewstation.vault import audit, users
from reviewstation.vault.database import Connection, DatabaseError
from reviewstation.vault.session import Session
from reviewstation.ziparchive import PackageRefused

MAX_NATIVE = 64 * 1024 * 1024
# A signer's sequence numbers count their exports from one vault, one by one. A package more
# than this far above the last one imported from the same signer (or above it, for the first)
# is refused: a re-sealed package with a number near 2^53 would otherwise make every later
# real package "older" for good (docs/threat-model.md).
MAX_SEQUENCE_STEP = 10_000


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
    triage_labels: int = 0  # added or with a new decision
    notes: list[str] = field(default_factory=list)
    signer_fingerprint: str = ""  # P-384: two signers may share a name

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def import_package(
    session: Session,
    path: Path,
    extra_trust: list[PublicIdentity] | None = None,
    *,
    cancel: CancelFlag = None,
    custody: dict[str, str] | None = None,
) -> ImportResult:
    """``custody``: how the package file arrived (medium, received from, received at, its
    declared and actual SHA-256), recorded in the import's audit entry and in each evidence
    file's ``imported_from_package`` custody event."""
    session.require_writable("import a package")
    try:
        return _import(session, path, extra_trust, cancel, custody or {})
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
    arrival: dict[str, str],
) -> ImportResult:
    conn = session.conn
    with open_verified(session, path, extra_trust) as package:
        manifest = package.manifest
        signer = package.signer.fingerprint
        result = ImportResult(manifest.package_id, package.signer.name, manifest.sequence, 0)
        result.signer_fingerprint = signer
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
        triage_doc = (
            _native(package, members.TRIAGE, "reviewstation-triage")
            if package.zip.has(members.TRIAGE)
            else None
        )
        blobs = _evidence(session, package, artifacts_doc, cancel)
        try:
            _commit(session, package, result, findings_doc, runs_doc, blobs, arrival, triage_doc)
        except DatabaseError as exc:
            for blob in blobs:
                blob.sealed.abort()
            raise PackageRefused(
                f"The package's content does not fit this vault's records ({exc}); nothing"
                " was imported."
            ) from exc
        except BaseException:
            for blob in blobs:
                blob.sealed.abort()
            raise
    return result


@contextlib.contextmanager
def open_verified(
    session: Session, path: Path, extra_trust: list[PublicIdentity] | None = None
) -> Iterator[Verified]:
    """The package, verified as an import verifies it (trust store minus revoked cards plus
    ``extra_trust``, decrypted for this user, marked no higher than this vault); the one
    door through which an import and a staged merge read a package."""
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
        marked = package.manifest.marking
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
        yield package


def native(package: Verified, name: str, kind: str) -> dict[str, Any]:
    """A native JSON member (findings, checklists, artifacts) of a verified package."""
    return _native(package, name, kind)


def _native(package: Verified, name: str, kind: str) -> dict[str, Any]:
    doc = loads_bounded(package.read_checked(name), name, MAX_NATIVE)
    if not isinstance(doc, dict) or doc.get("format") != kind or doc.get("version") != 1:
        raise PackageRefused(f"The package's {name} is not a version 1 {kind} document.")
    return doc


@dataclass
class _Blob:
    record: dict[str, Any]
    sealed: intake.Sealed
    path: str
    inspection: Inspection | None = None  # this vault's own inspectors


def _evidence(
    session: Session, package: Verified, doc: dict[str, Any], cancel: CancelFlag
) -> list[_Blob]:
    """Each new evidence member through the artifact intake's stream (encrypted under a new
    key, written and synced, not yet listed), inspected by this vault's inspectors."""
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
            with _checked(f"evidence {uid}"):
                path = intake.check_record_path(str(record["path"]), "package evidence")
            sealed = intake.seal_stream(session, uid, package.zip.stream(member), cancel=cancel)
            blobs.append(_Blob(record, sealed, path))
            if (sealed.sha256, sealed.sha384) != (
                record.get("sha256"),
                record.get("sha384"),
            ) or sealed.sha384 != package.listed.get(member):
                raise PackageRefused(f"The evidence {member!r} does not match its recorded hashes.")
            # The sender's inspection is only a claim (a modified client can label a pickle
            # "safetensors"); what the panels and flags rely on comes from our own inspectors.
            ref = sealed.ref(session.vault_id, member)
            blobs[-1].inspection = inspectors.summarize(session.path, ref, path)
    except BaseException:
        for blob in blobs:
            blob.sealed.abort()
        raise
    return blobs


@contextlib.contextmanager
def _checked(what: str) -> Iterator[None]:
    """A rule of this vault that the package's content breaks refuses the whole package."""
    try:
        yield
    except PackageRefused:
        raise
    except (InputError, NotFound) as exc:
        raise PackageRefused(
            f"The package's {what} breaks this vault's rules ({exc}); nothing was imported."
        ) from exc


def _commit(
    session: Session,
    package: Verified,
    result: ImportResult,
    findings_doc: dict[str, Any],
    runs_doc: dict[str, Any],
    blobs: list[_Blob],
    arrival: dict[str, str],
    triage_doc: dict[str, Any] | None = None,
) -> None:
    manifest = package.manifest
    signer = package.signer
    details: dict[str, Any] = {
        "signer": signer.fingerprint,
        "signer_name": signer.name,
        "sequence": result.sequence,
        "source_vault": manifest.source_vault,
        "checkpoint": manifest.checkpoint.point.count,
        "sums_sha384": package.sums_sha384,
        "encrypted": package.encrypted,
    }
    if arrival:
        details["custody"] = dict(arrival)

    def foreign(name: object) -> str:
        return users.foreign_name(name, signer.fingerprint)

    with session.change("package.import", result.package_id, details) as conn:
        review = findings_doc.get("review")
        if not isinstance(review, dict):
            raise PackageRefused("The package's findings.json has no review.")
        with _checked("review"):
            result.review_id = _local_review(session, conn, signer.fingerprint, review, foreign)
        for run in _list(runs_doc, "runs"):  # first: findings link to runs
            with _checked(f"checklist run {_uid(run, 'checklist run')}"):
                _merge_run(session, conn, result, run, signer, foreign)
        for finding in _list(findings_doc, "findings"):
            with _checked(f"finding {_uid(finding, 'finding')}"):
                _merge_finding(session, conn, result, finding, foreign)
        for blob in blobs:
            with _checked(f"evidence {blob.sealed.uid}"):
                _add_artifact(session, conn, result, blob, signer, arrival)
        for label in _list(triage_doc, "labels") if triage_doc is not None else []:
            with _checked(f"triage label {_uid(label, 'triage label')}"):
                record = triage.from_json(label, result.review_id, foreign)
                result.triage_labels += triage.upsert_label(conn, record)[1]
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
                manifest.source_vault,
                str(review.get("uid")),
                result.review_id,
                canonical(manifest.checkpoint.to_json()).decode(),
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


def _list(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = doc.get(key)
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise PackageRefused(f"The package's {key} list is malformed.")
    return items


def _refs(obj: dict[str, Any]) -> list[evidence.EvidenceRef]:
    refs = obj.get("evidence")
    if refs is None:
        return []
    if not isinstance(refs, list):
        raise InputError("Its evidence list is malformed.")
    return [evidence.from_json(ref) for ref in refs]


def _str(obj: dict[str, Any], key: str, default: str = "") -> str:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InputError(f"Its {key.replace('_', ' ')} is not text.")
    return value


def _local_review(
    session: Session,
    conn: Connection,
    signer: str,
    review: dict[str, Any],
    foreign: Callable[[object], str],
) -> int:
    source = _uid(review, "review")
    row = conn.execute(
        "SELECT review_id FROM review_sources WHERE signer_fingerprint = ? AND source_review = ?",
        (signer, source),
    ).fetchone()
    if row is not None:
        return int(row[0])
    decided_by = review.get("determination_by")
    record = reviews.ReviewRecord(
        fields={name: review.get(name) for name in reviews.EDITABLE},
        created_by=session.user.name,
        status="in_review",
        determination=_str(review, "determination", "pending"),
        determination_reference=_str(review, "determination_reference"),
        determination_rationale=_str(review, "determination_rationale"),
        determination_by=None if decided_by is None else foreign(decided_by),
        determination_at=review.get("determination_at"),
    )
    review_id = reviews.insert_review(conn, record, marking=session.marking)
    conn.execute(
        "INSERT INTO review_sources (review_id, signer_fingerprint, source_review)"
        " VALUES (?, ?, ?)",
        (review_id, signer, source),
    )
    return review_id


def _merge_finding(
    session: Session,
    conn: Connection,
    result: ImportResult,
    finding: dict[str, Any],
    foreign: Callable[[object], str],
) -> None:
    approved_by = finding.get("approved_by")
    links: list[tuple[int | str, str]] = []
    raw_links = finding.get("links") or []
    if not isinstance(raw_links, list):
        raise InputError("Its links are malformed.")
    for link in raw_links:
        run_uid = link.get("run_uid") if isinstance(link, dict) else None
        if not isinstance(run_uid, str):
            continue  # a run that did not travel (superseded in the sending vault)
        with contextlib.suppress(NotFound):
            links.append((runs.get_run(conn, run_uid).uid, _str(link, "item")))
    revision = finding.get("revision")
    record = findings.FindingRecord(
        review_id=result.review_id,
        fields={name: finding.get(name) for name in findings.EDITABLE},
        author=foreign(finding.get("author")),
        status=finding.get("status"),  # type: ignore[arg-type]  # checked by the store
        approved_by=None if approved_by is None else foreign(approved_by),
        uid=_uid(finding, "finding"),
        evidence=_refs(finding),
        links=links,
    )
    note = {
        "package": result.package_id,
        "source_revision": revision if type(revision) is int else None,
    }
    outcome = findings.upsert_finding(
        conn, record, marking=session.marking, by=session.user.name, note=note
    )
    if outcome == "added":
        result.findings_added += 1
    elif outcome == "updated":
        result.findings_updated += 1


def _merge_run(
    session: Session,
    conn: Connection,
    result: ImportResult,
    run: dict[str, Any],
    signer: PublicIdentity,
    foreign: Callable[[object], str],
) -> None:
    try:
        template = from_mapping(run["template_body"], "package template")
    except (KeyError, InputError) as exc:
        raise PackageRefused(
            f"A checklist run in the package has an invalid template ({exc})."
        ) from exc
    key = library.pin_from_package(conn, template, signer.fingerprint, by=session.user.name)
    answers = []
    for item in _list(run, "items"):
        answered_by = item.get("updated_by")
        answers.append(
            runs.AnswerRecord(
                item_id=_str(item, "id"),
                status=item.get("status"),  # type: ignore[arg-type]  # checked by the store
                note=_str(item, "note"),
                severity_override=item.get("severity_override"),
                override_justification=_str(item, "override_justification"),
                updated=item.get("updated"),
                updated_by=None if answered_by is None else foreign(answered_by),
                evidence=_refs(item),
            )
        )
    signed_by = run.get("signed_off_by")
    record = runs.RunRecord(
        review_id=result.review_id,
        template_key=key,
        template=template,
        started_by=foreign(run.get("started_by")),
        uid=_uid(run, "checklist run"),
        started=run.get("started"),
        signed_off_by=None if signed_by is None else foreign(signed_by),
        signed_off_at=run.get("signed_off_at"),
        answers=answers,
        added_by=foreign(signer.name),
    )
    outcome = runs.upsert_run(conn, record)
    if outcome == "added":
        result.runs_added += 1
    elif outcome == "updated":
        result.runs_updated += 1


def _inspection(blob: _Blob) -> dict[str, Any]:
    """This vault's inspection of the imported bytes, with the sender's summary kept beside it
    under ``sender_inspection``: checked by the same constructor, labelled as a claim, shown
    apart and never relied on. A claim that carries an earlier sender's claim is not nested."""
    assert blob.inspection is not None
    return with_claim(blob.inspection, blob.record.get("inspection")).to_json()


def _add_artifact(
    session: Session,
    conn: Connection,
    result: ImportResult,
    blob: _Blob,
    signer: PublicIdentity,
    arrival: dict[str, str],
) -> None:
    record = blob.record
    source_custody = record.get("custody") if isinstance(record.get("custody"), dict) else {}
    assert isinstance(source_custody, dict)
    kind = record.get("kind")
    received_at = source_custody.get("received_at")
    row = intake.artifact_row(
        session,
        blob.sealed,
        review_id=result.review_id,
        batch=result.package_id,
        path=blob.path,
        kind=kind if isinstance(kind, str) and kind in catalog.KINDS else "other",
        facts=Custody(
            medium=f"package {result.package_id}",
            received_from=f"{signer.name} ({signer.fingerprint[:16]})",
            received_at=received_at if isinstance(received_at, str) else "",
        ),
        inspection=_inspection(blob),
    )
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
            **({"package_custody": dict(arrival)} if arrival else {}),
        },
    )
    result.evidence_added += 1
