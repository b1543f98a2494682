"""Small wording helpers, so that messages read as sentences ("1 artifact", "3 artifacts")."""

from __future__ import annotations


def counted(n: int, one: str, many: str | None = None) -> str:
    """``counted(1, "artifact")`` is "1 artifact"; ``counted(3, "artifact")`` "3 artifacts"."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"
