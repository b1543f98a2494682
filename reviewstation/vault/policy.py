"""Vault-wide policies, kept as rows of the ``meta`` table and changed only by a lead, audited.

One policy today: ``export_approval``. ``required`` makes every package export wait for a
second person's approval (``reviewstation.packages.approval``); ``off``, the default and the
state of a vault that never set it, keeps single-user vaults and scripts working unchanged.
"""

from __future__ import annotations

from typing import Literal

from reviewstation.errors import InputError
from reviewstation.vault import meta
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session

ExportApproval = Literal["required", "off"]
EXPORT_APPROVAL = "export_approval"
EXPORT_APPROVAL_VALUES: tuple[ExportApproval, ...] = ("required", "off")
DEFAULT_EXPORT_APPROVAL: ExportApproval = "off"


def export_approval(conn: Connection) -> ExportApproval:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (EXPORT_APPROVAL,)).fetchone()
    value = str(row[0]) if row else DEFAULT_EXPORT_APPROVAL
    # An unknown value (a damaged or hand-edited row) is read as the stricter setting.
    return "off" if value == "off" else "required"


def set_export_approval(session: Session, value: str) -> bool:
    """Set the policy; True when it changed. Lead only; the change is an audit entry."""
    if value not in EXPORT_APPROVAL_VALUES:
        raise InputError(f"Unknown export approval policy {value!r}; choose required or off.")
    session.require_role("change the export approval policy", "lead")
    session.require_writable("change the export approval policy")
    old = export_approval(session.conn)
    if old == value:
        return False
    with session.change("vault.policy", EXPORT_APPROVAL, {"from": old, "to": value}) as conn:
        meta.write(conn, EXPORT_APPROVAL, value)
    return True
