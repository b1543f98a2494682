"""The Inspect evaluation log panel: what was run and how it scored, a samples table, and on
request each sample's transcript as plain text.

The summary stored at import holds only the first few samples, without messages. The full
transcripts come from ``view_artifact``, which decrypts in memory and writes an audit entry,
so it runs only when the reviewer presses "Show transcripts". Every field is type-checked
before it is formatted (see ``panel_parts``): a mistyped value is shown as text.
"""

from __future__ import annotations

from typing import Any

from reviewstation.artifacts.viewing import view_artifact
from reviewstation.gui import theme
from reviewstation.gui.context import Context
from reviewstation.gui.dialogs import plain_label
from reviewstation.gui.panel_parts import (
    as_dicts,
    as_list,
    display,
    facts,
    fill,
    one_line,
    plural,
    show_warnings,
    table,
    warning_label,
)
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
from reviewstation.vault.session import Session

SAMPLE_COLUMNS = ("Id", "Epoch", "Score", "Input")
INPUT = SAMPLE_COLUMNS.index("Input")
RULE = "─" * 8


def metrics_text(metrics: Any) -> str:
    if not isinstance(metrics, list) or not metrics:
        return "—"
    parts = [
        f"{display(m.get('scorer') or '?')} {display(m.get('metric') or '?')}"
        f" {display(m.get('value'))}"
        for m in as_dicts(metrics)
    ]
    return display(parts) if parts else "—"


def scores_text(scores: Any) -> str:
    if not isinstance(scores, dict) or not scores:
        return "—"
    if len(scores) == 1:
        return display(next(iter(scores.values())))
    return ", ".join(f"{k}: {display(v)}" for k, v in scores.items())


def _target(target: Any) -> str:
    if isinstance(target, list):
        return "; ".join(display(t) for t in target) or "—"
    return display(target) if target else "—"


def _text(value: Any) -> str:
    """Message text in full (a transcript is read whole); anything else as a short value."""
    return value if isinstance(value, str) else display(value)


def transcript(sample: dict[str, Any]) -> str:
    """One sample as plain text: header, target, scores, input, then every message."""
    if "member" in sample and "error" in sample:
        return f"{display(sample['member'])} could not be read: {display(sample['error'])}"
    lines = [f"Sample {display(sample.get('id'))} · epoch {display(sample.get('epoch'))}"]
    lines.append(f"Target: {_target(sample.get('target'))}")
    lines.append(f"Score: {scores_text(sample.get('scores'))}")
    if sample.get("error"):
        lines.append(f"The sample ended with an error: {_text(sample['error'])}")
    lines += ["", f"{RULE} Input {RULE}", _text(sample.get("input") or "—")]
    messages = sample.get("messages")
    if isinstance(messages, list):
        lines += ["", f"{RULE} Messages ({len(messages)}) {RULE}"]
        for message in messages:
            lines.extend(_message(message) if isinstance(message, dict) else ["", _text(message)])
    details = sample.get("score_details")
    if isinstance(details, dict) and details:
        lines += ["", f"{RULE} Scores {RULE}"]
        for name, score in details.items():
            if not isinstance(score, dict):
                lines.append(f"{name}: {display(score)}")
                continue
            lines.append(f"{name}: {display(score.get('value'))}")
            if score.get("answer"):
                lines.append(f"  Answer: {_text(score['answer'])}")
            if score.get("explanation"):
                lines.append(f"  Explanation: {_text(score['explanation'])}")
    metadata = sample.get("metadata")
    if isinstance(metadata, dict) and metadata:
        lines += ["", f"{RULE} Metadata {RULE}"]
        lines += [f"{k}: {display(v)}" for k, v in metadata.items()]
    return "\n".join(lines)


def _message(message: dict[str, Any]) -> list[str]:
    role = display(message.get("role") or "?")
    if message.get("function"):
        role = f"{role}: {display(message['function'])}"
    lines = ["", f"[{role}]"]
    if message.get("content"):
        lines.append(_text(message["content"]))
    for call in as_list(message.get("tool_calls")):
        if not isinstance(call, dict):
            lines.append(f"→ calls {display(call)}")
            continue
        arguments = _text(call.get("arguments") or "")
        lines.append(f"→ calls {display(call.get('function') or '?')}({arguments})")
    error = message.get("error")
    if isinstance(error, dict):
        kind, text = display(error.get("type") or "?"), _text(error.get("message") or "")
        lines.append(f"ERROR ({kind}): {text}")
    return lines


