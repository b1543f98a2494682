"""Create, change and read reviews. Every change is audited with the fields it touched."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from reviewstation import markings
from reviewstation.dates import parse_date, today
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.text import check_line
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session

REVIEW_DAYS = 30
WARN_DAYS = 7
ACCESS_MODES = ("weights", "api", "weights+api")
DETERMINATIONS = ("pending", "covered", "not_covered")
STATUSES = ("intake", "in_review", "findings_drafted", "approved", "exported", "closed")
# Forward one step, or back to in_review to reopen. Approving and closing need a lead.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "intake": ("in_review",),
    "in_review": ("findings_drafted",),
    "findings_drafted": ("approved", "in_review"),
    "approved": ("exported", "in_review"),
    "exported": ("closed", "in_review"),
    "closed": ("in_review",),
}
LEAD_ONLY_TARGETS = ("approved", "closed")
MAX_TEXT = 2000
EDITABLE = (
    "title",
    "developer",
    "developer_contact",
    "model_name",
    "model_version",
    "access_mode",
    "received",
    "deadline",
    "planned_release",
    "marking",
)


@dataclass(frozen=True)
class Review:
    id: int
    uid: str
    title: str
    developer: str
    developer_contact: str
    model_name: str
    model_version: str
    access_mode: str
    received: str
    deadline: str
    planned_release: str | None
    determination: str
    determination_reference: str
    determination_rationale: str
    determination_by: str | None
    determination_at: str | None
    marking: str
    status: str
    created: str
    created_by: str
    updated: str
    assignees: list[str] = field(default_factory=list)

    def days_left(self, on: dt.date | None = None) -> int:
        return (dt.date.fromisoformat(self.deadline) - (on or today())).days

    def clock(self, on: dt.date | None = None) -> str:
        """'ok', 'warning' (7 days or fewer) or 'overdue': what the GUI colours and CLI flags."""
        left = self.days_left(on)
        if left < 0:
            return "overdue"
        return "warning" if left <= WARN_DAYS else "ok"

    def to_json(self, on: dt.date | None = None) -> dict[str, Any]:
        return {**asdict(self), "days_left": self.days_left(on), "clock": self.clock(on)}


def _text(value: str, what: str, *, required: bool = True, one_line: bool = True) -> str:
    """A descriptive field; one-line fields (all but the determination rationale) refuse
    newlines and control or bidi characters: they are shown in lists and on terminals."""
    value = value.strip()
    if required and not value:
        raise InputError(f"The review's {what} must not be empty.")
    if one_line:
        check_line(f"review's {what}", value)
    if len(value) > MAX_TEXT or not all(c.isprintable() or c in "\n\t" for c in value):
        raise InputError(f"The review's {what} is too long or contains control characters.")
    return value


def _marking(session: Session, value: str) -> str:
    """The full form of a review's marking; never above the vault's (no silent spill)."""
    return markings.within(value, session.marking, "review's marking").text


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InputError(f"Unknown {what} {value!r}; choose one of {', '.join(allowed)}.")
    return value


def _check_dates(received: str, deadline: str, planned_release: str | None) -> None:
    if parse_date(deadline, "deadline") < parse_date(received, "received date"):
        raise InputError("The deadline is before the received date.")
    if planned_release:
        parse_date(planned_release, "planned release date")


def create_review(
    session: Session,
    *,
    title: str,
    developer: str,
    model_name: str,
    received: str | None = None,
    deadline: str | None = None,
    model_version: str = "",
    developer_contact: str = "",
    access_mode: str = "weights",
    planned_release: str | None = None,
    marking: str | None = None,
) -> Review:
    session.require_writable("create a review")
    received_date = parse_date(received, "received date") if received else today()
    deadline_date = (
        parse_date(deadline, "deadline")
        if deadline
        else received_date + dt.timedelta(days=REVIEW_DAYS)
    )
    values = {
        "uid": str(uuid.uuid4()),
        "title": _text(title, "title"),
        "developer": _text(developer, "developer"),
        "developer_contact": _text(developer_contact, "developer contact", required=False),
        "model_name": _text(model_name, "model name"),
        "model_version": _text(model_version, "model version", required=False),
        "access_mode": _choice(access_mode, ACCESS_MODES, "access mode"),
        "received": received_date.isoformat(),
        "deadline": deadline_date.isoformat(),
        "planned_release": planned_release.strip() if planned_release else None,
        "marking": _marking(session, marking or session.marking),
    }
    _check_dates(values["received"], values["deadline"], values["planned_release"])  # type: ignore[arg-type]
    now = audit.now()
    columns = [*values, "created", "created_by", "updated"]
    row = [*values.values(), now, session.user.name, now]
    with session.change("review.create", str(values["uid"]), {"title": values["title"]}) as conn:
        cursor = conn.execute(
            f"INSERT INTO reviews ({', '.join(columns)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
            row,
        )
        review_id = int(cursor.lastrowid)
        conn.execute(
            "INSERT INTO review_assignees (review_id, user) VALUES (?, ?)",
            (review_id, session.user.name),
        )
    return get_review(session.conn, review_id)


def _row_to_review(conn: Connection, row: Any) -> Review:
    assignees = [
        r[0]
        for r in conn.execute(
            "SELECT user FROM review_assignees WHERE review_id = ? ORDER BY user", (row[0],)
        )
    ]
    return Review(**dict(zip(_FIELDS, row, strict=True)), assignees=assignees)


_FIELDS = [name for name in Review.__dataclass_fields__ if name != "assignees"]
_COLUMNS = ", ".join(_FIELDS)


def get_review(conn: Connection, review_id: int | str) -> Review:
    key = str(review_id).strip()
    if key.isdigit():
        row = conn.execute(f"SELECT {_COLUMNS} FROM reviews WHERE id = ?", (int(key),)).fetchone()  # noqa: S608
    else:
        row = conn.execute(f"SELECT {_COLUMNS} FROM reviews WHERE uid = ?", (key,)).fetchone()  # noqa: S608
    if row is None:
        raise NotFound(f"There is no review {review_id!s} in this vault.")
    return _row_to_review(conn, row)


def list_reviews(conn: Connection) -> list[Review]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM reviews ORDER BY deadline, id").fetchall()  # noqa: S608
    return [_row_to_review(conn, r) for r in rows]


@dataclass(frozen=True)
class _Step:
    """One audited change to a review: planned (validated) first, applied in a transaction."""

    action: str
    details: dict[str, Any]
    apply: Callable[[Connection], None]


def _open_for_change(review: Review) -> None:
    if review.status == "closed":
        raise PermissionDenied(f"Review {review.id} is closed; reopen it to change it.")


def _commit(session: Session, review: Review, steps: list[_Step]) -> Review:
    """All steps in one transaction, each with its own audit entry, in order."""
    if not steps:
        return review
    first, *rest = steps
    with session.change(first.action, review.uid, first.details) as conn:
        first.apply(conn)
        for step in rest:
            audit.append(
                conn, session.vault_id, session.user.name, step.action, review.uid, step.details
            )
            step.apply(conn)
    return get_review(session.conn, review.id)


def _fields_step(session: Session, review: Review, changes: dict[str, str | None]) -> _Step | None:
    session.require_writable("change a review")
    _open_for_change(review)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InputError(f"Cannot change {', '.join(sorted(unknown))} of a review this way.")
    updates: dict[str, str | None] = {}
    for name, value in changes.items():
        if value is None:
            continue
        if name == "access_mode":
            value = _choice(value, ACCESS_MODES, "access mode")
        elif name in ("received", "deadline", "planned_release"):
            value = parse_date(value, name.replace("_", " ")).isoformat()
        elif name == "marking":
            value = _marking(session, value)
        else:
            required = name in ("title", "developer", "model_name", "marking")
            value = _text(value, name.replace("_", " "), required=required)
        if getattr(review, name) != value:
            updates[name] = value
    if not updates:
        return None
    merged = {**asdict(review), **updates}
    _check_dates(merged["received"], merged["deadline"], merged["planned_release"])
    details = {
        name: {"from": getattr(review, name), "to": value} for name, value in updates.items()
    }

    def apply(conn: Connection) -> None:
        sets = ", ".join(f"{name} = ?" for name in updates)
        conn.execute(
            f"UPDATE reviews SET {sets}, updated = ? WHERE id = ?",  # noqa: S608
            [*updates.values(), audit.now(), review.id],
        )

    return _Step("review.update", details, apply)


def _status_step(session: Session, review: Review, status: str) -> _Step | None:
    session.require_writable("change a review's status")
    _choice(status, STATUSES, "status")
    if status not in TRANSITIONS[review.status]:
        raise InputError(
            f"A review cannot go from {review.status} to {status}; next: "
            f"{', '.join(TRANSITIONS[review.status])}."
        )
    if status in LEAD_ONLY_TARGETS:
        session.require_role(f"mark a review {status}", "lead")

    def apply(conn: Connection) -> None:
        conn.execute(
            "UPDATE reviews SET status = ?, updated = ? WHERE id = ?",
            (status, audit.now(), review.id),
        )

    return _Step("review.status", {"from": review.status, "to": status}, apply)


def _determination_step(
    session: Session, review: Review, determination: str, reference: str, rationale: str
) -> _Step:
    session.require_writable("record a determination")
    session.require_role("record a covered-model determination", "lead")
    _open_for_change(review)
    _choice(determination, DETERMINATIONS, "determination")
    if determination != "pending" and not rationale.strip():
        raise InputError("A determination needs a written rationale.")
    reference = _text(reference, "determination reference", required=False)
    rationale = _text(rationale, "determination rationale", required=False, one_line=False)
    details = {"from": review.determination, "to": determination, "reference": reference}

    def apply(conn: Connection) -> None:
        conn.execute(
            "UPDATE reviews SET determination = ?, determination_reference = ?,"
            " determination_rationale = ?, determination_by = ?, determination_at = ?,"
            " updated = ? WHERE id = ?",
            (
                determination,
                reference,
                rationale,
                session.user.name,
                audit.now(),
                audit.now(),
                review.id,
            ),
        )

    return _Step("review.determination", details, apply)


def _assign_step(session: Session, review: Review, user: str, *, remove: bool) -> _Step | None:
    session.require_writable("assign reviewers")
    session.require_role("assign reviewers", "lead")
    _open_for_change(review)
    exists = session.conn.execute("SELECT active FROM users WHERE name = ?", (user,)).fetchone()
    if exists is None or not exists[0]:
        raise NotFound(f"There is no active user named {user!r}.")
    if remove:
        if user not in review.assignees:
            return None

        def unassign(conn: Connection) -> None:
            conn.execute(
                "DELETE FROM review_assignees WHERE review_id = ? AND user = ?", (review.id, user)
            )

        return _Step("review.unassign", {"user": user}, unassign)
    if user in review.assignees:
        return None

    def assign_(conn: Connection) -> None:
        conn.execute(
            "INSERT INTO review_assignees (review_id, user) VALUES (?, ?)", (review.id, user)
        )

    return _Step("review.assign", {"user": user}, assign_)


def update_review(session: Session, review_id: int | str, **changes: str | None) -> Review:
    """Change descriptive fields; only the given ones. Audited with old and new values."""
    session.require_writable("change a review")
    review = get_review(session.conn, review_id)
    step = _fields_step(session, review, changes)
    return _commit(session, review, [step] if step else [])


def set_status(session: Session, review_id: int | str, status: str) -> Review:
    session.require_writable("change a review's status")
    review = get_review(session.conn, review_id)
    step = _status_step(session, review, status)
    return _commit(session, review, [step] if step else [])


def set_determination(
    session: Session, review_id: int | str, determination: str, reference: str, rationale: str
) -> Review:
    """The covered-model determination: who decided is the unlocked lead."""
    review = get_review(session.conn, review_id)
    step = _determination_step(session, review, determination, reference, rationale)
    return _commit(session, review, [step])


def assign(session: Session, review_id: int | str, user: str, *, remove: bool = False) -> Review:
    review = get_review(session.conn, review_id)
    step = _assign_step(session, review, user, remove=remove)
    return _commit(session, review, [step] if step else [])


def change_review(
    session: Session,
    review_id: int | str,
    *,
    fields: dict[str, str | None] | None = None,
    status: str | None = None,
    determination: tuple[str, str, str] | None = None,
    assign: tuple[str, ...] = (),
    unassign: tuple[str, ...] = (),
) -> Review:
    """Several changes at once, all or nothing, in one transaction (one audit entry each).

    A reopening (closed -> in_review) goes first, so the other changes apply to the reopened
    review; any other status change goes last, so a review can be edited and then closed.
    Everything is validated before anything is written.
    """
    review = get_review(session.conn, review_id)
    steps: list[_Step | None] = []
    current = review
    reopen = status is not None and review.status == "closed"
    if status is not None and reopen:
        steps.append(_status_step(session, review, status))
        current = replace(review, status=status)
    if fields:
        steps.append(_fields_step(session, current, fields))
    for user in assign:
        steps.append(_assign_step(session, current, user, remove=False))
        current = replace(current, assignees=[*current.assignees, user])
    for user in unassign:
        steps.append(_assign_step(session, current, user, remove=True))
        current = replace(current, assignees=[u for u in current.assignees if u != user])
    if determination is not None:
        steps.append(_determination_step(session, current, *determination))
    if status is not None and not reopen:
        steps.append(_status_step(session, current, status))
    return _commit(session, review, [step for step in steps if step is not None])


def require_review(session: Session, review_id: int | str) -> Review:
    """For feature modules: the review, or NotFound; refuses closed reviews for changes."""
    review = get_review(session.conn, review_id)
    if review.status == "closed":
        raise PermissionDenied(f"Review {review.id} is closed; reopen it to change it.")
    return review
