"""``package export``: seal a review's findings, checklists and chosen evidence.

Order of work: the export is first recorded in the vault (sequence number, audit entry and a
fresh signed checkpoint, in one transaction), then the file is written under a temporary name
and renamed into place. A failure after the record leaves an audit entry for an export that
produced no file (followed by ``package.export_failed``), never a file the vault does not know.

Once the file is in place, the export's last audit entry, ``package.written``, records in one
transaction the evidence's ``exported`` custody events and, when the vault's policy asked for
an approval, re-checks and uses it. A cancel or a failure before that (or of that step, which
then removes the file) leaves no custody event and the approval usable for another try.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewstation import markings
from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.blobstore import iter_plaintext
from reviewstation.crypto.hashing import sha384_hex
from reviewstation.crypto.identity import PrivateIdentity, PublicIdentity, b64
from reviewstation.errors import InputError, PermissionDenied, VaultError
from reviewstation.findings.service import require_assertable, revisions
from reviewstation.markings import Level
from reviewstation.package_content import Designation, PackageContent
from reviewstation.packages import approval as approvals
from reviewstation.packages import disclosure as disclosures
from reviewstation.packages import members, payload, seal
from reviewstation.packages.content import gather
from reviewstation.packages.standard import standard_members
from reviewstation.packages.writer import PackageWriter, ZipBuilder
from reviewstation.progress import CancelFlag, Progress, ProgressCallback, check_cancel
from reviewstation.reviews.service import require_review
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.publisher import unset_note
from reviewstation.vault.session import Session

if TYPE_CHECKING:
    from reviewstation.determination import AreaResult

MAX_RECIPIENTS = 64


@dataclass(frozen=True)
class ExportResult:
    path: Path
    package_id: str
    sequence: int
    encrypted: bool
    sums_sha384: str
    members: list[str]
    recipients: list[str]
    approved_by: str | None = None  # the second person, when the vault's policy asked for one
    recipient_fingerprints: tuple[str, ...] = ()  # P-384, in the order of ``recipients``
    advisory_version: int = 1  # the revision of the review's advisories this export is
    notes: tuple[str, ...] = ()  # what the exporter should know (no publisher namespace set)


def review_exports(conn: Connection, review_id: int) -> list[tuple[str, str]]:
    """(package id, created) of every export of the review whose file was written, oldest
    first: the revisions of the review's advisories so far."""
    return [
        (str(r[0]), str(r[1]))
        for r in conn.execute(
            "SELECT package_id, created FROM package_exports WHERE review_id = ?"
            " AND written IS NOT NULL ORDER BY created, sequence, package_id",
            (review_id,),
        )
    ]


def _next_sequence(session: Session) -> int:
    row = session.conn.execute(
        "SELECT max(sequence) FROM package_exports WHERE signer = ?",
        (session.user.signing.fingerprint(),),
    ).fetchone()
    return int(row[0] or 0) + 1


