"""The Findings tab: a lazy table, filters by status and severity, full-text search."""

from __future__ import annotations

from reviewstation.findings.service import SEVERITIES, STATUSES, Finding, get_finding
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.findings.findings_model import Criteria, FindingRow, FindingsModel
from reviewstation.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QModelIndex,
    QObject,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import show_message
from reviewstation.gui.widgets.wording import counted

SEARCH_DELAY_MS = 300
# The widest text a column usually holds (its header or a typical value), by column number.
COLUMN_SAMPLES = {
    0: "Id 999",
    1: "(CUI)",
    3: "Severity",
    4: "CVSS-B",
    5: "vulnerability",
    6: "confirmed",
    7: "CWE-1234",
    8: "Author",
    9: "2026-12-07 15:43",
}
# On a narrow screen these columns give way, in this order, until the title has TITLE_SHARE
# of the table's width (the editor shows them; 1024x700 hides Author and Updated).
YIELDING = (8, 9)
TITLE_SHARE = 0.3


def _combo(parent: QWidget, name: str, everything: str, values: tuple[str, ...]) -> QComboBox:
    combo = QComboBox(parent)
    combo.setAccessibleName(name)
    combo.addItem(everything, None)
    for value in values:
        combo.addItem(value.replace("_", " "), value)
    return combo


