"""The Overview's capability areas: per area, the runs the reviewers chose against the baseline
run (the reference model), with the statistics of ``compare``; and the dialog that chooses them.

The figures are computed on the vault thread (``app.determination.area_results``: the logs'
sample summaries only) after the rest of the Overview is shown. Every line of figures is the
same text the command line and the report print (``reviewstation.determination``).
"""

from __future__ import annotations

from reviewstation import determination
from reviewstation.analysis import stats
from reviewstation.app import determination as app_determination
from reviewstation.app.compare import comparable_logs
from reviewstation.artifacts.catalog import Artifact
from reviewstation.determination import AREAS, AreaOptions, AreaResult
from reviewstation.errors import InputError
from reviewstation.gui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import MarkedDialog, buddy_label, plain_label
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.text import visible
from reviewstation.vault.session import Session

COLUMNS = ("Area", "Figures", "Run", "Log (model)", "Solved (Wilson interval)", "Against A")


def table_rows(items: list[AreaResult]) -> list[tuple[str, list[str]]]:
    """(area uid, cells) per row: each run of each set of figures ``determination.shown``
    picks (raw, then triaged when triage labels invalidated solves), or one row saying why an
    area has none."""
    rows: list[tuple[str, list[str]]] = []
    for item in items:
        area = item.area
        if item.result is None:
            rows.append((area.uid, [area.title, "none", "", "", "", item.error or ""]))
            continue
        for label, result in determination.shown(item.result):
            tests = {test.other: test for test in result.tests}
            for run in result.runs:
                test = tests.get(run.label)
                rows.append(
                    (
                        area.uid,
                        [
                            area.title,
                            label,
                            run.label,
                            f"{run.name} ({run.model or '?'})",
                            determination.run_line(run)
                            + (
                                f"; {determination.invalidated_line(result, run.label)}"
                                if label == "triaged"
                                else ""
                            ),
                            determination.test_line(test, result) if test else "baseline",
                        ],
                    )
                )
    return rows


