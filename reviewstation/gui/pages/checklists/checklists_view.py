"""The Checklists tab: start a run from a template, walk through it, see all its items."""

from __future__ import annotations

from reviewstation.app.views import ReviewRuns, review_runs
from reviewstation.checklists.runs import STATUSES, Run, sign_off, start_run
from reviewstation.gui.pages.checklists.checklist_walkthrough import STATUS_WORDS, Walkthrough
from reviewstation.gui.qt import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import ConfirmDialog, plain_tip
from reviewstation.text import visible
from reviewstation.vault.session import Session


class ChecklistsPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.runs: list[Run] = []
        self._focus_walkthrough = False  # once the run just started is shown
        layout = QVBoxLayout(self)

        # Made in the order they are shown, which is the order Tab visits them.
        bar = QHBoxLayout()
        self.run_combo = QComboBox(self)
        self.run_combo.setAccessibleName("Checklist run")
        run_label = QLabel("C&hecklist run:", self)  # Alt+N is New review
        run_label.setBuddy(self.run_combo)
        self.sign_button = QPushButton("Si&gn off…", self)
        self.sign_button.setToolTip("A lead closes the run once every item is answered")
        self.sign_button.setEnabled(False)
        self.template_combo = QComboBox(self)
        self.template_combo.setAccessibleName("Template")
        template_label = QLabel("&Template:", self)
        template_label.setBuddy(self.template_combo)
        self.start_button = QPushButton("&Start run", self)
        self.start_button.setEnabled(False)
        bar.addWidget(run_label)
        bar.addWidget(self.run_combo, 1)
        bar.addWidget(self.sign_button)
        bar.addSpacing(16)
        bar.addWidget(template_label)
        bar.addWidget(self.template_combo, 1)
        bar.addWidget(self.start_button)
        layout.addLayout(bar)
        self.message = QLabel(self)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setAccessibleName("Checklist message")
        self.message.hide()
        layout.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.walkthrough = Walkthrough(ctx, split)
        items_box = QWidget(split)
        items_layout = QVBoxLayout(items_box)
        items_layout.setContentsMargins(0, 0, 0, 0)
        filter_row = QHBoxLayout()
        self.filter_combo = QComboBox(items_box)
        self.filter_combo.setAccessibleName("Item status filter")
        self.filter_combo.addItem("All items", None)
        for status in STATUSES:
            self.filter_combo.addItem(STATUS_WORDS[status], status)
        filter_label = QLabel("Filter b&y status:", items_box)
        filter_label.setBuddy(self.filter_combo)
        filter_row.addWidget(filter_label)
        filter_row.addWidget(self.filter_combo)
        filter_row.addStretch(1)
        items_layout.addLayout(filter_row)
        self.table = QTableWidget(0, 4, items_box)
        self.table.setHorizontalHeaderLabels(["#", "Section", "Item", "Status"])
        self.table.setAccessibleName("Checklist items")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        items_layout.addWidget(self.table, 1)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)

        self.run_combo.currentIndexChanged.connect(self._on_run_chosen)
        self.start_button.clicked.connect(self.start)
        self.sign_button.clicked.connect(self.confirm_sign_off)
        self.filter_combo.currentIndexChanged.connect(self._apply_filter)
        self.table.cellActivated.connect(self._on_cell_activated)
        self.walkthrough.run_changed.connect(self._on_run_changed)
        for editable in (self.template_combo, self.start_button):
            editable.setEnabled(ctx.writable)

    def show_review(self, review_id: int, select_run: int = 0) -> None:
        self.review_id = review_id
        if not review_id:
            return

        def job(session: Session) -> ReviewRuns:
            return review_runs(session, review_id)

        self.ctx.vault.submit(
            job, lambda runs: self._show(runs, select_run), self._error, owner=self
        )

    def _error(self, message: str) -> None:
        self.message.setText(message)
        self.message.setVisible(bool(message))

    def _show(self, loaded: ReviewRuns, select_run: int) -> None:
        self._error("")
        self.runs = loaded.runs
        current = self.template_combo.currentData()
        self.template_combo.clear()
        for name, label in loaded.templates:
            self.template_combo.addItem(visible(label), name)
        if current is not None:
            self.template_combo.setCurrentIndex(max(0, self.template_combo.findData(current)))
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for run in self.runs:
            state = f", signed off by {run.signed_off_by}" if run.signed_off_by else ""
            self.run_combo.addItem(
                visible(f"Run {run.id}: {run.template.title} (v{run.template.version}){state}"),
                run.id,
            )
        self.run_combo.blockSignals(False)
        if not self.runs:
            self.walkthrough.set_run(None)
            self._fill_table(None)
            self._error("No checklist yet: choose a template and press Start run (Alt+S).")
            return
        index = self.run_combo.findData(select_run) if select_run else len(self.runs) - 1
        self.run_combo.setCurrentIndex(max(0, index))
        self._on_run_chosen(self.run_combo.currentIndex())
        if self._focus_walkthrough:
            self._focus_walkthrough = False
            self.walkthrough.setFocus()  # keys 1-4 answer the first item at once

    def _on_run_chosen(self, index: int) -> None:
        run = self.runs[index] if 0 <= index < len(self.runs) else None
        self.walkthrough.set_run(run)
        self._fill_table(run)
        self._update_sign_button(run)

    def _on_run_changed(self, run: Run) -> None:
        self.runs = [run if r.id == run.id else r for r in self.runs]
        self._fill_table(run)
        self._update_sign_button(run)

    def current_run(self) -> Run | None:
        index = self.run_combo.currentIndex()
        return self.runs[index] if 0 <= index < len(self.runs) else None

    def _update_sign_button(self, run: Run | None) -> None:
        open_run = run is not None and not run.signed_off_by and run.superseded_by is None
        self.sign_button.setEnabled(self.ctx.lead and open_run)

    def confirm_sign_off(self) -> None:
        run = self.current_run()
        if run is None or not self.ctx.lead:
            return
        left = run.progress()["total"] - run.progress()["answered"]
        text = (
            f"Sign off run {run.id} ({visible(run.template.title)}) as {self.ctx.info.user}?"
            " The run becomes final: no answer can change afterwards."
        )
        if left:
            text += f" {left} item(s) are not reviewed yet, so the vault will refuse."
        dialog = ConfirmDialog(self.ctx.marking, "Sign off checklist", text, "Si&gn off", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.sign_off_run(run.id))
        dialog.open()

    def sign_off_run(self, run_id: int) -> None:
        def job(session: Session) -> int:
            return sign_off(session, run_id).id

        self.sign_button.setEnabled(False)
        self.ctx.vault.submit(
            job,
            lambda signed: self.show_review(self.review_id, signed),
            self._on_sign_off_failed,
            owner=self,
        )

    def _on_sign_off_failed(self, message: str) -> None:
        self._update_sign_button(self.current_run())
        self._error(message)

    def start(self) -> None:
        name = self.template_combo.currentData()
        if not self.review_id or not isinstance(name, str) or not self.ctx.writable:
            return
        review_id = self.review_id

        def job(session: Session) -> int:
            return start_run(session, review_id, name).id

        self.start_button.setEnabled(False)
        self.ctx.vault.submit(job, self._on_started, self._on_start_failed, owner=self)

    def _on_started(self, run_id: int) -> None:
        self.start_button.setEnabled(True)
        self._focus_walkthrough = True
        self.show_review(self.review_id, run_id)

    def _on_start_failed(self, message: str) -> None:
        self.start_button.setEnabled(True)
        self._error(message)

    def _fill_table(self, run: Run | None) -> None:
        self.table.setRowCount(0)
        if run is None:
            return
        items = {item.id: item for item in run.template.items}
        self.table.setRowCount(len(run.answers))
        for row, answer in enumerate(run.answers):
            item = items[answer.item_id]
            cells = (str(row + 1), item.section, item.prompt, STATUS_WORDS[answer.status])
            for column, text in enumerate(cells):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, answer.status)
                if column == 2:
                    cell.setToolTip(plain_tip(item.prompt))
                self.table.setItem(row, column, cell)
        self._apply_filter()

    def _apply_filter(self) -> None:
        wanted = self.filter_combo.currentData()
        for row in range(self.table.rowCount()):
            cell = self.table.item(row, 3)
            status = cell.data(Qt.ItemDataRole.UserRole) if cell is not None else None
            self.table.setRowHidden(row, wanted is not None and status != wanted)

    def _on_cell_activated(self, row: int, _column: int) -> None:
        self.walkthrough.go_to(row)
        self.walkthrough.setFocus()