class FindingsPage(QWidget):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        width = self.table.viewport().width()
        hidden = set()
        for column in (None, *YIELDING):
            if column is not None:
                hidden.add(column)
            others = sum(w for c, w in self.widths.items() if c not in hidden)
            if width - others >= TITLE_SHARE * width:
                break
        for column in YIELDING:
            self.table.setColumnHidden(column, column in hidden)

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.total: int | None = None
        self.model = FindingsModel(ctx.vault, self)
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setPlaceholderText(
            "Search titles, text, CWE, CVE, vendor, product (Ctrl+F)"
        )
        self.search_edit.setAccessibleName("Search findings")
        self.search_edit.setClearButtonEnabled(True)
        search_label = QLabel("&Search:", self)
        search_label.setBuddy(self.search_edit)
        self.status_combo = _combo(self, "Status filter", "All statuses", STATUSES)
        status_label = QLabel("S&tatus:", self)
        status_label.setBuddy(self.status_combo)
        self.severity_combo = _combo(self, "Severity filter", "All severities", SEVERITIES)
        severity_label = QLabel("Se&verity:", self)
        severity_label.setBuddy(self.severity_combo)
        # Alt+N is New review (the main window's), Alt+O and Alt+P are tabs.
        self.new_button = QPushButton("New fin&ding…", self)
        self.new_button.setToolTip("New finding (Alt+D, Ctrl+Shift+N)")
        self.open_button = QPushButton("Op&en…", self)
        self.open_button.setToolTip("Open the selected finding (Enter)")
        self.copy_button = QPushButton("Cop&y", self)
        self.copy_button.setToolTip(
            "Copy the selected finding's title and text (cleared from the clipboard after 30 s)"
        )
        for widget in (
            search_label,
            self.search_edit,
            status_label,
            self.status_combo,
            severity_label,
            self.severity_combo,
        ):
            bar.addWidget(widget)
        bar.setStretchFactor(self.search_edit, 1)
        bar.addWidget(self.new_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.copy_button)
        layout.addLayout(bar)

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Findings")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicatorShown(False)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # Every other column as wide as its longest usual text (in this font, so it scales),
        # leaving the title most of the width: at 1280x800 it shows whole titles.
        metrics = self.table.fontMetrics()
        self.widths = {c: metrics.horizontalAdvance(s) + 14 for c, s in COLUMN_SAMPLES.items()}
        for column, width in self.widths.items():
            self.table.setColumnWidth(column, width)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.viewport().installEventFilter(self)  # its width decides YIELDING columns
        layout.addWidget(self.table, 1)
        self.status_label = QLabel(self)
        self.status_label.setAccessibleName("Findings shown")
        layout.addWidget(self.status_label)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self._apply)
        self.status_combo.currentIndexChanged.connect(lambda _index: self._apply())
        self.severity_combo.currentIndexChanged.connect(lambda _index: self._apply())
        self.new_button.clicked.connect(self.new_finding)
        self.open_button.clicked.connect(self.open_current)
        self.copy_button.clicked.connect(self.copy_current)
        self.table.activated.connect(self._on_activated)
        header.sortIndicatorChanged.connect(self._on_sort)
        # At once, not at the view's next layout: the model asks for its first page right after
        # a reset, and a view still scrolled to the old bottom would ask for a second one.
        self.model.modelReset.connect(self.table.scrollToTop)
        self.model.loaded.connect(self._update_status)
        self.model.counted.connect(self._on_counted)
        self.model.failed.connect(self._on_failed)
        find = QShortcut(QKeySequence.StandardKey.Find, self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.search_edit.setFocus)
        # A shortcut of its own: setShortcut on the button would replace its Alt+D mnemonic.
        new = QShortcut(QKeySequence("Ctrl+Shift+N"), self)
        new.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        new.activated.connect(self.new_finding)
        self.new_button.setEnabled(ctx.writable)
        if not ctx.writable:
            self.new_button.setToolTip("An auditor's session is read-only")

    def show_review(self, review_id: int) -> None:
        """Called when the page is shown for a review, or again after F5: read it afresh."""
        self.review_id = review_id
        self._apply(reload=True)

    def _criteria(self) -> Criteria:
        return Criteria(
            self.review_id,
            self.status_combo.currentData(),
            self.severity_combo.currentData(),
            self.search_edit.text().strip(),
        )

    def _apply(self, reload: bool = False) -> None:
        self._search_timer.stop()
        criteria = self._criteria()
        if criteria == self.model.criteria and self.model.rowCount() and not reload:
            return
        self.total = None
        self.table.horizontalHeader().setSortIndicatorShown(False)
        self.model.set_criteria(criteria)
        self._update_status()

    def _on_counted(self, total: int) -> None:
        self.total = total
        self._update_status()

    def _on_failed(self, message: str) -> None:
        self.status_label.setText(message)

    def _on_sort(self, column: int, order: Qt.SortOrder) -> None:
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self._update_status()

    def _update_status(self) -> None:
        shown = self.model.rowCount()
        if self.model.searching():
            text = (
                counted(shown, "best match", "best matches")
                if shown
                else "No finding matches the search."
            )
        elif self.total is None:
            text = f"{shown} loaded"
        else:
            text = f"{shown} of {self.total} loaded" + (
                "" if self.model.complete() else " — scroll for more"
            )
            if self.total == 0:
                text = "No findings yet." if self.ctx.writable else "No findings."
        if self.table.horizontalHeader().isSortIndicatorShown() and not self.model.complete():
            text += "; sorting applies once every row is loaded (the table is in id order)"
        self.status_label.setText(text)

    def current_finding(self) -> FindingRow | None:
        index = self.table.currentIndex()
        return self.model.finding(index.row()) if index.isValid() else None

    def _on_activated(self, index: QModelIndex) -> None:
        self.open_current()

    def open_current(self) -> None:
        finding = self.current_finding()
        if finding is not None:
            self._open_editor(finding.id)

    def new_finding(self) -> None:
        if self.review_id and self.ctx.writable:
            self._open_editor(0)

    def _open_editor(self, finding_id: int) -> None:
        editor = FindingEditor(self.ctx, self.review_id, finding_id, self)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(lambda _f: self.model.reload())
        editor.open()

    def copy_current(self) -> None:
        finding = self.current_finding()
        if finding is None:
            show_message(self, self.ctx.marking, "Copy", "Select a finding first.")
            return
        finding_id = finding.id

        def copied(full: Finding) -> None:
            self.ctx.clipboard.copy(f"{full.portion_mark} {full.title}\n\n{full.body}")
            self.status_label.setText("Copied; the clipboard is cleared in 30 seconds.")

        # The table holds no bodies: the whole finding is read for the copy.
        self.ctx.vault.submit(
            lambda session: get_finding(session.conn, finding_id),
            copied,
            self.status_label.setText,
            owner=self,
        )
