"""Sorting the findings table: the fast order equals the reference order, the current finding
stays current, and rows dropped by a filter are freed (a batch per turn of the event loop)."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewstation.gui.pages.findings.findings_model import (
    COLUMNS,
    FindingRow,
    sort_key,
    sorted_order,
)
from reviewstation.gui.windows.main_window import MainWindow

TIMEOUT = 10_000


def test_sorted_order_matches_sort_key_with_empty_values(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.complete() and page.model.rowCount() == 3, timeout=TIMEOUT)
    demo = [page.model.finding(i) for i in range(3)]
    # Ties, empty CVSS scores and CWEs, every severity: variations of the demo findings.
    rows: list[FindingRow] = []
    for n in range(40):
        base = demo[n % len(demo)]
        assert base is not None
        rows.append(
            base._replace(
                id=1000 + n,
                title=f"t{n % 7}",
                severity=("critical", "high", "medium", "low", "info")[n % 5],
                cvss_score=None if n % 3 == 0 else float(n % 10),
                cwe=None if n % 4 == 0 else f"CWE-{n % 6}",
            )
        )
    for key, _ in COLUMNS:
        for descending in (False, True):
            expected = sorted(rows, key=lambda f: sort_key(f, key), reverse=descending)
            order = sorted_order(rows, key, descending)
            assert [rows[i].id for i in order] == [f.id for f in expected], (key, descending)


def test_current_finding_follows_the_sort(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    model = page.model
    qtbot.waitUntil(lambda: model.complete() and model.rowCount() == 3, timeout=TIMEOUT)
    page.table.selectRow(0)
    chosen = page.current_finding()
    assert chosen is not None
    titles = [model.finding(i).title for i in range(3)]  # type: ignore[union-attr]
    descending = sorted(titles, reverse=True)
    assert titles != descending, "the demo findings should not already be in this order"
    page.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert [model.finding(i).title for i in range(3)] == descending  # type: ignore[union-attr]
    after = page.current_finding()
    assert after is not None and after.id == chosen.id
    assert page.table.selectionModel().isRowSelected(page.table.currentIndex().row())


def test_rows_dropped_by_a_filter_are_freed(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    model = page.model
    qtbot.waitUntil(lambda: model.complete() and model.rowCount() == 3, timeout=TIMEOUT)
    row = model.rows[0]
    held = sys.getrefcount(row)  # ours, the model's list's, and the call's own
    page.severity_combo.setCurrentIndex(page.severity_combo.findData("info"))
    assert model.rowCount() == 0
    qtbot.waitUntil(lambda: sys.getrefcount(row) < held, timeout=TIMEOUT)  # the model let go
    assert not model._dropped


def test_loaded_rows_cost_the_garbage_collector_nothing(qtbot: QtBot, window: MainWindow) -> None:
    """Rows are plain tuples: once a collection has seen them, it stops tracking them, so
    100,000 loaded findings do not lengthen every later full collection."""
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    model = page.model
    qtbot.waitUntil(lambda: model.complete() and model.rowCount() == 3, timeout=TIMEOUT)
    gc.collect()
    assert not any(gc.is_tracked(row) for row in model.rows)
