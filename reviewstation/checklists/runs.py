"""Checklist runs: a template pinned to a review, answered item by item, signed off by a lead.

The module owns the tables ``checklist_runs``, ``checklist_answers`` and
``checklist_evidence``. **Store functions** (``RunRecord``/``AnswerRecord`` checked by
``insert_run``, ``upsert_run``, ``write_answer``, ``add_evidence``, ``write_sign_off``,
``supersede``) validate by this vault's rules and write inside the caller's transaction.
**Commands** (``start_run``, ``set_answer``, ``sign_off``, ``migrate_run``) check permissions and
the workflow, open ``session.change()`` and call them.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewstation.checklists import library
from reviewstation.checklists.templates import SEVERITIES, Template, from_mapping
from reviewstation.dates import check_time
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.evidence import EvidenceRef, check_shape, resolve_evidence
from reviewstation.reviews.service import get_review, require_review
from reviewstation.text import check_name
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


# --- Store functions: validate by this vault's rules and write inside the caller's
# transaction. They check no permission; commands and composite writes do that first.

UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_NAME = 200


@dataclass(frozen=True)
class AnswerRecord:
    """One item's answer to store (checked against its run's template when stored)."""

    item_id: str
    status: str = "not_reviewed"
    note: str = ""
    severity_override: str | None = None
    override_justification: str = ""
    updated: str | None = None
    updated_by: str | None = None
    carried_from: int | None = None
    evidence: Sequence[EvidenceRef] = ()


@dataclass(frozen=True)
class RunRecord:
    """A run to store: its template (already pinned under ``template_key``) and its answers
    (``None``: every item not reviewed yet)."""

    review_id: int
    template_key: str
    template: Template
    started_by: str
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: str | None = None
    signed_off_by: str | None = None
    signed_off_at: str | None = None
    answers: Sequence[AnswerRecord] | None = None
    added_by: str | None = None  # who is recorded as adding the answers' evidence


def check_note(note: object, what: str = "note") -> str:
    """A note is text of several lines; what it holds is shown visible-safe, not refused."""
    if not isinstance(note, str):
        raise InputError(f"A checklist {what} must be text.")
    if len(note) > MAX_NOTE:
        raise InputError(f"A {what} may hold at most {MAX_NOTE} characters.")
    return note


def check_answer(template: Template, answer: AnswerRecord) -> AnswerRecord:
    """An answer by this vault's rules: an item of the template, a known status, a bounded
    note, a severity override only with a written justification."""
    template.item(answer.item_id)  # InputError for an unknown item
    if answer.status not in STATUSES:
        raise InputError(f"Unknown status {answer.status!r}; choose one of {', '.join(STATUSES)}.")
    check_note(answer.note)
    check_note(answer.override_justification, "justification")
    if answer.severity_override is not None:
        if answer.severity_override not in SEVERITIES:
            raise InputError(f"Unknown severity {answer.severity_override!r}.")
        if not answer.override_justification.strip():
            raise InputError("A severity override needs a written justification.")
    if answer.updated_by is not None:
        check_name(answer.updated_by, "checklist run's answerer", MAX_NAME)
    if answer.updated is not None:
        check_time(answer.updated, "checklist run's answer time")
    for ref in answer.evidence:
        check_shape(ref)
    return answer


def _check_record(record: RunRecord) -> list[AnswerRecord]:
    if not UID.fullmatch(record.uid):
        raise InputError(f"A checklist run's uid {record.uid[:60]!r} is not a UUID.")
    check_name(record.started_by, "checklist run's starter", MAX_NAME)
    if record.started is not None:
        check_time(record.started, "checklist run's start time")
    items = [item.id for item in record.template.items]
    if record.answers is None:
        answers = [AnswerRecord(item_id) for item_id in items]
    else:
        answers = [check_answer(record.template, a) for a in record.answers]
        if sorted(a.item_id for a in answers) != sorted(items):
            raise InputError(
                f"Checklist run {record.uid} does not answer each item of {record.template.key}"
                " exactly once."
            )
    if record.signed_off_by is not None or record.signed_off_at is not None:
        check_name(record.signed_off_by, "checklist run's signer", MAX_NAME)
        check_time(record.signed_off_at, "checklist run's sign-off time")
        if any(a.status == "not_reviewed" for a in answers):
            raise InputError(f"Checklist run {record.uid} is signed off with items not reviewed.")
    return answers


def insert_run(conn: Connection, record: RunRecord) -> int:
    """Check ``record`` and store the run, its answers and their evidence; returns its id."""
    answers = _check_record(record)
    cursor = conn.execute(
        "INSERT INTO checklist_runs (uid, review_id, template_key, template_hash, started,"
        " started_by, signed_off_by, signed_off_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.uid,
            record.review_id,
            record.template_key,
            record.template.hash,
            record.started or audit.now(),
            record.started_by,
            record.signed_off_by,
            record.signed_off_at,
        ),
    )
    run_id = int(cursor.lastrowid)
    for answer in answers:
        _write_answer_row(conn, run_id, record.template, answer)
        add_evidence(conn, run_id, answer.item_id, answer.evidence, by=_adder(record))
    return run_id


def _adder(record: RunRecord) -> str:
    return check_name(
        record.added_by or record.started_by, "checklist run's evidence adder", MAX_NAME
    )


def _write_answer_row(conn: Connection, run_id: int, template: Template, a: AnswerRecord) -> None:
    conn.execute(
        "INSERT INTO checklist_answers (run_id, item_id, item_hash, status, note,"
        " severity_override, override_justification, updated, updated_by, carried_from)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, item_id) DO UPDATE SET"
        " status = excluded.status, note = excluded.note,"
        " severity_override = excluded.severity_override,"
        " override_justification = excluded.override_justification,"
        " updated = excluded.updated, updated_by = excluded.updated_by",
        (
            run_id,
            a.item_id,
            template.item(a.item_id).content_hash,
            a.status,
            a.note,
            a.severity_override,
            a.override_justification,
            a.updated,
            a.updated_by,
            a.carried_from,
        ),
    )


def _answer_state(conn: Connection, run_id: int) -> list[tuple[Any, ...]]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT item_id, status, note, severity_override, override_justification"
            " FROM checklist_answers WHERE run_id = ? ORDER BY item_id",
            (run_id,),
        )
    ]


def upsert_run(conn: Connection, record: RunRecord) -> str:
    """A run that arrived from elsewhere, matched by uid: stored when new ("added"), else its
    answers, evidence and sign-off brought up to date ("updated" or "unchanged")."""
    row = conn.execute(
        "SELECT id, review_id, template_key, signed_off_by, signed_off_at"
        " FROM checklist_runs WHERE uid = ?",
        (record.uid,),
    ).fetchone()
    if row is None:
        insert_run(conn, record)
        return "added"
    run_id = int(row[0])
    if int(row[1]) != record.review_id:
        raise InputError(f"The checklist run {record.uid} already belongs to another review here.")
    if row[2] != record.template_key:
        raise InputError(f"The checklist run {record.uid} arrived with another template.")
    answers = _check_record(record)
    before = (_answer_state(conn, run_id), row[3], row[4])
    evidence = conn.execute(
        "SELECT count(*) FROM checklist_evidence WHERE run_id = ?", (run_id,)
    ).fetchone()[0]
    for answer in answers:
        _write_answer_row(conn, run_id, record.template, answer)
        add_evidence(conn, run_id, answer.item_id, answer.evidence, by=_adder(record))
    conn.execute(
        "UPDATE checklist_runs SET signed_off_by = ?, signed_off_at = ? WHERE id = ?",
        (record.signed_off_by, record.signed_off_at, run_id),
    )
    after = (_answer_state(conn, run_id), record.signed_off_by, record.signed_off_at)
    more = conn.execute(
        "SELECT count(*) FROM checklist_evidence WHERE run_id = ?", (run_id,)
    ).fetchone()[0]
    return "unchanged" if after == before and more == evidence else "updated"


def write_answer(
    conn: Connection, run: Run, item_id: str, changes: dict[str, Any], *, by: str
) -> None:
    """Change some fields of one answer (checked as the whole answer they make)."""
    current = next((a for a in run.answers if a.item_id == item_id), None)
    if current is None:
        raise InputError(f"Template {run.template.key} has no item {item_id!r}.")
    unknown = set(changes) - {"status", "note", "severity_override", "override_justification"}
    if unknown:
        raise InputError(f"Unknown answer field(s): {', '.join(sorted(unknown))}.")
    merged = {
        "status": current.status,
        "note": current.note,
        "severity_override": current.severity_override,
        "override_justification": current.override_justification,
        **changes,
    }
    check_answer(run.template, AnswerRecord(item_id, **merged, updated_by=by))
    sets = ", ".join(f"{k} = ?" for k in changes)
    conn.execute(
        f"UPDATE checklist_answers SET {sets}, updated = ?, updated_by = ?"  # noqa: S608
        " WHERE run_id = ? AND item_id = ?",
        [*changes.values(), audit.now(), by, run.id, item_id],
    )


def add_evidence(
    conn: Connection, run_id: int, item_id: str, refs: Sequence[EvidenceRef], *, by: str
) -> None:
    for ref in refs:
        check_shape(ref)
        conn.execute(
            "INSERT OR IGNORE INTO checklist_evidence (run_id, item_id, artifact_uid,"
            " sample_id, sample_digest, added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, item_id, ref.artifact_uid, ref.sample_id, ref.sample_digest, audit.now(), by),
        )


def write_sign_off(conn: Connection, run: Run, *, by: str) -> None:
    left = [a.item_id for a in run.answers if a.status == "not_reviewed"]
    if left:
        raise InputError(
            f"{len(left)} item(s) are not reviewed yet (first: {left[0]}); answer them first."
        )
    conn.execute(
        "UPDATE checklist_runs SET signed_off_by = ?, signed_off_at = ? WHERE id = ?",
        (check_name(by, "checklist run's signer", MAX_NAME), audit.now(), run.id),
    )


def carry_evidence(conn: Connection, to_run: int, from_run: int, item_id: str) -> None:
    """Copy one item's evidence rows (as they were added) to a newer run."""
    conn.execute(
        "INSERT INTO checklist_evidence (run_id, item_id, artifact_uid, sample_id,"
        " sample_digest, added, added_by) SELECT ?, item_id, artifact_uid, sample_id,"
        " sample_digest, added, added_by FROM checklist_evidence"
        " WHERE run_id = ? AND item_id = ?",
        (to_run, from_run, item_id),
    )


