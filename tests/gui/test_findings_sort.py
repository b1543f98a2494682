"""Sorting the findings table: the fast order equals the reference order, the current finding
stays current, and rows dropped by a filter are freed (a batch per turn of the event loop)."""

from __future__ import annotations

import dataclasses
import gc
import weakref

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewstation.findings.service import Finding
from reviewstation.gui.findings_model import COLUMNS, sort_key, sorted_order
from reviewstation.gui.main_window import MainWindow

TIMEOUT = 10_000


def test_sorted_order_matches_sort_key_with_empty_values(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.complete() and page.model.rowCount() == 3, timeout=TIMEOUT)
    demo = page.model.rows
    # Ties, empty CVSS scores and CWEs, every severity: variations of the demo findings.
    rows: list[Finding] = []
    for n in range(40):
        base = demo[n % len(demo)]
        rows.append(
            dataclasses.replace(
                base,
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
    titles = [f.title for f in model.rows]
    descending = sorted(titles, reverse=True)
    assert titles != descending, "the demo findings should not already be in this order"
    page.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert [f.title for f in model.rows] == descending
    after = page.current_finding()
    assert after is not None and after.id == chosen.id
    assert page.table.selectionModel().isRowSelected(page.table.currentIndex().row())


def test_rows_dropped_by_a_filter_are_freed(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    model = page.model
    qtbot.waitUntil(lambda: model.complete() and model.rowCount() == 3, timeout=TIMEOUT)
    old = weakref.ref(model.rows[0])
    page.severity_combo.setCurrentIndex(page.severity_combo.findData("info"))
    assert model.rowCount() == 0

    def freed() -> bool:
        gc.collect()
        return old() is None

    qtbot.waitUntil(freed, timeout=TIMEOUT)
