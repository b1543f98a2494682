"""The classification banner: text and standard colours, drawn for real."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from reviewstation.gui.widgets.banner import NO_MARKING, ClassificationBanner
from reviewstation.markings import banner_style


def drawn_background(qtbot: QtBot, banner: ClassificationBanner) -> QColor:
    qtbot.addWidget(banner)
    banner.resize(400, banner.sizeHint().height())
    return banner.grab().toImage().pixelColor(1, 1)


@pytest.mark.parametrize(
    ("marking", "background", "foreground"),
    [
        ("UNCLASSIFIED", "#007a33", "#ffffff"),
        ("CUI", "#502b85", "#ffffff"),
        ("CONFIDENTIAL", "#0033a0", "#ffffff"),
        ("SECRET", "#c8102e", "#ffffff"),
        ("SECRET//NOFORN", "#c8102e", "#ffffff"),
        ("TOP SECRET", "#ff8c00", "#000000"),
        ("TOP SECRET//SCI", "#fce83a", "#000000"),
    ],
)
def test_banner_shows_marking_in_standard_colours(
    qtbot: QtBot, marking: str, background: str, foreground: str
) -> None:
    banner = ClassificationBanner(marking=marking)
    assert banner.text() == marking
    assert banner.banner_style == banner_style(marking)
    assert banner.banner_style.foreground == foreground
    assert banner.alignment() & Qt.AlignmentFlag.AlignHCenter
    assert banner.font().bold() or "font-weight: bold" in banner.styleSheet()
    assert drawn_background(qtbot, banner).name() == background


def test_banner_without_marking_is_black_not_green(qtbot: QtBot) -> None:
    banner = ClassificationBanner()
    assert banner.text() == NO_MARKING
    assert drawn_background(qtbot, banner).name() == "#000000"


def test_banner_never_renders_markup(qtbot: QtBot) -> None:
    banner = ClassificationBanner(marking="<b>SECRET</b>")
    qtbot.addWidget(banner)
    assert banner.textFormat() == Qt.TextFormat.PlainText
    assert banner.text() == "<b>SECRET</b>"


def test_set_marking_updates_text_colour_and_accessible_name(qtbot: QtBot) -> None:
    banner = ClassificationBanner(marking="CUI")
    banner.set_marking("TOP SECRET")
    assert banner.marking == "TOP SECRET"
    assert banner.accessibleName() == "Classification: TOP SECRET"
    assert drawn_background(qtbot, banner).name() == "#ff8c00"


@pytest.mark.parametrize(
    ("marking", "shown", "background"),
    [
        ("S", "SECRET", "#c8102e"),
        ("secret", "SECRET", "#c8102e"),
        ("ts//si//nf", "TOP SECRET//SI//NOFORN", "#fce83a"),
        ("TOP SECRET//SI//NOFORN", "TOP SECRET//SI//NOFORN", "#fce83a"),
        # The tester's cases: a higher level word anywhere is black (unknown), never green.
        ("UNCLASSIFIED//SECRET", "UNCLASSIFIED//SECRET", "#000000"),
        ("UNCLASSIFIED SECRET", "UNCLASSIFIED SECRET", "#000000"),
        (
            "unclassified for now, treat as TS//SCI",
            "unclassified for now, treat as TS//SCI",
            "#000000",
        ),
    ],
)
def test_banner_shows_the_full_normalised_marking(
    qtbot: QtBot, marking: str, shown: str, background: str
) -> None:
    banner = ClassificationBanner(marking=marking)
    assert banner.text() == banner.marking == shown
    assert drawn_background(qtbot, banner).name() == background


def test_a_marking_too_wide_is_cut_at_its_end_so_the_level_shows(qtbot: QtBot) -> None:
    marking = "TOP SECRET//HCS-P/SI-G ABCD/TK//ORCON/NOFORN//FISA//RSEN//PROPIN//IMCON"
    banner = ClassificationBanner(marking=marking)
    qtbot.addWidget(banner)
    banner.show()
    banner.resize(260, banner.sizeHint().height())
    assert banner.minimumSizeHint().width() <= 260  # the banner never holds the window wide
    shown = banner.shown_text()
    assert shown.startswith("TOP SECRET//") and shown.endswith("…")
    assert banner.text() == marking and marking in banner.toolTip()
    banner.resize(1400, banner.sizeHint().height())
    assert banner.shown_text() == marking and banner.toolTip() == ""
