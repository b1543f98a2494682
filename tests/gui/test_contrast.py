"""Text contrast of at least 4.5:1 (WCAG 2.1 AA) for every colour pair the themes define."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from reviewstation import markings
from reviewstation.gui.widgets import panel_parts, theme


@pytest.fixture(autouse=True)
def light_afterwards(qapp: QApplication) -> object:
    yield None
    theme.apply(qapp, "light")


def test_contrast_is_the_wcag_formula() -> None:
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21)
    assert theme.contrast("#ffffff", "#ffffff") == pytest.approx(1)
    assert theme.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # WebAIM
    half_black = QColor(0, 0, 0, 128)  # painted on white: #7f7f7f
    assert theme.contrast(half_black, "#ffffff") == pytest.approx(
        theme.contrast("#7f7f7f", "#ffffff"), abs=0.02
    )


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_text_pair_of_the_theme_reads_at_aa(qapp: QApplication, mode: str) -> None:
    pairs = theme.text_pairs(mode)
    assert len(pairs) >= 2 * len(theme.TEXT_PAIRS) + 12 + 5
    failing = [
        f"{what}: {fore} on {back} is {theme.contrast(fore, back):.2f}:1"
        for what, fore, back in pairs
        if theme.contrast(fore, back) < theme.AA
    ]
    assert failing == []


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_palette_applied_is_the_one_checked(qapp: QApplication, mode: str) -> None:
    theme.apply(qapp, mode)
    applied, checked = qapp.palette(), theme.palette(mode)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for fore, back in theme.TEXT_PAIRS:
            assert applied.color(group, fore) == checked.color(group, fore)
            assert applied.color(group, back) == checked.color(group, back)


def test_fills_and_banners_read_at_aa() -> None:
    """Colours set outside the palette: the header-problem line and every banner."""
    back, fore = panel_parts.PROBLEM
    assert theme.contrast(fore, back) >= theme.AA
    styles = [*markings._STYLES.values(), markings.TS_SCI, markings.UNKNOWN]
    for style in styles:
        assert theme.contrast(style.foreground, style.background) >= theme.AA, style
