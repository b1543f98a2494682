"""The vault folder's own names, and the rule that none of them is a symbolic link.

A prepared folder (``vault.lock`` linked to a file the user can write, ``pending-events.jsonl``
linked to someone else's lines) must not make an unlock truncate that file or fold those lines
into the audit trail. Every open of a vault file goes through ``storage.open_nofollow`` or
``storage.refuse_link`` (SQLite's own files: it would follow a link); this module names the
whole set, so an unlock and ``vault verify`` refuse a link anywhere in it before opening
anything, as one named problem.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.errors import VaultError
from reviewstation.storage import link_refused
from reviewstation.vault.database import DB_NAME
from reviewstation.vault.header import HEADER_NAME
from reviewstation.vault.lock import LOCK_NAME
from reviewstation.vault.pending import PENDING_NAME

BLOBS_DIR = "blobs"  # artifacts.blobstore.BLOBS_DIR; vault/ imports nothing above it (a test)

NAMES: dict[str, str] = {
    HEADER_NAME: "vault header",
    DB_NAME: "vault database",
    f"{DB_NAME}-wal": "vault database's write-ahead log",
    f"{DB_NAME}-shm": "vault database's shared-memory index",
    LOCK_NAME: "vault lock",
    PENDING_NAME: "pending event log",
    BLOBS_DIR: "blob folder",
}
# Names the program gives its own temporary files there.
PATTERNS: dict[str, str] = {
    f".{PENDING_NAME}.*.folding": "pending event log being folded",
    f".{HEADER_NAME}.*.tmp": "vault header being written",
}


def links(vault: Path) -> list[str]:
    """One sentence per vault file that is a symbolic link (to a file, a folder, or nothing)."""
    found = [
        str(link_refused(vault / name, what))
        for name, what in NAMES.items()
        if (vault / name).is_symlink()
    ]
    for pattern, what in PATTERNS.items():
        found += [str(link_refused(p, what)) for p in sorted(vault.glob(pattern)) if p.is_symlink()]
    return found


def refuse_links(vault: Path) -> None:
    """VaultError naming the first link (and how many more), before anything is opened."""
    found = links(vault)
    if found:
        more = f" ({len(found) - 1} more link(s) there.)" if len(found) > 1 else ""
        raise VaultError(found[0] + more)
