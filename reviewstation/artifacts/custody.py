"""Chain of custody: what the reviewer declares at intake, and the events that follow.

Intake facts (medium, received from, received at, declared SHA-256) live in the artifact's
row; later events (signature checks, views, exports, erasure) are appended to
``custody_events``, which triggers keep append-only. The audit trail records the same actions;
custody is the per-artifact view an auditor or a receiving party reads.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from reviewstation.canonical import canonical
from reviewstation.errors import InputError
from reviewstation.vault import audit
from reviewstation.vault.database import Connection

MAX_LABEL = 200
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _label(value: str, what: str) -> str:
    value = value.strip()
    if len(value) > MAX_LABEL or not value.isprintable():
        raise InputError(f"The {what} must be at most {MAX_LABEL} printable characters.")
    return value


def parse_received_at(value: str) -> str:
    """A date (2026-11-23) or a date and time (2026-11-23T14:05, with or without zone)."""
    value = value.strip()
    if not value:
        return ""
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        return dt.datetime.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InputError(
            f"The received date {value[:40]!r} is not like 2026-11-23 or 2026-11-23T14:05."
        ) from exc


def parse_sha256(value: str, what: str = "declared SHA-256") -> str:
    text = value.strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
    if not _HEX64.match(text):
        raise InputError(f"The {what} must be 64 hexadecimal digits.")
    return text


def parse_sums(data: bytes) -> dict[str, str]:
    """A ``sha256sum`` listing (``<hex>  <name>`` or ``<hex> *<name>`` per line) as a mapping."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("The list of declared hashes is not UTF-8 text.") from exc
    sums: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.match(r"^([0-9a-fA-F]{64}) [ *](.+)$", line)
        if match is None:
            raise InputError(f"Line {number} of the declared hashes is not '<sha256>  <name>'.")
        name = match.group(2).removeprefix("./")
        if name in sums and sums[name] != match.group(1).lower():
            raise InputError(f"The declared hashes list {name!r} twice with different values.")
        sums[name] = match.group(1).lower()
    return sums


@dataclass(frozen=True)
class Custody:
    """What the reviewer declares about how the submission arrived."""

    medium: str = ""
    received_from: str = ""
    received_at: str = ""

    def checked(self) -> Custody:
        return Custody(
            _label(self.medium, "source medium label"),
            _label(self.received_from, "'received from'"),
            parse_received_at(self.received_at),
        )


def add_event(
    conn: Connection, artifact_id: int, user: str, event: str, details: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO custody_events (artifact_id, at, user, event, details) VALUES (?, ?, ?, ?, ?)",
        (artifact_id, audit.now(), user, event, canonical(details).decode()),
    )


def events(conn: Connection, artifact_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT at, user, event, details FROM custody_events WHERE artifact_id = ? ORDER BY id",
        (artifact_id,),
    ).fetchall()
    out = []
    for at, user, event, details in rows:
        try:
            parsed = json.loads(details)
        except ValueError:
            parsed = {}
        out.append({"at": at, "user": user, "event": event, "details": parsed})
    return out
