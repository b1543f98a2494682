"""The Overview tab: metadata, the 30-day clock, determination, capability areas (runs
against their baseline), checklists, findings."""

from __future__ import annotations

from reviewstation.app.views import ReviewOverview, review_overview
from reviewstation.gui.pages.reviews.capability_areas import AreasPanel
from reviewstation.gui.pages.reviews.determination_dialog import DeterminationDialog
from reviewstation.gui.pages.reviews.reviews_list import CLOCK_COLOURS, days_text
from reviewstation.gui.qt import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    Qt,
    QVBoxLayout,
    QWidget,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.reviews.service import TRANSITIONS, Review, set_status
from reviewstation.text import visible, visible_lines
from reviewstation.vault.session import Session


def _value(parent: QWidget, name: str) -> QLabel:
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # vault content: never rich text
    label.setWordWrap(True)
    flags = Qt.TextInteractionFlag
    label.setTextInteractionFlags(flags.TextSelectableByMouse | flags.TextSelectableByKeyboard)
    label.setAccessibleName(name)
    return label


class OverviewPage(QScrollArea):
    FIELDS = (
        ("title", "Title"),
        ("developer", "Developer"),
        ("model", "Model"),
        ("access", "Access"),
        ("status", "Status"),
        ("received", "Received"),
        ("deadline", "Deadline"),
        ("assignees", "Assigned to"),
        ("marking", "Marking"),
    )

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.review: Review | None = None
        self.setWidgetResizable(True)
        inner = QWidget(self)
        layout = QVBoxLayout(inner)

        self.clock = _value(inner, "Review clock")
        font = self.clock.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.clock.setFont(font)
        self.clock.setMargin(8)
        layout.addWidget(self.clock)

        meta = QGroupBox("Submission", inner)
        form = QFormLayout(meta)
        self.values: dict[str, QLabel] = {}
        for key, text in self.FIELDS:
            self.values[key] = _value(meta, text)
            form.addRow(f"{text}:", self.values[key])
        status_row = QHBoxLayout()
        self.status_combo = QComboBox(meta)
        self.status_combo.setAccessibleName("Next status")
        self.status_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        status_label = QLabel("Next s&tatus:", meta)
        status_label.setBuddy(self.status_combo)
        self.status_button = QPushButton("Chan&ge status", meta)
        self.status_button.clicked.connect(self.change_status)
        self.status_error = _value(meta, "Status change error")
        mark_error(self.status_error)
        for widget in (self.status_combo, self.status_button, self.status_error):
            status_row.addWidget(widget)
        status_row.addStretch(1)
        form.addRow(status_label, status_row)
        layout.addWidget(meta)

        determination = QGroupBox("Covered-model determination", inner)
        dform = QFormLayout(determination)
        for key, text in (("determination", "Determination"), ("rationale", "Rationale")):
            self.values[key] = _value(determination, text)
            dform.addRow(f"{text}:", self.values[key])
        row = QHBoxLayout()
        self.determination_button = QPushButton("Record &determination…", determination)
        self.determination_button.setToolTip("Leads record whether the model is covered")
        self.determination_button.setEnabled(False)
        self.determination_button.clicked.connect(self.edit_determination)
        row.addWidget(self.determination_button)
        row.addStretch(1)
        dform.addRow(row)
        layout.addWidget(determination)

        self.areas = AreasPanel(ctx, inner)
        layout.addWidget(self.areas)

        checklists = QGroupBox("Checklists", inner)
        self.checklists = _value(checklists, "Checklist progress")
        QVBoxLayout(checklists).addWidget(self.checklists)
        layout.addWidget(checklists)

        findings = QGroupBox("Findings by severity", inner)
        self.findings = _value(findings, "Findings by severity")
        QVBoxLayout(findings).addWidget(self.findings)
        layout.addWidget(findings)
        layout.addStretch(1)
        self.setWidget(inner)

    def show_review(self, review_id: int) -> None:
        self.review_id = review_id
        if not review_id:
            return

        def job(session: Session) -> ReviewOverview:
            return review_overview(session, review_id)

        self.ctx.vault.submit(job, self._show, self._failed, owner=self)
        self.areas.load(review_id)

    def _failed(self, message: str) -> None:
        self.clock.setText(message)

    def _show(self, data: ReviewOverview) -> None:
        if data.review.id != self.review_id:
            return  # another review was chosen meanwhile
        r = data.review
        self.review = r
        self.determination_button.setEnabled(self.ctx.lead)
        self.status_combo.clear()
        for target in TRANSITIONS[r.status]:
            self.status_combo.addItem(target.replace("_", " "), target)
        for widget in (self.status_combo, self.status_button):
            widget.setEnabled(self.ctx.writable and self.status_combo.count() > 0)
        self.status_error.setText("")
        state = r.clock()
        words = {"ok": "on time", "warning": "deadline near", "overdue": "OVERDUE"}
        text = f"{days_text(r)} — deadline {r.deadline} ({words[state]})"
        self.clock.setText(theme.alert(text) if state != "ok" else text)
        colours = CLOCK_COLOURS.get(state)
        self.clock.setStyleSheet(
            f"background: {colours[0]}; color: {colours[1]}; border: 2px solid {colours[2]};"
            " border-radius: 6px; padding: 4px;"
            if colours
            else ""
        )
        values = {
            "title": r.title,
            "developer": r.developer + (f" ({r.developer_contact})" if r.developer_contact else ""),
            "model": f"{r.model_name} {r.model_version}".strip(),
            "access": r.access_mode,
            "status": r.status.replace("_", " "),
            "received": r.received,
            "deadline": r.deadline,
            "assignees": ", ".join(r.assignees) or "nobody",
            "marking": r.marking,
            "determination": r.determination.replace("_", " ")
            + (f" — by {r.determination_by} on {r.determination_at}" if r.determination_by else "")
            + (f" (ref. {r.determination_reference})" if r.determination_reference else ""),
            "rationale": r.determination_rationale or "—",
        }
        for key, text in values.items():
            # One line each, control and bidi characters shown; the rationale keeps its lines.
            shown = "\n".join(visible_lines(text)) if key == "rationale" else visible(text)
            self.values[key].setText(shown)
        lines = [
            f"{visible(run.title)}: {run.answered} of {run.total} answered"
            + (f", signed off by {run.signed_off_by}" if run.signed_off_by else "")
            for run in data.runs
        ]
        self.checklists.setText("\n".join(lines) or "No checklist started yet.")
        total = sum(data.severities.values())
        parts = [f"{name}: {n}" for name, n in data.severities.items()]
        self.findings.setText(f"{total} in all — " + ", ".join(parts))

    def edit_determination(self) -> None:
        if self.review is None or not self.ctx.lead:
            return
        dialog = DeterminationDialog(self.ctx, self.review, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.recorded.connect(lambda review: self.show_review(review.id))
        dialog.open()

    def change_status(self) -> None:
        """Forward one step or back to in review; the core refuses what the role may not do."""
        target = self.status_combo.currentData()
        if self.review is None or not isinstance(target, str) or not self.ctx.writable:
            return
        review_id = self.review.id

        def job(session: Session) -> Review:
            return set_status(session, review_id, target)

        self.status_button.setEnabled(False)
        self.ctx.vault.submit(
            job, lambda review: self.show_review(review.id), self._status_failed, owner=self
        )

    def _status_failed(self, message: str) -> None:
        self.status_button.setEnabled(True)
        self.status_error.setText(message)