def supersede(conn: Connection, old_id: int, new_id: int) -> None:
    conn.execute("UPDATE checklist_runs SET superseded_by = ? WHERE id = ?", (new_id, old_id))


# --- Commands: permissions and workflow, then one ``session.change()`` around store functions.


def start_run(session: Session, review_id: int | str, template_name: str) -> Run:
    session.require_writable("start a checklist")
    review = require_review(session, review_id)
    template = library.resolve(session.conn, template_name)
    origin = "builtin" if _is_builtin(session, template) else "imported"
    record = RunRecord(review.id, template.key, template, session.user.name)
    details = {"review": review.uid, "template": template.key, "hash": template.hash}
    with session.change("checklist.start", record.uid, details) as conn:
        library.pin(conn, template, origin, by=session.user.name)
        run_id = insert_run(conn, record)
    return get_run(session.conn, run_id)


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
        changes["note"] = check_note(note)
    if severity_override is not None:
        if severity_override not in SEVERITIES:
            raise InputError(f"Unknown severity {severity_override!r}.")
        if not (justification or "").strip():
            raise InputError("A severity override needs a written justification.")
        changes["severity_override"] = severity_override
        changes["override_justification"] = justification.strip()  # type: ignore[union-attr]
    refs = [resolve_evidence(session, ref, review_id=run.review_id) for ref in evidence or []]
    if not changes and not refs:
        raise InputError("Nothing to change: give a status, a note, a severity or evidence.")
    details = {
        "item": item_id,
        **{k: {"from": getattr(current, k), "to": v} for k, v in changes.items()},
        **({"evidence": [r.to_json() for r in refs]} if refs else {}),
    }
    return _Checked(item_id, changes, refs, details)


