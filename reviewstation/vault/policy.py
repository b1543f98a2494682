"""Vault-wide policies, kept as rows of the ``meta`` table and changed only by a lead, audited.

One policy today: ``export_approval``. ``required`` makes every package export wait for a
second person's approval (``reviewstation.packages.approval``); ``off``, the default and the
state of a vault that never set it, keeps single-user vaults and scripts working unchanged.

Strengthening is one lead's act; weakening takes two, the same way as what it protects. Any
lead turns approval on (``required``) at once. Turning it off is proposed by one lead (the
``meta`` row ``export_approval_off_proposed_by``, audited as ``vault.policy.propose``) and takes
effect only when a second lead, a second person by ``vault.two_person``, asks for the same;
turning it on again withdraws a proposal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reviewstation.errors import InputError, PermissionDenied
from reviewstation.vault import meta
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session
from reviewstation.vault.two_person import related, who_else

ExportApproval = Literal["required", "off"]
EXPORT_APPROVAL = "export_approval"
EXPORT_APPROVAL_OFF_PROPOSED_BY = "export_approval_off_proposed_by"
EXPORT_APPROVAL_VALUES: tuple[ExportApproval, ...] = ("required", "off")
DEFAULT_EXPORT_APPROVAL: ExportApproval = "off"


@dataclass(frozen=True)
class PolicyChange:
    """What a request to change the policy did; true when the policy changed."""

    changed: bool
    message: str = ""  # what happened when not a plain change, one sentence for any front end
    proposed_by: str | None = None  # a proposal to turn approval off that waits for a second lead

    def __bool__(self) -> bool:
        return self.changed


def export_approval(conn: Connection) -> ExportApproval:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (EXPORT_APPROVAL,)).fetchone()
    value = str(row[0]) if row else DEFAULT_EXPORT_APPROVAL
    # An unknown value (a damaged or hand-edited row) is read as the stricter setting.
    return "off" if value == "off" else "required"


def off_proposed_by(conn: Connection) -> str | None:
    """The lead who proposed turning export approval off, waiting for a second lead."""
    row = conn.execute(
        "SELECT value FROM meta WHERE key = ?", (EXPORT_APPROVAL_OFF_PROPOSED_BY,)
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def _set(conn: Connection, key: str, value: str | None) -> None:
    if value is None:
        meta.delete(conn, key)
    else:
        meta.write(conn, key, value)


def set_export_approval(session: Session, value: str) -> PolicyChange:
    """Set the policy (turning it off needs two leads, see above). Lead only; audited."""
    if value not in EXPORT_APPROVAL_VALUES:
        raise InputError(f"Unknown export approval policy {value!r}; choose required or off.")
    session.require_role("change the export approval policy", "lead")
    session.require_writable("change the export approval policy")
    old = export_approval(session.conn)
    proposer = off_proposed_by(session.conn)
    me = session.user.name
    if value == "required":
        if old == "required" and proposer is None:
            return PolicyChange(False)
        details: dict[str, str] = {"from": old, "to": value}
        if proposer is not None:
            details["withdrawn_proposal_of"] = proposer
        with session.change("vault.policy", EXPORT_APPROVAL, details) as conn:
            _set(conn, EXPORT_APPROVAL, value)
            _set(conn, EXPORT_APPROVAL_OFF_PROPOSED_BY, None)
        return PolicyChange(old != value, "" if old != value else "The proposal was withdrawn.")
    if old == "off":
        return PolicyChange(False)
    if proposer is None or proposer == me:
        others = who_else(session.conn, apart_from=[me], besides=me)
        message = f"Export approval stays required until a second lead also turns it off; {others}."
        if proposer is None:
            with session.change("vault.policy.propose", EXPORT_APPROVAL, {"to": "off"}) as conn:
                _set(conn, EXPORT_APPROVAL_OFF_PROPOSED_BY, me)
        return PolicyChange(False, f"Proposed. {message}", me)
    link = related(session.conn, me, proposer)
    if link:
        others = who_else(session.conn, apart_from=[proposer], besides=me)
        raise PermissionDenied(
            f"Cannot turn export approval off: {proposer} proposed it, and {link}"
            f" ({proposer} is the proposer); {others}."
        )
    details = {"from": str(old), "to": value, "proposed_by": proposer}
    with session.change("vault.policy", EXPORT_APPROVAL, details) as conn:
        _set(conn, EXPORT_APPROVAL, value)
        _set(conn, EXPORT_APPROVAL_OFF_PROPOSED_BY, None)
    return PolicyChange(True)
