"""Vault settings: the publisher of the vault's advisories (organisation, namespace, contact).

Kept in the vault (``reviewstation.vault.publisher``), not in QSettings: every user of the vault
exports under the same publisher. A lead changes it; everyone else sees it.
"""

from __future__ import annotations

from reviewstation.gui.qt import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import MarkedDialog, buddy_label, plain_label
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.vault import publisher
from reviewstation.vault.publisher import Publisher
from reviewstation.vault.session import Session


class VaultSettingsDialog(MarkedDialog):
    saved = Signal(object)  # Publisher

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "Vault settings", parent)
        self.ctx = ctx
        self.editable = ctx.writable and ctx.lead
        self.body.addWidget(
            plain_label(
                "The publisher of this vault's advisories (CSAF publisher, OpenVEX author)."
                " Without a namespace, advisories are published under this vault's own"
                f" urn:uuid:{ctx.info.vault_id}.",
                self,
            )
        )
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("e.g. Example AI Safety Institute")
        self.namespace_edit = QLineEdit(self)
        self.namespace_edit.setPlaceholderText("https://your.org (or a urn:...)")
        self.contact_edit = QLineEdit(self)
        self.contact_edit.setPlaceholderText("e.g. psirt@your.org")
        self.category_combo = QComboBox(self)
        for category in publisher.CATEGORIES:
            self.category_combo.addItem(category, category)
        for text, widget, name in (
            ("&Organisation:", self.name_edit, "Publisher organisation"),
            ("&Namespace:", self.namespace_edit, "Publisher namespace"),
            ("&Contact:", self.contact_edit, "Publisher contact"),
            ("C&ategory:", self.category_combo, "Publisher category"),
        ):
            widget.setAccessibleName(name)
            widget.setEnabled(self.editable)
            label = buddy_label(text, widget, self)
            form.addRow(label, widget)
        self.body.addLayout(form)
        if not self.editable:
            self.body.addWidget(plain_label("Only a lead changes the publisher.", self))
        self.error_label = plain_label("", self)
        self.error_label.setAccessibleName("Error")
        mark_error(self.error_label)
        self.error_label.hide()
        self.body.addWidget(self.error_label)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.body.addWidget(buttons)
        ctx.vault.submit(lambda s: publisher.read(s.conn), self._show, self.show_error, owner=self)

    def _show(self, current: Publisher) -> None:
        self.name_edit.setText(current.name)
        self.namespace_edit.setText(current.namespace)
        self.contact_edit.setText(current.contact)
        self.category_combo.setCurrentIndex(self.category_combo.findData(current.category))
        self.save_button.setEnabled(self.editable)

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def save(self) -> None:
        values = {
            "name": self.name_edit.text(),
            "namespace": self.namespace_edit.text(),
            "contact": self.contact_edit.text(),
            "category": str(self.category_combo.currentData()),
        }

        def job(session: Session) -> Publisher:
            return publisher.set_publisher(session, **values)

        self.save_button.setEnabled(False)
        self.ctx.vault.submit(job, self._on_saved, self._on_failed, owner=self)

    def _on_saved(self, current: Publisher) -> None:
        self.show_error("")
        self.saved.emit(current)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.show_error(message)
        self.save_button.setEnabled(self.editable)
