"""Warnings never look like a classification banner.

A banner is a full-width saturated fill in one of the marking colours; a red OVERDUE bar or a
white-on-red pickle warning reads as SECRET, an amber one as TOP SECRET or TS/SCI. Warnings are
tinted, bordered, rounded boxes that start with an icon, in colours measurably far from every
banner colour, and the banner colours appear nowhere in the code but the markings module.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from reviewstation import markings
from reviewstation.gui.pages.reviews import reviews_list
from reviewstation.gui.qt import QWidget
from reviewstation.gui.widgets import panel_parts, theme

ROOT = Path(__file__).resolve().parents[2] / "reviewstation"
BANNERS = [*(s.background for s in markings._STYLES.values()), markings.TS_SCI.background]
BANNERS.append(markings.UNKNOWN.background)
# CIE76 ΔE between two colours: about 2 is a just-noticeable difference; 25 and more read as
# different colours, not shades of one.
MIN_DELTA_E = 25.0
# Every fixed fill a warning, a problem row or the review clock can have.
WARNING_FILLS = {
    "danger (light)": theme.DANGER["light"][0],
    "caution (light)": theme.CAUTION["light"][0],
    "loud row": panel_parts.LOUD[0],
    "caution row": panel_parts.CAUTION[0],
    "problem row": panel_parts.PROBLEM[0],
    **{f"clock {state}": colours[0] for state, colours in reviews_list.CLOCK_COLOURS.items()},
}


def _lab(hex_colour: str) -> tuple[float, float, float]:
    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def delta_e(a: str, b: str) -> float:
    la, lb = _lab(a), _lab(b)
    return float(sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5)


def test_delta_e_measures_what_it_should() -> None:
    assert delta_e("#ffffff", "#000000") == pytest.approx(100, abs=0.1)
    assert delta_e("#c8102e", "#c8102f") < 1


@pytest.mark.parametrize(("what", "fill"), sorted(WARNING_FILLS.items()))
def test_no_warning_fill_is_near_a_banner_colour(what: str, fill: str) -> None:
    nearest = min(BANNERS, key=lambda banner: delta_e(fill, banner))
    assert delta_e(fill, nearest) >= MIN_DELTA_E, f"{what} {fill} looks like banner {nearest}"


def test_banner_colours_appear_only_in_the_markings_module() -> None:
    # Black (the banner of an unknown marking) is also every theme's shadow and text colour.
    saturated = [c for c in BANNERS if c != markings.UNKNOWN.background]
    found = []
    for path in ROOT.rglob("*.py"):
        if path.name == "markings.py":
            continue
        text = path.read_text(encoding="utf-8").lower()
        found += [f"{path.name}: {c}" for c in saturated if re.search(rf"{c.lower()}\b", text)]
    assert found == []


def test_a_loud_warning_is_a_rounded_box_with_an_icon(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    label = panel_parts.warning_label("Pickle: can run code", parent, loud=True)
    assert label.text().startswith(theme.ICON)
    assert label.property("role") == "danger"
    for mode in ("light", "dark"):
        rule = next(r for r in theme.style_sheet(mode).splitlines() if '"danger"' in r)
        assert "border-radius" in rule and "border: 2px" in rule
        assert theme.DANGER[mode][0] in rule  # the theme's tint, not a widget's banner red


def test_an_overdue_review_says_so_in_words_and_icon(qtbot: QtBot) -> None:
    from reviewstation.reviews.service import Review

    review = Review.__new__(Review)
    object.__setattr__(review, "deadline", "2000-01-01")
    text = reviews_list.days_text(review)
    assert text.startswith(theme.ICON) and "overdue" in text
