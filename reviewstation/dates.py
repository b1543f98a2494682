"""Calendar dates as the reviewer types them (YYYY-MM-DD), and the review clock."""

from __future__ import annotations

import datetime as dt

from reviewstation.errors import InputError


def parse_date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(f"The {what} {text!r} is not a date like 2026-11-23.") from exc


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
