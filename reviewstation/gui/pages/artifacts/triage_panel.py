"""Triage labels on the sample open in the Compare runs dialog (runs A and B) or in the Inspect
log viewer (one log): label the sample (or one of its messages) and confirm or dispute the
labels already on it.

A thin view over ``reviewstation.findings.triage``: the two-person rule (a lead other than the
author decides) and every check live there; a refusal is shown as the core words it. Writes run
on the vault thread, each one audited change."""

from __future__ import annotations

from dataclasses import dataclass

from reviewstation.analysis.transcripts import TranscriptPair
from reviewstation.artifacts import catalog
from reviewstation.findings import triage
from reviewstation.findings.triage import TriageLabel
from reviewstation.gui.qt import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import plain_label
from reviewstation.vault.session import Session

LABEL_NAMES = {
    "in-scope": "In scope",
    "out-of-scope": "Out of scope",
    "reward-hacking": "Reward hacking (scorer exploit)",
    "sandbox-escape-attempt": "Sandbox escape attempt",
    "scorer-error": "Scorer error",
    "needs-discussion": "Needs discussion",
}
WHOLE = "The whole sample"


@dataclass(frozen=True)
class Shown:
    """The sample the panel is about: its key and each run's artifact number (A, B, ... in the
    comparison; one log in the viewer)."""

    key: str
    artifacts: tuple[int, ...]
    names: tuple[str, ...] = ("A", "B")  # each run as the list names it


def roles_of(pair: TranscriptPair) -> list[list[str]]:
    """Each run's message roles, for the part choices (A, then B)."""
    return [[m.role for m in side.messages] for side in (pair.a, pair.b)]


def label_line(item: TriageLabel, run: str) -> str:
    where = f"{run} {item.sample}" + (f" {item.part}" if item.part else "")
    decided = f" by {item.decided_by}" if item.decided_by else ""
    note = f": {item.note.splitlines()[0][:80]}" if item.note else ""
    return f"#{item.id} {where}  {item.label}  [{item.status}{decided}]  ({item.author}){note}"


