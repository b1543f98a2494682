"""The classification banner shown at the top and bottom of every window."""

from __future__ import annotations

import html

from reviewstation.gui.qt import (
    QColor,
    QLabel,
    QPainter,
    QPaintEvent,
    QRect,
    QResizeEvent,
    QSize,
    QSizePolicy,
    QStyle,
    QStyleOption,
    Qt,
    QWidget,
)
from reviewstation.markings import BannerStyle, banner_style, display

NO_MARKING = "NO VAULT SELECTED"
PADDING = 8  # pixels either side of the text


class ClassificationBanner(QLabel):
    """A full-width strip naming the marking in its standard colours.

    ``parent`` comes first because Designer-generated code constructs promoted widgets as
    ``ClassificationBanner(parent)``. A marking that parses is shown in its full normalised
    form (S is shown as SECRET); one too wide for the window is cut at its end, never centre-
    clipped, so the level it starts with always shows.
    """

    def __init__(self, parent: QWidget | None = None, marking: str = "") -> None:
        super().__init__(parent)
        # A marking is data from the vault header: never let Qt interpret it as rich text.
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        font.setBold(True)
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
        self._marking = display(marking)
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
            f" padding: 4px {PADDING}px;"
            " }"
        )
        self._update_tip()

    def minimumSizeHint(self) -> QSize:
        # However long the marking, the banner never forces the window wider: it cuts the
        # text at its end instead (see paintEvent).
        return QSize(
            self.fontMetrics().horizontalAdvance("TOP SECRET…") + 2 * PADDING,
            super().minimumSizeHint().height(),
        )

    def shown_text(self) -> str:
        """The text as drawn at the current width: whole, or cut at its end with "…"."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self._room().width()
        )

    def _room(self) -> QRect:
        return self.contentsRect()  # inside the style sheet's padding

    def _update_tip(self) -> None:
        # The whole marking on hover when it had to be cut (escaped: it is vault data).
        cut = self.shown_text() != self.text()
        self.setToolTip(f"<p>{html.escape(self.text())}</p>" if cut else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, event: QPaintEvent) -> None:
        """The style sheet's background, then the text centred when it fits, else cut at its
        end (QLabel would clip both sides of centred text and could hide the level)."""
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_Widget, option, painter, self)
        painter.setFont(self.font())
        painter.setPen(QColor(self._style.foreground))
        painter.drawText(self._room(), int(Qt.AlignmentFlag.AlignCenter), self.shown_text())
        painter.end()