def export_package(
    session: Session,
    review_id: int | str,
    out: Path,
    *,
    recipients: list[PublicIdentity] | None = None,
    evidence: list[str] | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
    plaintext_ok: bool = True,
    designation: Designation | None = None,
    cyclonedx_version: str | None = None,
    determination: Sequence[AreaResult] = (),
    disclosure: disclosures.Plan | None = None,
) -> ExportResult:
    """Seal ``review_id`` into ``out``. Both front ends pass ``plaintext_ok`` as the user's
    explicit choice: a package marked above UNCLASSIFIED then leaves unencrypted only when the
    user said so on purpose (it is readable by anyone who holds the file). ``designation`` is
    the classification authority block and CUI designation as entered; a classified package
    without its authority block is refused before anything is recorded. ``cyclonedx_version``
    chooses the CycloneDX version of artifacts.cdx.json (default: the newest written).
    ``determination``: the review's capability areas with their figures, as the front end
    computed them (``app.determination.area_results``); they travel as determination.json and
    in the report.

    ``disclosure``: a selective disclosure's plan (packages/disclosure.py): the package then
    carries the recipient's view, with ``disclosure.json``; it is encrypted, if at all, for
    that recipient alone."""
    session.require_writable("export a package")
    identity = session.identity
    if identity is None:
        raise PermissionDenied("Sealing a package needs your passphrase (your signing key).")
    review = require_review(session, review_id)
    recipients = list(recipients or [])
    if len(recipients) > MAX_RECIPIENTS:
        raise InputError(f"A package may have at most {MAX_RECIPIENTS} recipients.")
    if len({r.recipient.fingerprint() for r in recipients}) != len(recipients):
        raise InputError("The same recipient is named twice.")
    package_id = str(uuid.uuid4())
    content = gather(
        session,
        review.id,
        package_id=package_id,
        created=audit.now(),
        evidence=evidence,
        designation=designation,
        earlier=review_exports(session.conn, review.id),
        cyclonedx_version=cyclonedx_version,
        determination=determination,
    )
    require_assertable(content.findings)
    history = {f.id: revisions(session.conn, f.id) for f in content.findings}
    shown = None
    if disclosure is not None:
        # The recipient's view; refused here when it discloses above their clearance.
        shown = disclosures.apply(session, content, history, disclosure)
        if recipients and [r.fingerprint for r in recipients] != [shown.recipient.card.fingerprint]:
            raise InputError(
                f"A disclosure for {shown.recipient.name} is encrypted for that recipient"
                " alone; name only their card as recipient, or none."
            )
    view = shown.content if shown else content
    view.designation.require_for(view.marking)
    require_encryption_or_consent(view.marking, recipients, plaintext_ok)
    # Refused here, before any file or record, when the policy wants an approval and none fits;
    # a disclosure's approval covers its exact plan (recipient and withheld set).
    approved = approvals.require_approval(
        session, content, history, recipients, plan=disclosure.to_json() if disclosure else None
    )
    if shown is not None:
        content, history = shown.content, shown.history
    writer = PackageWriter(out)  # refuses an existing file before anything is recorded
    try:
        sequence = _next_sequence(session)
        point = _record(session, content, sequence, recipients, approved, shown)
    except BaseException:
        writer.abort()
        raise
    try:
        approval = approvals.manifest_json(approved) if approved else None
        inner = _Inner(
            session,
            content,
            history,
            identity,
            sequence,
            point,
            recipients,
            progress,
            cancel,
            approval,
            shown,
        )
        if recipients:
            sums = _write_encrypted(writer.builder, inner, recipients, identity)
        else:
            sums = inner.write(writer.builder, encrypted=False)
        writer.finish()
        _written(session, content, sequence, approved, out)
    except BaseException as exc:
        writer.abort()
        _record_failure(session, package_id, exc)
        if isinstance(exc, OSError):  # disk full, I/O error: one clear sentence, not a bug
            raise VaultError(
                f"Could not write the package {out} ({exc.strerror or exc}); "
                "no package was left behind."
            ) from exc
        raise
    return ExportResult(
        out,
        package_id,
        sequence,
        bool(recipients),
        sha384_hex(sums),
        [*sorted(writer.builder.digests), seal.SUMS, *seal.SIGNATURES],
        [r.name for r in recipients],
        approved.approved_by if approved else None,
        tuple(r.fingerprint for r in recipients),
        content.version,
        ()
        if content.publisher and content.publisher.configured
        else (unset_note(session.vault_id),),
    )


def require_encryption_or_consent(
    marking: str, recipients: list[PublicIdentity], plaintext_ok: bool
) -> None:
    """A classified or CUI package goes out encrypted, or unencrypted only when asked for."""
    parsed = markings.try_parse(marking)
    if recipients or plaintext_ok or (parsed is not None and parsed.level == Level.UNCLASSIFIED):
        return
    raise InputError(
        f"This package is marked {marking} and would leave unencrypted, readable by anyone"
        " who holds the file; name its recipients' cards to encrypt it, or confirm plaintext"
        " on purpose (--plaintext)."
    )