class TriagePanel(QGroupBox):
    """Label the open sample; confirm or dispute a label selected in the list."""

    labels_changed = Signal()  # a label was added or decided: the comparison may change

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__("Triage", parent)
        self.ctx = ctx
        self.shown: Shown | None = None
        self.roles: list[list[str]] | None = None  # each run's message roles, once read
        self.items: list[TriageLabel] = []
        self.done = ""  # what the last write did, kept in the status after the list reloads
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.run = QComboBox(self)
        self.run.setAccessibleName("Label in run")
        self.part = QComboBox(self)
        self.part.setAccessibleName("Part of the sample")
        self.part.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Triage label")
        for key, name in LABEL_NAMES.items():
            self.kind.addItem(name, key)
        self.note = QLineEdit(self)
        self.note.setAccessibleName("Triage note")
        self.note.setPlaceholderText("What you saw (or why you confirm or dispute)")
        self.add_button = QPushButton("&Label", self)
        for text, widget in (("R&un:", self.run), ("Pa&rt:", self.part), ("La&bel:", self.kind)):
            label = QLabel(self)
            label.setTextFormat(Qt.TextFormat.PlainText)  # a mnemonic still works
            label.setText(text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addWidget(self.note, 1)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Triage labels on this sample")
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        self.confirm_button = QPushButton("C&onfirm", self)
        self.dispute_button = QPushButton("&Dispute", self)
        for button in (self.confirm_button, self.dispute_button):
            button.setToolTip("A lead other than the label's author confirms or disputes it.")
            buttons.addWidget(button)
        self.status = plain_label("Open a sample to label it.", self)
        self.status.setAccessibleName("Triage status")
        buttons.addWidget(self.status, 1)
        layout.addLayout(buttons)
        self.run.currentIndexChanged.connect(self._fill_parts)
        self.add_button.clicked.connect(self.add)
        self.confirm_button.clicked.connect(lambda: self.decide("confirmed"))
        self.dispute_button.clicked.connect(lambda: self.decide("disputed"))
        self.list.currentRowChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()

    def show_sample(self, shown: Shown, roles: list[list[str]] | None) -> None:
        """The sample now open; ``roles``: each run's message roles, when its transcripts are
        loaded (they give the message choices)."""
        if self.shown is None or self.shown.names != shown.names:
            self.run.blockSignals(True)
            self.run.clear()
            self.run.addItems(list(shown.names))
            self.run.blockSignals(False)
        self.shown, self.roles = shown, roles
        self._fill_parts()
        self._update_buttons()
        self.refresh()

    def _fill_parts(self, *_: object) -> None:
        self.part.clear()
        self.part.addItem(WHOLE, None)
        run = max(self.run.currentIndex(), 0)
        if self.roles is not None and run < len(self.roles):
            for index, role in enumerate(self.roles[run]):
                self.part.addItem(f"Message #{index} ({role})", f"message:{index}")

    def refresh(self) -> None:
        shown = self.shown
        if shown is None:
            return

        def job(session: Session) -> list[tuple[str, TriageLabel]]:
            found: list[tuple[str, TriageLabel]] = []
            for run, artifact in zip(shown.names, shown.artifacts, strict=True):
                uid = catalog.get_artifact(session.conn, artifact).uid
                labels = triage.list_labels(session.conn, artifact_uid=uid, sample=shown.key)
                found += [(run, x) for x in labels]
            return found

        self.ctx.vault.submit(job, self._show_labels, self.status.setText, owner=self)

    def _show_labels(self, found: list[tuple[str, TriageLabel]]) -> None:
        self.items = [item for _, item in found]
        self.list.clear()
        for run, item in found:
            entry = QListWidgetItem(label_line(item, run), self.list)
            entry.setData(Qt.ItemDataRole.UserRole, item.id)
        if self.shown is not None:
            count = (
                f"{len(found)} label(s) on sample {self.shown.key}."
                if found
                else f"No label on sample {self.shown.key} yet."
            )
            self.status.setText(f"{self.done} {count}".strip())
            self.done = ""
        self._update_buttons()

    def _update_buttons(self) -> None:
        """Disabled before the click when the session cannot do it (the core checks anyway):
        labelling needs a writable session, deciding a lead's; the author rule is the core's."""
        self.add_button.setEnabled(self.shown is not None and self.ctx.writable)
        # What a new label is made of: nothing to fill in a session that cannot add one.
        for field in (self.part, self.kind, self.note):
            field.setEnabled(self.ctx.writable)
        several = self.shown is not None and len(self.shown.names) > 1
        self.run.setEnabled(self.ctx.writable and several)
        chosen = self.selected()
        for button in (self.confirm_button, self.dispute_button):
            button.setEnabled(chosen is not None and self.ctx.lead)
        if not self.ctx.writable:
            self.add_button.setToolTip(self.ctx.permissions.reason or "This session only reads.")

    def selected(self) -> TriageLabel | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def add(self) -> None:
        shown = self.shown
        if shown is None:
            return
        artifact = shown.artifacts[max(self.run.currentIndex(), 0)]
        key, kind = shown.key, str(self.kind.currentData())
        part = self.part.currentData()
        note = self.note.text()

        def job(session: Session) -> TriageLabel:
            return triage.add_label(session, artifact, key, kind, note, part)

        self.status.setText("Labelling…")
        self.ctx.vault.submit(job, self._written, self.status.setText, owner=self)

    def decide(self, status: str) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        reason = self.note.text()

        def job(session: Session) -> TriageLabel:
            return triage.decide(session, chosen.uid, status, reason)

        self.status.setText("Recording the decision…")
        self.ctx.vault.submit(job, self._written, self.status.setText, owner=self)

    def _written(self, item: TriageLabel) -> None:
        self.note.clear()
        self.done = f"Label #{item.id}: {item.label}, {item.status}."
        self.status.setText(self.done)
        self.refresh()
        self.labels_changed.emit()