class InspectLogPanel(QWidget):
    viewed = Signal(int)  # the artifact id, once a view has been recorded in the audit trail

    def __init__(
        self, ctx: Context, artifact_id: int, inspection: dict[str, Any], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.artifact_id = artifact_id
        self.samples: list[dict[str, Any]] = as_dicts(inspection.get("samples"))
        self.detailed = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if inspection.get("error"):
            layout.addWidget(
                warning_label(
                    f"The evaluation ended with an error: {display(inspection['error'])}",
                    self,
                    loud=True,
                )
            )
        show_warnings(self, layout, inspection.get("warnings"))
        layout.addWidget(facts(self, self._facts(inspection)))

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
        self.open_button.setEnabled(inspection.get("sample_count") != 0)
        bar.addWidget(self.open_button)
        layout.addLayout(bar)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = table(split, SAMPLE_COLUMNS, [], "Samples", stretch=INPUT)
        samples_label.setBuddy(self.table)
        self.transcript = QPlainTextEdit(split)
        self.transcript.setReadOnly(True)
        self.transcript.setAccessibleName("Transcript")
        self.transcript.setPlaceholderText(
            "Press Show transcripts, then choose a sample to read its messages."
        )
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self._fill()
        self.open_button.clicked.connect(self.open_viewer)
        self.table.currentCellChanged.connect(self._on_current)

    @staticmethod
    def _facts(i: dict[str, Any]) -> list[tuple[str, Any]]:
        dataset: dict[str, Any] = i["dataset"] if isinstance(i.get("dataset"), dict) else {}
        data_parts = [display(p) for p in (dataset.get("name"), dataset.get("location")) if p]
        samples = dataset.get("samples")
        if isinstance(samples, int) and not isinstance(samples, bool):
            data_parts.append(plural(samples, "sample"))
        task = display(i.get("task")) if i.get("task") else None
        if task and i.get("task_version") not in (None, 0, "0"):
            task = f"{task} (version {display(i.get('task_version'))})"
        run = " → ".join(display(p) for p in (i.get("started_at"), i.get("completed_at")) if p)
        return [
            ("Task", task or "—"),
            ("Model", i.get("model") or "—"),
            ("Dataset", " · ".join(data_parts) or "—"),
            ("Solvers", display(i.get("solvers") or [])),
            ("Scorers", display(i.get("scorers") or [])),
            ("Status", i.get("status") or "—"),
            ("Metrics", metrics_text(i.get("metrics"))),
            ("Run", run or None),
            ("Inspect", i.get("inspect_version")),
        ]

    @staticmethod
    def _count_text(i: dict[str, Any]) -> str:
        count = i.get("sample_count")
        shown = len(as_dicts(i.get("samples")))
        if count is None:
            return "not listed at import (a large log); Show transcripts reads them"
        if not isinstance(count, int) or isinstance(count, bool):
            return display(count)
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
        return display(sample.get("id")), display(sample.get("epoch"))

    @staticmethod
    def _row(sample: dict[str, Any]) -> list[str]:
        if "member" in sample and "error" in sample:
            return [display(sample["member"]), "", "unreadable", display(sample["error"])]
        return [
            display(sample.get("id")),
            display(sample.get("epoch")),
            scores_text(sample.get("scores")),
            one_line(sample.get("input") or ""),
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

    def open_viewer(self) -> None:
        artifact_id = self.artifact_id
        self.open_button.setEnabled(False)
        self.status.setText("Decrypting the log in memory…")

        def job(session: Session) -> dict[str, Any]:
            return view_artifact(session, artifact_id)

        self.ctx.vault.submit(job, self._show_view, self._refused, owner=self)

    def _show_view(self, view: dict[str, Any]) -> None:
        chosen = self._key(self.table.currentRow())
        samples = view.get("samples")
        self.samples = (
            [s for s in samples if isinstance(s, dict)] if isinstance(samples, list) else []
        )
        self.detailed = True
        self._fill()
        notes = [
            display(w)
            for w in as_list(view.get("warnings"))
            if display(w).startswith("Only the first")
        ]
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