def _write_answer(conn: Connection, session: Session, run: Run, checked: _Checked) -> None:
    if checked.changes:
        write_answer(conn, run, checked.item_id, checked.changes, by=session.user.name)
    add_evidence(conn, run.id, checked.item_id, checked.refs, by=session.user.name)


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
        write_sign_off(conn, run, by=session.user.name)
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
    answers = []
    for item in template.items:
        before = previous.get(item.id)
        if before and before.item_hash == item.content_hash and before.status != "not_reviewed":
            carried.append(item.id)
            answers.append(
                AnswerRecord(
                    item.id,
                    before.status,
                    before.note,
                    before.severity_override,
                    before.override_justification,
                    before.updated,
                    before.updated_by,
                    carried_from=old.id,
                )
            )
        else:
            to_review.append(item.id)
            answers.append(AnswerRecord(item.id))
    record = RunRecord(old.review_id, template.key, template, session.user.name, answers=answers)
    details = {"from": old.uid, "template": template.key}
    with session.change("checklist.migrate", record.uid, details) as conn:
        origin = "builtin" if _is_builtin(session, template) else "imported"
        library.pin(conn, template, origin, by=session.user.name)
        run_id_new = insert_run(conn, record)
        for item_id in carried:
            carry_evidence(conn, run_id_new, old.id, item_id)
        supersede(conn, old.id, run_id_new)
    return Migration(get_run(session.conn, run_id_new), carried, to_review)


def _is_builtin(session: Session, template: Template) -> bool:
    return any(
        a.template.key == template.key and a.origin == "builtin"
        for a in library.available(session.conn)
    )
