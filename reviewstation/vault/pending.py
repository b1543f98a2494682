"""Events that happen while the database cannot be written: failed unlocks, read-only opens.

They are appended to a small side file (no content, only who, when, what) and folded into the
audit chain at the next writable unlock. The file is not authenticated: anyone can add or delete
lines. So folding accepts only the few actions below, files them under ``unverified.*`` and
never lets a line pass for an ordinary entry. Deleting the file hides them; the threat model
says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
from pathlib import Path
from typing import Any

from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError
from reviewstation.storage import append_line, open_nofollow, refuse_link
from reviewstation.vault.audit import now

PENDING_NAME = "pending-events.jsonl"
MAX_PENDING_BYTES = 1024 * 1024
ACCEPTED = frozenset(
    {"vault.unlock_failed", "vault.open_read_only", "vault.verify", "record.read_only"}
)


def record(
    vault: Path, user: str, action: str, reason: str, details: dict[str, Any] | None = None
) -> None:
    event = {
        "id": secrets.token_hex(8),
        "at": now(),
        "user": user[:200],
        "action": action,
        "reason": reason,
        "host": socket.gethostname()[:200],
        "pid": os.getpid(),
        "details": details or {},
    }
    with contextlib.suppress(Exception):  # best effort: a read-only medium must not block unlock
        append_line(vault / PENDING_NAME, json.dumps(event).encode(), "pending event log")


def take(vault: Path) -> Path | None:
    """Move the file aside atomically, so events appended meanwhile start a new file."""
    source = vault / PENDING_NAME
    refuse_link(source, "pending event log")  # a rename would move the link, not the file
    taken = vault / f".{PENDING_NAME}.{secrets.token_hex(4)}.folding"
    try:
        os.rename(source, taken)
    except FileNotFoundError:
        return None
    return taken


def leftovers(vault: Path) -> list[Path]:
    """Files taken by an earlier fold that crashed before deleting them."""
    return sorted(vault.glob(f".{PENDING_NAME}.*.folding"))


def read(vault: Path, path: Path | None = None) -> list[dict[str, Any]]:
    path = path or vault / PENDING_NAME
    try:
        with os.fdopen(open_nofollow(path, os.O_RDONLY, "pending event log"), "rb") as handle:
            data = handle.read(MAX_PENDING_BYTES)
    except OSError:
        return []  # a link is not an OSError here: it is refused, by name
    events = []
    for line in data.splitlines():
        try:
            obj = loads_bounded(line, "pending event", 64 * 1024)
        except InputError:
            continue  # unparseable lines are dropped; the file is not authenticated anyway
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            if not isinstance(obj.get("details"), dict):
                obj["details"] = {}
            events.append(obj)
    return events


def remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
