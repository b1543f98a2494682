"""Small building blocks of the artifact detail panels: warning lines, fact forms, tables.

Everything shown here comes from an artifact (hostile input), so it is set as plain text
only, and values are turned into short single-line strings before they reach a widget.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewstation.gui.dialogs import plain_label

LOUD = ("#c8102e", "#ffffff")  # background, text: a lie, a mismatch, code that can run
CAUTION = ("#fff4ce", "#3b2f00", "#c19c00")  # background, text, border: worth knowing
CELL_CHARS = 300  # characters of one value shown in a table cell (the tooltip has more)


def fixed_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def warning_label(text: str, parent: QWidget, *, loud: bool) -> QLabel:
    """A plain-text line on red (loud) or amber (caution), with its own colours set so a
    theme cannot make it unreadable."""
    label = plain_label(text, parent)
    if loud:
        style = f"background: {LOUD[0]}; color: {LOUD[1]}; font-weight: bold; padding: 6px;"
    else:
        style = (
            f"background: {CAUTION[0]}; color: {CAUTION[1]}; border: 1px solid {CAUTION[2]};"
            " padding: 5px;"
        )
    label.setStyleSheet(style)
    label.setAccessibleName("Warning" if not loud else "Danger")
    return label


# Warnings the panels restate in their own words (and colours), so not listed twice.
RESTATED = ("Pickle", "DANGER:", "Not verified yet", "The evaluation ended with an error.")


def show_warnings(parent: QWidget, column: QVBoxLayout, warnings: Any) -> None:
    """An inspection's other warnings, one amber line each."""
    for warning in warnings if isinstance(warnings, list) else []:
        if not str(warning).startswith(RESTATED):
            column.addWidget(warning_label(str(warning), parent, loud=False))


def heading(text: str, parent: QWidget) -> QLabel:
    label = plain_label(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def one_line(text: str, limit: int = CELL_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def display(value: Any) -> str:
    """A value from an inspection as short readable text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if {"array_of", "length"} <= value.keys():  # a GGUF array, walked not kept
            first = ", ".join(display(v) for v in value.get("first") or [])
            more = "…" if int(value.get("length") or 0) > len(value.get("first") or []) else ""
            return f"{value['length']:,} items of {value['array_of']}: {first}{more}"
        return "; ".join(f"{k}: {display(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(display(v) for v in value) if value else "none"
    return str(value)


def counts(mapping: Any) -> str:
    """{"F32": 3, "BF16": 1} as "F32: 3, BF16: 1"."""
    if not isinstance(mapping, dict) or not mapping:
        return "—"
    return ", ".join(
        f"{k}: {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in mapping.items()
    )


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested mappings as dotted keys with display values (a tidy key/value listing)."""
    if isinstance(value, dict) and not {"array_of", "length"} <= value.keys():
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows.extend(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        if not rows and prefix:
            rows.append((prefix, "—"))
        return rows
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        rows = []
        for index, item in enumerate(value):
            rows.extend(flatten(item, f"{prefix}[{index}]"))
        return rows
    return [(prefix, display(value))]


def facts(parent: QWidget, rows: Iterable[tuple[str, Any]]) -> QWidget:
    """A two-column form of label and selectable plain-text value; None values are skipped."""
    box = QWidget(parent)
    form = QFormLayout(box)
    form.setContentsMargins(0, 0, 0, 0)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
    form.setHorizontalSpacing(12)
    form.setVerticalSpacing(3)
    for name, value in rows:
        if value is None:
            continue
        label = QLabel(name + ":", box)
        label.setTextFormat(Qt.TextFormat.PlainText)
        shown = plain_label(value if isinstance(value, str) else display(value), box)
        shown.setAccessibleName(name)
        form.addRow(label, shown)
    return box


def table(
    parent: QWidget,
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    name: str,
    *,
    stretch: int = -1,
) -> QTableWidget:
    """A read-only, row-selecting table of plain strings; full values in the tooltips."""
    widget = QTableWidget(0, len(headers), parent)
    widget.setHorizontalHeaderLabels(list(headers))
    widget.setAccessibleName(name)
    widget.verticalHeader().hide()
    widget.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    widget.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    widget.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    widget.setWordWrap(False)
    widget.setAlternatingRowColors(True)
    fill(widget, rows)
    widget.horizontalHeader().setSectionResizeMode(
        stretch % len(headers), QHeaderView.ResizeMode.Stretch
    )
    return widget


def fill(widget: QTableWidget, rows: Iterable[Sequence[str]], widest: int = 360) -> None:
    """Replace the table's rows; columns sized to their content, up to ``widest`` pixels."""
    data = [list(r) for r in rows]
    widget.setRowCount(len(data))
    for row, cells in enumerate(data):
        for column, text in enumerate(cells):
            item = QTableWidgetItem(one_line(text))
            if len(text) > 40 or "\n" in text:
                item.setToolTip(text[:4000])
            widget.setItem(row, column, item)
    widget.resizeColumnsToContents()
    for column in range(widget.columnCount()):
        widget.setColumnWidth(column, min(widget.columnWidth(column), widest))


def fit_height(widget: QTableWidget, most: int = 200) -> None:
    """A short table as tall as its rows (up to ``most`` pixels), not a block of white."""
    rows = sum(widget.rowHeight(r) for r in range(widget.rowCount()))
    frame = widget.horizontalHeader().sizeHint().height() + 2 * widget.frameWidth() + 2
    widget.setFixedHeight(min(most, rows + frame))


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def paint_row(widget: QTableWidget, row: int, colours: Sequence[str], bold: bool = False) -> None:
    for column in range(widget.columnCount()):
        cell = widget.item(row, column)
        if cell is None:
            continue
        cell.setBackground(QBrush(QColor(colours[0])))
        cell.setForeground(QBrush(QColor(colours[1])))
        if bold:
            font = cell.font()
            font.setBold(True)
            cell.setFont(font)


def key_values(parent: QWidget, value: Any, name: str) -> QTableWidget:
    return table(parent, ("Field", "Value"), flatten(value), name)
