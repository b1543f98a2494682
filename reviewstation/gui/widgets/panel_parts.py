"""Small building blocks of the artifact detail panels: warning lines, fact forms, tables.

Everything shown here comes from an artifact (hostile input), so it is set as plain text
only (tooltips too, through ``plain_tip``), and values are turned into short strings before
they reach a widget. A summary is read defensively: any value may have any JSON type (an
import from an older vault, a bug, a forged package), so types are checked before a value is
formatted, and whatever is not what a panel expects is shown as text. Lists are cut short, so
a huge one cannot freeze the window. (Inspection summaries arrive typed and checked by
``reviewstation.artifacts.inspection``; the checks here still guard what a summary keeps as
free-form JSON, such as metadata, and custody details.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reviewstation.gui.qt import (
    QBrush,
    QColor,
    QFont,
    QFontDatabase,
    QFormLayout,
    QHeaderView,
    QLabel,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import plain_label, plain_tip
from reviewstation.gui.widgets.wording import counted

# Table rows are filled with both a background and a text colour, so they read the same in
# either theme: dark red on a red tint for what must not be missed (bold), dark on amber for
# what is worth a look. Neither is a banner colour (tests/gui/test_warning_look.py).
LOUD = theme.DANGER_FILL[:2]
CAUTION = theme.CAUTION_FILL
PROBLEM = ("#fde7ea", "#5c0010")  # pale red, dark red text: a line of a lying header
CELL_CHARS = 300  # characters of one value shown in a table cell (the tooltip has more)
TEXT_CHARS = 2000  # characters of one value in a label
MAX_ROWS = 1000  # rows of one table; the rest are counted, not shown
MAX_ITEMS = 50  # items of one list or mapping written out in a single value
MAX_DEPTH = 6  # nesting shown before "…"
MAX_WARNINGS = 6  # amber lines shown; the rest are counted (the panel does not scroll)
LINE_CHARS = 500  # characters of a fact or a warning: one line, wrapped to the panel's width


def fixed_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def clip(text: str, limit: int = TEXT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def warning_label(text: str, parent: QWidget, *, loud: bool) -> QLabel:
    """A plain-text line with the warning icon in a rounded box: red-tinted (loud) or amber
    (caution), recoloured when the theme changes."""
    label = plain_label(theme.alert(clip(text)), parent)
    if loud:
        theme.mark_loud(label)
    else:
        theme.mark(label, "caution")
    label.setAccessibleName("Warning" if not loud else "Danger")
    return label


# Warnings the panels restate in their own words (and colours), so not listed twice.
RESTATED = ("Pickle", "DANGER:", "Not verified yet", "The evaluation ended with an error.")


def show_warnings(parent: QWidget, column: QVBoxLayout, warnings: Any) -> None:
    """An inspection's other warnings, one amber line each (a few; the rest counted)."""
    if isinstance(warnings, str):
        warnings = [warnings]
    shown = [
        text
        for text in (display(w) for w in (warnings if isinstance(warnings, list) else []))
        if not text.startswith(RESTATED)
    ]
    for text in shown[:MAX_WARNINGS]:
        column.addWidget(warning_label(one_line(text, LINE_CHARS), parent, loud=False))
    if len(shown) > MAX_WARNINGS:
        more = len(shown) - MAX_WARNINGS
        column.addWidget(
            warning_label(f"… and {plural(more, 'more warning')}.", parent, loud=False)
        )


def show_notes(
    parent: QWidget, column: QVBoxLayout, notes: Sequence[str], what: str = "The stored summary"
) -> None:
    """What the summary's constructor refused (wrong types, cut lists): one amber line."""
    if not notes:
        return
    shown = " ".join(notes[:3]) + (f" (and {len(notes) - 3} more)" if len(notes) > 3 else "")
    line = f"{what} is partly malformed: {shown}"
    label = warning_label(one_line(line, LINE_CHARS), parent, loud=False)
    label.setAccessibleName("Malformed summary")
    column.addWidget(label)


