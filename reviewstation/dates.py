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


def check_time(value: object, what: str) -> str:
    """An ISO 8601 date and time as a record stores it; ``what`` names it."""
    try:
        if not isinstance(value, str) or len(value) > 40:
            raise ValueError(value)
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"The {what} is not a date and time.") from None
    return value
