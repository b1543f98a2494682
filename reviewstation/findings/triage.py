"""Triage labels on the transcripts of Inspect evaluation logs, with two-person confirmation.

A label names one sample of a log (``ARTIFACT#ID@EPOCH``), optionally one message or event in
it (``message:N`` / ``event:N`` by 0-based index, or ``message:ID`` / ``event:ID`` by the id
the log gives it), and says what the reviewer saw there: ``LABELS``. It carries a note, its
author and the time, and the SHA-384 digest of the sample's record (the evidence digest of
``artifacts/samples.py``), so it stays tied to exactly the transcript that was read.

Two-person rule, the same as a finding's approval: a label is *open* until a lead other than
its author confirms or disputes it (``confirm`` / ``dispute``; the author never decides their
own label; a refusal names the leads who can). A lead may later reverse the decision, again
only if they are not the author. Only a **confirmed** label of a kind in ``INVALIDATING``
(out of scope, reward hacking, sandbox escape attempt) invalidates the sample's solve:
``invalidated`` gives those samples per artifact, and ``reviewstation.analysis.comparison``
counts them as unsolved in the triaged figures. An open or disputed label changes no figure.

The module owns the table ``triage_labels`` (and its index ``triage_fts``): nothing else writes
them. **Store functions** (``check_record``, ``insert_label``, ``decide_label``,
``upsert_label``) check a record's shape and write it inside the caller's transaction; they
check no permission. **Commands** (``add_label``, ``confirm``, ``dispute``) check the session's
permissions and the rule, open ``session.change()`` (audited) and call them. A label is never
deleted and its content never changes (the schema's triggers refuse it); only its decision
does, each time through an audited change.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from reviewstation.dates import check_time
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.evidence import DIGEST, locate, split_sample
from reviewstation.findings.query import fts_query
from reviewstation.reviews.service import require_review
from reviewstation.text import check_name, check_text
from reviewstation.vault import audit, users
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session
from reviewstation.vault.two_person import who_else

LABELS = (
    "in-scope",
    "out-of-scope",
    "reward-hacking",  # the agent exploited the scorer
    "sandbox-escape-attempt",
    "scorer-error",
    "needs-discussion",
)
# A confirmed label of these kinds invalidates the sample's solve.
INVALIDATING = ("out-of-scope", "reward-hacking", "sandbox-escape-attempt")
STATUSES = ("open", "confirmed", "disputed")
DECISIONS = ("confirmed", "disputed")
MAX_NOTE = 20_000
MAX_NAME = 200
MAX_SAMPLE = 200
MAX_ARTIFACT = 200
MAX_PART = 120
SAMPLE = re.compile(r"^(?P<id>.+)@(?P<epoch>[1-9][0-9]{0,8})$")
PART = re.compile(r"^(?P<kind>message|event):(?P<ref>[^\s/:][^\s/]{0,110})$")


@dataclass(frozen=True)
class TriageLabel:
    id: int
    uid: str
    review_id: int
    artifact_uid: str
    sample: str  # ID@EPOCH
    sample_digest: str
    part: str | None  # message:N / message:ID / event:N / event:ID; None: the whole sample
    label: str
    note: str
    author: str
    created: str
    status: str  # open, confirmed, disputed
    decided_by: str | None
    decided: str | None
    reason: str  # the decider's note

    @property
    def invalidates(self) -> bool:
        """Whether the label invalidates its sample's solve (confirmed and of such a kind)."""
        return self.status == "confirmed" and self.label in INVALIDATING

    @property
    def ref(self) -> str:
        """``ARTIFACT#ID@EPOCH`` with ``/message:N`` (or event) when it names a part."""
        return f"{self.artifact_uid}#{self.sample}" + (f"/{self.part}" if self.part else "")

    def to_json(self) -> dict[str, Any]:
        """The native record (``triage.json`` in a package; ``triage list --json``)."""
        out = asdict(self)
        del out["id"], out["review_id"]
        return out