def heading(text: str, parent: QWidget) -> QLabel:
    label = plain_label(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else empty: a field of the wrong type is not iterated."""
    return value if isinstance(value, list) else []


def as_dicts(value: Any) -> list[dict[str, Any]]:
    """The mappings in ``value`` if it is a list; anything else in it is left out."""
    return [v for v in as_list(value) if isinstance(v, dict)]


def one_line(text: Any, limit: int = CELL_CHARS) -> str:
    flat = " ".join((text if isinstance(text, str) else display(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def display(value: Any, depth: int = 0) -> str:
    """A value from an inspection as short readable text, whatever its type."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, str):
        return clip(value)
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        if {"array_of", "length"} <= value.keys():  # a GGUF array, walked not kept
            first = value.get("first")
            items = first if isinstance(first, list) else []
            length = value["length"]
            more = "…" if not isinstance(length, int) or length > len(items) else ""
            shown = _items([display(v, depth + 1) for v in items[:MAX_ITEMS]], len(items))
            count = counted(length, "item") if isinstance(length, int) else display(length)
            return clip(f"{count} of {display(value['array_of'])}: {shown}{more}")
        pairs = [f"{k}: {display(v, depth + 1)}" for k, v in list(value.items())[:MAX_ITEMS]]
        return clip(_items(pairs, len(value), "; "))
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        return clip(_items([display(v, depth + 1) for v in value[:MAX_ITEMS]], len(value)))
    return clip(str(value))


def _items(shown: list[str], total: int, sep: str = ", ") -> str:
    rest = total - len(shown)
    return sep.join(shown) + (f"{sep}… ({rest:,} more)" if rest > 0 else "")


def counts(mapping: Any) -> str:
    """{"F32": 3, "BF16": 1} as "F32: 3, BF16: 1"."""
    if not isinstance(mapping, dict) or not mapping:
        return "—" if mapping in (None, {}) else display(mapping)
    pairs = [f"{display(k)}: {display(v)}" for k, v in list(mapping.items())[:MAX_ITEMS]]
    return clip(_items(pairs, len(mapping)))


def flatten(value: Any, prefix: str = "", limit: int = MAX_ROWS) -> list[tuple[str, str]]:
    """Nested mappings as dotted keys with display values (a tidy key/value listing), at most
    ``limit`` rows and MAX_DEPTH levels deep."""
    rows: list[tuple[str, str]] = []
    _flatten(value, prefix, rows, limit, 0)
    if len(rows) > limit:
        rows[limit:] = [("…", "more fields, not listed here")]
    return rows


def _flatten(value: Any, prefix: str, rows: list[tuple[str, str]], limit: int, depth: int) -> None:
    """Appends to ``rows`` until it holds more than ``limit``."""
    nested = depth < MAX_DEPTH
    if nested and isinstance(value, dict) and not {"array_of", "length"} <= value.keys():
        if not value and prefix:
            rows.append((prefix, "—"))
        for key, item in value.items():
            if len(rows) > limit:
                return
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), rows, limit, depth + 1)
        return
    if nested and isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            if len(rows) > limit:
                return
            _flatten(item, f"{prefix}[{index}]", rows, limit, depth + 1)
        return
    rows.append((prefix, display(value, depth)))


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
        shown = plain_label(one_line(display(value), LINE_CHARS), box)
        shown.setAccessibleName(name)
        form.addRow(label, shown)
    return box


def table(
    parent: QWidget,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
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


def fill(widget: QTableWidget, rows: Iterable[Sequence[Any]], widest: int = 360) -> None:
    """Replace the table's rows (at most MAX_ROWS, then a line counting the rest); columns
    sized to their content, up to ``widest`` pixels."""
    data = [list(r) for r in rows]
    if len(data) > MAX_ROWS:
        rest = len(data) - MAX_ROWS
        data = [*data[:MAX_ROWS], [f"… {plural(rest, 'more row')} not shown"]]
    widget.setRowCount(len(data))
    for row, cells in enumerate(data):
        for column, value in enumerate(cells[: widget.columnCount()]):
            text = value if isinstance(value, str) else display(value)
            item = QTableWidgetItem(one_line(text))
            if len(text) > 40 or "\n" in text:
                item.setToolTip(plain_tip(text))
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
