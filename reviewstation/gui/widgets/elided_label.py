"""A one-line label whose height never changes: a long text is cut with "…" where it ends.

For a line that changes as the user types (the CVSS score under its vector): a wrapping label
would grow a line and push the form down at each keystroke. The label keeps its whole text
(what a screen reader reads, and the tooltip); only the painting is cut.
"""

from __future__ import annotations

from reviewstation.gui.qt import QLabel, QPainter, QPaintEvent, QPalette, QSizePolicy, Qt, QWidget
from reviewstation.gui.widgets.dialogs import plain_tip


class ElidedLabel(QLabel):
    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        # Any width the layout gives: never wider for a longer text, so nothing moves.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(plain_tip(text))

    def elided(self) -> str:
        """The text as painted now."""
        return self.fontMetrics().elidedText(
            self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width()
        )

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.style().drawItemText(
            painter,
            self.contentsRect(),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self.palette(),
            self.isEnabled(),
            self.elided(),
            QPalette.ColorRole.WindowText,
        )
        painter.end()
