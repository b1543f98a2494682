"""Merging a package into an existing review: a staging diff first, then chosen items only.

``stage`` reads a package through the import's own door (``importer.open_verified``: every
check of ``package verify``, the trust store, the marking) and compares it with one review of
this vault, item by item, without writing anything:

- a **finding** (matched by uid): each content field three ways, against the common ancestor
  found by revision lineage (``lineage.py``): *identical* (no field differs), *changed* (only
  the package changed fields since the ancestor), *conflicting* (both sides changed a field
  since the ancestor, or no common ancestor is known), *older* (only this vault changed it:
  nothing to take), *new* (no such finding here);
- a **checklist answer** (run uid and item id): the same statuses. Answers keep no history, so
  the ancestor is the time of this vault's own export that the package's review was based on
  (``based_on``): a side changed an answer when its stamp (``updated``) is later than that;
  with no such export, every difference is a conflict;
- a **checklist run** the review does not have: *new* (it comes with its answers);
- an **evidence link** (a finding's or an answer's reference to an artifact or one sample of
  it): *new* or *identical*; an accepted link whose file the package carries and this vault
  lacks brings the file in, sealed as an import seals it;
- a **triage label** (matched by uid; ``triage.json``): its decision (status, decider, time,
  note) against this vault's, the same statuses; the ancestor is the base export as for
  answers. A label's content never changes: one that differs refuses the package.

Each item has a stable id (``F-``, ``A-``, ``R-``, ``E-``, ``L-`` and 8 hex of its key), the same at
every staging of the same package. ``merge`` applies the accepted items only, in one
transaction with one ``package.merge`` audit entry and one ``package.merge.accept`` or
``package.merge.reject`` entry per decision. An accepted change to a finding that is approved
here resets it to confirmed (audited as ``approval_reset``): nothing approved changes while
staying approved, and nothing changes that was not accepted by id (``accept_new`` takes only
*new* items, never a change to an approved finding). Each changed field is recorded with its
provenance (package, signer, who changed it there and when) in ``merge_provenance``; each
decision in ``merge_decisions``, so merging the same package again changes nothing.

The module owns the tables ``merge_decisions`` and ``merge_provenance``. Everything else is
written by its owner's store functions, as the importer writes it, so merged content meets
this vault's rules exactly as typed content does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from reviewstation import evidence as evidence_refs
from reviewstation.checklists import runs as checklists
from reviewstation.checklists.templates import from_mapping
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import InputError, NotFound, ReviewStationError
from reviewstation.findings import service as findings
from reviewstation.findings import triage
from reviewstation.packages import importer, lineage, members
from reviewstation.packages.verify import Verified
from reviewstation.progress import CancelFlag
from reviewstation.reviews import service as reviews
from reviewstation.vault import audit, users
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session
from reviewstation.ziparchive import PackageRefused

Status = Literal["new", "identical", "changed", "conflicting", "older"]
Kind = Literal["finding", "answer", "run", "evidence", "label"]
OFFERED = ("new", "changed", "conflicting")
ANSWER_FIELDS = ("status", "note", "severity_override", "override_justification")
_MISSING = object()


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs: this vault's value, the package's, the common ancestor's
    (``base_known`` False when none is known), which side changed it since the ancestor
    (``theirs``, ``ours`` or ``both``: a conflict), and who changed it in the package."""

    field: str
    ours: Any
    theirs: Any
    base: Any = None
    base_known: bool = False
    side: Literal["theirs", "ours", "both"] = "theirs"
    changed_by: str = ""
    changed_at: str = ""

    @property
    def conflict(self) -> bool:
        return self.side == "both"

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "ours": self.ours,
            "theirs": self.theirs,
            "base": self.base if self.base_known else None,
            "base_known": self.base_known,
            "side": self.side,
            "conflict": self.conflict,
            "changed_by": self.changed_by,
            "changed_at": self.changed_at,
        }


@dataclass(frozen=True)
class Item:
    key: str  # finding/<uid>, answer/<run uid>/<item>, run/<uid>, evidence/<owner key>/<ref>
    kind: Kind
    status: Status
    title: str
    fields: tuple[FieldDiff, ...] = ()
    approved: bool = False  # the finding is approved here: accepting it resets the approval
    ancestor: str = ""  # e.g. "their revision 1 = our revision 3"
    note: str = ""
    decided: str = ""  # "accepted" or "rejected" at an earlier merge of this package
    owner: str = ""  # an evidence link's finding or answer key
    decided_here: str = ""  # a label's decision here that accepting replaces ("confirmed by x")

    @property
    def id(self) -> str:
        return item_id(self.kind, self.key)

    @property
    def offered(self) -> bool:
        return self.status in OFFERED

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "kind": self.kind,
            "status": self.status,
            "title": self.title,
            "approved": self.approved,
            "ancestor": self.ancestor,
            "note": self.note,
            "decided": self.decided or None,
            "decided_here": self.decided_here or None,
            "fields": [f.to_json() for f in self.fields],
        }


def item_id(kind: str, key: str) -> str:
    return f"{kind[0].upper()}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"


