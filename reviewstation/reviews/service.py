"""Create, change and read reviews. Every change is audited with the fields it touched.

The module owns the tables ``reviews`` and ``review_assignees``. **Store functions**
(``check_values``, ``insert_review``, ``write_fields``, ``write_status``,
``write_determination``, ``add_assignee``, ``remove_assignee``) validate by this vault's rules
and write inside the caller's transaction. **Commands** (``create_review``, ``update_review``,
``set_status``, ``set_determination``, ``assign``, and ``apply_update``, the whole of
``review update`` in one transaction) check permissions and the workflow, open
``session.change()`` and call the store functions.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from reviewstation import markings
from reviewstation.dates import check_time, parse_date, today
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.text import check_line, check_name
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


def _marking(marking: str, value: str) -> str:
    """The full form of a review's marking; never above the vault's (no silent spill)."""
    return markings.within(value, marking, "review's marking").text


def _choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise InputError(f"Unknown {what} {value!r}; choose one of {', '.join(allowed)}.")
    return value


def _check_dates(received: str, deadline: str, planned_release: str | None) -> None:
    if parse_date(deadline, "deadline") < parse_date(received, "received date"):
        raise InputError("The deadline is before the received date.")
    if planned_release:
        parse_date(planned_release, "planned release date")


# --- Store functions: validate by this vault's rules and write inside the caller's
# transaction. They check no permission; commands and composite writes do that first.

REQUIRED = ("title", "developer", "model_name", "marking")
UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_NAME = 200


@dataclass(frozen=True)
class ReviewRecord:
    """A review to store (``insert_review`` checks it; building one checks nothing)."""

    fields: Mapping[str, Any]  # names from EDITABLE
    created_by: str
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "intake"
    determination: str = "pending"
    determination_reference: str = ""
    determination_rationale: str = ""
    determination_by: str | None = None
    determination_at: str | None = None
    assignees: Sequence[str] = ()


def check_values(values: Mapping[str, Any], marking: str) -> dict[str, Any]:
    """A review's descriptive fields checked by this vault's rules (``marking`` is the vault's:
    a review is never marked above it). ``None`` means "not given" and stays ``None``."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise InputError(f"Cannot change {', '.join(sorted(unknown))} of a review this way.")
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            out[name] = None
            continue
        if not isinstance(value, str):
            raise InputError(f"The review's {name.replace('_', ' ')} must be text.")
        if name == "access_mode":
            out[name] = _choice(value, ACCESS_MODES, "access mode")
        elif name in ("received", "deadline", "planned_release"):
            out[name] = parse_date(value, name.replace("_", " ")).isoformat()
        elif name == "marking":
            out[name] = _marking(marking, value)
        else:
            out[name] = _text(value, name.replace("_", " "), required=name in REQUIRED)
    return out


def insert_review(conn: Connection, record: ReviewRecord, *, marking: str) -> int:
    """Check ``record`` and store it with its assignees; returns its row id."""
    if not UID.fullmatch(record.uid):
        raise InputError(f"A review's uid {record.uid[:60]!r} is not a UUID.")
    values = check_values(record.fields, marking)
    missing = [n for n in (*REQUIRED, "received", "deadline") if not values.get(n)]
    if missing:
        raise InputError(f"A review needs its {', '.join(missing).replace('_', ' ')}.")
    if values.get("access_mode") is None:
        values["access_mode"] = "weights"
    _check_dates(values["received"], values["deadline"], values.get("planned_release"))
    _choice(record.status, STATUSES, "review status")
    _choice(record.determination, DETERMINATIONS, "determination")
    determination: dict[str, Any] = {
        "determination": record.determination,
        "determination_reference": _text(
            record.determination_reference, "determination reference", required=False
        ),
        "determination_rationale": _text(
            record.determination_rationale,
            "determination rationale",
            required=False,
            one_line=False,
        ),
        "determination_by": None,
        "determination_at": None,
    }
    if record.determination_by is not None or record.determination_at is not None:
        determination["determination_by"] = check_name(
            record.determination_by, "review's decider", MAX_NAME
        )
        determination["determination_at"] = check_time(
            record.determination_at, "review's decision time"
        )
    now = audit.now()
    row = {
        **{name: value for name, value in values.items() if value is not None},
        **determination,
        "uid": record.uid,
        "status": record.status,
        "created": now,
        "created_by": check_name(record.created_by, "review's creator", MAX_NAME),
        "updated": now,
    }
    cursor = conn.execute(
        f"INSERT INTO reviews ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
        list(row.values()),
    )
    review_id = int(cursor.lastrowid)
    for user in record.assignees:
        add_assignee(conn, review_id, user)
    return review_id