def _record(
    session: Session,
    content: PackageContent,
    sequence: int,
    recipients: list[PublicIdentity],
    approved: approvals.ExportRequest | None,
    shown: disclosures.Disclosure | None = None,
) -> audit.Checkpoint:
    """Sequence, audit entry and a signed checkpoint: one commit."""
    assert session.identity is not None
    details: dict[str, Any] = {
        "review": content.review.uid,
        "sequence": sequence,
        "recipients": [r.fingerprint for r in recipients],
        "evidence": content.evidence_uids,
        "marking": content.marking,
    }
    if approved is not None:
        details["approval"] = {
            "request": approved.uid,
            "requested_by": approved.requested_by,
            "approved_by": approved.approved_by,
        }
    if shown is not None:
        details["disclosure"] = {
            "recipient": shown.recipient.card.fingerprint,
            "plan_sha384": shown.plan.digest,
            "withheld": [i.label for i in shown.withheld],
        }
    with session.change("package.export", content.package_id, details) as conn:
        if shown is not None:
            disclosures.store(conn, content.package_id, shown)
        count, _ = audit.head(conn, session.vault_id)
        conn.execute(
            "INSERT INTO package_exports (package_id, signer, sequence, review_id, created,"
            " encrypted, recipients, checkpoint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                content.package_id,
                session.user.signing.fingerprint(),
                sequence,
                content.review.id,
                content.created,
                int(bool(recipients)),
                ",".join(r.fingerprint for r in recipients),
                count,
            ),
        )
        point = session.sign_checkpoint(f"package {content.package_id}")
    # After the commit, never before it: a crash in between leaves the header one checkpoint
    # behind the database (named by the next unlock, which signs over it), never ahead of it,
    # which is what a database put back from an older copy looks like (the vault then opens
    # read-only for good).
    try:
        session.mirror_checkpoint(point)
    except BaseException as exc:
        _record_failure(session, content.package_id, exc)
        raise
    return point


def _written(
    session: Session,
    content: PackageContent,
    sequence: int,
    approved: approvals.ExportRequest | None,
    out: Path,
) -> None:
    """The package is complete and in place: its last audit entry records the evidence's
    custody and uses the approval (checked again), in one transaction. If that fails the file
    goes: no package stays without its custody record and its used approval."""
    details: dict[str, Any] = {"evidence": content.evidence_uids}
    if approved is not None:
        details["approval"] = approved.uid
    try:
        with session.change("package.written", content.package_id, details) as conn:
            conn.execute(
                "UPDATE package_exports SET written = ? WHERE package_id = ?",
                (audit.now(), content.package_id),
            )
            if approved is not None:
                approvals.mark_used(conn, approved, content.package_id)
            for uid in content.evidence_uids:
                artifact = catalog.get_artifact(conn, uid)
                custody.add_event(
                    conn,
                    artifact.id,
                    session.user.name,
                    "exported",
                    {"package": content.package_id, "sequence": sequence},
                )
    except BaseException:
        with contextlib.suppress(OSError):
            out.unlink()
        raise


def _record_failure(session: Session, package_id: str, exc: BaseException) -> None:
    # Best effort: the original error is what the user must see.
    with contextlib.suppress(Exception):
        session.record("package.export_failed", package_id, {"error": type(exc).__name__})


