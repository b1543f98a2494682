"""The classification banner shown at the top and bottom of every window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from reviewstation.markings import BannerStyle, banner_style

NO_MARKING = "NO VAULT SELECTED"


class ClassificationBanner(QLabel):
    """A full-width strip naming the marking in its standard colours.

    ``parent`` comes first because Designer-generated code constructs promoted widgets as
    ``ClassificationBanner(parent)``.
    """

    def __init__(self, parent: QWidget | None = None, marking: str = "") -> None:
        super().__init__(parent)
        # A marking is data from the vault header: never let Qt interpret it as rich text.
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.setFont(font)
        self._marking = ""
        self._style = banner_style("")
        self.set_marking(marking)

    @property
    def marking(self) -> str:
        return self._marking

    @property
    def banner_style(self) -> BannerStyle:
        return self._style

    def set_marking(self, marking: str) -> None:
        """Show ``marking``; an empty marking shows a black "no vault" strip, never green."""
        self._marking = marking.strip()
        text = self._marking or NO_MARKING
        self._style = banner_style(self._marking)
        self.setText(text)
        self.setAccessibleName(f"Classification: {text}")
        # A widget style sheet (not the palette) so that an application-wide theme or style
        # sheet cannot repaint the banner in other colours.
        self.setStyleSheet(
            "ClassificationBanner {"
            f" background-color: {self._style.background};"
            f" color: {self._style.foreground};"
            " font-weight: bold;"
            " padding: 4px 8px;"
            " }"
        )
