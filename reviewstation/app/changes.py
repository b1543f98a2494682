"""What a piece of work changed in the vault, read from the audit trail it appended to.

Every write goes through ``Session.change()``, whose first statement appends an audit entry, so
the entries after a mark taken before the work name every change it made, whoever made it and
whether or not the work then failed. A front end uses this to refresh what it shows
(the GUI's "vault changed" signal) without each caller having to say what it touched.
"""

from __future__ import annotations

from collections.abc import Iterable

from reviewstation.vault import audit
from reviewstation.vault.session import Session

REVIEWS = "reviews"
CHECKLISTS = "checklists"
FINDINGS = "findings"
ARTIFACTS = "artifacts"
PACKAGES = "packages"
USERS = "users"
AUDIT = "audit"  # the trail itself: every change names it
ALL: frozenset[str] = frozenset({REVIEWS, CHECKLISTS, FINDINGS, ARTIFACTS, PACKAGES, USERS, AUDIT})

# An action's name (``feature.verb``), most specific first, to the parts of the vault it
# changes. An action not listed here changes ALL: a new action refreshes too much, never too
# little.
AFFECTS: dict[str, frozenset[str]] = {
    "package.import": frozenset({REVIEWS, CHECKLISTS, FINDINGS, ARTIFACTS, PACKAGES}),
    "package.import_refused": frozenset(),
    "package.export_failed": frozenset(),
    "package": frozenset({PACKAGES}),
    "artifact.view": frozenset(),  # a recorded look: the trail only
    "artifact.export": frozenset(),
    "trust": frozenset({PACKAGES}),
    "disclosure": frozenset({PACKAGES}),  # a recipient's clearance, a proof written
    "vault.policy": frozenset({PACKAGES}),
    "vault.publisher": frozenset({PACKAGES}),
    "review": frozenset({REVIEWS}),
    "determination": frozenset({REVIEWS}),  # a review's capability areas
    "checklist": frozenset({CHECKLISTS}),
    "finding": frozenset({FINDINGS}),
    "artifact": frozenset({ARTIFACTS}),
    "triage": frozenset(),  # triage labels: shown only where a comparison is open
    "user": frozenset({USERS}),
    "slot": frozenset({USERS}),
    "vault": frozenset(),  # unlock, migration: the trail only
    "audit": frozenset(),
    "unverified": frozenset(),
}


def affected(action: str) -> frozenset[str]:
    """The parts of the vault ``action`` changes, the audit trail included."""
    name = action
    while True:
        if name in AFFECTS:
            return AFFECTS[name] | {AUDIT}
        if "." not in name:
            return ALL
        name = name.rsplit(".", 1)[0]


def affected_by(actions: Iterable[str]) -> frozenset[str]:
    found: set[str] = set()
    for action in actions:
        found |= affected(action)
    return frozenset(found)


def mark(session: Session) -> int:
    """Where the trail ends now (its entry count)."""
    return audit.head(session.conn, session.vault_id)[0]


def changed_since(session: Session, before: int) -> frozenset[str]:
    """The parts changed by the entries appended after ``before`` (empty if none)."""
    if mark(session) == before:
        return frozenset()
    return affected_by(entry.action for entry in audit.entries(session.conn, before))