@dataclass
class Staging:
    package_id: str
    sums_sha384: str
    signer: str
    signer_fingerprint: str
    sequence: int
    review_id: int
    review_title: str
    matched_by: str
    items: list[Item] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {status: 0 for status in ("new", "identical", "changed", "conflicting", "older")}
        for item in self.items:
            out[item.status] += 1
        return out

    def find(self, name: str) -> Item:
        """An item by its key or id (``F-1a2b3c4d``); NotFound names the staging command. An
        id is 32 bits of the key's hash, which a package can make two items share: an id that
        names two items is refused (name the key), never resolved to either."""
        wanted = name.strip()
        for item in self.items:
            if wanted == item.key:
                return item
        matches = {item.key: item for item in self.items if wanted.lower() == item.id.lower()}
        if len(matches) > 1:
            raise InputError(
                f"Item id {wanted[:20]!r} names {len(matches)} items of this package; name the"
                f" one you mean by its key ({', '.join(sorted(matches)[:3])})."
            )
        if matches:
            return next(iter(matches.values()))
        raise NotFound(
            f"The package has no item {wanted!r} for review {self.review_id}; list them with"
            " package stage."
        )

    def shown(self) -> dict[str, Any]:
        """Each item as shown (its JSON), by key: what ``merge_package(staged=)`` compares."""
        return {item.key: json.loads(json.dumps(item.to_json())) for item in self.items}

    def to_json(self) -> dict[str, Any]:
        return {
            "package_id": self.package_id,
            "signer": self.signer,
            "signer_fingerprint": self.signer_fingerprint,
            "sequence": self.sequence,
            "review_id": self.review_id,
            "review_title": self.review_title,
            "matched_by": self.matched_by,
            "counts": self.counts(),
            "items": [item.to_json() for item in self.items],
            "notes": list(self.notes),
        }


@dataclass
class MergeResult:
    package_id: str
    review_id: int
    accepted: list[str] = field(default_factory=list)  # item ids applied now
    rejected: list[str] = field(default_factory=list)  # item ids rejected now
    unchanged: list[str] = field(default_factory=list)  # decided before, or nothing to take
    approval_reset: list[str] = field(default_factory=list)  # finding uids
    evidence_added: int = 0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --- Staging: read only.


@contextlib.contextmanager
def opened(
    session: Session, path: Path, extra_trust: list[PublicIdentity] | None = None
) -> Iterator[Verified]:
    with importer.open_verified(session, path, extra_trust) as package:
        yield package


def stage_package(session: Session, package: Verified, into_review: int | str | None) -> Staging:
    findings_doc = importer.native(package, members.FINDINGS, "reviewstation-findings")
    runs_doc = importer.native(package, members.CHECKLISTS, "reviewstation-checklists")
    manifest = package.manifest
    _replay(session.conn, manifest.package_id, package.sums_sha384)
    review, matched_by = _target(session, package, findings_doc, into_review)
    staging = Staging(
        manifest.package_id,
        package.sums_sha384,
        package.signer.name,
        package.signer.fingerprint,
        manifest.sequence,
        review.id,
        review.title,
        matched_by,
    )
    stager = _Stager(session, staging, package.signer.fingerprint, findings_doc, _carried(package))
    for finding in importer._list(findings_doc, "findings"):
        stager.finding(finding)
    for run in importer._list(runs_doc, "runs"):
        stager.run(run)
    _stage_labels(stager, package)
    decided = _decisions(session.conn, staging.package_id)
    staging.items = [
        _with(item, decided=decided[item.key]) if item.key in decided else item
        for item in stager.items
    ]
    return staging


def _carried(package: Verified) -> set[str]:
    """The uids of the artifacts whose files the package carries as evidence."""
    if not package.zip.has(members.ARTIFACTS):
        return set()
    doc = importer.native(package, members.ARTIFACTS, "reviewstation-artifacts")
    return {
        str(r.get("uid"))
        for r in importer._list(doc, "artifacts")
        if r.get("evidence_member") and isinstance(r.get("uid"), str)
    }


def _with(item: Item, **changes: Any) -> Item:
    return Item(**{**item.__dict__, **changes})


def _replay(conn: Connection, package_id: str, sums: str) -> None:
    for table in ("package_imports", "merge_decisions"):
        row = conn.execute(
            f"SELECT sums_sha384 FROM {table} WHERE package_id = ? LIMIT 1",  # noqa: S608
            (package_id,),
        ).fetchone()
        if row is not None and row[0] != sums:
            raise PackageRefused(
                "A different package with this package id was imported or merged before; refused."
            )


def _target(
    session: Session,
    package: Verified,
    doc: dict[str, Any],
    into: int | str | None,
) -> tuple[reviews.Review, str]:
    """The review to merge into: the one named; else the review of this vault's own export
    that the package's review was based on (``based_on``: package id and signer as this vault
    recorded the export); else the review an earlier import of the same signer's review
    created. A review uid alone is never enough: a package can name any uid its sender
    learnt, so it is matched only through a record of this vault (its export, or an import
    from the same signer)."""
    if into is not None:
        review = reviews.get_review(session.conn, into)
        return review, "chosen"
    theirs = doc.get("review")
    uid = theirs.get("uid") if isinstance(theirs, dict) else None
    conn = session.conn
    based = doc.get("based_on")
    entries = [e for e in (based if isinstance(based, list) else []) if isinstance(e, dict)]
    for entry in reversed(entries):  # one of this vault's own exports, by id and signer
        row = conn.execute(
            "SELECT r.id, r.uid FROM package_exports p JOIN reviews r ON r.id = p.review_id"
            " WHERE p.package_id = ? AND p.signer = ?",
            (str(entry.get("package_id")), str(entry.get("signer"))),
        ).fetchone()
        if row is not None and row[1] == entry.get("source_review"):
            why = f"based on this vault's package {str(entry.get('package_id'))[:8]}"
            return reviews.get_review(conn, int(row[0])), why
    if isinstance(uid, str):
        row = conn.execute(
            "SELECT review_id FROM review_sources WHERE signer_fingerprint = ?"
            " AND source_review = ?",
            (package.signer.fingerprint, uid),
        ).fetchone()
        if row is not None:
            return reviews.get_review(conn, int(row[0])), "imported from the same signer before"
    raise NotFound(
        "No review here matches the package's review (not based on one of this vault's"
        " exports, not imported from the same signer); choose one with --into REVIEW."
    )


