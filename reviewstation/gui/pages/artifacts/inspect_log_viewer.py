"""The Inspect evaluation log panel: what was run and how it scored, a samples table, and on
request each sample's transcript as plain text.

The summary stored at import holds only the first few samples, without messages. The full
transcripts come from ``view_artifact``, which decrypts in memory and writes an audit entry,
so it runs only when the reviewer presses "Show transcripts". The summary and the view are
typed (``reviewstation.artifacts.inspection.InspectLog``), checked when read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reviewstation.artifacts.inspection import (
    EvalMessage,
    EvalMetric,
    EvalSample,
    Inspection,
    InspectLog,
    JsonValue,
    UnreadableSample,
)
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.gui.pages.artifacts.triage_panel import Shown, TriagePanel
from reviewstation.gui.qt import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import plain_label
from reviewstation.gui.widgets.panel_parts import (
    display,
    facts,
    fill,
    one_line,
    plural,
    show_warnings,
    table,
    warning_label,
)
from reviewstation.vault.session import Session

SAMPLE_COLUMNS = ("Id", "Epoch", "Score", "Input")
INPUT = SAMPLE_COLUMNS.index("Input")
RULE = "─" * 8


def metrics_text(metrics: Sequence[EvalMetric]) -> str:
    if not metrics:
        return "—"
    return display(
        [
            f"{m.scorer or '?'} {m.metric or '?'}"
            + (f" ({m.reducer} of epochs)" if m.reducer else "")
            + f" {display(m.value)}"
            for m in metrics
        ]
    )


def scores_text(scores: dict[str, JsonValue]) -> str:
    if not scores:
        return "—"
    if len(scores) == 1:
        return display(next(iter(scores.values())))
    return ", ".join(f"{k}: {display(v)}" for k, v in scores.items())


def _target(target: str | tuple[str, ...]) -> str:
    if isinstance(target, tuple):
        return "; ".join(target) or "—"
    return target or "—"


def transcript(sample: EvalSample | UnreadableSample) -> str:
    """One sample as plain text: header, target, scores, input, then every message."""
    if isinstance(sample, UnreadableSample):
        return f"{sample.member} could not be read: {sample.error}"
    lines = [f"Sample {display(sample.id)} · epoch {display(sample.epoch)}"]
    lines.append(f"Target: {_target(sample.target)}")
    lines.append(f"Score: {scores_text(sample.scores)}")
    if sample.error:
        lines.append(f"The sample ended with an error: {sample.error}")
    lines += ["", f"{RULE} Input {RULE}", sample.input or "—"]
    if sample.messages is not None:
        lines += ["", f"{RULE} Messages ({len(sample.messages)}) {RULE}"]
        for message in sample.messages:
            lines.extend(_message(message))
    if sample.score_details:
        lines += ["", f"{RULE} Scores {RULE}"]
        for name, score in sample.score_details.items():
            lines.append(f"{name}: {display(score.value)}")
            if score.answer:
                lines.append(f"  Answer: {score.answer}")
            if score.explanation:
                lines.append(f"  Explanation: {score.explanation}")
    metadata = sample.metadata
    if isinstance(metadata, dict) and metadata:
        lines += ["", f"{RULE} Metadata {RULE}"]
        lines += [f"{k}: {display(v)}" for k, v in metadata.items()]
    if sample.digest:
        lines += ["", f"{RULE} Evidence digest {RULE}"]
        lines.append(
            f"SHA-384 {sample.digest} of this sample's resolved record (its content, however"
            " the log stored it)."
        )
    lines += [f"Note: {note}" for note in sample.notes]
    return "\n".join(lines)


def _message(message: EvalMessage) -> list[str]:
    role = message.role or "?"
    if message.function:
        role = f"{role}: {message.function}"
    lines = ["", f"[{role}]"]
    if message.content:
        lines.append(message.content)
    for call in message.tool_calls or ():
        lines.append(f"→ calls {call.function or '?'}({call.arguments})")
    if message.has_error:
        lines.append(f"ERROR ({message.error_type or '?'}): {message.error_message or ''}")
    return lines


class InspectLogPanel(QWidget):
    viewed = Signal(int)  # the artifact id, once a view has been recorded in the audit trail

    def __init__(
        self, ctx: Context, artifact_id: int, inspection: InspectLog, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.artifact_id = artifact_id
        self.samples: list[EvalSample | UnreadableSample] = list(inspection.samples)
        self.detailed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if inspection.eval_error:
            layout.addWidget(
                warning_label(
                    f"The evaluation ended with an error: {inspection.eval_error}",
                    self,
                    loud=True,
                )
            )
        show_warnings(self, layout, list(inspection.warnings))
        self.facts = facts(self, self._facts(inspection))
        layout.addWidget(self.facts)

        bar = QHBoxLayout()
        samples_label = QLabel(self)
        samples_label.setTextFormat(Qt.TextFormat.PlainText)  # a mnemonic still works
        samples_label.setText("&Samples:")
        bar.addWidget(samples_label)
        self.status = plain_label(self._count_text(inspection), self)
        self.status.setAccessibleName("Samples status")
        bar.addWidget(self.status, 1)
        self.open_button = QPushButton("Show &transcripts", self)
        self.open_button.setToolTip(
            "Decrypt the log in memory and show every sample's messages."
            " The view is recorded in the audit trail."
        )
        # A log too large to list at import (no count) may still be read by the viewer.
        self.open_button.setEnabled(inspection.sample_count != 0)
        bar.addWidget(self.open_button)
        # Once the transcripts are shown the log's facts fold away, so the transcript gets the
        # height (about 20 lines at 1280x800); this button brings them back.
        self.facts_button = QPushButton(self)
        self.facts_button.setText("Log facts")
        self.facts_button.setAccessibleName("Show the log's facts")
        self.facts_button.setCheckable(True)
        self.facts_button.setVisible(False)
        self.facts_button.toggled.connect(self.facts.setVisible)
        bar.addWidget(self.facts_button)
        layout.addLayout(bar)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.split = split
        self.table = table(split, SAMPLE_COLUMNS, [], "Samples", stretch=INPUT)
        samples_label.setBuddy(self.table)
        self.transcript = QPlainTextEdit(split)
        self.transcript.setReadOnly(True)
        self.transcript.setAccessibleName("Transcript")
        self.transcript.setPlaceholderText(
            "Press Show transcripts, then choose a sample to read its messages."
        )
        # Triage labels on the chosen sample, once its transcript has been read (Show
        # transcripts): label it or one of its messages, confirm or dispute (triage_panel.py).
        self.triage = TriagePanel(ctx, split)
        self.triage.hide()
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        layout.addWidget(split, 1)
        self._fill()
        self.open_button.clicked.connect(self.open_viewer)
        self.table.currentCellChanged.connect(self._on_current)

    @staticmethod
    def _facts(i: InspectLog) -> list[tuple[str, Any]]:
        data_parts = [p for p in (i.dataset.name, i.dataset.location) if p]
        if i.dataset.samples is not None:
            data_parts.append(plural(i.dataset.samples, "sample"))
        task = i.task
        if task and i.task_version not in (None, 0, "0"):
            task = f"{task} (version {display(i.task_version)})"
        run = " → ".join(p for p in (i.started_at, i.completed_at) if p)
        return [
            ("Task", task or "—"),
            ("Model", i.model or "—"),
            ("Dataset", " · ".join(data_parts) or "—"),
            ("Solvers", display(list(i.solvers))),
            ("Scorers", display(list(i.scorers))),
            ("Status", i.status or "—"),
            ("Metrics", metrics_text(i.metrics)),
            ("Run", run or None),
            ("Inspect", i.inspect_version),
        ]

    @staticmethod
    def _count_text(i: InspectLog) -> str:
        count = i.sample_count
        shown = len(i.samples)
        if count is None:  # summaries stored before large logs were streamed
            return "not listed at import (a large log); Show transcripts reads them"
        return (
            f"{count:,} in the log; the first {shown} summarised below"
            if shown < count
            else f"{count:,}"
        )

    def _fill(self) -> None:
        fill(self.table, [self._row(s) for s in self.samples], widest=160)
        # ``fill`` sized Input to its content; a stretched section is only laid out again when
        # its mode is set (or the table resized), so a reload would leave it narrow.
        self.table.horizontalHeader().setSectionResizeMode(INPUT, QHeaderView.ResizeMode.Stretch)

    def _key(self, row: int) -> tuple[str, str] | None:
        """A sample's id and epoch, to find it again among the full transcripts."""
        if not 0 <= row < len(self.samples):
            return None
        sample = self.samples[row]
        if isinstance(sample, UnreadableSample):
            return sample.member, ""
        return display(sample.id), display(sample.epoch)

    @staticmethod
    def _row(sample: EvalSample | UnreadableSample) -> list[str]:
        if isinstance(sample, UnreadableSample):
            return [sample.member, "", "unreadable", sample.error]
        return [
            display(sample.id),
            display(sample.epoch),
            scores_text(sample.scores),
            one_line(sample.input),
        ]

    def _on_current(self, row: int, *_: int) -> None:
        if not 0 <= row < len(self.samples):
            self.transcript.clear()
            return
        sample = self.samples[row]
        text = transcript(sample)
        if not self.detailed:
            text += (
                "\n\n(Only this summary was stored at import;"
                " press Show transcripts for the messages.)"
            )
        self.transcript.setPlainText(text)
        if self.detailed and isinstance(sample, EvalSample):
            roles = [[m.role or "?" for m in sample.messages or ()]]
            key = f"{display(sample.id)}@{sample.epoch or 1}"
            self.triage.show_sample(Shown(key, (self.artifact_id,), ("Log",)), roles)

    def open_viewer(self) -> None:
        artifact_id = self.artifact_id
        self.open_button.setEnabled(False)
        self.status.setText("Decrypting the log in memory…")

        def job(session: Session) -> Inspection:
            return view_artifact(session, artifact_id)

        self.ctx.vault.submit(job, self._show_view, self._refused, owner=self)

    def _show_view(self, view: Inspection) -> None:
        chosen = self._key(self.table.currentRow())
        # The bytes were inspected again; anything but a log (it cannot change) shows nothing.
        self.samples = list(view.samples) if isinstance(view, InspectLog) else []
        self.detailed = True
        self._fill()
        self.facts_button.setChecked(False)
        self.facts.hide()
        self.facts_button.show()
        self.triage.show()
        rows = self.table.verticalHeader().defaultSectionSize()
        self.split.setSizes([rows * 5, max(self.split.height() - rows * 5, rows * 10)])
        notes = [w for w in view.warnings if w.startswith("Only the first")]
        self.status.setText(
            f"transcripts of {plural(len(self.samples), 'sample')};"
            " this view was recorded in the audit trail" + (f". {notes[0]}" if notes else "")
        )
        theme.mark_error(self.status, False)
        if self.samples:
            keys = [self._key(row) for row in range(len(self.samples))]
            row = keys.index(chosen) if chosen is not None and chosen in keys else 0
            # The row may be the one already current, which emits no change: show it here.
            self.table.blockSignals(True)
            self.table.setCurrentCell(row, max(self.table.currentColumn(), 0))
            self.table.blockSignals(False)
            self._on_current(row)
            self.table.setFocus()
        self.viewed.emit(self.artifact_id)

    def _refused(self, message: str) -> None:
        self.status.setText(one_line(message))
        theme.mark_error(self.status)
        self.open_button.setEnabled(True)
