"""Compare Inspect runs: choose logs from any review, see accuracies, tests and who solved what,
and open one sample's transcripts in runs A and B side by side (loaded only then). The open
sample can be triaged there (``triage_panel.py``); confirmed labels that invalidate a solve give
every figure twice, raw and triaged.

A thin view over ``reviewstation.app.compare``: every figure comes from the core; the dialog
only reads, so a read-only session may use it."""

from __future__ import annotations

from reviewstation.analysis import comparison, stats
from reviewstation.analysis.comparison import Comparison, Options, SampleComparison
from reviewstation.analysis.transcripts import Side, TranscriptPair
from reviewstation.app import compare
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.inspection import InspectLog
from reviewstation.gui.pages.artifacts.triage_panel import Shown, TriagePanel, roles_of
from reviewstation.gui.qt import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.operation import run_operation
from reviewstation.gui.runtime.progress import JobProgress
from reviewstation.gui.widgets.dialogs import MarkedDialog, buddy_label, plain_label
from reviewstation.vault.session import Session

FIRST_SHARED = "(first shared scorer)"
FILTER_NAMES = {
    "all": "All samples",
    "a-only": "Solved by A only",
    "b-only": "Solved by B only",
    "both": "Solved by both",
    "neither": "Solved by neither",
    "differ": "Scores differ",
    "errors": "Errors",
    "limits": "Limits hit",
}


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def side_text(side: Side, divergence: int | None) -> str:
    """A transcript as plain text, the first differing message marked."""
    lines = []
    for index, message in enumerate(side.messages):
        mark = "▶ " if index == divergence else ""
        calls = "".join(f"\n    [call] {call}" for call in message.tool_calls)
        lines.append(f"{mark}#{index} [{message.role}]\n{message.text}{calls}")
    return "\n\n".join(lines) or "(no messages)"