def _decisions(conn: Connection, package_id: str) -> dict[str, str]:
    return {
        str(r[0]): str(r[1])
        for r in conn.execute(
            "SELECT item_key, decision FROM merge_decisions WHERE package_id = ?"
            " ORDER BY decided, rowid",
            (package_id,),
        )
    }


def _base_time(conn: Connection, review_id: int, doc: dict[str, Any]) -> str | None:
    """When this vault exported the package the other review was based on (the newest one)."""
    based = doc.get("based_on")
    times = []
    for entry in based if isinstance(based, list) else []:
        if not isinstance(entry, dict):
            continue
        row = conn.execute(
            "SELECT created FROM package_exports WHERE package_id = ? AND review_id = ?",
            (str(entry.get("package_id")), review_id),
        ).fetchone()
        if row is not None:
            times.append(str(row[0]))
    return max(times) if times else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class _Stager:
    def __init__(
        self,
        session: Session,
        staging: Staging,
        signer: str,
        doc: dict[str, Any],
        carried: set[str],
    ) -> None:
        self.session = session
        self.carried = carried
        self.conn = session.conn
        self.staging = staging
        self.signer = signer
        self.base_time = _base_time(self.conn, staging.review_id, doc)
        self.items: list[Item] = []

    def foreign(self, name: object) -> str:
        if not isinstance(name, str) or not name:
            return ""
        try:
            return users.foreign_name(name, self.signer)
        except InputError:
            return ""

    # findings

    def finding(self, data: dict[str, Any]) -> None:
        uid = importer._uid(data, "finding")
        key = f"finding/{uid}"
        with importer._checked(f"finding {uid}"):
            fields = {name: data.get(name) for name in findings.EDITABLE}
            theirs = lineage.content(findings.check_values(fields, self.session.marking))
            refs = [evidence_refs.check_shape(ref) for ref in importer._refs(data)]
        title = _text(theirs.get("title"))
        row = self.conn.execute(
            "SELECT id, review_id FROM findings WHERE uid = ?", (uid,)
        ).fetchone()
        if row is not None and int(row[1]) != self.staging.review_id:
            self.staging.notes.append(
                f"finding {uid} ({title[:60]}) belongs to review {row[1]} here; left out"
            )
            return
        if row is None:
            added = tuple(
                FieldDiff(name, None, value, changed_by=self.foreign(data.get("author")))
                for name, value in theirs.items()
                if value not in (None, "")
            )
            self.items.append(Item(key, "finding", "new", title, added))
            self._evidence(key, title, refs, [])
            return
        ours_finding = findings.get_finding(self.conn, int(row[0]))
        ours_json = ours_finding.to_json()
        ours_revisions = findings.revisions(self.conn, ours_finding.id)
        ours = lineage.content(ours_json)
        raw_history = data.get("revisions")
        history: list[Any] = raw_history if isinstance(raw_history, list) else []
        their_lineage = _lineage(data.get("lineage")) or lineage.lineage(
            {**data, **theirs}, history
        )
        ancestor = lineage.common_ancestor(
            self._seen(ours_finding.id, lineage.lineage(ours_json, ours_revisions), ours_revisions),
            their_lineage,
        )
        base = lineage.state_at(ours_json, ours_revisions, ancestor["digest"]) if ancestor else None
        diffs: list[FieldDiff] = []
        for name in lineage.CONTENT:
            mine, other = ours.get(name), theirs.get(name)
            if mine == other:
                continue
            old: Any = _MISSING if base is None else base.get(name)
            if old is _MISSING:
                side = "both"
            elif other == old:
                side = "ours"
            elif mine == old:
                side = "theirs"
            else:
                side = "both"
            who, when = _changed_by(history, name) if side != "ours" else ("", "")
            diffs.append(
                FieldDiff(
                    name,
                    mine,
                    other,
                    None if old is _MISSING else old,
                    old is not _MISSING,
                    side,  # type: ignore[arg-type]
                    self.foreign(who),
                    when,
                )
            )
        status = _status(diffs)
        where = (
            f"their revision {ancestor['revision']} = our revision {ancestor['ours']}"
            if ancestor
            else ""
        )
        note = (
            ""
            if ancestor or status == "identical"
            else "no common ancestor: every difference is a conflict"
        )
        self.items.append(
            Item(
                key,
                "finding",
                status,
                title,
                tuple(diffs),
                approved=ours_finding.status == "approved",
                ancestor=where,
                note=note,
            )
        )
        approved = ours_finding.status == "approved"
        self._evidence(key, title, refs, ours_finding.evidence, approved=approved)

    def _seen(
        self, finding_id: int, ours: list[dict[str, Any]], revisions: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """The states of our lineage the sender can have had: those this vault held when it
        exported the package the sender's review is based on (or when it last imported one of
        the sender's packages into this review), and those merged from the sender's packages.
        A lineage is the sender's claim: a state the lead reached only later (a change of her
        own after the export) is never taken as the ancestor, so claiming it cannot make a
        conflicting change look like a plain one."""
        until = self.base_time
        row = self.conn.execute(
            "SELECT max(imported) FROM package_imports WHERE review_id = ?"
            " AND signer_fingerprint = ?",
            (self.staging.review_id, self.signer),
        ).fetchone()
        if row is not None and row[0] is not None and (until is None or str(row[0]) > until):
            until = str(row[0])
        at = {int(r["revision"]): str(r.get("at")) for r in revisions}
        merged = {
            int(r[0])
            for r in self.conn.execute(
                "SELECT DISTINCT revision FROM merge_provenance WHERE finding_id = ?"
                " AND signer_fingerprint = ? AND revision IS NOT NULL",
                (finding_id, self.signer),
            )
        }
        return [
            entry
            for entry in ours
            if entry.get("revision") in merged
            or (until is not None and at.get(int(entry.get("revision") or 0), "~") <= until)
        ]

    def _evidence(
        self,
        owner: str,
        title: str,
        refs: Sequence[evidence_refs.EvidenceRef],
        have: Sequence[evidence_refs.EvidenceRef],
        *,
        approved: bool = False,
    ) -> None:
        for ref in refs:
            sample = f"/{ref.sample_id}" if ref.sample_id else ""
            key = f"evidence/{owner}/{ref.artifact_uid}{sample}"
            what = f"{title[:60]}: artifact {ref.artifact_uid[:8]}{sample}"
            status: Status = "identical" if ref in have else "new"
            why = "" if status == "identical" else self._unheld(ref)
            if why:
                self.staging.notes.append(
                    f"evidence {ref.artifact_uid[:60]}{sample[:60]} of {title[:60]}: {why};"
                    " left out"
                )
                continue
            self.items.append(
                Item(
                    key,
                    "evidence",
                    status,
                    what,
                    (FieldDiff("evidence", None, ref.to_json()),) if status == "new" else (),
                    approved=approved,
                    owner=owner,
                )
            )

    def _unheld(self, ref: evidence_refs.EvidenceRef) -> str:
        """Why this review cannot hold the link ('' when it can): a link names an artifact of
        this review or one the package carries, or a saved capability area of this review,
        as a link typed here must (``evidence.check_evidence``)."""
        review = self.staging.review_id
        cited = evidence_refs.comparison_uid(ref.artifact_uid)
        if cited is not None:
            row = self.conn.execute(
                "SELECT review_id, removed FROM determination_areas WHERE uid = ?", (cited,)
            ).fetchone()
            if row is None or int(row[0]) != review or row[1]:
                return f"not a capability area of review {review} here"
            return ""
        row = self.conn.execute(
            "SELECT review_id FROM artifacts WHERE uid = ?", (ref.artifact_uid,)
        ).fetchone()
        if row is not None and int(row[0]) != review:
            return "its artifact belongs to another review here"
        if row is None and ref.artifact_uid not in self.carried:
            return "its artifact is neither in this vault nor in the package"
        return ""

    # checklist runs and answers

    def run(self, data: dict[str, Any]) -> None:
        uid = importer._uid(data, "checklist run")
        template = data.get("template")
        title = _text(template.get("title")) if isinstance(template, dict) else ""
        row = self.conn.execute(
            "SELECT id, review_id FROM checklist_runs WHERE uid = ?", (uid,)
        ).fetchone()
        if row is None:
            with importer._checked(f"checklist run {uid}"):
                body = data.get("template_body")
                if not isinstance(body, dict):
                    raise InputError("It has no template.")
                template_ = from_mapping(body, "package template")
                for item in importer._list(data, "items"):
                    checklists.check_answer(template_, _answer_record(item))
            answered = sum(
                1
                for i in importer._list(data, "items")
                if i.get("status") not in (None, "not_reviewed")
            )
            self.items.append(
                Item(
                    f"run/{uid}",
                    "run",
                    "new",
                    f"checklist {title}",
                    (FieldDiff("answered", None, answered),),
                )
            )
            return
        if int(row[1]) != self.staging.review_id:
            self.staging.notes.append(
                f"checklist run {uid} belongs to review {row[1]} here; left out"
            )
            return
        run = checklists.get_run(self.conn, int(row[0]))
        final = (
            f"signed off by {run.signed_off_by}"
            if run.signed_off_by
            else f"moved to run {run.superseded_by}"
            if run.superseded_by
            else ""
        )
        if final:  # final here, as for typed answers (``checklists.runs._open_run``)
            self.staging.notes.append(f"checklist run {uid} was {final}: final, left out")
            return
        answers = {a.item_id: a for a in run.answers}
        for item in importer._list(data, "items"):
            item_id_ = _text(item.get("id"))
            ours = answers.get(item_id_)
            if ours is None:
                continue  # not an item of the run's template here: the import refuses it
            key = f"answer/{uid}/{item_id_}"
            label = f"{title} {item_id_}"
            with importer._checked(f"checklist run {uid}"):
                record = checklists.check_answer(run.template, _answer_record(item))
            self._answer(key, label, ours, record, item)
            self._evidence(key, label, record.evidence, ours.evidence)

    def _answer(
        self,
        key: str,
        label: str,
        ours: checklists.Answer,
        theirs: checklists.AnswerRecord,
        raw: dict[str, Any],
    ) -> None:
        stamp = theirs.updated  # checked as a time by check_answer
        who = self.foreign(raw.get("updated_by"))
        differ = [name for name in ANSWER_FIELDS if getattr(ours, name) != getattr(theirs, name)]
        if not differ:
            self.items.append(Item(key, "answer", "identical", label))
            return
        base = self.base_time
        if base is None:
            side, note = "both", "no export of this review is its ancestor: a conflict"
        else:
            mine = ours.updated is not None and ours.updated > base
            other = stamp is not None and stamp > base
            side = {(False, True): "theirs", (True, False): "ours"}.get((mine, other), "both")
            note = ""
        diffs = tuple(
            FieldDiff(
                name,
                getattr(ours, name),
                getattr(theirs, name),
                side=side,  # type: ignore[arg-type]
                changed_by=who,
                changed_at=stamp or "",
            )
            for name in differ
        )
        self.items.append(Item(key, "answer", _status(list(diffs)), label, diffs, note=note))


def _answer_record(item: dict[str, Any]) -> checklists.AnswerRecord:
    """A package's answer as a record for ``check_answer`` (which checks every field)."""
    return checklists.AnswerRecord(
        item_id=importer._str(item, "id"),
        status=item.get("status"),  # type: ignore[arg-type]  # checked by check_answer
        note=importer._str(item, "note"),
        severity_override=item.get("severity_override"),
        override_justification=importer._str(item, "override_justification"),
        updated=item.get("updated"),
        evidence=importer._refs(item),
    )


def _lineage(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [
        {"revision": e.get("revision"), "digest": e["digest"]}
        for e in value
        if isinstance(e, dict) and isinstance(e.get("digest"), str)
    ]


def _changed_by(history: list[Any], name: str) -> tuple[str, str]:
    """Who changed the field last in the package's own history, and when."""
    for revision in sorted(
        (r for r in history if isinstance(r, dict) and type(r.get("revision")) is int),
        key=lambda r: int(r["revision"]),
        reverse=True,
    ):
        changes = revision.get("changes")
        if isinstance(changes, dict) and name in changes:
            return _text(revision.get("user")), _text(revision.get("at"))
    return "", ""


def _status(diffs: Sequence[FieldDiff]) -> Status:
    if not diffs:
        return "identical"
    if any(d.side == "both" for d in diffs):
        return "conflicting"
    if any(d.side == "theirs" for d in diffs):
        return "changed"
    return "older"


# --- Merging: the accepted items only, in one transaction.


def merge_package(
    session: Session,
    path: Path,
    into_review: int | str | None,
    *,
    accept: Sequence[str] = (),
    reject: Sequence[str] = (),
    accept_new: bool = False,
    extra_trust: list[PublicIdentity] | None = None,
    cancel: CancelFlag = None,
    staged: Mapping[str, Any] | None = None,
) -> MergeResult:
    """Apply the accepted items of the package to the review (named, or matched as ``stage``
    matches it); record every decision. Items neither accepted nor rejected stay undecided.
    ``staged``: the items the lead decided on (``Staging.shown()``, or a ``package stage
    --json`` document read back); an accepted item that stages differently now (the review
    changed meanwhile) refuses the merge."""
    session.require_writable("merge a package")
    session.require_role("merge a package into a review", "lead")
    try:
        return _merge(
            session, path, into_review, accept, reject, accept_new, extra_trust, cancel, staged
        )
    except ReviewStationError as exc:
        # A refused merge is itself an event the auditor should see (as a refused import).
        with contextlib.suppress(Exception):
            session.record("package.merge_refused", path.name, {"reason": str(exc)[:300]})
        raise


def _merge(
    session: Session,
    path: Path,
    into_review: int | str | None,
    accept: Sequence[str],
    reject: Sequence[str],
    accept_new: bool,
    extra_trust: list[PublicIdentity] | None,
    cancel: CancelFlag,
    staged: Mapping[str, Any] | None,
) -> MergeResult:
    with opened(session, path, extra_trust) as package:
        staging = stage_package(session, package, into_review)
        reviews.require_review(session, staging.review_id)
        chosen = _choose(staging, accept, reject, accept_new)
        if staged is not None:
            for item, decision in chosen:
                now = json.loads(json.dumps(item.to_json()))
                if decision == "accepted" and staged.get(item.key) != now:
                    raise InputError(
                        f"Item {item.id} stages differently now than when it was shown (the"
                        " review changed meanwhile); stage the package again."
                    )
        result = MergeResult(staging.package_id, staging.review_id)
        todo: list[tuple[Item, str]] = []
        for item, decision in chosen:
            if item.decided == decision or (decision == "accepted" and not item.offered):
                result.unchanged.append(item.id)
            else:
                todo.append((item, decision))
        if not todo:
            return result
        merger = _Merger(session, package, staging, result)
        blobs = merger.blobs([item for item, d in todo if d == "accepted"], cancel)
        try:
            merger.commit(todo, blobs)
        except BaseException:
            for blob in blobs.values():
                blob.sealed.abort()
            raise
    return result


def _choose(
    staging: Staging, accept: Sequence[str], reject: Sequence[str], accept_new: bool
) -> list[tuple[Item, str]]:
    accepted = [staging.find(name) for name in accept]
    rejected = [staging.find(name) for name in reject]
    both = {i.key for i in accepted} & {i.key for i in rejected}  # keys: ids may collide
    if both:
        first = staging.find(sorted(both)[0])
        raise InputError(f"Item {first.id} is both accepted and rejected; choose one.")
    named = {i.key for i in accepted} | {i.key for i in rejected}
    if accept_new:
        # Only new items, never one that touches an approved finding and never one decided
        # before: those are taken only when named.
        accepted += [
            i
            for i in staging.items
            if i.status == "new" and not i.approved and not i.decided and i.key not in named
        ]
    keys = {i.key for i in accepted}
    new = {i.key for i in staging.items if i.kind == "finding" and i.status == "new"}
    for item in accepted:
        if item.kind == "evidence" and item.owner in new and item.owner not in keys:
            raise InputError(
                f"Item {item.id} is evidence of finding {item_id('finding', item.owner)},"
                " which is new here: accept that too."
            )
    seen: set[str] = set()
    out = []
    for item, decision in [(i, "accepted") for i in accepted] + [(i, "rejected") for i in rejected]:
        if item.key not in seen:
            seen.add(item.key)
            out.append((item, decision))
    return out


class _Merger:
    def __init__(
        self, session: Session, package: Verified, staging: Staging, result: MergeResult
    ) -> None:
        self.session = session
        self.package = package
        self.staging = staging
        self.result = result
        self.signer = package.signer
        findings_doc = importer.native(package, members.FINDINGS, "reviewstation-findings")
        runs_doc = importer.native(package, members.CHECKLISTS, "reviewstation-checklists")
        self.findings = {f.get("uid"): f for f in importer._list(findings_doc, "findings")}
        self.runs = {r.get("uid"): r for r in importer._list(runs_doc, "runs")}
        self.labels = _label_docs(package)
        self.imported = importer.ImportResult(
            staging.package_id, staging.signer, staging.sequence, staging.review_id
        )
        self.now = audit.now()

    def foreign(self, name: object) -> str:
        return users.foreign_name(name, self.signer.fingerprint)

    def note(self, item: Item) -> dict[str, Any]:
        return {
            "package": self.staging.package_id,
            "signer": self.staging.signer,
            "merged": item.id,
            "changed_by": {
                f.field: f.changed_by for f in item.fields if f.changed_by and f.side != "ours"
            },
        }

    def blobs(self, accepted: list[Item], cancel: CancelFlag) -> dict[str, importer._Blob]:
        """The files of accepted evidence links that travel in the package and are not here,
        sealed as the import seals them (before the transaction; removed if it fails)."""
        wanted = set(_label_logs(self.package, accepted))
        for item in accepted:
            if item.kind == "evidence" and item.status == "new" and item.fields:
                ref = item.fields[0].theirs
                if isinstance(ref, dict):
                    wanted.add(str(ref.get("artifact")))
        if not wanted or not self.package.zip.has(members.ARTIFACTS):
            return {}
        doc = importer.native(self.package, members.ARTIFACTS, "reviewstation-artifacts")
        records = [
            r
            for r in doc.get("artifacts") or []
            if isinstance(r, dict) and r.get("uid") in wanted and r.get("evidence_member")
        ]
        sealed = importer._evidence(self.session, self.package, {"artifacts": records}, cancel)
        return {blob.sealed.uid: blob for blob in sealed}

    def commit(self, todo: list[tuple[Item, str]], blobs: dict[str, importer._Blob]) -> None:
        session, staging = self.session, self.staging
        details = {
            "review": staging.review_id,
            "signer": staging.signer_fingerprint,
            "signer_name": staging.signer,
            "sequence": staging.sequence,
            "sums_sha384": staging.sums_sha384,
            "accepted": [i.id for i, d in todo if d == "accepted"],
            "rejected": [i.id for i, d in todo if d == "rejected"],
        }
        order = {"run": 0, "finding": 1, "answer": 2, "evidence": 3, "label": 4}
        todo = sorted(todo, key=lambda pair: order[pair[0].kind])
        with session.change("package.merge", staging.package_id, details) as conn:
            for item, decision in todo:
                reset = False
                if decision == "accepted":
                    with importer._checked(f"item {item.id}"):
                        reset = self.apply(conn, item, blobs)
                    self.result.accepted.append(item.id)
                else:
                    self.result.rejected.append(item.id)
                entry: dict[str, Any] = {
                    "item": item.id,
                    "kind": item.kind,
                    "status": item.status,
                    "package": staging.package_id,
                    "fields": [f.field for f in item.fields if f.side != "ours"],
                }
                if reset:
                    entry["approval_reset"] = True
                audit.append(
                    conn,
                    session.vault_id,
                    session.user.name,
                    f"package.merge.{'accept' if decision == 'accepted' else 'reject'}",
                    item.key,
                    entry,
                )
                conn.execute(
                    "INSERT INTO merge_decisions (package_id, sums_sha384, review_id, item_key,"
                    " item_id, status, decision, approval_reset, signer_fingerprint,"
                    " signer_name, decided, decided_by)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        staging.package_id,
                        staging.sums_sha384,
                        staging.review_id,
                        item.key,
                        item.id,
                        item.status,
                        decision,
                        int(reset),
                        staging.signer_fingerprint,
                        staging.signer,
                        self.now,
                        session.user.name,
                    ),
                )

    def provenance(
        self, conn: Connection, item: Item, diffs: Sequence[FieldDiff], where: tuple[int, int]
    ) -> None:
        for diff in diffs:
            conn.execute(
                "INSERT INTO merge_provenance (review_id, item_key, field, finding_id, revision,"
                " package_id, signer_fingerprint, signer_name, changed_by, changed_at, merged,"
                " merged_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.staging.review_id,
                    item.key,
                    diff.field,
                    where[0] or None,
                    where[1] or None,
                    self.staging.package_id,
                    self.staging.signer_fingerprint,
                    self.staging.signer,
                    diff.changed_by,
                    diff.changed_at,
                    self.now,
                    self.session.user.name,
                ),
            )

    def apply(self, conn: Connection, item: Item, blobs: dict[str, importer._Blob]) -> bool:
        """Write one accepted item; True when it reset an approval."""
        if item.kind == "finding":
            return self.finding(conn, item)
        if item.kind == "run":
            raw = self.runs[item.key.split("/", 1)[1]]
            importer._merge_run(self.session, conn, self.imported, raw, self.signer, self.foreign)
            self.provenance(conn, item, item.fields, (0, 0))
            return False
        if item.kind == "answer":
            _, run_uid, answer = item.key.split("/", 2)
            run = checklists.get_run(conn, run_uid)
            take = {f.field: f.theirs for f in item.fields}
            checklists.write_answer(conn, run, answer, take, by=self.session.user.name)
            self.provenance(conn, item, item.fields, (0, 0))
            return False
        if item.kind == "label":
            _merge_label(self, conn, item, blobs)
            return False
        return self.evidence(conn, item, blobs)

    def finding(self, conn: Connection, item: Item) -> bool:
        uid = item.key.split("/", 1)[1]
        if item.status == "new":
            raw = self.findings[uid]
            status = raw.get("status")
            links = []
            for link in raw.get("links") or []:
                run_uid = link.get("run_uid") if isinstance(link, dict) else None
                row = conn.execute(
                    "SELECT uid FROM checklist_runs WHERE uid = ? AND review_id = ?",
                    (run_uid, self.staging.review_id),
                ).fetchone()
                if row is not None:
                    links.append((str(row[0]), importer._str(link, "item")))
            record = findings.FindingRecord(
                review_id=self.staging.review_id,
                fields={name: raw.get(name) for name in findings.EDITABLE},
                author=self.foreign(raw.get("author")),
                # An approval given in another vault is not one here: a lead approves again.
                status="confirmed" if status == "approved" else status,  # type: ignore[arg-type]
                uid=uid,
                links=links,
            )
            finding_id = findings.insert_finding(
                conn,
                record,
                marking=self.session.marking,
                by=self.session.user.name,
                note=self.note(item),
            )
            self.provenance(conn, item, item.fields, (finding_id, 1))
            return False
        finding = findings.get_finding(conn, uid)
        taken = [f for f in item.fields if f.side != "ours"]
        new: dict[str, Any] = {f.field: f.theirs for f in taken}
        reset = finding.status == "approved"
        if reset:
            new.update(status="confirmed", approved_by=None)
            self.result.approval_reset.append(uid)
        revision = findings.apply_changes(
            conn,
            finding,
            new,
            marking=self.session.marking,
            by=self.session.user.name,
            extra={"imported": self.note(item)},
        )
        self.provenance(conn, item, taken, (finding.id, revision))
        return reset

    def evidence(self, conn: Connection, item: Item, blobs: dict[str, importer._Blob]) -> bool:
        ref = evidence_refs.from_json(item.fields[0].theirs)
        blob = blobs.pop(ref.artifact_uid, None)
        if blob is not None:
            importer._add_artifact(self.session, conn, self.imported, blob, self.signer, {})
            self.result.evidence_added += 1
        kind, rest = item.owner.split("/", 1)
        if kind == "finding":
            finding = findings.get_finding(conn, rest)
            if ref not in finding.evidence:
                revision = findings.apply_changes(
                    conn,
                    finding,
                    {},
                    marking=self.session.marking,
                    by=self.session.user.name,
                    extra={"imported": self.note(item)},
                    evidence=[ref],
                )
                self.provenance(conn, item, item.fields, (finding.id, revision))
        else:
            run_uid, answer = rest.split("/", 1)
            run = checklists.get_run(conn, run_uid)
            checklists.add_evidence(conn, run.id, answer, [ref], by=self.session.user.name)
            self.provenance(conn, item, item.fields, (0, 0))
        return False