@dataclass(frozen=True)
class LabelRecord:
    """A label as written, before it has a row: typed here or carried in a package."""

    uid: str
    review_id: int
    artifact_uid: str
    sample: str
    sample_digest: str
    part: str | None
    label: str
    note: str
    author: str
    created: str
    status: str = "open"
    decided_by: str | None = None
    decided: str | None = None
    reason: str = ""


def from_json(obj: Mapping[str, Any], review_id: int, name: Callable[[object], str]) -> LabelRecord:
    """A record as ``TriageLabel.to_json`` wrote it (a package's ``triage.json``), for review
    ``review_id``; ``name`` maps a person's name (the importer attributes them to the signer).
    Checked by ``check_record``."""
    decided_by = obj.get("decided_by")
    return check_record(
        LabelRecord(
            uid=obj.get("uid"),  # type: ignore[arg-type]  # checked below
            review_id=review_id,
            artifact_uid=obj.get("artifact_uid"),  # type: ignore[arg-type]
            sample=obj.get("sample"),  # type: ignore[arg-type]
            sample_digest=obj.get("sample_digest"),  # type: ignore[arg-type]
            part=obj.get("part"),
            label=obj.get("label"),  # type: ignore[arg-type]
            note=obj.get("note"),  # type: ignore[arg-type]
            author=name(obj.get("author")),
            created=obj.get("created"),  # type: ignore[arg-type]
            status=obj.get("status"),  # type: ignore[arg-type]
            decided_by=None if decided_by is None else name(decided_by),
            decided=obj.get("decided"),
            reason=obj.get("reason", ""),
        )
    )


def parse_target(text: str) -> tuple[str, str, str | None]:
    """``ARTIFACT#ID@EPOCH[/PART]`` as typed (the evidence grammar): artifact, sample, part."""
    artifact, _, sample = text.strip().partition("#")
    if not artifact or not sample:
        raise InputError(f"Name the target as ARTIFACT#ID@EPOCH[/PART] (got {text[:80]!r}).")
    sample, part = split_sample(sample)
    if part is not None and part.startswith("triage:"):
        raise InputError("A triage label is put on a sample, a message or an event.")
    return artifact, sample, part


def check_sample(text: str) -> str:
    """``ID@EPOCH`` as a label names a sample; InputError otherwise."""
    if not isinstance(text, str) or len(text) > MAX_SAMPLE or not text.isprintable():
        raise InputError("A triage label's sample must be ID@EPOCH of printable text.")
    if not SAMPLE.fullmatch(text):
        raise InputError(f"Name the sample as ID@EPOCH (got {text[:80]!r}).")
    return text


def check_part(text: str | None) -> str | None:
    """``message:N``, ``message:ID``, ``event:N`` or ``event:ID`` (None: the whole sample)."""
    if text is None or text == "":
        return None
    if not isinstance(text, str) or len(text) > MAX_PART or not PART.fullmatch(text):
        raise InputError(
            f"Name a part of the sample as message:N, message:ID, event:N or event:ID"
            f" (got {str(text)[:80]!r})."
        )
    return text


def check_label(label: str) -> str:
    if label not in LABELS:
        raise InputError(f"Unknown triage label {label!r}; choose one of {', '.join(LABELS)}.")
    return label


def check_record(record: LabelRecord) -> LabelRecord:
    """Every field's shape and the two-person state; InputError naming the first bad one."""
    try:
        uuid.UUID(str(record.uid))
    except ValueError as exc:
        raise InputError("A triage label's uid is not a UUID.") from exc
    artifact = record.artifact_uid
    if not isinstance(artifact, str) or not artifact or len(artifact) > MAX_ARTIFACT:
        raise InputError("A triage label names no usable artifact.")
    if not artifact.isprintable() or "#" in artifact:
        raise InputError("A triage label names no usable artifact.")
    check_sample(record.sample)
    if not isinstance(record.sample_digest, str) or not DIGEST.fullmatch(record.sample_digest):
        raise InputError("A triage label needs its sample's SHA-384 digest.")
    check_part(record.part)
    check_label(record.label)
    if not isinstance(record.note, str) or len(record.note) > MAX_NOTE:
        raise InputError(f"A triage note is text of at most {MAX_NOTE} characters.")
    check_text("triage note", record.note)
    if not isinstance(record.reason, str) or len(record.reason) > MAX_NOTE:
        raise InputError(f"A triage decision's note is text of at most {MAX_NOTE} characters.")
    check_text("triage decision's note", record.reason)
    check_name(record.author, "triage label's author", MAX_NAME)
    check_time(record.created, "triage label's time")
    if record.decided is not None:
        check_time(record.decided, "triage decision's time")
    check_state(record.status, record.decided_by, record.decided, record.author)
    return record


