"""Classification markings and their banner colours (no Qt: GUI and reports share it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BannerStyle:
    background: str
    foreground: str


# Order matters: the most specific prefix first (TOP SECRET//SCI before TOP SECRET before SECRET).
_STYLES: list[tuple[tuple[str, ...], BannerStyle]] = [
    (("TOP SECRET//SCI", "TS/SCI", "TS//SCI"), BannerStyle("#fce83a", "#000000")),
    (("TOP SECRET", "TS"), BannerStyle("#ff8c00", "#000000")),
    (("SECRET", "S"), BannerStyle("#c8102e", "#ffffff")),
    (("CONFIDENTIAL", "C"), BannerStyle("#0033a0", "#ffffff")),
    (("CUI", "CONTROLLED"), BannerStyle("#502b85", "#ffffff")),
    (("UNCLASSIFIED", "U"), BannerStyle("#007a33", "#ffffff")),
]
UNKNOWN = BannerStyle("#000000", "#ffffff")


def banner_style(marking: str) -> BannerStyle:
    """Colours for a marking's banner; unknown markings get black, never a reassuring green."""
    text = marking.strip().upper()
    for prefixes, style in _STYLES:
        for prefix in prefixes:
            if text == prefix or text.startswith(prefix + "//") or text.startswith(prefix + " "):
                return style
    return UNKNOWN
