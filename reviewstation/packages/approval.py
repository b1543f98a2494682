"""Two-person integrity for package exports: a request records exactly what would leave the
room; a different lead approves exactly that; ``package export`` uses the approval once.

What is recorded (``export_requests``, migration 6):

- the review, the evidence artifacts (uids) and the recipients: each card's name and all three
  of its fingerprints (P-384 and ML-DSA-87 signing keys, and the recipient key the package is
  encrypted to); an export matches only cards with the same name and the same three keys;
- ``content_sha384``: the SHA-384 of a ``SHA384SUMS`` listing (``sums.build_sums``, the same
  function that seals the package) of what the export would write as the review's content:
  ``findings.json``, ``checklists.json`` and ``artifacts.json`` as ``members`` renders them
  for the export, and each evidence member under its name with its recorded SHA-384. Two
  things are left out: the review's ``days_left``/``clock`` (the calendar changes them) and
  the artifacts' ``viewed`` custody events (the approver has to look at the evidence, and each
  look adds one; they still travel in ``artifacts.json``, as a record of who looked). Every
  other custody event is covered: an artifact exported to a file, a signature check or another
  package export after the approval voids it, as does anything else that would reach the
  package (a finding edited, a status changed, a checklist answered, an artifact added).
  When the review has capability areas (``reviewstation.determination``), the listing also
  has the line ``determination-areas``: the SHA-384 of the canonical JSON list of the current
  area versions' uids, so choosing other runs, another baseline or other options voids it.

Who may approve: a lead other than the requester who is a second person by the rules of
``vault.two_person``: neither still has a passphrase the other chose (the person who adds an
account chooses its first passphrase, so such a pair could be one person at two keyboards;
the link ends when the added account changes its own passphrase). Every refusal names the
leads who could approve instead. What this does and does not guarantee is in
docs/threat-model.md.

The approval is used when the package has been written completely: ``mark_used`` runs in the
transaction of the export's last audit entry, after the file is in place, and re-checks the
request there. A cancelled or failed export leaves it usable.

The policy (``vault.policy.export_approval``) decides whether an export needs one. Enforced by
the software for honest clients, like the finding approvals (docs/threat-model.md).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from reviewstation.artifacts import catalog
from reviewstation.canonical import canonical
from reviewstation.crypto.hashing import sha384_hex
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.findings.service import revisions
from reviewstation.package_content import PackageContent
from reviewstation.packages import members
from reviewstation.packages.content import gather
from reviewstation.packages.sums import build_sums
from reviewstation.reviews.service import require_review
from reviewstation.text import visible
from reviewstation.vault import audit, policy
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session
from reviewstation.vault.two_person import related, who_else

History = dict[int, list[dict[str, Any]]]
KEYS = ("p384", "mldsa87", "recipient")  # the fingerprints of a card, as PublicIdentity names them
SHORT = 16  # hex digits of the content digest shown beside a request


@dataclass(frozen=True)
class ExportRequest:
    id: int
    uid: str
    review_id: int
    content_sha384: str
    evidence: list[str]  # artifact uids, sorted
    # {"name", "fingerprint" (P-384), "fingerprints": {p384, mldsa87, recipient}}, sorted by
    # the P-384 fingerprint
    recipients: list[dict[str, Any]]
    requested: str
    requested_by: str
    approved: str | None
    approved_by: str | None
    package_id: str | None  # the export that used the approval
    # A selective disclosure's plan (packages/disclosure.py ``Plan.to_json``), or None for a
    # whole package: part of the digest, so approving one view approves no other.
    disclosure: dict[str, Any] | None = None

    @property
    def fingerprints(self) -> list[str]:
        """The recipients' P-384 signing fingerprints, as the export's audit entry names them."""
        return [r["fingerprint"] for r in self.recipients]

    @property
    def short_digest(self) -> str:
        return self.content_sha384[:SHORT]

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
            "disclosure": self.disclosure,
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


def bound_recipients(cards: list[PublicIdentity]) -> list[dict[str, Any]]:
    """What a request records of its recipients, and what an export must match exactly."""
    return sorted(
        (
            {"name": c.name, "fingerprint": c.fingerprint, "fingerprints": c.fingerprints()}
            for c in cards
        ),
        key=lambda r: str(r["fingerprint"]),
    )


def content_digest(
    content: PackageContent, history: History, plan: dict[str, Any] | None = None
) -> str:
    """The SHA-384 an approval is bound to (see the module docstring). A disclosure adds its
    plan (recipient, withheld set, TLP) as one more line, ``disclosure-plan``."""
    findings = json.loads(members.findings_member(content, history))
    for key in ("days_left", "clock"):
        findings["review"].pop(key, None)
    artifacts = json.loads(members.artifacts_member(content))
    for record in artifacts["artifacts"]:
        custody = record.get("custody", {})
        if isinstance(custody.get("events"), list):
            custody["events"] = [e for e in custody["events"] if e.get("event") != "viewed"]
    digests = {
        members.FINDINGS: sha384_hex(members.pretty(findings)),
        members.CHECKLISTS: sha384_hex(members.checklists_member(content)),
        members.ARTIFACTS: sha384_hex(members.pretty(artifacts)),
        **{name: sha384_hex(data) for name, data in members.native_members(content).items()},
    }
    for record in content.artifacts:
        if record["uid"] in content.evidence_uids:
            digests[content.evidence_name(record)] = str(record["sha384"])
    if content.area_versions:  # none: the digest of a review without areas, as before
        digests["determination-areas"] = sha384_hex(canonical(list(content.area_versions)))
    if plan is not None:
        digests["disclosure-plan"] = sha384_hex(canonical(plan))
    return sha384_hex(build_sums(digests))


def history_of(session: Session, content: PackageContent) -> History:
    return {f.id: revisions(session.conn, f.id) for f in content.findings}


def _current(
    session: Session,
    review_id: int | str,
    evidence: list[str] | None,
    plan: dict[str, Any] | None = None,
) -> tuple[PackageContent, str]:
    content = gather(session, review_id, package_id="", created="", evidence=evidence)
    return content, content_digest(content, history_of(session, content), plan)


_COLUMNS = (
    "id, uid, review_id, content_sha384, evidence, recipients, requested, requested_by,"
    " approved, approved_by, package_id, disclosure"
)


def _row(row: Any) -> ExportRequest:
    return ExportRequest(
        int(row[0]),
        str(row[1]),
        int(row[2]),
        str(row[3]),
        [str(u) for u in json.loads(row[4])],
        [_recipient(r) for r in json.loads(row[5])],
        str(row[6]),
        str(row[7]),
        row[8],
        row[9],
        row[10],
        json.loads(row[11]) if row[11] else None,
    )


def _recipient(record: dict[str, Any]) -> dict[str, Any]:
    prints = record.get("fingerprints")
    prints = prints if isinstance(prints, dict) else {}
    return {
        "name": str(record["name"]),
        "fingerprint": str(record["fingerprint"]),
        # A record without all three binds nothing an export can match: it stays unusable.
        "fingerprints": {k: str(prints.get(k, "")) for k in KEYS},
    }


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
    plan: dict[str, Any] | None = None,
) -> ExportRequest:
    """Record what this user wants to export, for another lead to approve; ``plan``: a
    selective disclosure's plan (``disclosure.Plan.to_json``), bound with the content."""
    session.require_writable("request an export")
    review = require_review(session, review_id)
    cards = list(recipients or [])
    for key in KEYS:
        if len({c.fingerprints()[key] for c in cards}) != len(cards):
            raise InputError("The same recipient is named twice.")
    content, digest = _current(session, review.id, evidence, plan)
    named = bound_recipients(cards)
    uid = str(uuid.uuid4())
    details: dict[str, Any] = {
        "review": review.uid,
        "content_sha384": digest,
        "evidence": content.evidence_uids,
        "recipients": named,
        "marking": content.marking,
    }
    if plan is not None:
        details["disclosure"] = plan
    with session.change("package.request", uid, details) as conn:
        cursor = conn.execute(
            "INSERT INTO export_requests (uid, review_id, content_sha384, evidence, recipients,"
            " requested, requested_by, disclosure) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                review.id,
                digest,
                canonical(content.evidence_uids).decode(),
                canonical(named).decode(),
                audit.now(),
                session.user.name,
                canonical(plan).decode() if plan is not None else None,
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
    why = _refused_because(session.conn, session.user.name, request)
    if why:
        raise PermissionDenied(f"Cannot {what}: {why}.")
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


def refusal(session: Session, request: ExportRequest, state: str) -> str:
    """Why this session cannot approve ``request`` (of status ``state``), as a sentence for
    any front end; "" when it can. ``approve_export`` decides; this only explains early."""
    user = session.user
    others = who_else(session.conn, apart_from=[request.requested_by], besides=user.name)
    if user.role != "lead":
        return f"Only a lead other than the requester can approve; {others}."
    if session.read_only or session.identity is None:
        return f"This session is read-only; {others}."
    if state != "pending":
        return f"Request {request.id} is {state}."
    why = _refused_because(session.conn, user.name, request)
    return f"You cannot approve it: {why}." if why else ""


def _refused_because(conn: Connection, approver: str, request: ExportRequest) -> str:
    """Why ``approver`` may not approve ``request`` and who may instead, as a clause; "" when
    they may (see vault/two_person.py)."""
    others = who_else(conn, apart_from=[request.requested_by], besides=approver)
    if request.requested_by == approver:
        return f"request {request.id} is your own, and a second lead must approve it; {others}"
    link = related(conn, approver, request.requested_by)
    return f"{link} ({request.requested_by} is the requester); {others}" if link else ""


def _digest_now(session: Session, request: ExportRequest) -> str | None:
    """The digest the request's review and evidence have today; None if they cannot be
    gathered any more (an evidence artifact erased)."""
    try:
        return _current(session, request.review_id, request.evidence, request.disclosure)[1]
    except (InputError, NotFound):
        return None


def status(session: Session, request: ExportRequest) -> str:
    """used, void (the content changed since), approved or pending."""
    if request.package_id is not None:
        return "used"
    if _digest_now(session, request) != request.content_sha384:
        return "void"
    return "approved" if request.approved_by else "pending"


@dataclass(frozen=True)
class RequestView:
    """What an approver must see before approving: who asked, for whom (names and keys), which
    evidence files, under which markings, and the digest the approval will be bound to."""

    request: ExportRequest
    status: str  # as ``status`` says
    vault_marking: str
    package_marking: str  # "" when the content cannot be gathered any more
    review_title: str
    evidence: list[str]  # "artifact 3: logs/run.eval", in the request's order
    refusal: str = ""  # why this session cannot approve it ("" when it can)
    disclosure: list[str] = field(default_factory=list)  # a selective disclosure's plan

    def lines(self) -> list[str]:
        """The request in plain lines, the same on the command line and in the app."""
        r = self.request
        title = f" ({shown(self.review_title)})" if self.review_title else ""
        marking = f"vault {self.vault_marking}"
        if self.package_marking:
            marking += f"; package {self.package_marking}"
        out = [
            f"Request {r.id} by {r.requested_by} at {r.requested}: {self.status}",
            f"Review: {r.review_id}{title}",
            f"Marking: {marking}",
            f"Content sha384: {r.short_digest}…",
        ]
        if r.approved_by:
            out.append(f"Approved by {r.approved_by} at {r.approved}")
        if r.package_id:
            out.append(f"Used by package {r.package_id}")
        out.append(f"Evidence files: {len(self.evidence)}")
        out.extend(f"  {line}" for line in self.evidence)
        if not r.recipients:
            out.append("Recipients: none (a PLAINTEXT package)")
        else:
            out.append(f"Recipients: {len(r.recipients)} (encrypted for these keys only)")
        for recipient in r.recipients:
            prints = recipient["fingerprints"]
            out.append(f"  {shown(recipient['name'])}")
            out.append(f"    P-384      {prints['p384']}")
            out.append(f"    ML-DSA-87  {prints['mldsa87']}")
            out.append(f"    Recipient  {prints['recipient']}")
        out.extend(self.disclosure)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            **self.request.to_json(self.status),
            "vault_marking": self.vault_marking,
            "package_marking": self.package_marking or None,
            "review_title": self.review_title,
            "evidence_files": self.evidence,
        }


