"""What every page and dialog of an unlocked session is given: plain facts and the vault thread.

Pages hold this, never the session: the vault thread is the only way to the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewstation.gui.runtime.clipboard import SecretClipboard
from reviewstation.gui.runtime.vault_thread import SessionInfo, VaultThread
from reviewstation.vault.permissions import Permissions


@dataclass(frozen=True)
class Context:
    vault: VaultThread
    info: SessionInfo
    clipboard: SecretClipboard

    @property
    def marking(self) -> str:
        return self.info.marking

    @property
    def permissions(self) -> Permissions:
        return self.info.permissions

    @property
    def writable(self) -> bool:
        """The core's verdict (role, unlock method, read-only): False disables every edit."""
        return self.info.permissions.can_write

    @property
    def lead(self) -> bool:
        """A lead's decisions (approve, sign off, determine, policy) are open to this session."""
        return self.info.permissions.can_approve
