"""Selective disclosure beyond the export wizard (Packages tab): the recipients and their
clearance, a proof of one item of a disclosure this vault wrote, the check of a proof against
a received package.

Thin over ``app.disclosures``: the core checks the role, parses the marking, writes the audit
entry and words every refusal; these dialogs show its sentence as it comes. Every read and
write runs on the vault thread.
"""

from __future__ import annotations

import json
from pathlib import Path

from reviewstation.app.disclosures import (
    DisclosureExport,
    Proven,
    change_clearance,
    check_proof_in_vault,
    clearance_choices,
    disclosure_exports,
    not_proven,
    recipients,
    record_clearance,
    write_proof,
)
from reviewstation.gui.qt import (
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QFont,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import (
    MarkedDialog,
    buddy_label,
    plain_label,
    private_file_dialog,
)
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.packages.disclosure import Recipient
from reviewstation.text import visible, visible_lines
from reviewstation.vault.session import Session

COLUMNS = ("Name", "Cleared for", "Signing key (P-384)", "Set by", "Set at")
LEAD_ONLY = "Only a lead records a recipient's clearance."


def _file_row(edit: QLineEdit, button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


def _say(label: QLabel, text: str, error: bool = False) -> None:
    label.setText(visible(text))
    mark_error(label, error)


class RecipientsDialog(MarkedDialog):
    """The recorded disclosure recipients; a lead adds one, or changes its clearance, from
    its identity card file and a marking."""

    changed = Signal()  # a clearance was recorded (the list is being read again)

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "Disclosure recipients", parent)
        self.ctx = ctx
        self.found: list[Recipient] = []
        self.body.addWidget(
            plain_label(
                "A selective disclosure goes to a recorded recipient only, and never carries"
                " anything marked above the clearance recorded here.",
                self,
            )
        )
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Recorded recipients")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.body.addWidget(buddy_label("&Recipients:", self.table, self))
        self.body.addWidget(self.table, 1)

        form = QFormLayout()
        self.card_edit = QLineEdit(self)
        self.card_edit.setAccessibleName("Identity card file")
        self.browse_button = QPushButton("&Browse…", self)
        self.browse_button.setAccessibleName("Browse for the identity card")
        form.addRow(
            buddy_label("Identity &card file:", self.card_edit, self),
            _file_row(self.card_edit, self.browse_button),
        )
        self.clearance_combo = QComboBox(self)
        self.clearance_combo.setEditable(True)
        self.clearance_combo.addItems(clearance_choices(ctx.marking))
        self.clearance_combo.setCurrentIndex(-1)
        self.clearance_combo.setAccessibleName("Clearance")
        line = self.clearance_combo.lineEdit()
        assert line is not None  # an editable combo box has one
        line.setAccessibleName("Clearance")
        line.setPlaceholderText("the highest marking it may receive")
        form.addRow(buddy_label("C&leared for:", self.clearance_combo, self), self.clearance_combo)
        self.body.addLayout(form)
        record_row = QHBoxLayout()
        self.record_button = QPushButton("Rec&ord clearance", self)
        self.record_button.setToolTip(
            "Add the card's owner as a recipient, or change its clearance; with no card file,"
            " change the clearance of the recipient chosen in the list"
        )
        record_row.addWidget(self.record_button)
        record_row.addStretch(1)
        self.body.addLayout(record_row)
        self.lead_note = plain_label("", self)
        self.lead_note.setAccessibleName("Who records clearances")
        self.body.addWidget(self.lead_note)
        self.message = plain_label("", self)
        self.message.setAccessibleName("Result")
        self.body.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        self.body.addWidget(close)

        self.browse_button.clicked.connect(self.choose_card)
        self.record_button.clicked.connect(self.record)
        self.table.currentCellChanged.connect(lambda *_: self._chosen())
        lead = ctx.lead and ctx.writable
        for widget in (self.card_edit, self.browse_button, self.clearance_combo):
            widget.setEnabled(lead)
        self.record_button.setEnabled(lead)
        if not ctx.lead:
            self.lead_note.setText(f"{LEAD_ONLY} You can read the list.")
        elif not ctx.writable:
            self.lead_note.setText(visible(ctx.permissions.reason or "This session is read-only."))
        self.resize(860, 480)
        self.refresh()

    def refresh(self) -> None:
        def job(session: Session) -> list[Recipient]:
            return recipients(session)

        self.ctx.vault.submit(job, self._show, lambda m: _say(self.message, m, True), owner=self)

    def _show(self, found: list[Recipient]) -> None:
        self.found = found
        self.table.setRowCount(len(found))
        for row, r in enumerate(found):
            cells = (r.name, r.clearance, r.card.fingerprint[:23], r.set_by, r.set_at[:19])
            for column, text in enumerate(cells):
                item = QTableWidgetItem(visible(text))
                if column == 2:
                    item.setToolTip(r.card.fingerprint)
                self.table.setItem(row, column, item)
        if not found:
            _say(self.message, "No recipient is recorded yet.")

    def _chosen(self) -> None:
        """A chosen row's clearance in the box, ready to be changed."""
        chosen = self.chosen()
        if chosen is not None and self.clearance_combo.isEnabled():
            self.clearance_combo.setCurrentText(chosen.clearance)

    def choose_card(self) -> QFileDialog:
        dialog = private_file_dialog(
            self, "The recipient's identity card", QFileDialog.FileMode.ExistingFile
        )
        dialog.fileSelected.connect(self.card_edit.setText)
        dialog.open()
        return dialog

    def chosen(self) -> Recipient | None:
        row = self.table.currentRow()
        return self.found[row] if 0 <= row < len(self.found) else None

    def record(self) -> None:
        """From the card file; with none, the chosen recipient's clearance changes."""
        card = self.card_edit.text().strip()
        clearance = self.clearance_combo.currentText()
        chosen = self.chosen()
        if not card and chosen is None:
            _say(
                self.message,
                "Choose the recipient's identity card file, or a recorded recipient.",
                True,
            )
            return
        name = chosen.name if chosen is not None else ""
        self.record_button.setEnabled(False)
        _say(self.message, "Recording…")

        def job(session: Session) -> Recipient:
            if card:
                return record_clearance(session, Path(card), clearance)
            return change_clearance(session, name, clearance)

        def done(recorded: Recipient) -> None:
            self.record_button.setEnabled(True)
            _say(
                self.message,
                f"{recorded.name} may receive disclosures up to {recorded.clearance}"
                f" (card {recorded.card.fingerprint[:23]}).",
            )
            self.card_edit.clear()
            self.changed.emit()
            self.refresh()

        def failed(message: str) -> None:
            self.record_button.setEnabled(True)
            _say(self.message, message, True)

        self.ctx.vault.submit(job, done, failed, owner=self)


class ProveDialog(MarkedDialog):
    """Write the proof of one item of a disclosure package this vault exported: its salt and
    bytes, which open the digest the package lists for it (audited)."""

    written = Signal(str)  # the proof file

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "Prove an item of a disclosure", parent)
        self.ctx = ctx
        self.exports: list[DisclosureExport] = []
        self.body.addWidget(
            plain_label(
                "A proof holds one item's salt and exact bytes: whoever holds the disclosure"
                " package can check it is the item whose digest was signed. A proof of a"
                " withheld item discloses that item; each proof is recorded in the audit trail.",
                self,
            )
        )
        form = QFormLayout()
        self.package_combo = QComboBox(self)
        self.package_combo.setAccessibleName("Disclosure package")
        form.addRow(buddy_label("&Package:", self.package_combo, self), self.package_combo)
        self.items = QListWidget(self)
        self.items.setAccessibleName("Items of the package")
        form.addRow(buddy_label("&Item:", self.items, self), self.items)
        self.out_edit = QLineEdit(self)
        self.out_edit.setAccessibleName("Proof file")
        self.browse_button = QPushButton("&Browse…", self)
        self.browse_button.setAccessibleName("Browse for the proof file")
        form.addRow(
            buddy_label("&Save the proof as:", self.out_edit, self),
            _file_row(self.out_edit, self.browse_button),
        )
        self.body.addLayout(form, 1)
        self.message = plain_label("Reading this vault's disclosures…", self)
        self.message.setAccessibleName("Result")
        self.body.addWidget(self.message)
        buttons = QDialogButtonBox(self)
        self.write_button = buttons.addButton(
            "&Write proof", QDialogButtonBox.ButtonRole.ActionRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)

        self.package_combo.currentIndexChanged.connect(self._show_items)
        self.items.currentRowChanged.connect(lambda _row: self._sync())
        self.out_edit.textChanged.connect(lambda _text: self._sync())
        self.browse_button.clicked.connect(self.choose_out)
        self.write_button.clicked.connect(self.write)
        self._busy = False
        self._sync()
        self.resize(760, 520)
        self.refresh()

    def refresh(self) -> None:
        def job(session: Session) -> list[DisclosureExport]:
            return disclosure_exports(session.conn)

        self.ctx.vault.submit(job, self._show, lambda m: _say(self.message, m, True), owner=self)

    def _show(self, exports: list[DisclosureExport]) -> None:
        self.exports = exports
        self.package_combo.clear()
        for export in exports:
            self.package_combo.addItem(visible(export.describe()))
        if not exports:
            _say(self.message, "This vault has written no selective disclosure yet.")
        elif not self.ctx.writable:
            _say(self.message, visible(self.ctx.permissions.reason or "Read-only session."))
        else:
            _say(self.message, "")
        self._sync()

    def chosen(self) -> DisclosureExport | None:
        index = self.package_combo.currentIndex()
        return self.exports[index] if 0 <= index < len(self.exports) else None

    def _show_items(self) -> None:
        self.items.clear()
        export = self.chosen()
        for item in export.items if export is not None else ():
            row = QListWidgetItem(f"{item.label} ({item.state})")
            row.setData(Qt.ItemDataRole.UserRole, item.label)
            self.items.addItem(row)
        if self.items.count():
            self.items.setCurrentRow(0)
        self._sync()

    def item(self) -> str:
        row = self.items.currentItem()
        return str(row.data(Qt.ItemDataRole.UserRole)) if row is not None else ""

    def _sync(self) -> None:
        ready = bool(self.chosen() and self.item() and self.out_edit.text().strip())
        self.write_button.setEnabled(self.ctx.writable and ready and not self._busy)

    def choose_out(self) -> QFileDialog:
        dialog = private_file_dialog(self, "Save the proof as", QFileDialog.FileMode.AnyFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(self.out_edit.setText)
        dialog.open()
        return dialog

    def write(self) -> None:
        export, label = self.chosen(), self.item()
        out = Path(self.out_edit.text().strip())
        if export is None or not label:
            return
        package_id = export.package_id
        self._busy = True
        self._sync()
        _say(self.message, "Writing the proof…")

        def job(session: Session) -> Path:
            return write_proof(session, package_id, label, out)

        def done(path: Path) -> None:
            self._busy = False
            _say(self.message, f"Proof of {label} of package {package_id} written to {path}.")
            self.out_edit.clear()
            self.written.emit(str(path))

        def failed(message: str) -> None:
            self._busy = False
            _say(self.message, message, True)
            self._sync()

        self.ctx.vault.submit(job, done, failed, owner=self)


class CheckProofDialog(MarkedDialog):
    """Check a proof against a received disclosure package: the package is verified as this
    vault sees it (its trust store and the extra cards of the Packages tab), then the proof's
    SHA-384(salt || item) must be the digest the package lists for that item."""

    def __init__(self, ctx: Context, extra_cards: list[Path], parent: QWidget | None = None):
        super().__init__(ctx.marking, "Check a proof", parent)
        self.ctx = ctx
        self.extra_cards = list(extra_cards)
        form = QFormLayout()
        self.package_edit = QLineEdit(self)
        self.package_edit.setAccessibleName("Disclosure package file")
        self.package_button = QPushButton("&Browse…", self)
        self.package_button.setAccessibleName("Browse for the package")
        form.addRow(
            buddy_label("&Package file:", self.package_edit, self),
            _file_row(self.package_edit, self.package_button),
        )
        self.proof_edit = QLineEdit(self)
        self.proof_edit.setAccessibleName("Proof file")
        self.proof_button = QPushButton("Bro&wse…", self)
        self.proof_button.setAccessibleName("Browse for the proof")
        form.addRow(
            buddy_label("P&roof file:", self.proof_edit, self),
            _file_row(self.proof_edit, self.proof_button),
        )
        self.body.addLayout(form)
        self.verdict = QLabel(self)
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setAccessibleName("Verdict")
        bold = self.verdict.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.4)
        self.verdict.setFont(bold)
        self.body.addWidget(self.verdict)
        self.sentence = plain_label("", self)
        self.sentence.setAccessibleName("What was checked")
        self.body.addWidget(self.sentence)
        self.item_view = QPlainTextEdit(self)
        self.item_view.setReadOnly(True)
        self.item_view.setAccessibleName("The proven item")
        self.item_view.setFont(QFont("monospace"))
        self.item_view.setVisible(False)
        self.body.addWidget(self.item_view, 1)
        buttons = QDialogButtonBox(self)
        self.check_button = buttons.addButton("C&heck", QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)

        self.package_button.clicked.connect(lambda: self._choose(self.package_edit, "Package"))
        self.proof_button.clicked.connect(lambda: self._choose(self.proof_edit, "Proof"))
        self.check_button.clicked.connect(self.check)
        self.resize(760, 460)

    def _choose(self, edit: QLineEdit, what: str) -> QFileDialog:
        dialog = private_file_dialog(self, f"{what} to check", QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(edit.setText)
        dialog.open()
        return dialog

    def _verdict(self, proven: bool, sentence: str) -> None:
        self.verdict.setText("PROVEN" if proven else "NOT PROVEN")
        mark_error(self.verdict, not proven)
        self.sentence.setText(visible(sentence))
        mark_error(self.sentence, not proven)

    def check(self) -> None:
        package, proof = self.package_edit.text().strip(), self.proof_edit.text().strip()
        if not package or not proof:
            self.verdict.clear()
            _say(self.sentence, "Choose the package file and the proof file first.", True)
            return
        extra = list(self.extra_cards)
        self.check_button.setEnabled(False)
        self.item_view.setVisible(False)
        self.verdict.clear()
        _say(self.sentence, "Verifying the package and the proof…")

        def job(session: Session) -> Proven:
            return check_proof_in_vault(session, Path(package), Path(proof), extra)

        def done(proven: Proven) -> None:
            self.check_button.setEnabled(True)
            self._verdict(True, proven.sentence())
            shown = json.dumps(proven.result.item_json, indent=2, ensure_ascii=False)
            self.item_view.setPlainText("\n".join(visible_lines(shown)))
            self.item_view.setVisible(True)

        def failed(message: str) -> None:
            self.check_button.setEnabled(True)
            self._verdict(False, not_proven(message))

        self.ctx.vault.submit(job, done, failed, owner=self)