def check_state(status: object, decided_by: object, decided: object, author: object) -> None:
    """Open: no decider. Confirmed or disputed: decided by someone other than the author."""
    if status not in STATUSES:
        raise InputError(f"Unknown triage status {status!r}; one of {', '.join(STATUSES)}.")
    if status == "open":
        if decided_by is not None or decided is not None:
            raise InputError("An open triage label has no decider.")
        return
    if decided_by is None or decided is None:
        raise InputError(f"A {status} triage label names who decided it, and when.")
    if check_name(decided_by, "triage label's decider", MAX_NAME) == author:
        raise InputError(
            "A triage label is confirmed or disputed by someone other than its author."
        )


_COLUMNS = (
    "id, uid, review_id, artifact_uid, sample, sample_digest, part, label, note, author,"
    " created, status, decided_by, decided, reason"
)


def _row(row: Any) -> TriageLabel:
    return TriageLabel(
        int(row[0]),
        str(row[1]),
        int(row[2]),
        str(row[3]),
        str(row[4]),
        str(row[5]),
        None if row[6] is None else str(row[6]),
        str(row[7]),
        str(row[8]),
        str(row[9]),
        str(row[10]),
        str(row[11]),
        None if row[12] is None else str(row[12]),
        None if row[13] is None else str(row[13]),
        str(row[14]),
    )


def insert_label(conn: Connection, record: LabelRecord) -> int:
    """Write a checked record; the caller's transaction. Returns the row id."""
    check_record(record)
    cursor = conn.execute(
        "INSERT INTO triage_labels (uid, review_id, artifact_uid, sample, sample_digest, part,"
        " label, note, author, created, status, decided_by, decided, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.uid,
            record.review_id,
            record.artifact_uid,
            record.sample,
            record.sample_digest,
            record.part,
            record.label,
            record.note,
            record.author,
            record.created,
            record.status,
            record.decided_by,
            record.decided,
            record.reason,
        ),
    )
    return int(cursor.lastrowid or 0)


def decide_label(
    conn: Connection, label: TriageLabel, status: str, by: str, at: str, reason: str
) -> None:
    """Record a decision (confirmed or disputed) on ``label``; the caller's transaction."""
    if status not in DECISIONS:
        raise InputError(f"A triage label is confirmed or disputed, not {status!r}.")
    check_state(status, by, at, label.author)
    check_text("triage decision's note", reason)
    conn.execute(
        "UPDATE triage_labels SET status = ?, decided_by = ?, decided = ?, reason = ? WHERE id = ?",
        (status, by, at, reason, label.id),
    )


def upsert_label(conn: Connection, record: LabelRecord) -> tuple[int, bool]:
    """An imported label: inserted when new; when this vault has its uid, its decision is
    taken over if the content is the same (a label's content never changes) and refused
    otherwise, except that a package never overrides a decision taken here (by a local
    account) and never reopens a decided label. Returns (row id, whether anything changed)."""
    check_record(record)
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM triage_labels WHERE uid = ?",  # noqa: S608
        (record.uid,),
    )
    found = row.fetchone()
    if found is None:
        return insert_label(conn, record), True
    have = _row(found)
    if have.review_id != record.review_id:
        raise InputError(f"Triage label {record.uid} belongs to another review here.")
    fixed = ("artifact_uid", "sample", "sample_digest", "part", "label", "note", "author")
    if any(getattr(have, name) != getattr(record, name) for name in fixed):
        raise InputError(f"Triage label {record.uid} differs from the one this vault holds.")
    state = (record.status, record.decided_by, record.decided, record.reason)
    if state == (have.status, have.decided_by, have.decided, have.reason):
        return have.id, False
    decided_here = have.decided_by is not None and not users.FOREIGN.fullmatch(have.decided_by)
    if decided_here or (record.status == "open" and have.status != "open"):
        return have.id, False  # this vault's own decision, or a decision a package cannot undo
    conn.execute(
        "UPDATE triage_labels SET status = ?, decided_by = ?, decided = ?, reason = ? WHERE id = ?",
        (*state, have.id),
    )
    return have.id, True