def view(session: Session, request: ExportRequest, *, for_approval: bool = False) -> RequestView:
    """The request with what an approver needs to see, and its status, in one gathering."""
    try:
        content: PackageContent | None = gather(
            session, request.review_id, package_id="", created="", evidence=request.evidence
        )
    except (InputError, NotFound):
        content = None
    if request.package_id is not None:
        state = "used"
    elif content is None or request.content_sha384 != content_digest(
        content, history_of(session, content), request.disclosure
    ):
        state = "void"
    else:
        state = "approved" if request.approved_by else "pending"
    return RequestView(
        request,
        state,
        session.marking,
        content.marking if content else "",
        content.review.title if content else "",
        [_evidence_line(session.conn, uid) for uid in request.evidence],
        refusal(session, request, state) if for_approval else "",
        _plan_lines(session.conn, request.disclosure),
    )


def _plan_lines(conn: Connection, plan: dict[str, Any] | None) -> list[str]:
    """A disclosure plan as an approver reads it: for whom, and every item it withholds."""
    if not plan:
        return []
    withheld = plan.get("withheld", {})

    def named(table: str, uid: str, what: str, column: str) -> str:
        row = conn.execute(
            f"SELECT id, {column} FROM {table} WHERE uid = ?",  # noqa: S608
            (uid,),
        ).fetchone()
        return f"{what} {row[0]}: {shown(str(row[1]))}" if row else f"{what} {uid}"

    recipient = plan.get("recipient", {})
    vendor = plan.get("only_vendor") or ""
    out = [
        f"Selective disclosure for {shown(str(recipient.get('name')))}, TLP:{plan.get('tlp')}"
        + (f", only vendor {shown(vendor)}" if vendor else ""),
        f"  P-384      {recipient.get('fingerprints', {}).get('p384', '')}",
        "Withheld (each kept as a salted digest):",
    ]
    items = [
        *(named("findings", u, "finding", "title") for u in withheld.get("findings", [])),
        *(
            named("findings", u, "finding", "title") + f" (field {shown(str(f))})"
            for u, f in withheld.get("fields", [])
        ),
        *(named("artifacts", u, "artifact", "path") for u in withheld.get("artifacts", [])),
        *(named("checklist_runs", u, "run", "template_key") for u in withheld.get("runs", [])),
    ]
    out.extend(f"  {line}" for line in items or ["nothing"])
    return out