class CompareDialog(MarkedDialog):
    """Choose two or more logs (A is the first ticked), set the scorer and threshold, compare."""

    def __init__(self, ctx: Context, first: int | None = None, parent: QWidget | None = None):
        super().__init__(ctx.marking, "Compare Inspect runs", parent)
        self.ctx = ctx
        self.first = first
        self.order: list[int] = []  # artifact ids in the order ticked: A, B, ...
        self.comparison: Comparison | None = None
        self.shown: list[SampleComparison] = []
        self.pair: TranscriptPair | None = None

        top = QHBoxLayout()
        self.logs = QListWidget(self)
        self.logs.setAccessibleName("Inspect logs")
        self.logs.setToolTip("Tick two or more logs; the first ticked is A, the baseline.")
        top.addWidget(self.logs, 3)
        form = QFormLayout()
        self.scorer = QComboBox(self)
        self.scorer.setAccessibleName("Scorer")
        self.scorer.addItem(FIRST_SHARED)
        self.threshold = QLineEdit("1.0", self)
        self.threshold.setAccessibleName("Solved at or above")
        self.seed = QSpinBox(self)
        self.seed.setAccessibleName("Bootstrap seed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(stats.DEFAULT_SEED)
        self.filter = QComboBox(self)
        self.filter.setAccessibleName("Show samples")
        for key in comparison.FILTERS:
            self.filter.addItem(FILTER_NAMES[key], key)
        for text, widget in (
            ("&Scorer:", self.scorer),
            ("Solved at or &above:", self.threshold),
            ("Bootstrap s&eed:", self.seed),
            ("Sho&w:", self.filter),
        ):
            label = buddy_label(text, widget, self)
            form.addRow(label, widget)
        self.compare_button = QPushButton("&Compare", self)
        self.compare_button.setEnabled(False)
        form.addRow(self.compare_button)
        top.addLayout(form, 2)
        self.body.addLayout(top)

        self.status = plain_label("Choose two or more Inspect logs.", self)
        self.status.setAccessibleName("Comparison status")
        self.body.addWidget(self.status)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.summary = QPlainTextEdit(split)
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("Comparison summary")
        self.table = QTableWidget(0, 0, split)
        self.table.setAccessibleName("Samples compared")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        sides = QWidget(split)
        side_layout = QVBoxLayout(sides)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.divergence = plain_label("Select a sample to compare its transcripts.", sides)
        self.divergence.setAccessibleName("Where the transcripts diverge")
        side_layout.addWidget(self.divergence)
        pair = QHBoxLayout()
        self.transcript_a = QPlainTextEdit(sides)
        self.transcript_b = QPlainTextEdit(sides)
        for edit, name in (
            (self.transcript_a, "Transcript A"),
            (self.transcript_b, "Transcript B"),
        ):
            edit.setReadOnly(True)
            edit.setAccessibleName(name)
            pair.addWidget(edit)
        side_layout.addLayout(pair, 1)
        self.triage = TriagePanel(ctx, split)
        split.setSizes([220, 170, 220, 140])
        self.body.addWidget(split, 1)
        self.resize(1100, 800)

        self.logs.itemChanged.connect(self._ticked)
        self.compare_button.clicked.connect(self.run_compare)
        self.filter.currentIndexChanged.connect(self._fill)
        self.table.currentCellChanged.connect(self._on_sample)
        self.triage.labels_changed.connect(self.run_compare)

        def job(session: Session) -> list[tuple[int, str]]:
            return [
                (a.id, f"#{a.id}  {a.path}  (review {a.review_id}; {_facts(a)})")
                for a in compare.comparable_logs(session)
            ]

        ctx.vault.submit(job, self._show_logs, self.status.setText, owner=self)

    def _show_logs(self, logs: list[tuple[int, str]]) -> None:
        self.logs.blockSignals(True)
        for artifact_id, text in logs:
            item = QListWidgetItem(text, self.logs)
            item.setData(Qt.ItemDataRole.UserRole, artifact_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            ticked = artifact_id == self.first
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            if ticked:
                self.order.append(artifact_id)
        self.logs.blockSignals(False)
        if not logs:
            self.status.setText("This vault holds no Inspect log to compare.")
        self._update_button()

    def tick(self, artifact_id: int) -> None:
        """Tick a log, as a click on its box does."""
        for row in range(self.logs.count()):
            item = self.logs.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == artifact_id:
                item.setCheckState(Qt.CheckState.Checked)

    def _ticked(self, item: QListWidgetItem) -> None:
        artifact_id = int(item.data(Qt.ItemDataRole.UserRole))
        if item.checkState() == Qt.CheckState.Checked and artifact_id not in self.order:
            self.order.append(artifact_id)
        elif item.checkState() != Qt.CheckState.Checked and artifact_id in self.order:
            self.order.remove(artifact_id)
        self._update_button()
        self._name_runs()

    def _update_button(self) -> None:
        self.compare_button.setEnabled(len(self.order) >= 2)

    def _name_runs(self) -> None:
        if len(self.order) >= 2:
            named = ", ".join(
                f"{chr(65 + i)} = #{artifact}" for i, artifact in enumerate(self.order)
            )
            self.status.setText(f"Runs: {named}. Press Compare.")

    def options(self) -> Options | None:
        try:
            threshold = float(self.threshold.text().strip())
        except ValueError:
            self.status.setText("The threshold must be a number, for example 1.0 or 0.5.")
            return None
        scorer = self.scorer.currentText()
        return Options(
            scorer=None if scorer == FIRST_SHARED else scorer,
            threshold=threshold,
            seed=self.seed.value(),
        )

    def run_compare(self) -> None:
        options = self.options()
        if options is None or len(self.order) < 2:
            return
        refs: list[int | str] = list(self.order)
        self.status.setText("Comparing…")
        self.compare_button.setEnabled(False)

        def work(session: Session, progress: JobProgress) -> Comparison:
            return compare.compare_artifacts(
                session, refs, options, progress=progress.report_stage, cancel=progress.cancel
            )

        run_operation(self.ctx, self, "Comparing runs…", work, self._show_result, self._refused)

    def _refused(self, failure: Failure) -> None:
        self.status.setText("Comparison stopped." if failure.cancelled else failure.message)
        self._update_button()

    def _show_result(self, result: Comparison) -> None:
        self.comparison = result
        self._update_button()
        gone = sum(len(keys) for keys in result.invalidated.values())
        self.status.setText(
            f"{result.aligned} samples compared by scorer {result.scorer}"
            f" (seed {result.seed}, {result.resamples} resamples)."
            + (
                f" Confirmed triage labels invalidate {gone} sample(s): every figure is"
                " shown raw, then triaged."
                if result.triaged is not None
                else ""
            )
        )
        wanted = self.scorer.currentText()
        self.scorer.blockSignals(True)
        self.scorer.clear()
        self.scorer.addItem(FIRST_SHARED)
        self.scorer.addItems(result.scorers)
        self.scorer.setCurrentText(wanted)
        self.scorer.blockSignals(False)
        self.summary.setPlainText("\n".join(comparison.summary_lines(result)))
        self._fill()

    def _fill(self, *_: object) -> None:
        result = self.comparison
        if result is None:
            return
        wanted = str(self.filter.currentData())
        self.shown = [s for s in result.samples if comparison.keeps(s, wanted)]
        labels = [run.label for run in result.runs]
        headings = ["Sample", *labels, *(f"{label} - A" for label in labels[1:]), "Errors, limits"]
        self.table.blockSignals(True)  # a refill is not a new choice of sample
        self.table.clear()
        self.table.setColumnCount(len(headings))
        self.table.setHorizontalHeaderLabels(headings)
        self.table.setRowCount(len(self.shown))
        for row, sample in enumerate(self.shown):
            notes = [
                f"{label}: {error or ''}{' ' if error and limit else ''}"
                f"{f'{limit} limit' if limit else ''}"
                for label, error, limit in zip(labels, sample.errors, sample.limits, strict=True)
                if error or limit
            ] + [
                f"{label}: solve invalidated by triage"
                for label in labels
                if sample.key in result.invalidated.get(label, [])
            ]
            cells = [
                sample.key,
                *(_cell(v) for v in sample.values),
                *("—" if d is None else f"{d:+g}" for d in sample.differences),
                "; ".join(notes),
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(
            len(headings) - 1, QHeaderView.ResizeMode.Stretch
        )
        self.table.blockSignals(False)
        self.divergence.setText(
            f"{len(self.shown)} samples shown. Select one to compare its transcripts in A and B."
        )

    def _on_sample(self, row: int, *_: int) -> None:
        if self.comparison is None or not 0 <= row < len(self.shown) or len(self.order) < 2:
            return
        key = self.shown[row].key
        first, second = self.order[0], self.order[1]
        self.divergence.setText(f"Loading sample {key}…")
        self.triage.show_sample(Shown(key, (first, second)), None)

        def job(session: Session) -> TranscriptPair:
            return compare.transcript_pair(session, first, second, key)

        self.ctx.vault.submit(job, self._show_pair, self.divergence.setText, owner=self)

    def _show_pair(self, pair: TranscriptPair) -> None:
        self.pair = pair
        where = pair.message_divergence
        text = f"Sample {pair.key}: " + (
            "the transcripts are identical."
            if where is None and pair.event_divergence is None
            else (
                f"messages first differ at #{where}"
                if where is not None
                else "the messages are identical"
            )
            + (
                f"; events first differ at #{pair.event_divergence}"
                if pair.event_divergence is not None
                else ""
            )
            + "."
        )
        self.divergence.setText(text)
        if self.triage.shown is not None and self.triage.shown.key == pair.key:
            self.triage.show_sample(self.triage.shown, roles_of(pair))
        self.transcript_a.setPlainText(side_text(pair.a, where))
        self.transcript_b.setPlainText(side_text(pair.b, where))
        for edit in (self.transcript_a, self.transcript_b):
            if where is not None:
                found = edit.document().find(f"▶ #{where} ")
                if not found.isNull():
                    edit.setTextCursor(found)
                    edit.ensureCursorVisible()


def _facts(artifact: Artifact) -> str:
    inspection = artifact.inspection
    if not isinstance(inspection, InspectLog):
        return "?"
    return f"{inspection.model or '?'}, task {inspection.task or '?'}"