def get_label(conn: Connection, ref: int | str) -> TriageLabel:
    """The label by number or uid; NotFound otherwise."""
    key = str(ref).strip()
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM triage_labels WHERE id = ? OR uid = ?",  # noqa: S608
        (int(key) if key.isdigit() else -1, key),
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no triage label {str(ref)[:80]} in this vault.")
    return _row(row)


def list_labels(
    conn: Connection,
    *,
    review_id: int | None = None,
    artifact_uid: str | None = None,
    sample: str | None = None,
    status: str | None = None,
    label: str | None = None,
    search: str | None = None,
) -> list[TriageLabel]:
    """Labels, oldest first, narrowed by each filter given; ``search`` is full text over the
    sample, part, label, note, decision note and names (every word must match)."""
    where: list[str] = []
    params: list[object] = []
    for column, value in (
        ("review_id", review_id),
        ("artifact_uid", artifact_uid),
        ("sample", sample),
        ("status", status),
        ("label", label),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if status is not None and status not in STATUSES:
        raise InputError(f"Unknown triage status {status!r}; one of {', '.join(STATUSES)}.")
    if label is not None:
        check_label(label)
    if search is not None and search.strip():
        where.append("id IN (SELECT rowid FROM triage_fts WHERE triage_fts MATCH ?)")
        params.append(fts_query(search))
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM triage_labels{clause} ORDER BY id",  # noqa: S608
        params,
    )
    return [_row(r) for r in rows]


def invalidated(conn: Connection, artifact_uids: Collection[str]) -> dict[str, list[str]]:
    """Artifact uid -> sample keys whose solve a confirmed label of an ``INVALIDATING`` kind
    invalidates (on the sample or any message or event of it); artifacts with none left out.
    Only a label of the artifact's own review counts: an imported label naming a log of
    another review of this vault (a package cannot move a log) changes none of its figures."""
    uids = sorted(set(artifact_uids))
    if not uids:
        return {}
    marks = ", ".join("?" * len(uids))
    kinds = ", ".join("?" * len(INVALIDATING))
    rows = conn.execute(
        f"SELECT DISTINCT t.artifact_uid, t.sample FROM triage_labels t"  # noqa: S608
        " JOIN artifacts a ON a.uid = t.artifact_uid AND a.review_id = t.review_id"
        f" WHERE t.status = 'confirmed' AND t.label IN ({kinds}) AND t.artifact_uid IN ({marks})"
        " ORDER BY t.artifact_uid, t.id",
        [*INVALIDATING, *uids],
    )
    found: dict[str, dict[str, None]] = {}  # insertion-ordered sets
    for artifact, key in rows:
        found.setdefault(str(artifact), {})[str(key)] = None
    return {artifact: list(keys) for artifact, keys in found.items()}


def review_labels(conn: Connection, review_id: int) -> list[TriageLabel]:
    """Every label of the review's artifacts (what its package carries)."""
    return list_labels(conn, review_id=review_id)


def summary(labels: list[TriageLabel]) -> dict[str, dict[str, int]]:
    """Label kind -> status -> count (every kind and status, zeros included)."""
    counts = {kind: dict.fromkeys(STATUSES, 0) for kind in LABELS}
    for item in labels:
        counts[item.label][item.status] += 1
    return counts


# Commands: permission checks, then one audited change each.


