"""A finding's revision history as one row per changed field: who, when, the field, the old
value and the new. The findings store keeps each revision's changes as ``{field: [old, new]}``
plus notes (``reason``, ``imported``, ``evidence_added``, ``links_added``); both front ends
show them through this module (``finding history``, the editor's History tab).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reviewstation.findings import service
from reviewstation.packages import staging
from reviewstation.vault.session import Session

# Notes of a revision that are not a field's old and new value: shown as "added" rows.
NOTES = {
    "reason": "reason",
    "imported": "imported from a package",
    "evidence_added": "evidence added",
    "links_added": "checklist links added",
}
SHORT = 60


@dataclass(frozen=True)
class FieldChange:
    revision: int
    at: str
    user: str
    field: str
    old: Any  # None when the field had no value (or for a note)
    new: Any
    source: str = ""  # a merged field: who changed it in which package (packages/staging.py)

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "at": self.at,
            "user": self.user,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "source": self.source,
        }

    def line(self) -> str:
        """``field: old → new``, each value on one short line."""
        if self.field in NOTES.values():
            return f"{self.field}: {short(self.new)}"
        source = f" ({self.source})" if self.source else ""
        return f"{self.field}: {short(self.old)} → {short(self.new)}{source}"


def short(value: Any) -> str:
    """A value on one line of at most ``SHORT`` characters (the full value is in the JSON)."""
    if value is None or value == "":
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    first, *rest = text.splitlines() or [""]
    if rest or len(first) > SHORT:
        return first[: SHORT - 1] + "…"
    return first


def field_changes(
    revision: dict[str, Any], merged: dict[tuple[int, str], str] | None = None
) -> list[FieldChange]:
    """One revision (``service.revisions``) as rows: fields in name order, then the notes.
    ``merged``: where merged fields came from (``staging.provenance``)."""
    number, at, user = int(revision["revision"]), str(revision["at"]), str(revision["user"])
    changes: dict[str, Any] = revision["changes"]
    sources = merged or {}
    rows = [
        FieldChange(number, at, user, name, value[0], value[1], sources.get((number, name), ""))
        for name, value in sorted(changes.items())
        if name not in NOTES and isinstance(value, list) and len(value) == 2
    ]
    rows += [
        FieldChange(number, at, user, label, None, changes[key])
        for key, label in NOTES.items()
        if key in changes
    ]
    return rows


def finding_history(session: Session, finding_id: int | str) -> list[FieldChange]:
    """Every change of the finding, oldest first."""
    finding = service.get_finding(session.conn, finding_id)
    merged = staging.provenance(session.conn, finding.id)
    rows: list[FieldChange] = []
    for revision in service.revisions(session.conn, finding.id):
        rows.extend(field_changes(revision, merged))
    return rows
