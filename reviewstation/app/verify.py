"""``vault verify`` as the auditor runs it: the vault's own checks plus the artifacts' checks.

``vault.verify.verify_vault`` knows the vault's files (header, database, audit trail,
checkpoints, key slots); it takes further content checks as arguments, so the artifact check
is composed here and ``vault/`` imports nothing above it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reviewstation.artifacts.check import check_artifacts
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.progress import CancelFlag, ProgressCallback
from reviewstation.vault.audit import Checkpoint
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Method
from reviewstation.vault.verify import CheckOutcome, Report, verify_vault


def verify_workspace(
    path: Path,
    secret: str,
    *,
    user: str | None = None,
    method: Method = "passphrase",
    trusted: list[PublicIdentity] | None = None,
    witnesses: list[Checkpoint] | None = None,
    progress: Callable[[str], None] | None = None,
    full: bool = False,
    content_progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> Report:
    """The whole check; ``full`` decrypts every artifact blob and compares both hashes."""

    def artifacts(vault: Path, conn: Connection, master: bytes, vault_id: str) -> CheckOutcome:
        return check_artifacts(
            vault, conn, master, vault_id, full=full, progress=content_progress, cancel=cancel
        )

    return verify_vault(
        path,
        secret,
        user=user,
        method=method,
        trusted=trusted,
        witnesses=witnesses,
        progress=progress,
        content_checks=[("artifacts", artifacts)],
    )
