"""One checklist item at a time: its prompt and guidance, status keys 1-4, a note, evidence."""

from __future__ import annotations

from reviewstation.artifacts import catalog
from reviewstation.checklists.runs import STATUSES, Run, set_answer
from reviewstation.evidence import EvidenceRef
from reviewstation.gui.pages.checklists.evidence_picker import EvidencePicker, describe
from reviewstation.gui.qt import (
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QShortcut,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import plain_label
from reviewstation.gui.widgets.text_fields import keep_caret
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.vault.session import Session

STATUS_WORDS = {
    "not_reviewed": "Not reviewed",
    "open": "Open",
    "not_a_finding": "Not a finding",
    "not_applicable": "Not applicable",
}
PROGRESS = "%v of %m answered"
KEYS = {status: str(n) for n, status in enumerate(STATUSES, start=1)}
HELP = (
    "Keys: 1 Not reviewed · 2 Open · 3 Not a finding · 4 Not applicable (then the next item) · "
    "Alt+X / Ctrl+PgDown next · Alt+V / Ctrl+PgUp previous · Ctrl+S save the note ·"
    " Alt+D add evidence"
)
READ_ONLY_HELP = "Read only: Alt+X / Ctrl+PgDown next · Alt+V / Ctrl+PgUp previous"


class Walkthrough(QWidget):
    run_changed = Signal(object)  # Run

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.run: Run | None = None
        self.index = 0
        self._saved_note = ""
        self._shown: tuple[int, str] | None = None  # (run, item) whose note is in the editor
        self.paths: dict[str, str] = {}  # artifact uid -> path, to name evidence
        self._paths_review = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Checklist walkthrough")
        self.setAccessibleDescription("Keys 1 to 4 answer the item shown")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        top = QHBoxLayout()
        self.position = plain_label("", self)
        self.position.setAccessibleName("Item position")
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Checklist progress")
        self.progress.setFormat(PROGRESS)
        top.addWidget(self.position, 1)
        top.addWidget(self.progress, 1)
        layout.addLayout(top)

        box = QGroupBox("Item", self)
        box_layout = QVBoxLayout(box)
        self.prompt = plain_label("", box)
        self.prompt.setAccessibleName("Item prompt")
        font = self.prompt.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.prompt.setFont(font)
        self.guidance = plain_label("", box)
        self.guidance.setAccessibleName("Guidance")
        self.status = plain_label("", box)
        self.status.setAccessibleName("Item status")
        box_layout.addWidget(self.prompt)
        box_layout.addWidget(self.guidance)
        box_layout.addWidget(self.status)
        layout.addWidget(box)

        buttons = QHBoxLayout()
        self.status_buttons: dict[str, QPushButton] = {}
        for status in STATUSES:
            button = QPushButton(f"{KEYS[status]}  {STATUS_WORDS[status]}", self)
            button.setAccessibleName(STATUS_WORDS[status])
            button.setToolTip(f"Mark {STATUS_WORDS[status].lower()} (key {KEYS[status]})")
            button.setCheckable(True)
            theme.mark(button, "choice")  # the current answer stands out in either theme
            button.clicked.connect(lambda _checked=False, s=status: self.set_status(s))
            shortcut = QShortcut(QKeySequence(KEYS[status]), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda s=status: self.set_status(s))
            self.status_buttons[status] = button
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self.note = QPlainTextEdit(self)
        self.note.setAccessibleName("Note")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("Note for this item (saved with a status, or Ctrl+S)")
        self.note.setMaximumHeight(90)
        note_label = QLabel("Not&e:", self)
        note_label.setBuddy(self.note)
        layout.addWidget(note_label)
        layout.addWidget(self.note)

        evidence_row = QHBoxLayout()
        self.evidence = plain_label("", self)
        self.evidence.setAccessibleName("Item evidence")
        self.evidence_button = QPushButton("Add evi&dence…", self)
        self.evidence_button.setToolTip("Point this answer at an artifact or one log sample")
        evidence_row.addWidget(self.evidence, 1)
        evidence_row.addWidget(self.evidence_button)
        layout.addLayout(evidence_row)

        nav = QHBoxLayout()
        self.previous_button = QPushButton("Pre&vious", self)
        self.next_button = QPushButton("Ne&xt", self)
        self.save_button = QPushButton("Save note", self)
        self.help = plain_label(HELP, self)
        self.help.setAccessibleName("Keyboard help")
        self.help.setForegroundRole(self.help.foregroundRole())
        nav.addWidget(self.previous_button)
        nav.addWidget(self.next_button)
        nav.addWidget(self.save_button)
        nav.addWidget(self.help, 1)
        layout.addLayout(nav)
        self.error = plain_label("", self)
        self.error.setAccessibleName("Checklist error")
        mark_error(self.error)
        self.error.hide()
        layout.addWidget(self.error)
        layout.addStretch(1)

        for keys, slot in (
            ("Ctrl+PgDown", self.next),
            ("Ctrl+PgUp", self.previous),
            ("Ctrl+S", self.save_note),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.previous_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        self.save_button.clicked.connect(self.save_note)
        self.evidence_button.clicked.connect(self.choose_evidence)
        self.set_run(None)

    # -- state -----------------------------------------------------------------------------

    def editable(self) -> bool:
        run = self.run
        return (
            self.ctx.writable
            and run is not None
            and not run.signed_off_by
            and run.superseded_by is None
        )

    def set_run(self, run: Run | None, index: int | None = None) -> None:
        same = run is not None and self.run is not None and run.id == self.run.id
        self.run = run
        if index is not None:
            self.index = index
        elif not same:
            self.index = self._first_open()
        if run is not None and run.review_id != self._paths_review:
            self._load_paths(run.review_id)
        self._show()

    def _load_paths(self, review_id: int) -> None:
        self._paths_review = review_id

        def job(session: Session) -> dict[str, str]:
            return {a.uid: a.path for a in catalog.list_artifacts(session.conn, review_id)}

        def done(paths: dict[str, str]) -> None:
            self.paths.update(paths)
            self._show()

        def failed(_message: str) -> None:
            self._paths_review = 0  # names are a nicety: try again with the next run shown

        self.ctx.vault.submit(job, done, failed, owner=self)

    def _first_open(self) -> int:
        if self.run is None:
            return 0
        for n, answer in enumerate(self.run.answers):
            if answer.status == "not_reviewed":
                return n
        return 0

    def go_to(self, index: int) -> None:
        if self.run is None:
            return
        self._save_note_if_changed()
        self.index = max(0, min(index, len(self.run.answers) - 1))
        self._show()

    def _show(self) -> None:
        run = self.run
        enabled = run is not None and bool(run.answers)
        for widget in (self.previous_button, self.next_button):
            widget.setEnabled(enabled)
        editable = enabled and self.editable()
        # Only the keys that do something here are offered (an auditor, a signed-off run).
        self.help.setText(HELP if editable or not enabled else READ_ONLY_HELP)
        for button in self.status_buttons.values():
            button.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.evidence_button.setEnabled(editable)
        self.note.setReadOnly(not editable)
        if run is None or not run.answers:
            self.position.setText("No checklist run.")
            self.prompt.setText("")
            self.guidance.setText("")
            self.status.setText("")
            self.evidence.setText("")
            self.note.setPlainText("")
            self._saved_note = ""
            self._shown = None
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat("")  # no run, no count (not "0 of 1")
            for button in self.status_buttons.values():
                button.setChecked(False)
                button.setText(theme.choice_text(button.text(), False))
            return
        answer = run.answers[self.index]
        item = run.template.item(answer.item_id)
        total = len(run.answers)
        counts = run.progress()
        self.progress.setRange(0, total)
        self.progress.setValue(counts["answered"])
        self.progress.setFormat(PROGRESS)
        self.position.setText(f"Item {self.index + 1} of {total} — {item.section} ({item.id})")
        self.prompt.setText(item.prompt)
        self.guidance.setText(item.guidance or "No guidance for this item.")
        who = f" by {answer.updated_by} at {answer.updated}" if answer.updated_by else ""
        self.status.setText(f"Status: {STATUS_WORDS[answer.status]}{who}")
        for status, button in self.status_buttons.items():
            button.setChecked(status == answer.status)
            button.setText(theme.choice_text(button.text(), status == answer.status))
        shown = (run.id, answer.item_id)
        if shown != self._shown:  # another item: its note
            self.note.setPlainText(answer.note)
            self._shown = shown
        elif self.note.toPlainText() == self._saved_note:  # read again, nothing typed since
            keep_caret(self.note, answer.note)
        # Otherwise the same item after its save (Ctrl+S) with more typed since: left as is.
        self._saved_note = answer.note
        names = [describe(ref, self.paths) for ref in answer.evidence]
        self.evidence.setText("Evidence: " + ("; ".join(names) if names else "none"))
        self.previous_button.setEnabled(self.index > 0)
        self.next_button.setEnabled(self.index < total - 1)
        if run.signed_off_by:
            self.status.setText(
                f"{self.status.text()} — run signed off by {run.signed_off_by}; it is final."
            )

    # -- actions ---------------------------------------------------------------------------

    def next(self) -> None:
        if self.run is not None and self.index < len(self.run.answers) - 1:
            self.go_to(self.index + 1)

    def previous(self) -> None:
        if self.index > 0:
            self.go_to(self.index - 1)

    def set_status(self, status: str) -> None:
        if not self.editable() or self.run is None:
            return
        note = self.note.toPlainText()
        self._answer(status=status, note=note if note != self._saved_note else None, advance=True)

    def save_note(self) -> None:
        if self.editable() and self.note.toPlainText() != self._saved_note:
            self._answer(status=None, note=self.note.toPlainText(), advance=False)

    def _save_note_if_changed(self) -> None:
        self.save_note()

    def choose_evidence(self) -> None:
        if not self.editable() or self.run is None:
            return
        picker = EvidencePicker(self.ctx, self.run.review_id, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.picked.connect(self.add_evidence)
        picker.open()

    def add_evidence(self, ref: EvidenceRef, path: str) -> None:
        """Saved at once, like a status: the core computes a sample's digest."""
        if not self.editable():
            return
        self.paths.setdefault(ref.artifact_uid, path)
        self._answer(status=None, note=None, advance=False, evidence=[ref])

    def _answer(
        self,
        *,
        status: str | None,
        note: str | None,
        advance: bool,
        evidence: list[EvidenceRef] | None = None,
    ) -> None:
        assert self.run is not None
        run_id = self.run.id
        item_id = self.run.answers[self.index].item_id
        index = self.index
        if note is not None:
            self._saved_note = note  # a second save of the same text is not sent again

        def job(session: Session) -> Run:
            return set_answer(session, run_id, item_id, status=status, note=note, evidence=evidence)

        def done(run: Run) -> None:
            self.error.hide()
            if self.run is None or self.run.id != run.id:
                return
            stay = self.index != index  # the user moved on meanwhile: keep their place
            nxt = index + 1 if advance and index < len(run.answers) - 1 else index
            self.set_run(run, self.index if stay else nxt)
            self.run_changed.emit(run)

        def failed(message: str) -> None:
            self.error.setText(message)
            self.error.show()

        self.ctx.vault.submit(job, done, failed, owner=self)
