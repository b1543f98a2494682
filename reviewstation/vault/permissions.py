"""What an unlocked session may do, computed once from the session, for both front ends.

The services still check every write themselves (``Session.require_writable`` and friends);
this is the same rule stated as plain values, so the GUI can disable a control before the
click and the CLI can say it in ``vault status``. ``tests/test_permissions.py`` checks that
the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from reviewstation.vault.session import Session

Unlock = Literal["own keys", "recovery key"]


@dataclass(frozen=True)
class Permissions:
    user: str
    role: str
    unlock: Unlock
    can_write: bool  # change the vault's content (reviews, checklists, findings, artifacts)
    can_approve: bool  # a lead's decisions: approve, sign off, determine, policy, trust
    can_export: bool  # seal a package (signed with the user's identity)
    can_sign: bool  # use the user's own identity: an identity card, a checkpoint
    can_manage_own_keys: bool  # change one's passphrase, keyring slot
    reason: str | None  # one sentence: why this session only reads (None when it may write)

    @property
    def read_only(self) -> bool:
        return not self.can_write

    @property
    def access(self) -> str:
        return "read-write" if self.can_write else "read-only"


def permissions(session: Session) -> Permissions:
    """The session's permissions; the reason names the first limit that applies."""
    own_keys = not session.recovery
    read_only = session.read_only or session.read_only_reason is not None
    role = session.user.role
    reason: str | None = None
    if session.read_only_reason is not None:
        reason = session.read_only_reason
    elif not own_keys:
        reason = "Unlocked with the recovery key: this session only reads and verifies."
    elif read_only:
        reason = "The vault is open read-only: nothing can be changed in this session."
    elif role == "auditor":
        reason = "An auditor's session is read-only: it reads and verifies, and changes nothing."
    can_manage = own_keys and not read_only
    can_write = can_manage and role != "auditor"
    return Permissions(
        user=session.user.name,
        role=role,
        unlock="own keys" if own_keys else "recovery key",
        can_write=can_write,
        can_approve=can_write and role == "lead",
        can_export=can_write and session.identity is not None,
        can_sign=own_keys and session.identity is not None,
        can_manage_own_keys=can_manage,
        reason=reason,
    )
