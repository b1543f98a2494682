"""Checklist runs: a template pinned to a review, answered item by item, signed off by a lead."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewstation.checklists import library
from reviewstation.checklists.templates import SEVERITIES, Template, from_mapping
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.evidence import EvidenceRef, resolve_evidence
from reviewstation.reviews.service import get_review, require_review
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session

STATUSES = ("not_reviewed", "open", "not_a_finding", "not_applicable")
MAX_NOTE = 20_000


@dataclass(frozen=True)
class Answer:
    item_id: str
    item_hash: str
    status: str
    note: str
    severity_override: str | None
    override_justification: str
    updated: str | None
    updated_by: str | None
    carried_from: int | None
    evidence: list[EvidenceRef] = field(default_factory=list)


@dataclass(frozen=True)
class Run:
    id: int
    uid: str
    review_id: int
    template: Template
    started: str
    started_by: str
    signed_off_by: str | None
    signed_off_at: str | None
    superseded_by: int | None
    answers: list[Answer]

    def progress(self) -> dict[str, int]:
        counts = {status: 0 for status in STATUSES}
        for answer in self.answers:
            counts[answer.status] += 1
        counts["total"] = len(self.answers)
        counts["answered"] = counts["total"] - counts["not_reviewed"]
        return counts

    def to_json(self) -> dict[str, Any]:
        items = {item.id: item for item in self.template.items}
        return {
            "id": self.id,
            "uid": self.uid,
            "review_id": self.review_id,
            "template": {
                "id": self.template.id,
                "version": self.template.version,
                "title": self.template.title,
                "hash": self.template.hash,
            },
            "started": self.started,
            "started_by": self.started_by,
            "signed_off_by": self.signed_off_by,
            "signed_off_at": self.signed_off_at,
            "superseded_by": self.superseded_by,
            "progress": self.progress(),
            "items": [
                {
                    "id": a.item_id,
                    "section": items[a.item_id].section,
                    "prompt": items[a.item_id].prompt,
                    "item_hash": a.item_hash,
                    "status": a.status,
                    "note": a.note,
                    "severity_override": a.severity_override,
                    "override_justification": a.override_justification,
                    "updated": a.updated,
                    "updated_by": a.updated_by,
                    "carried_from": a.carried_from,
                    "evidence": [e.to_json() for e in a.evidence],
                }
                for a in self.answers
            ],
        }


def start_run(session: Session, review_id: int | str, template_name: str) -> Run:
    session.require_writable("start a checklist")
    review = require_review(session, review_id)
    template = library.resolve(session.conn, template_name)
    origin = "builtin" if _is_builtin(session, template) else "imported"
    uid = str(uuid.uuid4())
    details = {"review": review.uid, "template": template.key, "hash": template.hash}
    with session.change("checklist.start", uid, details) as conn:
        library.pin(session, template, origin)
        run_id = _insert_run(conn, session, uid, review.id, template)
        conn.executemany(
            "INSERT INTO checklist_answers (run_id, item_id, item_hash) VALUES (?, ?, ?)",
            [(run_id, item.id, item.content_hash) for item in template.items],
        )
    return get_run(session.conn, run_id)


def _insert_run(conn: Connection, session: Session, uid: str, review_id: int, t: Template) -> int:
    cursor = conn.execute(
        "INSERT INTO checklist_runs (uid, review_id, template_key, template_hash, started,"
        " started_by) VALUES (?, ?, ?, ?, ?, ?)",
        (uid, review_id, t.key, t.hash, audit.now(), session.user.name),
    )
    return int(cursor.lastrowid)


def get_run(conn: Connection, run_id: int | str) -> Run:
    key = str(run_id).strip()
    row = conn.execute(
        "SELECT r.id, r.uid, r.review_id, t.body, r.started, r.started_by, r.signed_off_by,"
        " r.signed_off_at, r.superseded_by FROM checklist_runs r"
        " JOIN checklist_templates t ON t.key = r.template_key WHERE r.id = ? OR r.uid = ?",
        (int(key) if key.isdigit() else -1, key),
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no checklist run {run_id!s} in this vault.")
    template = from_mapping(json.loads(row[3]), "vault copy")
    evidence: dict[str, list[EvidenceRef]] = {}
    for item_id, artifact, sample, digest in conn.execute(
        "SELECT item_id, artifact_uid, sample_id, sample_digest FROM checklist_evidence"
        " WHERE run_id = ? ORDER BY id",
        (row[0],),
    ):
        evidence.setdefault(item_id, []).append(EvidenceRef(artifact, sample, digest))
    order = {item.id: index for index, item in enumerate(template.items)}
    answers = sorted(
        (
            Answer(*a, evidence=evidence.get(a[0], []))  # type: ignore[misc]
            for a in conn.execute(
                "SELECT item_id, item_hash, status, note, severity_override,"
                " override_justification, updated, updated_by, carried_from"
                " FROM checklist_answers WHERE run_id = ?",
                (row[0],),
            )
        ),
        key=lambda a: order.get(a.item_id, len(order)),
    )
    return Run(row[0], row[1], row[2], template, *row[4:9], answers=answers)  # type: ignore[misc]


def list_runs(conn: Connection, review_id: int | str | None = None) -> list[Run]:
    if review_id is None:
        ids = conn.execute("SELECT id FROM checklist_runs ORDER BY id").fetchall()
    else:
        review = get_review(conn, review_id)
        ids = conn.execute(
            "SELECT id FROM checklist_runs WHERE review_id = ? ORDER BY id", (review.id,)
        ).fetchall()
    return [get_run(conn, r[0]) for r in ids]


def _open_run(session: Session, run_id: int | str, what: str) -> Run:
    session.require_writable(what)
    run = get_run(session.conn, run_id)
    require_review(session, run.review_id)
    if run.signed_off_by:
        raise PermissionDenied(f"Run {run.id} was signed off by {run.signed_off_by}; it is final.")
    if run.superseded_by:
        raise PermissionDenied(f"Run {run.id} was moved to run {run.superseded_by}; answer there.")
    return run


@dataclass(frozen=True)
class AnswerChange:
    """One answer to set: what ``checklist set`` takes, or one entry of an answers file.
    ``where`` (e.g. "answers.txt line 7") starts any error about it."""

    item_id: str
    status: str | None = None
    note: str | None = None
    severity_override: str | None = None
    justification: str | None = None
    evidence: tuple[EvidenceRef, ...] = ()
    where: str = ""


@dataclass(frozen=True)
class _Checked:
    item_id: str
    changes: dict[str, Any]
    refs: list[EvidenceRef]
    details: dict[str, Any]  # the checklist.answer audit entry's


def set_answer(
    session: Session,
    run_id: int | str,
    item_id: str,
    *,
    status: str | None = None,
    note: str | None = None,
    severity_override: str | None = None,
    justification: str | None = None,
    evidence: list[EvidenceRef] | None = None,
) -> Run:
    run = _open_run(session, run_id, "answer a checklist item")
    change = AnswerChange(
        item_id, status, note, severity_override, justification, tuple(evidence or ())
    )
    checked = _check_answer(session, run, change)
    with session.change("checklist.answer", run.uid, checked.details) as conn:
        _write_answer(conn, session, run, checked)
    return get_run(session.conn, run.id)


def set_answers(session: Session, run_id: int | str, batch: Sequence[AnswerChange]) -> Run:
    """Several answers in one transaction, all or none: every one is checked before anything
    is written, and the first bad one is refused with its ``where``. One ``checklist.answers``
    audit entry names the items; each answer is also its own ``checklist.answer`` entry, as if
    set one by one."""
    run = _open_run(session, run_id, "answer checklist items")
    if not batch:
        raise InputError("There are no answers to apply.")
    checked: list[_Checked] = []
    first: dict[str, str] = {}
    for change in batch:
        where = change.where or f"item {change.item_id}"
        try:
            if change.item_id in first:
                raise InputError(
                    f"item {change.item_id} is answered twice (first at {first[change.item_id]})"
                )
            first[change.item_id] = where
            checked.append(_check_answer(session, run, change))
        except NotFound as exc:
            raise NotFound(f"{where}: {exc}") from exc
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from exc
    items = [c.item_id for c in checked]
    with session.change("checklist.answers", run.uid, {"items": items}) as conn:
        for answer in checked:
            audit.append(
                conn,
                session.vault_id,
                session.user.name,
                "checklist.answer",
                run.uid,
                answer.details,
            )
            _write_answer(conn, session, run, answer)
    return get_run(session.conn, run.id)


def _check_answer(session: Session, run: Run, change: AnswerChange) -> _Checked:
    """The change as written to the vault, or InputError/NotFound; writes nothing."""
    item_id, status, note = change.item_id, change.status, change.note
    severity_override, justification = change.severity_override, change.justification
    evidence = change.evidence
    run.template.item(item_id)  # InputError for an unknown item
    current = next(a for a in run.answers if a.item_id == item_id)
    changes: dict[str, Any] = {}
    if status is not None:
        if status not in STATUSES:
            raise InputError(f"Unknown status {status!r}; choose one of {', '.join(STATUSES)}.")
        changes["status"] = status
    if note is not None:
        if len(note) > MAX_NOTE:
            raise InputError(f"A note may hold at most {MAX_NOTE} characters.")
        changes["note"] = note
    if severity_override is not None:
        if severity_override not in SEVERITIES:
            raise InputError(f"Unknown severity {severity_override!r}.")
        if not (justification or "").strip():
            raise InputError("A severity override needs a written justification.")
        changes["severity_override"] = severity_override
        changes["override_justification"] = justification.strip()  # type: ignore[union-attr]
    refs = [resolve_evidence(session, ref) for ref in evidence or []]
    if not changes and not refs:
        raise InputError("Nothing to change: give a status, a note, a severity or evidence.")
    details = {
        "item": item_id,
        **{k: {"from": getattr(current, k), "to": v} for k, v in changes.items()},
        **({"evidence": [r.to_json() for r in refs]} if refs else {}),
    }
    return _Checked(item_id, changes, refs, details)


def _write_answer(conn: Connection, session: Session, run: Run, checked: _Checked) -> None:
    item_id, changes, refs = checked.item_id, checked.changes, checked.refs
    if changes:
        sets = ", ".join(f"{k} = ?" for k in changes)
        conn.execute(
            f"UPDATE checklist_answers SET {sets}, updated = ?, updated_by = ?"  # noqa: S608
            " WHERE run_id = ? AND item_id = ?",
            [*changes.values(), audit.now(), session.user.name, run.id, item_id],
        )
    for ref in refs:
        conn.execute(
            "INSERT OR IGNORE INTO checklist_evidence (run_id, item_id, artifact_uid,"
            " sample_id, sample_digest, added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                run.id,
                item_id,
                ref.artifact_uid,
                ref.sample_id,
                ref.sample_digest,
                audit.now(),
                session.user.name,
            ),
        )


def sign_off(session: Session, run_id: int | str) -> Run:
    """A lead closes the run; every item must have been answered."""
    run = _open_run(session, run_id, "sign off a checklist")
    session.require_role("sign off a checklist", "lead")
    left = [a.item_id for a in run.answers if a.status == "not_reviewed"]
    if left:
        raise InputError(
            f"{len(left)} item(s) are not reviewed yet (first: {left[0]}); answer them first."
        )
    with session.change("checklist.sign_off", run.uid, {"progress": run.progress()}) as conn:
        conn.execute(
            "UPDATE checklist_runs SET signed_off_by = ?, signed_off_at = ? WHERE id = ?",
            (session.user.name, audit.now(), run.id),
        )
    return get_run(session.conn, run.id)


@dataclass(frozen=True)
class Migration:
    run: Run
    carried: list[str]
    to_review: list[str]


def migrate_run(session: Session, run_id: int | str, template_name: str | None = None) -> Migration:
    """Move a run to a newer template version as a new run; the old one is kept, superseded.

    An answer is carried over only where the item's content hash is unchanged; everything
    else (changed or new items) is listed for re-review.
    """
    old = _open_run(session, run_id, "move a checklist to a new template")
    template = library.resolve(session.conn, template_name or old.template.id)
    if template.id != old.template.id or template.version <= old.template.version:
        raise InputError(
            f"Run {old.id} uses {old.template.key}; move it to a newer version of that template."
        )
    previous = {a.item_id: a for a in old.answers}
    carried, to_review = [], []
    uid = str(uuid.uuid4())
    details = {"from": old.uid, "template": template.key}
    with session.change("checklist.migrate", uid, details) as conn:
        library.pin(session, template, "builtin" if _is_builtin(session, template) else "imported")
        run_id_new = _insert_run(conn, session, uid, old.review_id, template)
        for item in template.items:
            before = previous.get(item.id)
            if before and before.item_hash == item.content_hash and before.status != "not_reviewed":
                carried.append(item.id)
                conn.execute(
                    "INSERT INTO checklist_answers (run_id, item_id, item_hash, status, note,"
                    " severity_override, override_justification, updated, updated_by,"
                    " carried_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id_new,
                        item.id,
                        item.content_hash,
                        before.status,
                        before.note,
                        before.severity_override,
                        before.override_justification,
                        before.updated,
                        before.updated_by,
                        old.id,
                    ),
                )
                conn.execute(
                    "INSERT INTO checklist_evidence (run_id, item_id, artifact_uid, sample_id,"
                    " sample_digest, added, added_by) SELECT ?, item_id, artifact_uid, sample_id,"
                    " sample_digest, added, added_by FROM checklist_evidence"
                    " WHERE run_id = ? AND item_id = ?",
                    (run_id_new, old.id, item.id),
                )
            else:
                to_review.append(item.id)
                conn.execute(
                    "INSERT INTO checklist_answers (run_id, item_id, item_hash) VALUES (?, ?, ?)",
                    (run_id_new, item.id, item.content_hash),
                )
        conn.execute(
            "UPDATE checklist_runs SET superseded_by = ? WHERE id = ?", (run_id_new, old.id)
        )
    return Migration(get_run(session.conn, run_id_new), carried, to_review)


def _is_builtin(session: Session, template: Template) -> bool:
    return any(
        a.template.key == template.key and a.origin == "builtin"
        for a in library.available(session.conn)
    )
