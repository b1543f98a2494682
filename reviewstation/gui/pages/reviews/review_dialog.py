"""The New review dialog: title, developer, model and version, access, received date, deadline."""

from __future__ import annotations

import datetime as dt

from reviewstation.gui.qt import (
    QComboBox,
    QDate,
    QDateEdit,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import MarkedDialog, buddy_label, plain_label
from reviewstation.reviews.service import ACCESS_MODES, REVIEW_DAYS, Review, create_review
from reviewstation.vault.session import Session

ACCESS_WORDS = {
    "weights": "the weights",
    "api": "an API only",
    "weights+api": "the weights and an API",
}


class NewReviewDialog(MarkedDialog):
    created = Signal(object)  # Review

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "New review", parent)
        self.ctx = ctx
        form = QFormLayout()
        self.title_edit = QLineEdit(self)
        self.developer_edit = QLineEdit(self)
        self.model_edit = QLineEdit(self)
        self.version_edit = QLineEdit(self)
        self.version_edit.setPlaceholderText("e.g. 2.0-rc1")
        self.access_combo = QComboBox(self)
        for mode in ACCESS_MODES:
            self.access_combo.addItem(ACCESS_WORDS.get(mode, mode), mode)
        self.received_edit = QDateEdit(self)
        self.deadline_edit = QDateEdit(self)
        for edit in (self.received_edit, self.deadline_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        today = QDate.currentDate()
        self.received_edit.setDate(today)
        self.deadline_edit.setDate(today.addDays(REVIEW_DAYS))
        self._deadline_touched = False
        self.deadline_edit.dateChanged.connect(self._on_deadline_edited)
        self.received_edit.dateChanged.connect(self._on_received_changed)
        rows = (
            ("&Title:", self.title_edit, "Title"),
            ("&Developer:", self.developer_edit, "Developer"),
            ("&Model:", self.model_edit, "Model name"),
            ("&Version:", self.version_edit, "Model version"),
            ("&Access:", self.access_combo, "Access to the model"),
            ("&Received:", self.received_edit, "Received date"),
            ("D&eadline:", self.deadline_edit, "Deadline"),
        )
        for text, widget, name in rows:
            widget.setAccessibleName(name)
            label = buddy_label(text, widget, self)
            form.addRow(label, widget)
        self.body.addLayout(form)
        self.error_label = plain_label("", self)
        self.error_label.setAccessibleName("Error")
        self.error_label.hide()
        self.body.addWidget(self.error_label)
        buttons = QDialogButtonBox(self)
        self.create_button = buttons.addButton("&Create", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self.setMinimumWidth(460)
        self.title_edit.setFocus()

    def _on_deadline_edited(self) -> None:
        if not self.deadline_edit.signalsBlocked():
            self._deadline_touched = True

    def _on_received_changed(self, date: QDate) -> None:
        if not self._deadline_touched:
            self.deadline_edit.blockSignals(True)
            self.deadline_edit.setDate(date.addDays(REVIEW_DAYS))
            self.deadline_edit.blockSignals(False)

    def _submit(self) -> None:
        values = {
            "title": self.title_edit.text(),
            "developer": self.developer_edit.text(),
            "model_name": self.model_edit.text(),
            "model_version": self.version_edit.text(),
            "access_mode": str(self.access_combo.currentData()),
            "received": _iso(self.received_edit.date()),
            "deadline": _iso(self.deadline_edit.date()),
        }

        def job(session: Session) -> Review:
            return create_review(session, **values)

        self.create_button.setEnabled(False)
        self.ctx.vault.submit(job, self._on_created, self._on_error, owner=self)

    def _on_created(self, review: Review) -> None:
        self.created.emit(review)
        self.accept()

    def _on_error(self, message: str) -> None:
        self.create_button.setEnabled(True)
        self.error_label.setText(message)
        self.error_label.show()


def _iso(date: QDate) -> str:
    return dt.date(date.year(), date.month(), date.day()).isoformat()