def write_fields(
    conn: Connection, review_id: int, updates: Mapping[str, Any], *, marking: str
) -> None:
    """Check and store changed descriptive fields (the dates stay in order)."""
    checked = check_values(updates, marking)
    for name in REQUIRED:
        if name in checked and not checked[name]:
            raise InputError(f"The review's {name.replace('_', ' ')} must not be empty.")
    merged = {**asdict(get_review(conn, review_id)), **checked}
    _check_dates(merged["received"], merged["deadline"], merged["planned_release"])
    sets = ", ".join(f"{name} = ?" for name in checked)
    conn.execute(
        f"UPDATE reviews SET {sets}, updated = ? WHERE id = ?",  # noqa: S608
        [*checked.values(), audit.now(), review_id],
    )


def write_status(conn: Connection, review_id: int, status: str) -> None:
    conn.execute(
        "UPDATE reviews SET status = ?, updated = ? WHERE id = ?",
        (_choice(status, STATUSES, "status"), audit.now(), review_id),
    )


def write_determination(
    conn: Connection,
    review_id: int,
    determination: str,
    reference: str,
    rationale: str,
    by: str,
) -> None:
    _choice(determination, DETERMINATIONS, "determination")
    if determination != "pending" and not rationale.strip():
        raise InputError("A determination needs a written rationale.")
    conn.execute(
        "UPDATE reviews SET determination = ?, determination_reference = ?,"
        " determination_rationale = ?, determination_by = ?, determination_at = ?,"
        " updated = ? WHERE id = ?",
        (
            determination,
            _text(reference, "determination reference", required=False),
            _text(rationale, "determination rationale", required=False, one_line=False),
            check_name(by, "review's decider", MAX_NAME),
            audit.now(),
            audit.now(),
            review_id,
        ),
    )


def _active_user(conn: Connection, user: str) -> None:
    exists = conn.execute("SELECT active FROM users WHERE name = ?", (user,)).fetchone()
    if exists is None or not exists[0]:
        raise NotFound(f"There is no active user named {user!r}.")


def add_assignee(conn: Connection, review_id: int, user: str) -> None:
    """Assign an active user of this vault (a name from elsewhere is nobody here)."""
    _active_user(conn, user)
    conn.execute(
        "INSERT OR IGNORE INTO review_assignees (review_id, user) VALUES (?, ?)", (review_id, user)
    )


def remove_assignee(conn: Connection, review_id: int, user: str) -> None:
    conn.execute("DELETE FROM review_assignees WHERE review_id = ? AND user = ?", (review_id, user))


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


# --- Commands: permissions and workflow, then one ``session.change()`` around store functions.


@dataclass(frozen=True)
class _Step:
    """One audited part of a change to a review: its audit action and details, and its write."""

    action: str
    details: dict[str, Any]
    write: Callable[[Connection], None]


def _run(session: Session, review: Review, steps: list[_Step]) -> Review:
    """Every step in one transaction, each with its own audit entry: all or nothing."""
    if not steps:
        return review
    first, *rest = steps
    with session.change(first.action, review.uid, first.details) as conn:
        first.write(conn)
        for step in rest:
            audit.append(
                conn, session.vault_id, session.user.name, step.action, review.uid, step.details
            )
            step.write(conn)
    return get_review(session.conn, review.id)


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
    fields = {
        "title": title,
        "developer": developer,
        "developer_contact": developer_contact,
        "model_name": model_name,
        "model_version": model_version,
        "access_mode": access_mode,
        "received": received_date.isoformat(),
        "deadline": deadline_date.isoformat(),
        "planned_release": planned_release.strip() if planned_release else None,
        "marking": marking or session.marking,
    }
    values = check_values(fields, session.marking)  # a clear error before anything is written
    _check_dates(values["received"], values["deadline"], values["planned_release"])
    record = ReviewRecord(fields, session.user.name, assignees=[session.user.name])
    with session.change("review.create", record.uid, {"title": values["title"]}) as conn:
        review_id = insert_review(conn, record, marking=session.marking)
    return get_review(session.conn, review_id)


def _plan_fields(session: Session, review: Review, changes: Mapping[str, Any]) -> _Step | None:
    given = {name: value for name, value in changes.items() if value is not None}
    checked = check_values(given, session.marking)
    for name in REQUIRED:
        if name in checked and not checked[name]:
            raise InputError(f"The review's {name.replace('_', ' ')} must not be empty.")
    updates = {name: value for name, value in checked.items() if getattr(review, name) != value}
    if not updates:
        return None
    merged = {**asdict(review), **updates}
    _check_dates(merged["received"], merged["deadline"], merged["planned_release"])
    details = {
        name: {"from": getattr(review, name), "to": value} for name, value in updates.items()
    }

    def write(conn: Connection) -> None:
        write_fields(conn, review.id, updates, marking=session.marking)

    return _Step("review.update", details, write)


