"""The findings table: the one lazy paged model (``paged_model``), pages of 200.

Rows arrive by keyset paging (``findings.query.page``, constant cost at any depth): the first
page when the filter is set, the next ones only when the view asks for more
(``canFetchMore``/``fetchMore``, i.e. when the user scrolls), so a review with 100,000
findings costs one page at first. A search shows the best matches
(``findings.query.search``) instead. Every request carries a generation number: an answer
to a filter the user has since changed is dropped.

The model keeps one plain tuple per finding (the table's columns, no body; ``finding(row)``
names its fields as a ``FindingRow``). Python's cyclic garbage collector stops tracking a
tuple of plain values (an exact tuple, not a subclass) once it has seen it; with 100,000 full
findings each full collection walked them all and paused the GUI thread for over 100 ms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from reviewstation.findings import query
from reviewstation.findings.service import SEVERITIES, Finding
from reviewstation.gui.qt import QObject, Qt, Signal
from reviewstation.gui.runtime.vault_thread import VaultThread
from reviewstation.gui.widgets.dialogs import plain_tip
from reviewstation.gui.widgets.paged_model import Index, Page, PagedTableModel, Row
from reviewstation.text import visible
from reviewstation.vault.session import Session

PAGE = query.PAGE
SEARCH_LIMIT = 1000
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Id"),
    ("portion", "Mark"),
    ("title", "Title"),
    ("severity", "Severity"),
    ("cvss_score", "CVSS-B"),
    ("kind", "Kind"),
    ("status", "Status"),
    ("cwe", "CWE"),
    ("author", "Author"),
    ("updated", "Updated (UTC)"),
)

HEADER_TIPS = {
    "cvss_score": "CVSS v4.0 base score (CVSS-B), from the base metrics alone. The editor"
    " shows the threat and environmental scores (CVSS-BT, -BE, -BTE) a vector also defines.",
}


class FindingRow(NamedTuple):
    id: int
    portion_marking: str
    title: str
    severity: str
    cvss_score: float | None
    kind: str
    status: str
    cwe: str | None
    author: str
    updated: str

    @property
    def portion_mark(self) -> str:
        return f"({self.portion_marking})"


FIELD = {name: n for n, name in enumerate(FindingRow._fields)}


def row_of(f: Finding) -> Row:
    return (
        f.id,
        f.portion_marking,
        f.title,
        f.severity,
        f.cvss_score,
        f.kind,
        f.status,
        f.cwe,
        f.author,
        f.updated,
    )


@dataclass(frozen=True)
class Criteria:
    review_id: int = 0
    status: str | None = None
    severity: str | None = None
    text: str = ""


def _fetch(criteria: Criteria, after_id: int) -> Callable[[Session], Page]:
    def job(session: Session) -> Page:
        if criteria.text.strip():
            found = query.search(
                session.conn, criteria.text, limit=SEARCH_LIMIT, review_id=criteria.review_id
            )
            rows = [
                row_of(f)
                for f in found
                if (criteria.status is None or f.status == criteria.status)
                and (criteria.severity is None or f.severity == criteria.severity)
            ]
            return Page(rows, None, True)  # the best matches: one answer, no more pages
        where = query.Filter(criteria.review_id, criteria.status, criteria.severity)
        rows = list(map(row_of, query.page(session.conn, where, after_id=after_id, limit=PAGE)))
        return Page(rows, rows[-1][FIELD["id"]] if rows else after_id, len(rows) < PAGE)

    return job


def _count(criteria: Criteria) -> Callable[[Session], int]:
    def job(session: Session) -> int:
        return query.count(
            session.conn, query.Filter(criteria.review_id, criteria.status, criteria.severity)
        )

    return job


class FindingsModel(PagedTableModel):
    counted = Signal(int)  # total rows matching the filter (not for searches)

    def __init__(self, vault: VaultThread, parent: QObject | None = None) -> None:
        super().__init__(vault, [heading for _, heading in COLUMNS], parent)
        tips = HEADER_TIPS
        self.tips = {i: tips[key] for i, (key, _) in enumerate(COLUMNS) if key in tips}
        self.criteria = Criteria()
        self._sort: tuple[int, Qt.SortOrder] | None = None

    # -- what the page calls ---------------------------------------------------------------

    def set_criteria(self, criteria: Criteria) -> None:
        self.criteria = criteria
        self._sort = None
        generation = self.restart(active=bool(criteria.review_id))
        if criteria.review_id and not criteria.text.strip():
            self.vault.submit(
                _count(criteria),
                lambda n: self._on_count(generation, n),
                lambda m: self._on_error(generation, m),
                owner=self,
            )

    def reload(self) -> None:
        self.set_criteria(self.criteria)

    def finding(self, row: int) -> FindingRow | None:
        return FindingRow._make(self.rows[row]) if 0 <= row < len(self.rows) else None

    def searching(self) -> bool:
        return bool(self.criteria.text.strip())

    # -- paging ----------------------------------------------------------------------------

    def page_job(self, cursor: Any) -> Callable[[Session], Page]:
        return _fetch(self.criteria, cursor or 0)

    def page_arrived(self) -> None:
        if self._sort is not None and self._exhausted:
            self.sort(*self._sort)

    def _on_count(self, generation: int, total: int) -> None:
        if self.current(generation):
            self.counted.emit(total)

    # -- the table -------------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        finding = FindingRow._make(self.rows[index.row()])
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            return display(finding, key)
        if role == Qt.ItemDataRole.ToolTipRole and key == "title":
            return plain_tip(f"{finding.portion_mark} {visible(finding.title)}")
        if role == Qt.ItemDataRole.ToolTipRole and key == "updated":
            return plain_tip(visible(finding.updated))
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("id", "cvss_score"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorts in memory, which is cheap and honest only once every row is loaded.

        While rows are still to come the table stays in id order (the order pages arrive);
        the page says so, and the sort is applied once loading completes.
        """
        self._sort = (column, order)
        if not self._exhausted:
            return
        moved = sorted_order(self.rows, COLUMNS[column][0], order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        if len(moved) > 1:
            self.rows = list(itemgetter(*moved)(self.rows))
        # The current row and the selection follow their findings, not their row numbers.
        kept = self.persistentIndexList()
        if kept:
            # A few rows (single selection): a C-level scan each beats inverting 100,000.
            new_row = {old: moved.index(old) for old in {i.row() for i in kept}}
            self.changePersistentIndexList(
                kept, [self.index(new_row[i.row()], i.column()) for i in kept]
            )
        self.layoutChanged.emit()


def display(finding: FindingRow, key: str) -> str:
    if key == "portion":
        return finding.portion_mark
    if key == "cvss_score":
        return "" if finding.cvss_score is None else f"{finding.cvss_score:.1f}"
    if key in ("status", "kind"):
        return str(getattr(finding, key)).replace("_", " ")
    if key == "updated":  # to the minute, in UTC as stored; the tooltip has the second
        return visible(finding.updated[:16].replace("T", " "))
    value = getattr(finding, key)
    return "" if value is None else visible(value)  # a title may come from an older vault


def sorted_order(rows: Sequence[Row], key: str, descending: bool) -> list[int]:
    """Row numbers in sorted order; empty values last (first when descending), stable.

    Same order as sorting by ``sort_key``, at a quarter of the cost for 100,000 rows: the keys
    are read by C-level getters instead of a Python call per row (the sort holds the GUI
    thread, so its cost is a pause the user sees).
    """
    field = "portion_marking" if key == "portion" else key
    values = list(map(itemgetter(FIELD[field]), rows))
    if key == "severity":
        values = [SEVERITY_RANK[v] for v in values]
    if None not in values:  # titles, ids, severities...: one sort, no partition
        return sorted(range(len(values)), key=values.__getitem__, reverse=descending)
    present = [i for i, v in enumerate(values) if v is not None]
    empty = [i for i, v in enumerate(values) if v is None]
    present.sort(key=values.__getitem__, reverse=descending)
    return empty + present if descending else present + empty


def sort_key(row: Row, key: str) -> tuple[int, Any]:
    finding = FindingRow._make(row)
    if key == "severity":
        return (SEVERITIES.index(finding.severity), "")
    if key == "portion":
        key = "portion_marking"
    value = getattr(finding, key)
    if value is None:
        return (1, "")
    return (0, value)
