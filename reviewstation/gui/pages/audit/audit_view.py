"""The Audit tab: the trail, fetched lazily in pages, with a text filter; Verify vault."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from reviewstation.app.verify import verify_workspace
from reviewstation.gui.qt import (
    QAbstractItemView,
    QCheckBox,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.operation import run_operation
from reviewstation.gui.runtime.progress import JobProgress
from reviewstation.gui.runtime.vault_thread import VaultThread
from reviewstation.gui.widgets.dialogs import PassphraseDialog, plain_tip, show_message
from reviewstation.gui.widgets.paged_model import Index, Page, PagedTableModel
from reviewstation.gui.widgets.wording import counted
from reviewstation.text import visible
from reviewstation.vault import audit
from reviewstation.vault.session import Session
from reviewstation.vault.verify import Report

PAGE = 500
SCAN_LIMIT = 20_000  # entries read per request while filtering, so a request stays short
COLUMNS = ("Seq.", "When (UTC)", "User", "Action", "Target", "Details")
COLUMN_SAMPLES = {
    0: "99999",
    1: "2026-12-07T15:43:03Z",
    2: "reviewer",
    3: "checklist.answer",
    4: "864cdb72-46c9-4c48-85c7-32ff91ebb486",
}
TARGET = 4
MIN_TARGET = 120
DETAILS_SHARE = 0.25


def readable(details: Any) -> str:
    """``key: value`` pairs, nested values as compact JSON: read by people, searched by text."""
    if not isinstance(details, dict):
        return json.dumps(details, sort_keys=True, ensure_ascii=False)
    parts = []
    for key, value in sorted(details.items()):
        text = (
            value
            if isinstance(value, str)
            else json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
        )
        parts.append(f"{key}: {text}")
    return "; ".join(parts)


def full_text(details: Any) -> str:
    """The whole of ``details`` for the entry pane: one key a line, nested values indented."""
    if not isinstance(details, dict):
        return json.dumps(details, sort_keys=True, ensure_ascii=False, indent=2)
    lines = []
    for key, value in sorted(details.items()):
        if isinstance(value, str):
            lines.append(f"{key}: {visible(value)}")
        else:
            nested = json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2)
            lines.append(f"{key}: " + "\n".join(visible(line) for line in nested.splitlines()))
    return "\n".join(lines)


def _row(entry: audit.Entry) -> tuple[str, ...]:
    """One line per cell: details quote names from cards and titles, so control and bidi
    characters are shown escaped. After the table's cells, the entry pane's text (DETAIL)."""
    cells = (
        str(entry.seq),
        entry.at,
        entry.user,
        entry.action,
        entry.target,
        readable(entry.details),
    )
    shown = tuple(visible(c) for c in cells)
    head = (f"{name}: {value}" for name, value in zip(COLUMNS[:-1], shown, strict=False))
    return (*shown, "\n".join((*head, "", full_text(entry.details))))


DETAIL = len(COLUMNS)  # the entry pane's text, after the cells of a row


def _fetch(after: int, text: str) -> Callable[[Session], Page]:
    needle = text.casefold()

    def job(session: Session) -> Page:
        rows: list[tuple[str, ...]] = []
        last = after
        scanned = 0
        for entry in itertools.islice(audit.entries(session.conn, after), SCAN_LIMIT):
            scanned += 1
            last = entry.seq
            row = _row(entry)
            if not needle or any(needle in cell.casefold() for cell in row):
                rows.append(row)
                if len(rows) >= PAGE:
                    break
        finished = len(rows) < PAGE and scanned < SCAN_LIMIT
        return Page(rows, last, finished)

    return job


class AuditModel(PagedTableModel):
    """The trail, a page of matching entries at a time (``paged_model``)."""

    def __init__(self, vault: VaultThread, parent: QObject | None = None) -> None:
        super().__init__(vault, COLUMNS, parent)
        self.text = ""

    def set_filter(self, text: str) -> None:
        self.text = text
        self.restart()

    def page_job(self, cursor: Any) -> Callable[[Session], Page]:
        return _fetch(cursor or 0, self.text)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tip(str(self.rows[index.row()][index.column()]))
        return None


def report_text(report: Report) -> str:
    lines = [f"Vault {report.vault_id}: {report.entries} audit entries."]
    lines.append("")
    lines.append(f"Problems ({len(report.problems)}):")
    lines.extend(f"  ✗ {p}" for p in report.problems)
    if not report.problems:
        lines.append("  none")
    lines.append("")
    lines.append(f"Checks made ({len(report.checks)}):")
    lines.extend(f"  ✓ {c}" for c in report.checks)
    if report.notes:
        lines.append("")
        lines.append(f"Notes ({len(report.notes)}):")
        lines.extend(f"  • {n}" for n in report.notes)
    return "\n".join(lines)


class AuditPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded_once = False
        self.model = AuditModel(ctx.vault, self)
        self.last_report: Report | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setAccessibleName("Audit filter")
        self.filter_edit.setPlaceholderText("Filter by user, action, target or details")
        self.filter_edit.setClearButtonEnabled(True)
        filter_label = QLabel("Fi&lter:", self)
        filter_label.setBuddy(self.filter_edit)
        self.full_check = QCheckBox("&Decrypt every artifact", self)
        self.full_check.setToolTip("Slower: decrypts all content and compares both hashes")
        self.verify_button = QPushButton("&Verify vault…", self)
        bar.addWidget(filter_label)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.full_check)
        bar.addWidget(self.verify_button)
        layout.addLayout(bar)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit trail")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the trail for the entry pane
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        # Each column as wide as its usual text in this font; the target (a long id) gives
        # way on a small screen so that the details keep DETAILS_SHARE of the width, and is
        # cut in the middle, where an id is least read.
        metrics = self.table.fontMetrics()
        self.widths = {c: metrics.horizontalAdvance(s) + 14 for c, s in COLUMN_SAMPLES.items()}
        for column, width in self.widths.items():
            self.table.setColumnWidth(column, width)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.viewport().installEventFilter(self)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        # The chosen entry in full, below the table: read by keyboard (Tab from the table),
        # not only in a mouse tooltip.
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        pane = QWidget(split)
        pane_layout = QVBoxLayout(pane)
        pane_layout.setContentsMargins(0, 0, 0, 0)
        entry_label = QLabel("&Entry:", pane)
        self.entry = QPlainTextEdit(pane)
        self.entry.setReadOnly(True)
        self.entry.setAccessibleName("Audit entry")
        self.entry.setPlaceholderText("Choose an entry to read it in full.")
        self.entry.setTabChangesFocus(True)
        entry_label.setBuddy(self.entry)
        pane_layout.addWidget(entry_label)
        pane_layout.addWidget(self.entry, 1)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([450, 150])
        layout.addWidget(split, 1)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setAccessibleName("Audit status")
        layout.addWidget(self.status)
        self.table.selectionModel().currentRowChanged.connect(self._show_entry)
        self.model.modelReset.connect(self.entry.clear)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._timer.start)
        self.filter_edit.returnPressed.connect(self.apply_filter)
        self.verify_button.clicked.connect(self.ask_passphrase)
        self.model.loaded.connect(self._update_status)
        self.model.failed.connect(self.status.setText)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            width = self.table.viewport().width()
            fixed = sum(w for c, w in self.widths.items() if c != TARGET)
            room = width - fixed - int(DETAILS_SHARE * width)
            self.table.setColumnWidth(TARGET, max(MIN_TARGET, min(self.widths[TARGET], room)))
        return super().eventFilter(watched, event)

    def _show_entry(self, current: Index, _previous: Index) -> None:
        row = current.row()
        rows = self.model.rows
        self.entry.setPlainText(rows[row][DETAIL] if 0 <= row < len(rows) else "")

    def vault_changed(self) -> None:
        """The trail grew: read it again (keeping the filter) when next shown."""
        self.loaded_once = False

    def show_review(self, review_id: int) -> None:
        # The trail is the vault's, not one review's: load it once, again after a change.
        if not self.loaded_once:
            self.loaded_once = True
            self.apply_filter()

    def apply_filter(self) -> None:
        self._timer.stop()
        self.model.set_filter(self.filter_edit.text().strip())
        self._update_status()

    def _update_status(self) -> None:
        n = self.model.rowCount()
        more = "" if self.model.complete() else " — scroll for more"
        what = "matching entries" if self.model.text else "entries"
        self.status.setText(f"{n} {what} shown{more}")

    # -- verify ----------------------------------------------------------------------------

    def ask_passphrase(self) -> None:
        dialog = PassphraseDialog(
            self.ctx.marking,
            self.ctx.info.user,
            "Verifying the vault unlocks it again from scratch, so that nothing in this"
            " session is trusted. Type your passphrase; it is used once and not kept.",
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(self.verify)
        dialog.open()

    def verify(self, secret: str) -> None:
        path, user, full = self.ctx.info.path, self.ctx.info.user, self.full_check.isChecked()
        secrets = [secret]  # emptied once the job has it, so only the job's frame holds it

        def work(_session: Session, progress: JobProgress) -> Report:
            phrase = secrets.pop()
            return verify_workspace(
                path,
                phrase,
                user=user,
                full=full,
                progress=lambda step: progress.report(0, 0, f"Checking the {step}…"),
                content_progress=lambda *_: None,
                cancel=progress.cancel,
            )

        def done(report: Report) -> None:
            self.last_report = report
            verdict = (
                "The vault is intact."
                if report.intact
                else f"The vault has {counted(len(report.problems), 'problem')}."
            )
            if operation.cancel.is_set():
                verdict += " (The content check was cancelled part way.)"
            show_message(self, self.ctx.marking, "Vault verification", verdict, report_text(report))
            self.apply_filter()

        def failed(failure: Failure) -> None:
            show_message(
                self,
                self.ctx.marking,
                "Vault verification",
                f"The vault could not be checked: {failure.message}",
            )

        operation = run_operation(self.ctx, self, "Verifying the vault…", work, done, failed)
