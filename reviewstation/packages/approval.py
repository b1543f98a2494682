"""Two-person integrity for package exports: a request records exactly what would leave the
room; a different lead approves exactly that; ``package export`` uses the approval once.

What is recorded (``export_requests``, migration 6):

- the review, the evidence artifacts (uids) and the recipients (card fingerprints);
- ``content_sha384``: the SHA-384 of a ``SHA384SUMS`` listing (``sums.build_sums``, the same
  function that seals the package) of what the export would write as the review's content:
  ``findings.json``, ``checklists.json`` and ``artifacts.json`` as ``members`` renders them
  for the export, and each evidence member under its name with its recorded SHA-384. Two
  things are left out because they change without anyone changing the content: the review's
  ``days_left``/``clock`` (the calendar) and artifacts' custody ``events`` (every view adds
  one). Anything else that would reach the package (a finding edited, a status changed, a
  checklist answered, an artifact added) changes the digest and voids the approval.

The policy (``vault.policy.export_approval``) decides whether an export needs one. Enforced by
the software for honest clients, like the finding approvals (docs/threat-model.md).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from reviewstation.canonical import canonical
from reviewstation.crypto.hashing import sha384_hex
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.findings.service import revisions
from reviewstation.packages import members
from reviewstation.packages.content import PackageContent, gather
from reviewstation.packages.sums import build_sums
from reviewstation.reviews.service import require_review
from reviewstation.vault import audit, policy
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session

History = dict[int, list[dict[str, Any]]]


@dataclass(frozen=True)
class ExportRequest:
    id: int
    uid: str
    review_id: int
    content_sha384: str
    evidence: list[str]  # artifact uids, sorted
    recipients: list[dict[str, str]]  # {"name", "fingerprint"}, sorted by fingerprint
    requested: str
    requested_by: str
    approved: str | None
    approved_by: str | None
    package_id: str | None  # the export that used the approval

    @property
    def fingerprints(self) -> list[str]:
        return [r["fingerprint"] for r in self.recipients]

    def to_json(self, status: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "uid": self.uid,
            "review_id": self.review_id,
            "content_sha384": self.content_sha384,
            "evidence": self.evidence,
            "recipients": self.recipients,
            "requested": self.requested,
            "requested_by": self.requested_by,
            "approved": self.approved,
            "approved_by": self.approved_by,
            "package_id": self.package_id,
        }
        if status is not None:
            out["status"] = status
        return out


@dataclass(frozen=True)
class Readiness:
    """Whether an export of this content to these recipients may go ahead now."""

    required: bool
    approval: ExportRequest | None  # the approved request the export would use
    reason: str  # why not, a clause without a final stop; "" when it may go ahead
    waiting: ExportRequest | None = None  # a request for exactly this export, not yet approved

    @property
    def ready(self) -> bool:
        return not self.required or self.approval is not None


def content_digest(content: PackageContent, history: History) -> str:
    """The SHA-384 an approval is bound to (see the module docstring)."""
    findings = json.loads(members.findings_member(content, history))
    for key in ("days_left", "clock"):
        findings["review"].pop(key, None)
    artifacts = json.loads(members.artifacts_member(content))
    for record in artifacts["artifacts"]:
        record.get("custody", {}).pop("events", None)
    digests = {
        members.FINDINGS: sha384_hex(members.pretty(findings)),
        members.CHECKLISTS: sha384_hex(members.checklists_member(content)),
        members.ARTIFACTS: sha384_hex(members.pretty(artifacts)),
    }
    for record in content.artifacts:
        if record["uid"] in content.evidence_uids:
            digests[content.evidence_name(record)] = str(record["sha384"])
    return sha384_hex(build_sums(digests))


def history_of(session: Session, content: PackageContent) -> History:
    return {f.id: revisions(session.conn, f.id) for f in content.findings}


def _current(
    session: Session, review_id: int | str, evidence: list[str] | None
) -> tuple[PackageContent, str]:
    content = gather(session, review_id, package_id="", created="", evidence=evidence)
    return content, content_digest(content, history_of(session, content))


_COLUMNS = (
    "id, uid, review_id, content_sha384, evidence, recipients, requested, requested_by,"
    " approved, approved_by, package_id"
)


def _row(row: Any) -> ExportRequest:
    return ExportRequest(
        int(row[0]),
        str(row[1]),
        int(row[2]),
        str(row[3]),
        [str(u) for u in json.loads(row[4])],
        [
            {"name": str(r["name"]), "fingerprint": str(r["fingerprint"])}
            for r in json.loads(row[5])
        ],
        str(row[6]),
        str(row[7]),
        row[8],
        row[9],
        row[10],
    )


def list_requests(conn: Connection, review_id: int | None = None) -> list[ExportRequest]:
    if review_id is None:
        rows = conn.execute(f"SELECT {_COLUMNS} FROM export_requests ORDER BY id")  # noqa: S608
    else:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM export_requests WHERE review_id = ? ORDER BY id",  # noqa: S608
            (review_id,),
        )
    return [_row(r) for r in rows.fetchall()]


def get_request(conn: Connection, ref: int | str) -> ExportRequest:
    text = str(ref).strip()
    column = "id" if text.isdigit() else "uid"
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM export_requests WHERE {column} = ?",  # noqa: S608
        (int(text) if column == "id" else text,),
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no export request {text!r} in this vault.")
    return _row(row)


def request_export(
    session: Session,
    review_id: int | str,
    *,
    evidence: list[str] | None = None,
    recipients: list[PublicIdentity] | None = None,
) -> ExportRequest:
    """Record what this user wants to export, for another lead to approve."""
    session.require_writable("request an export")
    review = require_review(session, review_id)
    cards = list(recipients or [])
    if len({c.fingerprint for c in cards}) != len(cards):
        raise InputError("The same recipient is named twice.")
    content, digest = _current(session, review.id, evidence)
    named = sorted(
        ({"name": c.name, "fingerprint": c.fingerprint} for c in cards),
        key=lambda r: r["fingerprint"],
    )
    uid = str(uuid.uuid4())
    details = {
        "review": review.uid,
        "content_sha384": digest,
        "evidence": content.evidence_uids,
        "recipients": [r["fingerprint"] for r in named],
    }
    with session.change("package.request", uid, details) as conn:
        cursor = conn.execute(
            "INSERT INTO export_requests (uid, review_id, content_sha384, evidence, recipients,"
            " requested, requested_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                review.id,
                digest,
                canonical(content.evidence_uids).decode(),
                canonical(named).decode(),
                audit.now(),
                session.user.name,
            ),
        )
        request_id = int(cursor.lastrowid or 0)
    return get_request(session.conn, request_id)


def approve_export(session: Session, ref: int | str) -> ExportRequest:
    """A lead other than the requester approves the request, as long as it still matches."""
    what = "approve an export"
    session.require_role(what, "lead")
    session.require_own_keys(what)
    request = get_request(session.conn, ref)
    if request.requested_by == session.user.name:
        raise PermissionDenied(
            f"Cannot {what}: request {request.id} is your own; a lead other than the requester"
            " must approve it."
        )
    if request.package_id is not None:
        raise InputError(f"Request {request.id} was already used by package {request.package_id}.")
    if request.approved_by is not None:
        raise InputError(f"Request {request.id} was already approved by {request.approved_by}.")
    if _digest_now(session, request) != request.content_sha384:
        raise InputError(
            f"Request {request.id} no longer matches the review: its content changed after the"
            " request was made; the requester must ask again."
        )
    details = {
        "request": request.id,
        "requested_by": request.requested_by,
        "content_sha384": request.content_sha384,
    }
    with session.change("package.approve", request.uid, details) as conn:
        conn.execute(
            "UPDATE export_requests SET approved = ?, approved_by = ? WHERE id = ?",
            (audit.now(), session.user.name, request.id),
        )
    return get_request(session.conn, request.id)


def _digest_now(session: Session, request: ExportRequest) -> str | None:
    """The digest the request's review and evidence have today; None if they cannot be
    gathered any more (an evidence artifact erased)."""
    try:
        return _current(session, request.review_id, request.evidence)[1]
    except (InputError, NotFound):
        return None


def status(session: Session, request: ExportRequest) -> str:
    """used, void (the content changed since), approved or pending."""
    if request.package_id is not None:
        return "used"
    if _digest_now(session, request) != request.content_sha384:
        return "void"
    return "approved" if request.approved_by else "pending"


def readiness(
    session: Session,
    content: PackageContent,
    history: History,
    recipients: list[PublicIdentity],
) -> Readiness:
    """Whether ``content`` (as the export gathered it) may go to ``recipients`` now."""
    if policy.export_approval(session.conn) == "off":
        return Readiness(False, None, "")
    user = session.user.name
    digest = content_digest(content, history)
    prints = sorted(r.fingerprint for r in recipients)
    mine = [
        r
        for r in list_requests(session.conn, content.review.id)
        if r.requested_by == user and r.package_id is None
    ]
    matching = [
        r
        for r in mine
        if r.content_sha384 == digest
        and r.evidence == content.evidence_uids
        and r.fingerprints == prints
    ]
    for request in reversed(matching):
        if request.approved_by:
            return Readiness(True, request, "")
    waiting = matching[-1] if matching else None
    # A request for exactly this export that waits is the reason, whatever older ones say.
    reason = _why_not(content, [waiting] if waiting else mine, digest, prints, user)
    return Readiness(True, None, reason, waiting)


def _why_not(
    content: PackageContent,
    mine: list[ExportRequest],
    digest: str,
    prints: list[str],
    user: str,
) -> str:
    """What is missing, in words for any front end (no command names, no final stop)."""
    if not mine:
        return f"{user} has no open export request for review {content.review.id}"
    approved = [r for r in mine if r.approved_by]
    request = approved[-1] if approved else mine[-1]
    n = request.id
    # Evidence first: other evidence also gives another digest, and is the plainer reason.
    if request.evidence != content.evidence_uids:
        return (
            f"request {n} names other evidence ({_listed(request.evidence)})"
            f" than this export ({_listed(content.evidence_uids)})"
        )
    if request.fingerprints != prints:
        return f"request {n} names other recipients than this export"
    if request.content_sha384 != digest:
        when = "approved" if request.approved_by else "made"
        return (
            f"request {n} is void: the review's findings, checklists or artifacts changed"
            f" after it was {when}"
        )
    return f"request {n} still waits for another lead's approval"


def _listed(uids: list[str]) -> str:
    return ", ".join(uids) if uids else "none"


def require_approval(
    session: Session,
    content: PackageContent,
    history: History,
    recipients: list[PublicIdentity],
) -> ExportRequest | None:
    """For ``export_package``: the approval to use, or PermissionDenied saying what is missing."""
    state = readiness(session, content, history, recipients)
    if not state.ready:
        then = (
            "a lead other than the requester approves it with 'package approve'"
            if state.waiting
            else "make a request with 'package request' and have another lead approve it"
        )
        raise PermissionDenied(
            "Export refused: this vault requires a second person's approval of each export,"
            f" and {state.reason}; {then}."
        )
    return state.approval


def mark_used(conn: Connection, request: ExportRequest, package_id: str) -> None:
    """Inside the export's transaction: an approval covers one package."""
    cursor = conn.execute(
        "UPDATE export_requests SET package_id = ? WHERE id = ? AND package_id IS NULL",
        (package_id, request.id),
    )
    if cursor.rowcount != 1:
        raise PermissionDenied(f"Export refused: request {request.id} was used meanwhile.")


def manifest_json(request: ExportRequest) -> dict[str, Any]:
    """The manifest's ``approval`` object (docs/formats/package.md)."""
    return {
        "request": request.uid,
        "requested_by": request.requested_by,
        "approved_by": request.approved_by,
        "approved": request.approved,
        "content_sha384": request.content_sha384,
    }
