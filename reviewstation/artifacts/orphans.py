"""Orphan blobs: files under ``blobs/`` that no artifact row references.

They come from an import interrupted between writing its blobs and committing its rows, or an
erase interrupted between its commit and the file's removal. Their keys were never committed
(or were destroyed), so they are unreadable; ``vault verify`` reports them and the next
writable unlock removes them, recording the removal in the audit trail.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from reviewstation.artifacts.blobstore import blobs_dir, is_blob_name
from reviewstation.errors import VaultError
from reviewstation.storage import refuse_link, remove_file
from reviewstation.vault.database import Connection, DatabaseError
from reviewstation.vault.session import Session


def referenced(conn: Connection) -> set[str]:
    try:
        rows = conn.execute("SELECT blob FROM artifacts WHERE blob IS NOT NULL").fetchall()
    except DatabaseError:  # a schema before artifacts existed: nothing is referenced
        return set()
    return {str(r[0]) for r in rows}


def scan(vault: Path, conn: Connection) -> tuple[list[str], list[str]]:
    """(orphan blob names, other unexpected entries) under ``blobs/``."""
    folder = blobs_dir(vault)
    refuse_link(folder, "blob folder")  # never list (and clean) another folder through a link
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return [], []
    known = referenced(conn)
    orphans = [n for n in names if is_blob_name(n) and n not in known]
    strangers = [n for n in names if not is_blob_name(n)]
    return orphans, strangers


def clean(session: Session) -> list[str]:
    """Remove orphan blobs at a writable unlock; audited first, so no removal goes unrecorded."""
    if session.read_only:
        return []
    orphans, _ = scan(session.path, session.conn)
    if not orphans:
        return []
    sizes = {}
    for name in orphans:
        with contextlib.suppress(OSError):
            sizes[name] = (blobs_dir(session.path) / name).stat().st_size
    with session.change(
        "artifact.orphans_removed",
        "",
        {"blobs": orphans[:1000], "count": len(orphans), "bytes": sum(sizes.values())},
    ):
        pass
    removed = []
    for name in orphans:
        with contextlib.suppress(VaultError):
            if remove_file(blobs_dir(session.path) / name, "orphan blob"):
                removed.append(name)
    return removed