def _evidence_line(conn: Connection, uid: str) -> str:
    try:
        artifact = catalog.get_artifact(conn, uid)
    except NotFound:
        return f"artifact {uid}: not in this vault"
    erased = " (erased)" if artifact.erased else ""
    return f"artifact {artifact.id}: {shown(artifact.path)}{erased}"


def shown(text: str) -> str:
    """Text from a card or a submission, one line, with control and format characters (a
    newline, a bidi override) escaped: it cannot fake a line or a fingerprint."""
    return visible(text)


def readiness(
    session: Session,
    content: PackageContent,
    history: History,
    recipients: list[PublicIdentity],
    plan: dict[str, Any] | None = None,
) -> Readiness:
    """Whether ``content`` (as the export gathered it) may go to ``recipients`` now, whole or
    (``plan``) as that selective disclosure."""
    if policy.export_approval(session.conn) == "off":
        return Readiness(False, None, "")
    user = session.user.name
    digest = content_digest(content, history, plan)
    prints = bound_recipients(recipients)
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
        and r.recipients == prints
        and r.disclosure == plan
    ]
    for request in reversed(matching):
        if request.approved_by:
            return Readiness(True, request, "")
    waiting = matching[-1] if matching else None
    # A request for exactly this export that waits is the reason, whatever older ones say.
    # Explain by the requests of the same kind (a disclosure, or a whole package) first.
    alike = [r for r in mine if (r.disclosure is None) == (plan is None)] or mine
    reason = _why_not(content, [waiting] if waiting else alike, digest, prints, user, plan)
    return Readiness(True, None, reason, waiting)