def provenance(conn: Connection, finding_id: int) -> dict[tuple[int, str], str]:
    """Where each merged field of a finding came from: (revision, field) -> "from <who> in
    package <id8> (<signer>)"."""
    out: dict[tuple[int, str], str] = {}
    for revision, name, who, package_id, signer in conn.execute(
        "SELECT revision, field, changed_by, package_id, signer_name FROM merge_provenance"
        " WHERE finding_id = ? ORDER BY rowid",
        (finding_id,),
    ):
        by = f"{who}, " if who else ""
        out[(int(revision), str(name))] = f"merged: {by}package {str(package_id)[:8]} ({signer})"
    return out


# --- Triage labels (``triage.json``): staged and merged as one more kind of item.

LABEL_STATE = ("status", "decided", "reason")  # with decided_by: a label's decision


def _stage_labels(stager: _Stager, package: Verified) -> None:
    """One ``label`` item per label of the package's ``triage.json`` (none when absent)."""
    if not package.zip.has(members.TRIAGE):
        return
    doc = importer.native(package, members.TRIAGE, "reviewstation-triage")
    carried = _carried_logs(package)
    ours = {
        str(r[0])[:16] for r in stager.conn.execute("SELECT DISTINCT signer FROM package_exports")
    }
    seen: set[str] = set()
    for raw in importer._list(doc, "labels"):
        uid = importer._uid(raw, "triage label")
        if uid in seen:  # one shown, another merged: refused
            raise PackageRefused(f"The package's triage.json lists label {uid} twice.")
        seen.add(uid)
        _stage_label(stager, raw, carried, ours)


