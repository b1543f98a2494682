"""What every page and dialog of an unlocked session is given: plain facts and the vault thread.

Pages hold this, never the session: the vault thread is the only way to the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewstation.gui.clipboard import SecretClipboard
from reviewstation.gui.vault_thread import SessionInfo, VaultThread


@dataclass(frozen=True)
class Context:
    vault: VaultThread
    info: SessionInfo
    clipboard: SecretClipboard

    @property
    def marking(self) -> str:
        return self.info.marking

    @property
    def writable(self) -> bool:
        """False for an auditor or a read-only session: every edit action is disabled."""
        return not self.info.read_only and self.info.role != "auditor"

    @property
    def lead(self) -> bool:
        return self.info.role == "lead" and self.writable