def _plan_status(session: Session, review: Review, status: str) -> _Step:
    _choice(status, STATUSES, "status")
    if status not in TRANSITIONS[review.status]:
        raise InputError(
            f"A review cannot go from {review.status} to {status}; next: "
            f"{', '.join(TRANSITIONS[review.status])}."
        )
    if status in LEAD_ONLY_TARGETS:
        session.require_role(f"mark a review {status}", "lead")
    return _Step(
        "review.status",
        {"from": review.status, "to": status},
        lambda conn: write_status(conn, review.id, status),
    )


def _plan_determination(
    session: Session, review: Review, determination: str, reference: str, rationale: str
) -> _Step:
    session.require_role("record a covered-model determination", "lead")
    _choice(determination, DETERMINATIONS, "determination")
    if determination != "pending" and not rationale.strip():
        raise InputError("A determination needs a written rationale.")
    _text(reference, "determination reference", required=False)
    _text(rationale, "determination rationale", required=False, one_line=False)
    details = {"from": review.determination, "to": determination, "reference": reference}
    return _Step(
        "review.determination",
        details,
        lambda conn: write_determination(
            conn, review.id, determination, reference, rationale, session.user.name
        ),
    )


def _plan_assign(session: Session, review: Review, user: str, *, remove: bool) -> _Step | None:
    session.require_role("assign reviewers", "lead")
    _active_user(session.conn, user)
    if remove:
        if user not in review.assignees:
            return None
        return _Step(
            "review.unassign", {"user": user}, lambda conn: remove_assignee(conn, review.id, user)
        )
    if user in review.assignees:
        return None
    return _Step("review.assign", {"user": user}, lambda conn: add_assignee(conn, review.id, user))


def update_review(session: Session, review_id: int | str, **changes: str | None) -> Review:
    """Change descriptive fields; only the given ones. Audited with old and new values."""
    session.require_writable("change a review")
    review = require_review(session, review_id)
    step = _plan_fields(session, review, changes)
    return _run(session, review, [step] if step else [])


def apply_update(
    session: Session,
    review_id: int | str,
    *,
    fields: Mapping[str, str | None] | None = None,
    assign: Sequence[str] = (),
    unassign: Sequence[str] = (),
    determination: str | None = None,
    reference: str = "",
    rationale: str = "",
    status: str | None = None,
) -> Review:
    """``review update``: fields, assignees, determination and status, checked first and then
    written in one transaction (each part with its own audit entry), so a refused part leaves
    the review as it was."""
    session.require_writable("change a review")
    given = {name: value for name, value in (fields or {}).items() if value is not None}
    content = bool(given or assign or unassign or determination is not None)
    review = get_review(session.conn, review_id)
    steps: list[_Step | None] = []
    if status is not None and review.status == "closed":
        # Reopening goes first, so the other parts change the reopened review; any other
        # status change goes last, so a review can be edited and closed in one command.
        steps.append(_plan_status(session, review, status))
        review, status = replace(review, status=status), None
    elif content:
        review = require_review(session, review_id)  # a closed review is not changed
    steps.append(_plan_fields(session, review, given))
    assigned = set(review.assignees)
    for user, remove in [*((u, False) for u in assign), *((u, True) for u in unassign)]:
        now = replace(review, assignees=sorted(assigned))
        steps.append(_plan_assign(session, now, user, remove=remove))
        (assigned.discard if remove else assigned.add)(user)
    if determination is not None:
        steps.append(_plan_determination(session, review, determination, reference, rationale))
    if status is not None:
        steps.append(_plan_status(session, review, status))
    return _run(session, review, [step for step in steps if step is not None])


def set_status(session: Session, review_id: int | str, status: str) -> Review:
    session.require_writable("change a review's status")
    review = get_review(session.conn, review_id)
    return _run(session, review, [_plan_status(session, review, status)])


def set_determination(
    session: Session, review_id: int | str, determination: str, reference: str, rationale: str
) -> Review:
    """The covered-model determination: who decided is the unlocked lead."""
    session.require_writable("record a determination")
    session.require_role("record a covered-model determination", "lead")
    review = require_review(session, review_id)
    step = _plan_determination(session, review, determination, reference, rationale)
    return _run(session, review, [step])


def assign(session: Session, review_id: int | str, user: str, *, remove: bool = False) -> Review:
    session.require_writable("assign reviewers")
    session.require_role("assign reviewers", "lead")
    review = require_review(session, review_id)
    step = _plan_assign(session, review, user, remove=remove)
    return _run(session, review, [step] if step else [])


def require_review(session: Session, review_id: int | str) -> Review:
    """For feature modules: the review, or NotFound; refuses closed reviews for changes."""
    review = get_review(session.conn, review_id)
    if review.status == "closed":
        raise PermissionDenied(f"Review {review.id} is closed; reopen it to change it.")
    return review
