"""Deleting an artifact: crypto-erase. Its wrapped key is destroyed, then its blob removed.

The record stays (who took in what, and who erased it, when and why). The key goes with
SQLite's secure_delete on and the write-ahead log checkpointed, so the database file keeps no
old copy of the page; what the disk's flash translation layer keeps, nothing can promise to
shred (docs/formats/blobs.md says so). Removing the blob file comes after the commit: a crash
in between leaves an orphan, which the next writable unlock removes.
"""

from __future__ import annotations

import contextlib

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.blobstore import blob_path
from reviewstation.artifacts.catalog import Artifact
from reviewstation.errors import InputError, VaultError
from reviewstation.reviews.service import require_review
from reviewstation.storage import remove_file
from reviewstation.vault import audit
from reviewstation.vault.database import DatabaseError
from reviewstation.vault.session import Session


def erase_artifact(session: Session, ref: int | str, reason: str) -> Artifact:
    session.require_writable("erase an artifact")
    session.require_role("erase an artifact", "lead")
    artifact = catalog.get_artifact(session.conn, ref)
    require_review(session, artifact.review_id)
    reason = reason.strip()
    if not reason or len(reason) > 2000 or not reason.isprintable():
        raise InputError("Erasing an artifact needs a reason (one printable line).")
    if artifact.erased:
        raise InputError(f"{artifact.what} was already erased on {artifact.erased_at}.")
    assert artifact.blob is not None
    path = blob_path(session.path, artifact.blob)
    details = {"path": artifact.path, "sha256": artifact.sha256, "reason": reason}
    session.conn.execute("PRAGMA secure_delete = ON")
    with session.change("artifact.erase", artifact.uid, details) as conn:
        catalog.mark_erased(conn, artifact.id, audit.now(), session.user.name)
        custody.add_event(conn, artifact.id, session.user.name, "erased", {"reason": reason})
    with contextlib.suppress(DatabaseError):
        session.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with contextlib.suppress(VaultError):  # if it stays, it is an orphan: removed at next unlock
        remove_file(path, "erased artifact's blob")
    return catalog.get_artifact(session.conn, artifact.id)
