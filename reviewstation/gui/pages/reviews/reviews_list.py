"""The list of reviews, with each one's days left (amber at 7 days or fewer, red when overdue)."""

from __future__ import annotations

from reviewstation.gui.qt import (
    QBrush,
    QColor,
    QHeaderView,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
    Signal,
)
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import plain_tip
from reviewstation.reviews.service import Review
from reviewstation.text import visible

# The clock's states have fixed colours that mean the same in every theme, each with its own
# text colour so it stays readable: the warning tints of ``theme``, never a banner colour (a
# red fill would read as SECRET, an amber one as TOP SECRET or TS/SCI).
CLOCK_COLOURS: dict[str, tuple[str, str, str]] = {
    "warning": theme.CAUTION_FILL,
    "overdue": theme.DANGER_FILL,
}


def days_text(review: Review) -> str:
    left = review.days_left()
    if left < 0:
        return theme.alert(f"{-left} d overdue")
    if left == 0:
        return "due today"
    return f"{left} d left"


class ReviewsList(QTreeWidget):
    review_selected = Signal(int)  # review id; 0 when none

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Review", "Clock"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAccessibleName("Reviews")
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.currentItemChanged.connect(self._on_current)

    def set_reviews(self, reviews: list[Review], select: int = 0) -> None:
        """Fill the list; ``review_selected`` fires only if the chosen review changes."""
        previous = self.current_id()
        wanted = select or previous
        self.blockSignals(True)
        self.clear()
        chosen: QTreeWidgetItem | None = None
        for review in reviews:
            item = QTreeWidgetItem([visible(review.title), days_text(review)])
            item.setData(0, Qt.ItemDataRole.UserRole, review.id)
            item.setData(1, Qt.ItemDataRole.UserRole, review.clock())
            item.setToolTip(
                0,
                plain_tip(
                    visible(f"{review.developer} — {review.model_name}; status {review.status}")
                ),
            )
            item.setToolTip(1, plain_tip(f"Deadline {review.deadline}"))
            colours = CLOCK_COLOURS.get(review.clock())
            if colours is not None:
                item.setBackground(1, QBrush(QColor(colours[0])))
                item.setForeground(1, QBrush(QColor(colours[1])))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.addTopLevelItem(item)
            if review.id == wanted:
                chosen = item
        if chosen is None and self.topLevelItemCount():
            chosen = self.topLevelItem(0)
        if chosen is not None:
            same = int(chosen.data(0, Qt.ItemDataRole.UserRole)) == previous
            self.blockSignals(same)  # the same review again: the caller refreshes its pages
            self.setCurrentItem(chosen)
            self.blockSignals(False)
        else:
            self.blockSignals(False)
            self.review_selected.emit(0)

    def current_id(self) -> int:
        item = self.currentItem()
        return int(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else 0

    def _on_current(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        review_id = int(current.data(0, Qt.ItemDataRole.UserRole)) if current is not None else 0
        self.review_selected.emit(review_id)
