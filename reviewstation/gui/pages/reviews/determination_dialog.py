"""The covered-model determination, recorded by a lead with a reference and a rationale."""

from __future__ import annotations

from reviewstation.gui.qt import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import MarkedDialog, buddy_label, plain_label
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.reviews.service import DETERMINATIONS, Review, set_determination
from reviewstation.text import visible
from reviewstation.vault.session import Session


class DeterminationDialog(MarkedDialog):
    recorded = Signal(object)  # Review

    def __init__(self, ctx: Context, review: Review, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "Covered-model determination", parent)
        self.ctx = ctx
        self.review_id = review.id
        self.resize(560, 380)
        self.body.addWidget(
            plain_label(
                f"{visible(review.title)}: the determination is recorded as yours ({ctx.info.user})"
                " and entered in the audit trail.",
                self,
            )
        )
        form = QFormLayout()
        self.choice = QComboBox(self)
        self.choice.setAccessibleName("Determination")
        for value in DETERMINATIONS:
            self.choice.addItem(value.replace("_", " "), value)
        self.choice.setCurrentIndex(max(0, self.choice.findData(review.determination)))
        self.reference = QLineEdit(review.determination_reference, self)
        self.reference.setAccessibleName("Reference")
        self.reference.setPlaceholderText("e.g. memo or decision number")
        self.rationale = QPlainTextEdit(review.determination_rationale, self)
        self.rationale.setAccessibleName("Rationale")
        self.rationale.setTabChangesFocus(True)
        for text, widget in (
            ("&Determination:", self.choice),
            ("&Reference:", self.reference),
            ("R&ationale:", self.rationale),
        ):
            label = buddy_label(text, widget, self)
            form.addRow(label, widget)
        self.body.addLayout(form, 1)
        self.error = plain_label("", self)
        self.error.setAccessibleName("Error")
        mark_error(self.error)
        self.error.hide()
        self.body.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.record_button = buttons.addButton("Re&cord", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.record)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self.choice.setFocus()

    def record(self) -> None:
        review_id, choice = self.review_id, str(self.choice.currentData())
        reference, rationale = self.reference.text(), self.rationale.toPlainText()

        def job(session: Session) -> Review:
            return set_determination(session, review_id, choice, reference, rationale)

        self.record_button.setEnabled(False)
        self.ctx.vault.submit(job, self._done, self._failed, owner=self)

    def _done(self, review: Review) -> None:
        self.accept()
        self.recorded.emit(review)

    def _failed(self, message: str) -> None:
        self.record_button.setEnabled(True)
        self.error.setText(message)
        self.error.show()
