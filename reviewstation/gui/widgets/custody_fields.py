"""The custody form (medium, received from, received at, declared hashes) and the two dialogs
that ask for it: before artifacts are imported, and before a package is imported (with what
the verified package holds). The values are checked by ``app.custody.CustodyForm``.
"""

from __future__ import annotations

from reviewstation.app.custody import CustodyForm
from reviewstation.app.packages import ImportPreview
from reviewstation.errors import InputError
from reviewstation.gui.qt import (
    QDialogButtonBox,
    QFont,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QWidget,
    Signal,
)
from reviewstation.gui.widgets.dialogs import MarkedDialog, buddy_label, plain_label
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.text import counted, person, visible


class CustodyFields(QWidget):
    def __init__(self, form: CustodyForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.medium_edit = QLineEdit(form.medium, self)
        self.medium_edit.setAccessibleName("Source medium")
        self.medium_edit.setPlaceholderText("e.g. USB stick #4 (serial)")
        self.from_edit = QLineEdit(form.received_from, self)
        self.from_edit.setAccessibleName("Received from")
        self.from_edit.setPlaceholderText("person or courier")
        self.at_edit = QLineEdit(form.received_at, self)
        self.at_edit.setAccessibleName("Received at")
        self.at_edit.setPlaceholderText("2026-11-23 or 2026-11-23T14:05")
        self.declared_edit = QPlainTextEdit(self)
        self.declared_edit.setAccessibleName("Declared hashes")
        self.declared_edit.setPlaceholderText(
            "The SHA-256 the sender declared, or their sha256sum list (<sha256>  <name>)"
        )
        self.declared_edit.setFont(QFont("monospace"))
        self.declared_edit.setTabChangesFocus(True)
        self.declared_edit.setMaximumHeight(90)
        for text, widget in (
            ("&Medium:", self.medium_edit),
            ("Recei&ved from:", self.from_edit),
            ("Received &at:", self.at_edit),
            ("&Declared hashes:", self.declared_edit),
        ):
            label = buddy_label(text, widget, self)
            layout.addRow(label, widget)

    def form(self) -> CustodyForm:
        return CustodyForm(
            self.medium_edit.text(),
            self.from_edit.text(),
            self.at_edit.text(),
            self.declared_edit.toPlainText(),
        )


class CustodyDialog(MarkedDialog):
    """Asked before anything is imported; ``submitted`` carries the checked form."""

    submitted = Signal(object)  # CustodyForm

    def __init__(
        self,
        marking: str,
        title: str,
        summary: str,
        form: CustodyForm,
        action: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(marking, title, parent)
        self.summary = plain_label(summary, self)
        self.summary.setAccessibleName("What will be imported")
        self.body.addWidget(self.summary)
        self.fields = CustodyFields(form, self)
        self.body.addWidget(self.fields)
        self.error = plain_label("", self)
        self.error.setAccessibleName("Problem")
        mark_error(self.error)
        self.error.hide()
        self.body.addWidget(self.error)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self.ok_button.setDefault(True)
        self.setMinimumWidth(560)
        self.fields.medium_edit.setFocus()

    def _submit(self) -> None:
        form = self.fields.form()
        try:
            form.check()
        except InputError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
        self.submitted.emit(form)


def artifacts_summary(names: list[str]) -> str:
    shown = ", ".join(visible(n) for n in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return (
        f"Import {counted(len(names), 'file or folder', 'files or folders')}: {shown}{more}."
        " Say how it arrived; a declared SHA-256 that differs is recorded and flagged."
    )


def package_summary(preview: ImportPreview) -> str:
    lines = [
        f"Package {visible(preview.package_id)} (sequence {preview.sequence}),"
        f" marked {visible(preview.marking)}"
        + (", encrypted for you" if preview.encrypted else ", not encrypted"),
        f"Signed by {person(preview.signer, preview.signer_fingerprint)}"
        f" ({visible(preview.signer_role)}), signature and checksums valid",
        f"Review: {visible(preview.review_title) or '(untitled)'}"
        + (f" — model {visible(preview.model)}" if preview.model else ""),
        f"Brings {counted(preview.findings, 'finding')},"
        f" {counted(preview.runs, 'checklist run')},"
        f" {counted(preview.evidence, 'evidence file')}",
        f"File SHA-256 {preview.sha256}",
    ]
    if preview.already_in:
        lines.append(
            f"Already imported into review {preview.already_in}: importing again changes nothing."
        )
    return "\n".join(lines)


def package_dialog(
    marking: str, preview: ImportPreview, form: CustodyForm, parent: QWidget
) -> CustodyDialog:
    dialog = CustodyDialog(
        marking, "Import this package?", package_summary(preview), form, "&Import", parent
    )
    dialog.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return dialog