@dataclass
class _Inner:
    """Writes the signed (inner or plaintext) package into a ZIP builder."""

    session: Session
    content: PackageContent
    history: dict[int, list[dict[str, Any]]]
    identity: PrivateIdentity
    sequence: int
    point: audit.Checkpoint
    recipients: list[PublicIdentity]
    progress: ProgressCallback | None
    cancel: CancelFlag
    approval: dict[str, Any] | None
    disclosure: disclosures.Disclosure | None = None

    def write(self, builder: ZipBuilder, *, encrypted: bool) -> bytes:
        content = self.content
        manifest = members.manifest(
            content,
            self.sequence,
            self.point,
            self.recipients,
            encrypted=encrypted,
            inner=True,
            approval=self.approval,
        )
        if self.disclosure is not None:
            manifest["disclosure"] = self.disclosure.manifest_json()
        builder.add(members.MANIFEST, members.pretty(manifest))
        builder.add(members.FINDINGS, members.findings_member(content, self.history))
        builder.add(members.CHECKLISTS, members.checklists_member(content))
        builder.add(members.ARTIFACTS, members.artifacts_member(content))
        if content.determination:
            builder.add(members.DETERMINATION, members.determination_member(content))
        for name, data in members.native_members(content).items():
            builder.add(name, data)
        if self.disclosure is not None:
            builder.add(members.DISCLOSURE, self.disclosure.member())
        check_cancel(self.cancel, "package export")
        for name, data in standard_members(content).items():
            builder.add(name, data)
        self._evidence(builder)
        return _seal(builder, self.identity, self.session)

    def _evidence(self, builder: ZipBuilder) -> None:
        chosen = [a for a in self.content.artifacts if a["uid"] in self.content.evidence_uids]
        total = sum(int(a["size"]) for a in chosen)
        done = 0
        for record in chosen:
            artifact = catalog.get_artifact(self.session.conn, record["uid"])
            ref = artifact.blob_ref(self.session.master, self.session.vault_id)
            name = self.content.evidence_name(record)

            def counted(
                chunks: Iterator[bytes], base: int = done, item: str = name
            ) -> Iterator[bytes]:
                sent = 0
                for chunk in chunks:
                    sent += len(chunk)
                    if self.progress:
                        self.progress(Progress("evidence", item, base + sent, total))
                    yield chunk

            builder.add_stream(
                name,
                counted(iter_plaintext(self.session.path, ref, self.cancel)),
                known_sha384=artifact.sha384,
            )
            done += artifact.size


def _seal(builder: ZipBuilder, identity: PrivateIdentity, session: Session) -> bytes:
    """Signer keys, SHA384SUMS over everything so far, then the two signatures."""
    for name, data in seal.signer_pems(identity.signing.public_key()).items():
        builder.add(name, data)
    sums = members_sums(builder.digests)
    builder.add(seal.SUMS, sums, hashed=False)
    for name, data in seal.sign_sums(identity.signing, sums).items():
        builder.add(name, data, hashed=False)
    del session
    return sums


def members_sums(digests: dict[str, str]) -> bytes:
    from reviewstation.packages.sums import build_sums

    return build_sums(digests)


def _write_encrypted(
    builder: ZipBuilder,
    inner: _Inner,
    recipients: list[PublicIdentity],
    identity: PrivateIdentity,
) -> bytes:
    key = os.urandom(32)
    content = inner.content
    outer_manifest = members.manifest(
        content, inner.sequence, inner.point, recipients, encrypted=True, approval=inner.approval
    )
    builder.add(members.MANIFEST, members.pretty(outer_manifest))
    wrapped = [
        {
            "name": r.name,
            "fingerprint": r.recipient.fingerprint(),
            "hpke": b64(payload.wrap_key(key, r.recipient, content.package_id)),
        }
        for r in recipients
    ]
    builder.add(members.RECIPIENTS, members.pretty({"suite": payload.SUITE_NAME, "keys": wrapped}))
    with builder.open_stream(members.PAYLOAD) as sink:
        encrypting = payload.EncryptingWriter(sink, key, content.package_id)
        inner_zip = ZipBuilder(encrypting)
        inner.write(inner_zip, encrypted=True)
        inner_zip.close()
        encrypting.close()
    return _seal(builder, identity, inner.session)