def _carried_logs(package: Verified) -> set[str]:
    """The artifacts whose files travel in the package."""
    if not package.zip.has(members.ARTIFACTS):
        return set()
    doc = importer.native(package, members.ARTIFACTS, "reviewstation-artifacts")
    found = doc.get("artifacts")
    records: list[Any] = found if isinstance(found, list) else []
    return {
        r["uid"]
        for r in records
        if isinstance(r, dict) and isinstance(r.get("uid"), str) and r.get("evidence_member")
    }


def _same_person(local: str | None, raw: object, signer: str, ours: set[str]) -> bool:
    """Whether a name as the package gives it is this vault's ``local`` name: the same person
    of the signer's vault (attributed as the import attributes them), or a person of this
    vault that travelled there and back (``name@<16 hex of one of this vault's signers>``)."""
    if local is None or not isinstance(raw, str) or not raw:
        return False
    try:
        if users.foreign_name(raw, signer) == local:
            return True
    except InputError:
        return False
    return any(raw == f"{local}@{fp}" for fp in ours)


def _stage_label(stager: _Stager, raw: dict[str, Any], carried: set[str], ours: set[str]) -> None:
    conn, staging, signer = stager.conn, stager.staging, stager.signer
    uid = importer._uid(raw, "triage label")
    key = f"label/{uid}"
    with importer._checked(f"triage label {uid}"):
        theirs = triage.from_json(
            raw, staging.review_id, lambda name: users.foreign_name(name, signer)
        )
    part = f"/{theirs.part}" if theirs.part else ""
    title = f"triage {theirs.label} on {theirs.artifact_uid[:8]}#{theirs.sample}{part}"
    row = conn.execute("SELECT id, review_id FROM triage_labels WHERE uid = ?", (uid,)).fetchone()
    if row is not None and int(row[1]) != staging.review_id:
        staging.notes.append(f"triage label {uid} belongs to review {row[1]} here; left out")
        return
    decision = (
        (FieldDiff("status", None, theirs.status, changed_by=theirs.decided_by or ""),)
        if theirs.status == "open"
        else tuple(
            FieldDiff(name, None, value, changed_by=theirs.decided_by or "", changed_at=when)
            for name, value, when in (
                ("status", theirs.status, theirs.decided or ""),
                ("decided_by", theirs.decided_by, theirs.decided or ""),
                ("decided", theirs.decided, theirs.decided or ""),
                ("reason", theirs.reason, theirs.decided or ""),
            )
            if value not in (None, "")
        )
    )
    if row is None:
        log = conn.execute(
            "SELECT review_id FROM artifacts WHERE uid = ?", (theirs.artifact_uid,)
        ).fetchone()
        if log is not None and int(log[0]) != staging.review_id:
            staging.notes.append(
                f"triage label {uid} labels artifact {theirs.artifact_uid[:8]} of review"
                f" {log[0]} here; left out"
            )
            return
        if log is None and theirs.artifact_uid not in carried:
            staging.notes.append(
                f"triage label {uid} labels artifact {theirs.artifact_uid[:8]}, which neither"
                " this review nor the package holds; left out"
            )
            return
        content = tuple(
            FieldDiff(name, None, value, changed_by=theirs.author, changed_at=theirs.created)
            for name, value in (("label", theirs.label), ("note", theirs.note))
            if value
        )
        notes = []
        if log is None:
            notes.append("its log travels in the package and comes with it")
        if theirs.status == "confirmed" and theirs.label in triage.INVALIDATING:
            notes.append("confirmed: invalidates the sample's solve")
        stager.items.append(
            Item(
                key,
                "label",
                "new",
                title,
                content + decision,
                note="; ".join(notes),
                owner=theirs.artifact_uid,
            )
        )
        return
    have = triage.get_label(conn, int(row[0]))
    fixed = ("artifact_uid", "sample", "sample_digest", "part", "label", "note", "created")
    with importer._checked(f"triage label {uid}"):
        if any(getattr(have, n) != getattr(theirs, n) for n in fixed) or not _same_person(
            have.author, raw.get("author"), signer, ours
        ):
            raise InputError(f"Triage label {uid} differs from the one this vault holds.")
        if theirs.status != "open" and _same_person(
            have.author, raw.get("decided_by"), signer, ours
        ):
            raise InputError(
                "A triage label is confirmed or disputed by someone other than its author."
            )
    same_decider = (have.decided_by is None and theirs.decided_by is None) or _same_person(
        have.decided_by, raw.get("decided_by"), signer, ours
    )
    differ = [n for n in LABEL_STATE if getattr(have, n) != getattr(theirs, n)]
    if not differ and same_decider:
        stager.items.append(Item(key, "label", "identical", title, owner=theirs.artifact_uid))
        return
    if have.decided_by != theirs.decided_by:
        differ.insert(1, "decided_by")
    base = stager.base_time
    note = ""
    if theirs.status == "open":
        side = "ours"  # it travelled open and was decided here: nothing to take
    elif have.status == "open":
        side = "theirs"  # the package confirms or disputes a label open here
    elif base is None:
        side, note = "both", "no export of this review is its ancestor: a conflict"
    else:  # decided on both sides: since it travelled? (a stamp in the base's second counts)
        mine, other = str(have.decided) >= base, str(theirs.decided) >= base
        side = {(False, True): "theirs", (True, False): "ours"}.get((mine, other), "both")
    diffs = tuple(
        FieldDiff(
            name,
            getattr(have, name),
            getattr(theirs, name),
            side=side,  # type: ignore[arg-type]
            changed_by=(theirs.decided_by or "") if side != "ours" else "",
            changed_at=(theirs.decided or "") if side != "ours" else "",
        )
        for name in differ
    )
    held = f"{have.status} by {have.decided_by}" if have.status != "open" and side != "ours" else ""
    if side != "ours" and theirs.status == "confirmed" and theirs.label in triage.INVALIDATING:
        note = "; ".join(x for x in (note, "confirmed: invalidates the sample's solve") if x)
    stager.items.append(
        Item(
            key,
            "label",
            _status(diffs),
            title,
            diffs,
            note=note,
            owner=theirs.artifact_uid,
            decided_here=held,
        )
    )


