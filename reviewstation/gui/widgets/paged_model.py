"""The one lazy table model: rows fetched in pages on the vault thread as the view scrolls.

A subclass says how to read one page (``page_job``: a job of the session returning a ``Page``)
and how to show a row (``data``); this class does the rest the same way for every table
(findings, the audit trail): the first page at once after ``restart``, the next ones only when
the view asks (``canFetchMore``/``fetchMore``, i.e. when the user scrolls), a generation
number that drops the answer to a request made before the last restart, and the release of
dropped rows a batch per turn of the event loop (freeing 100,000 rows at once holds the GUI
thread for ~70 ms, measured in benchmarks/gui_responsiveness).

Rows are exact tuples of plain values: Python's cyclic garbage collector stops tracking those
once it has seen them, so a large table does not slow every collection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reviewstation.gui.qt import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from reviewstation.gui.runtime.vault_thread import VaultThread
from reviewstation.vault.session import Session

Index = QModelIndex | QPersistentModelIndex
Row = tuple[Any, ...]
RELEASE_BATCH = 5000


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    cursor: Any  # where the next page starts (passed back to ``page_job``)
    done: bool  # no page after this one


class PagedTableModel(QAbstractTableModel):
    loaded = Signal()  # a page arrived
    failed = Signal(str)

    def __init__(
        self, vault: VaultThread, headings: Sequence[str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.vault = vault
        self.headings = tuple(headings)
        self.tips: dict[int, str] = {}  # column -> header tooltip
        self.rows: list[Row] = []
        self.requests = 0  # pages asked of the vault thread (tests read it)
        self._cursor: Any = None
        self._generation = 0
        self._exhausted = True  # nothing is read until the first restart
        self._fetching = False
        self._dropped: list[list[Row]] = []
        self._release = QTimer(self)
        self._release.setInterval(0)
        self._release.timeout.connect(self._release_some)

    # -- what a subclass provides ------------------------------------------------------------

    def page_job(self, cursor: Any) -> Callable[[Session], Page]:
        """The job that reads the page starting at ``cursor`` (``None``: the first)."""
        raise NotImplementedError

    def page_arrived(self) -> None:
        """After a page's rows are in (the findings table sorts once all are)."""

    # -- what the page calls -----------------------------------------------------------------

    def restart(self, active: bool = True) -> int:
        """Drop every row and read from the first page (``active``: there is something to
        read). Returns the new generation, for requests of its own made alongside."""
        self.beginResetModel()
        self._generation += 1
        if self.rows:
            self._dropped.append(self.rows)
            self._release.start()
        self.rows = []
        self._cursor = None
        self._fetching = False
        self._exhausted = not active
        self.endResetModel()
        # The first page is asked for here, not left to the view: a QTableView does not ask an
        # empty model again after a reset that leaves it empty (it asks only when its geometry
        # changes, e.g. when shown), so a first row would never be fetched.
        self.fetchMore()
        return self._generation

    def current(self, generation: int) -> bool:
        """Whether an answer asked for in ``generation`` still belongs to what is shown."""
        return generation == self._generation

    def complete(self) -> bool:
        return self._exhausted and not self._fetching

    def fetching(self) -> bool:
        return self._fetching

    def _release_some(self) -> None:
        """Free dropped rows a batch at a time, so the event loop keeps turning meanwhile."""
        while self._dropped and not self._dropped[-1]:
            self._dropped.pop()
        if not self._dropped:
            self._release.stop()
            return
        del self._dropped[-1][-RELEASE_BATCH:]

    # -- lazy loading ------------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._fetching

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        self.requests += 1
        generation = self._generation
        self.vault.submit(
            self.page_job(self._cursor),
            lambda page: self._on_page(generation, page),
            lambda message: self._on_error(generation, message),
            owner=self,
        )

    def _on_page(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._cursor = page.cursor
        self._exhausted = page.done
        if page.rows:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(page.rows) - 1)
            self.rows.extend(page.rows)
            self.endInsertRows()
        self.page_arrived()
        self.loaded.emit()

    def _on_error(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        self._exhausted = True
        self.failed.emit(message)

    # -- the table ---------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headings)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headings[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.tips.get(section)
        return None
