"""The custody side of an artifact's details: hashes, the declared-hash check, how it arrived,
and the custody events since."""

from __future__ import annotations

from typing import Any

from reviewstation.artifacts.catalog import Artifact
from reviewstation.gui.qt import QFormLayout, QLabel, QLineEdit, Qt, QVBoxLayout, QWidget
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import plain_label
from reviewstation.gui.widgets.panel_parts import (
    display,
    fit_height,
    fixed_font,
    heading,
    table,
    warning_label,
)

# Said beside the inspection summary and preview, which were made at import: seeing them is
# not a view of the content, so it adds no event, and the panel must not seem to deny it.
NO_EVENTS = (
    "No custody events since import (the summary and preview beside come from the"
    " import-time inspection)."
)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def declared_text(artifact: Artifact) -> str:
    if artifact.declared_sha256 is None:
        return "none declared"
    return "MATCH" if artifact.declared_match else "MISMATCH — does not match the declared hash"


def _event_details(details: Any) -> str:
    if not isinstance(details, dict):
        return display(details)
    return display({k: v for k, v in details.items() if v not in (None, "", [], {})})


def _name(text: str, parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class CustodyPanel(QWidget):
    """Rebuilt for each artifact shown; everything in it is plain text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Custody")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 6, 0)
        self._content: QWidget | None = None
        self._text = ""
        self.clear("Select an artifact to see its custody and inspection.")

    def clear(self, note: str = "") -> None:
        self._replace(QWidget(self))
        assert self._content is not None
        QVBoxLayout(self._content).addWidget(plain_label(note, self._content))
        self._layout.addStretch(1)
        self._text = note

    def plain_text(self) -> str:
        return self._text

    def _replace(self, content: QWidget) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once: deletion waits for the event loop
                widget.deleteLater()
        self._content = content
        self._layout.addWidget(content)

    def show_artifact(self, a: Artifact, events: list[dict[str, Any]]) -> None:
        box = QWidget(self)
        self._replace(box)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        title = heading(a.path + ("  (erased)" if a.erased else ""), box)
        title.setAccessibleName("Artifact path")
        column.addWidget(title)
        column.addWidget(plain_label(f"{a.kind} · {human_size(a.size)} ({a.size:,} bytes)", box))
        if a.declared_mismatch:
            column.addWidget(
                warning_label(
                    "SHA-256 MISMATCH: this file is not the one the developer declared."
                    " Do not rely on it.",
                    box,
                    loud=True,
                )
            )
        if a.erased:
            column.addWidget(
                warning_label(f"Content erased {a.erased_at} by {a.erased_by}.", box, loud=False)
            )

        form = QFormLayout()
        form.setVerticalSpacing(3)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for name, value in (
            ("SHA-256", a.sha256),
            ("SHA-384", a.sha384),
            ("Declared SHA-256", a.declared_sha256),
        ):
            if value is None:
                continue
            field = QLineEdit(value, box)
            field.setReadOnly(True)
            field.setFont(fixed_font())
            field.setAccessibleName(name)
            field.setCursorPosition(0)
            form.addRow(_name(name + ":", box), field)
        check = plain_label(declared_text(a), box)
        check.setAccessibleName("Declared hash check")
        if a.declared_mismatch:
            theme.mark(check, "error")
        elif a.declared_match:
            theme.mark(check, "ok")
        form.addRow(_name("Declared hash:", box), check)
        received = [
            ("Medium", a.medium or "not recorded"),
            ("Received from", a.received_from or "not recorded"),
            ("Received at", a.received_at or "not recorded"),
            ("Imported", f"{a.imported_at} by {a.imported_by}"),
        ]
        if a.duplicate_of:
            received.append(("Same content as", a.duplicate_of))
        for name, value in received:
            shown = plain_label(value, box)
            shown.setAccessibleName(name)
            form.addRow(_name(name + ":", box), shown)
        column.addLayout(form)

        column.addSpacing(6)
        column.addWidget(heading("Custody events since import", box))
        rows = [(e["at"], e["user"], e["event"], _event_details(e["details"])) for e in events]
        if rows:
            events_table = table(box, ("When", "Who", "Event", "Details"), rows, "Custody events")
            fit_height(events_table, 240)
            column.addWidget(events_table)
        else:
            column.addWidget(plain_label(NO_EVENTS, box))
        column.addStretch(1)

        lines = [
            f"{a.path}  ({a.kind}, {a.size} bytes)",
            f"SHA-256  {a.sha256}",
            f"SHA-384  {a.sha384}",
            f"Declared SHA-256: {a.declared_sha256 or 'none'} — {declared_text(a)}",
            "Custody",
            *(f"  {name.lower()}: {value}" for name, value in received),
            *(f"  {' '.join(row)}" for row in rows),
            *(() if rows else (f"  {NO_EVENTS}",)),
        ]
        self._text = "\n".join(lines)