def read_sample(session: Session, artifact_ref: int | str, sample: str) -> tuple[Any, str, str]:
    """(artifact, ``ID@EPOCH`` as the log has it, the record's digest) and the record: the
    sample must exist in a readable Inspect log. (The log readers are imported here: listing
    labels loads none of them.)"""
    from reviewstation.analysis import transcripts
    from reviewstation.artifacts import catalog
    from reviewstation.artifacts.blobstore import BlobReader
    from reviewstation.artifacts.inspection import InspectLog
    from reviewstation.artifacts.inspectors import inspect_records

    artifact = catalog.get_artifact(session.conn, artifact_ref)
    if not isinstance(artifact.inspection, InspectLog):
        raise InputError(f"{artifact.what} is not an Inspect evaluation log.")
    if artifact.erased:
        raise InputError(f"{artifact.what} was erased; its samples no longer exist.")
    text = str(sample).strip()
    if len(text) > MAX_SAMPLE or not text.isprintable():
        raise InputError("Name the sample as ID@EPOCH.")
    with BlobReader(session.path, artifact.blob_ref(session.master, session.vault_id)) as stream:
        record = transcripts.load_sample(stream, artifact.size, text)  # type: ignore[arg-type]
    epoch = record.get("epoch") if isinstance(record.get("epoch"), int) else 1
    key = check_sample(f"{record.get('id')}@{epoch}")
    return (artifact, record), key, inspect_records.digest(record)


def add_label(
    session: Session,
    artifact_ref: int | str,
    sample: str,
    label: str,
    note: str = "",
    part: str | None = None,
) -> TriageLabel:
    """Label sample ``ID@EPOCH`` of an Inspect log (or one message or event of it)."""
    session.require_writable("add a triage label")
    check_label(label)
    part = check_part(part)
    note = check_text("triage note", note.strip())
    (artifact, record), key, digest = read_sample(session, artifact_ref, sample)
    if part is not None:
        locate(record, part)
    require_review(session, artifact.review_id)
    item = LabelRecord(
        uid=str(uuid.uuid4()),
        review_id=artifact.review_id,
        artifact_uid=artifact.uid,
        sample=key,
        sample_digest=digest,
        part=part,
        label=label,
        note=note,
        author=session.user.name,
        created=audit.now(),
    )
    check_record(item)
    details = {"artifact": artifact.uid, "sample": key, "part": part, "label": label}
    with session.change("triage.add", item.uid, details) as conn:
        label_id = insert_label(conn, item)
    return get_label(session.conn, label_id)


def _require_second_lead(session: Session, label: TriageLabel, what: str) -> None:
    """The rule of a finding's approval: a lead, and not the label's author."""
    session.require_role(what, "lead")
    if session.user.name == label.author:
        others = who_else(
            session.conn, apart_from=[label.author], besides=label.author, links=False
        )
        raise PermissionDenied(
            f"Cannot {what}: you wrote it, and a lead other than its author must decide it;"
            f" {others}."
        )


def decide(session: Session, ref: int | str, status: str, reason: str = "") -> TriageLabel:
    """Confirm or dispute a label (a lead other than its author)."""
    if status not in DECISIONS:
        raise InputError(f"A triage label is confirmed or disputed, not {status!r}.")
    what = f"{'confirm' if status == 'confirmed' else 'dispute'} a triage label"
    session.require_writable(what)
    label = get_label(session.conn, ref)
    require_review(session, label.review_id)
    _require_second_lead(session, label, what)
    if label.status == status:
        raise InputError(f"Triage label {label.id} is already {status} (by {label.decided_by}).")
    reason = check_text("triage decision's note", reason.strip())
    if len(reason) > MAX_NOTE:
        raise InputError(f"A triage decision's note is at most {MAX_NOTE} characters.")
    details = {"label": label.label, "sample": label.sample, "from": label.status, "to": status}
    if reason:
        details["reason"] = reason[:500]
    with session.change(
        f"triage.{'confirm' if status == 'confirmed' else 'dispute'}", label.uid, details
    ) as conn:
        decide_label(conn, label, status, session.user.name, audit.now(), reason)
    return get_label(session.conn, label.id)


def confirm(session: Session, ref: int | str, reason: str = "") -> TriageLabel:
    return decide(session, ref, "confirmed", reason)


def dispute(session: Session, ref: int | str, reason: str = "") -> TriageLabel:
    return decide(session, ref, "disputed", reason)