def _label_docs(package: Verified) -> dict[str, dict[str, Any]]:
    """The package's labels by uid (none without ``triage.json``)."""
    if not package.zip.has(members.TRIAGE):
        return {}
    doc = importer.native(package, members.TRIAGE, "reviewstation-triage")
    return {str(raw.get("uid")): raw for raw in importer._list(doc, "labels")}


def _label_logs(package: Verified, accepted: Sequence[Item]) -> list[str]:
    """The logs of accepted new labels (brought in when the package carries them and this
    vault does not hold them; ``importer._evidence`` skips those it holds)."""
    return [item.owner for item in accepted if item.kind == "label" and item.status == "new"]


def _merge_label(
    merger: _Merger, conn: Connection, item: Item, blobs: dict[str, importer._Blob]
) -> None:
    """Write one accepted label: a new one as the package has it, or the package's decision
    on one this vault holds (the two-person rule checked again against its author here)."""
    uid = item.key.split("/", 1)[1]
    record = triage.from_json(merger.labels[uid], merger.staging.review_id, merger.foreign)
    blob = blobs.pop(record.artifact_uid, None)
    if blob is not None:
        importer._add_artifact(merger.session, conn, merger.imported, blob, merger.signer, {})
        merger.result.evidence_added += 1
    log = conn.execute(
        "SELECT review_id FROM artifacts WHERE uid = ?", (record.artifact_uid,)
    ).fetchone()
    if log is None or int(log[0]) != merger.staging.review_id:
        raise InputError(f"Triage label {uid} labels a log this review does not hold.")
    if item.status == "new":
        triage.insert_label(conn, record)
    else:
        label = triage.get_label(conn, uid)
        triage.decide_label(
            conn, label, record.status, str(record.decided_by), str(record.decided), record.reason
        )
    merger.provenance(conn, item, [f for f in item.fields if f.side != "ours"], (0, 0))
