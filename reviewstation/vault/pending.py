"""Events that happen while the database cannot be written: failed unlocks, read-only opens.

They are appended to a small side file (no content, only who, when, what) and folded into the
audit chain at the next writable unlock. Deleting the file hides them; the threat model says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
from pathlib import Path
from typing import Any

from reviewstation.storage import append_line
from reviewstation.vault.audit import now

PENDING_NAME = "pending-events.jsonl"
MAX_PENDING_BYTES = 1024 * 1024


def record(vault: Path, user: str, action: str, reason: str) -> None:
    event = {
        "id": secrets.token_hex(8),
        "at": now(),
        "user": user[:200],
        "action": action,
        "reason": reason,
        "host": socket.gethostname()[:200],
        "pid": os.getpid(),
    }
    with contextlib.suppress(Exception):  # best effort: a read-only medium must not block unlock
        append_line(vault / PENDING_NAME, json.dumps(event).encode(), "pending event log")


def read(vault: Path) -> list[dict[str, Any]]:
    path = vault / PENDING_NAME
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_PENDING_BYTES)
    except OSError:
        return []
    events = []
    for line in data.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("id"), str):
            events.append(obj)
    return events


def clear(vault: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (vault / PENDING_NAME).unlink()