def _why_not(
    content: PackageContent,
    mine: list[ExportRequest],
    digest: str,
    prints: list[dict[str, Any]],
    user: str,
    plan: dict[str, Any] | None = None,
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
    if request.recipients != prints:
        return (
            f"request {n} names other recipients than this export (each card's name and"
            " all three of its fingerprints must be the same)"
        )
    if request.disclosure != plan:
        return (
            f"request {n} is for another disclosure (recipient, withheld items or TLP) than"
            " this export"
            if request.disclosure is not None and plan is not None
            else f"request {n} is for "
            + ("a selective disclosure" if request.disclosure else "the whole package")
            + ", not "
            + ("a selective disclosure" if plan else "the whole package")
        )
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
    plan: dict[str, Any] | None = None,
) -> ExportRequest | None:
    """For ``export_package``: the approval to use, or PermissionDenied saying what is missing."""
    state = readiness(session, content, history, recipients, plan)
    if not state.ready:
        others = who_else(session.conn, apart_from=[session.user.name])
        then = (
            f"a second lead approves it with 'package approve' ({others})"
            if state.waiting
            else "make a request with 'package request' and have a second lead approve it"
            f" ({others})"
        )
        raise PermissionDenied(
            "Export refused: this vault requires a second person's approval of each export,"
            f" and {state.reason}; {then}."
        )
    return state.approval


def mark_used(conn: Connection, request: ExportRequest, package_id: str) -> None:
    """Inside the transaction of the export's last audit entry, once the package is written:
    an approval covers one package. The request is checked again there: still approved by the
    same lead, for the same requester and content, and not used by another package."""
    refused = PermissionDenied(
        f"Export refused: request {request.id} was used or changed meanwhile."
    )
    if request.approved_by is None:
        raise refused
    cursor = conn.execute(
        "UPDATE export_requests SET package_id = ? WHERE id = ? AND package_id IS NULL"
        " AND approved_by = ? AND requested_by = ? AND content_sha384 = ?",
        (
            package_id,
            request.id,
            request.approved_by,
            request.requested_by,
            request.content_sha384,
        ),
    )
    if cursor.rowcount != 1:
        raise refused


def manifest_json(request: ExportRequest) -> dict[str, Any]:
    """The manifest's ``approval`` object (docs/formats/package.md). A disclosure's names its
    plan's SHA-384, never ``content_sha384``: that digests the whole content unsalted, so a
    recipient knowing every other byte could test guesses of a withheld field against it."""
    out: dict[str, Any] = {
        "request": request.uid,
        "requested_by": request.requested_by,
        "approved_by": request.approved_by,
        "approved": request.approved,
    }
    if request.disclosure is None:
        out["content_sha384"] = request.content_sha384
    else:
        out["plan_sha384"] = sha384_hex(canonical(request.disclosure))
    return out