class AreasPanel(QGroupBox):
    """The Overview's group: the table, and choosing or removing an area."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__("Capability areas (runs against their baseline)", parent)
        self.ctx = ctx
        self.review_id = 0
        self.items: list[AreaResult] = []
        self.row_areas: list[str] = []
        layout = QVBoxLayout(self)
        self.status = plain_label("", self)
        self.status.setAccessibleName("Capability areas status")
        layout.addWidget(self.status)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setAccessibleName("Capability areas")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(140)
        layout.addWidget(self.table)
        self.settings = plain_label("", self)
        self.settings.setAccessibleName("Comparison settings")
        layout.addWidget(self.settings)
        row = QHBoxLayout()
        self.choose_button = QPushButton("C&hoose runs…", self)
        self.choose_button.setToolTip("Choose an area's runs and its baseline (reference model)")
        self.choose_button.clicked.connect(self.choose)
        self.remove_button = QPushButton("Remo&ve area", self)
        self.remove_button.clicked.connect(self.remove)
        self.error = plain_label("", self)
        self.error.setAccessibleName("Capability areas error")
        mark_error(self.error)
        for widget in (self.choose_button, self.remove_button, self.error):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.table.itemSelectionChanged.connect(self._selected)
        self._enable()

    def load(self, review_id: int) -> None:
        self.review_id = review_id
        self.status.setText("Comparing the chosen runs…")

        def job(session: Session) -> list[AreaResult]:
            return app_determination.area_results(session, review_id)

        self.ctx.vault.submit(
            job, lambda items: self._show(review_id, items), self.status.setText, owner=self
        )

    def _show(self, review_id: int, items: list[AreaResult]) -> None:
        if review_id != self.review_id:
            return  # another review was chosen meanwhile
        self.items = items
        rows = table_rows(items)
        self.row_areas = [uid for uid, _ in rows]
        self.table.setRowCount(len(rows))
        for r, (_uid, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(visible(text)))
        self.table.resizeRowsToContents()
        self.status.setText(
            "Each run against the baseline A over the samples both scored: exact McNemar, and"
            " for numeric scores a paired bootstrap (seed recorded)."
            if items
            else "No capability area chosen yet: choose the runs that count and their baseline."
        )
        self.settings.setText(
            "\n".join(
                f"{visible(i.area.title)}: {determination.settings_line(result)};"
                f" cite as {i.area.citation}"
                for i in items
                if i.result is not None
                for _label, result in determination.shown(i.result)[:1]
            )
        )
        self.error.setText("")
        self._enable()

    def _selected(self) -> None:
        self._enable()

    def selected_area(self) -> AreaResult | None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.row_areas) or not self.table.selectedItems():
            return None
        uid = self.row_areas[row]
        return next((i for i in self.items if i.area.uid == uid), None)

    def _enable(self) -> None:
        writable = self.ctx.writable and self.review_id > 0
        self.choose_button.setEnabled(writable)
        self.remove_button.setEnabled(writable and self.selected_area() is not None)

    def choose(self) -> None:
        if not self.ctx.writable or not self.review_id:
            return
        chosen = self.selected_area()
        dialog = AreaDialog(self.ctx, self.review_id, chosen, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda _item: self.load(self.review_id))
        dialog.open()

    def remove(self) -> None:
        chosen = self.selected_area()
        if chosen is None or not self.ctx.writable:
            return
        review_id, area = self.review_id, chosen.area.area

        def job(session: Session) -> object:
            return app_determination.remove_area(session, review_id, area)

        self.remove_button.setEnabled(False)
        self.ctx.vault.submit(job, lambda _v: self.load(review_id), self._failed, owner=self)

    def _failed(self, message: str) -> None:
        self.error.setText(message)
        self._enable()


class AreaDialog(MarkedDialog):
    """Choose one area's runs, its baseline and how they are compared."""

    saved = Signal(object)  # AreaResult

    def __init__(
        self,
        ctx: Context,
        review_id: int,
        current: AreaResult | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx.marking, "Capability area", parent)
        self.ctx = ctx
        self.review_id = review_id
        self.current = current
        self.logs: list[Artifact] = []
        self.resize(640, 520)
        self.body.addWidget(
            plain_label(
                "The runs that count for this area are compared with the baseline run (the"
                " reference model) as Compare runs would; the choice is audited.",
                self,
            )
        )
        form = QFormLayout()
        self.area = QComboBox(self)
        self.area.setEditable(True)  # any other area in free text
        self.area.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.area.setAccessibleName("Area")
        for key, title in AREAS.items():
            self.area.addItem(title, key)
        edit = self.area.lineEdit()
        if edit is not None:
            edit.setAccessibleName("Area")
        self.baseline = QComboBox(self)
        self.baseline.setAccessibleName("Baseline run")
        self.runs = QListWidget(self)
        self.runs.setAccessibleName("Runs that count")
        options = current.area.options if current is not None else AreaOptions()
        self.scorer = QLineEdit(options.scorer or "", self)
        self.scorer.setAccessibleName("Scorer")
        self.scorer.setPlaceholderText("the first scorer every run has")
        self.threshold = QLineEdit(f"{options.threshold:g}", self)
        self.threshold.setAccessibleName("Solved from")
        self.seed = QLineEdit(str(options.seed), self)
        self.seed.setAccessibleName("Bootstrap seed")
        self.note = QLineEdit(current.area.note if current is not None else "", self)
        self.note.setAccessibleName("Note")
        for text, widget in (
            ("&Area:", self.area),
            ("&Baseline (A):", self.baseline),
            ("&Runs:", self.runs),
            ("&Scorer:", self.scorer),
            ("Solved &from:", self.threshold),
            ("S&eed:", self.seed),
            ("&Note:", self.note),
        ):
            label = buddy_label(text, widget, self)
            form.addRow(label, widget)
        self.body.addLayout(form, 1)
        self.error = plain_label("", self)
        self.error.setAccessibleName("Error")
        mark_error(self.error)
        self.body.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton("Sa&ve", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self.save_button.setEnabled(False)
        if current is not None:
            self.area.setCurrentIndex(self.area.findData(current.area.area))
            if self.area.currentIndex() < 0:
                self.area.setEditText(current.area.area)
        self.area.setFocus()
        self.ctx.vault.submit(comparable_logs, self._logs, self.error.setText, owner=self)

    def _logs(self, logs: list[Artifact]) -> None:
        self.logs = logs
        chosen = set(self.current.area.runs) if self.current is not None else set()
        for log in logs:
            name = f"{visible(log.path)} (artifact {log.id}, review {log.review_id})"
            self.baseline.addItem(name, log.uid)
            item = QListWidgetItem(name, self.runs)
            item.setData(Qt.ItemDataRole.UserRole, log.uid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if log.uid in chosen else Qt.CheckState.Unchecked
            )
        if self.current is not None:
            self.baseline.setCurrentIndex(
                max(0, self.baseline.findData(self.current.area.baseline))
            )
        if not logs:
            self.error.setText("The vault holds no Inspect evaluation log to compare.")
        self.save_button.setEnabled(bool(logs))

    def chosen_runs(self) -> list[str]:
        out = []
        for row in range(self.runs.count()):
            item = self.runs.item(row)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def area_text(self) -> str:
        text = self.area.currentText().strip()
        index = self.area.findText(text)
        return str(self.area.itemData(index)) if index >= 0 else text

    def options(self) -> AreaOptions:
        try:
            threshold = float(self.threshold.text())
            seed = int(self.seed.text()) if self.seed.text().strip() else stats.DEFAULT_SEED
        except ValueError:
            raise InputError("Solved from is a number and the seed a whole number.") from None
        scorer = self.scorer.text().strip() or None
        return AreaOptions(scorer=scorer, threshold=threshold, seed=seed).checked()

    def save(self) -> None:
        try:
            options = self.options()
        except InputError as exc:
            self.error.setText(str(exc))
            return
        review_id, area = self.review_id, self.area_text()
        baseline, runs, note = (
            str(self.baseline.currentData()),
            self.chosen_runs(),
            self.note.text(),
        )

        def job(session: Session) -> AreaResult:
            return app_determination.set_area(
                session, review_id, area, baseline=baseline, runs=runs, options=options, note=note
            )

        self.save_button.setEnabled(False)
        self.error.setText("Comparing the runs…")
        self.ctx.vault.submit(job, self._done, self._failed, owner=self)

    def _done(self, item: AreaResult) -> None:
        self.accept()
        self.saved.emit(item)

    def _failed(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.error.setText(message)
