"""Opening a vault for work: unlock, fold pending events, and clean up after interrupted work.

``vault.session.open_vault`` unlocks and folds the pending events (the vault's own files);
what belongs to the features above it (orphan artifact blobs left by an interrupted import or
erase) is cleaned here, so ``vault/`` never imports a feature module.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.vault.session import Method, Mode, Session, open_vault


def open_workspace(
    path: Path,
    secret: str,
    *,
    user: str | None = None,
    mode: Mode = "write",
    method: Method = "passphrase",
    wait_seconds: float = 0.0,
) -> Session:
    """Unlock ``path``; a writable session also removes orphan blobs (audited first)."""
    session = open_vault(
        path, secret, user=user, mode=mode, method=method, wait_seconds=wait_seconds
    )
    try:
        if not session.read_only:
            # imported here: a read-only session (most commands) needs none of the blob store
            from reviewstation.artifacts.orphans import clean as clean_orphan_blobs

            clean_orphan_blobs(session)
    except BaseException:
        session.discard()
        raise
    return session
