"""The Packages tab: seal the review into a package (evidence, recipients, output file) with
progress and Cancel; verify a package file and import it into this vault."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reviewstation.artifacts import catalog
from reviewstation.artifacts.background import Progress
from reviewstation.artifacts.catalog import Artifact
from reviewstation.crypto.identity import MAX_CARD_BYTES, PublicIdentity, parse_card
from reviewstation.errors import ReviewStationError
from reviewstation.gui.context import Context
from reviewstation.gui.dialogs import private_file_dialog, show_message
from reviewstation.gui.progress import JobProgress, ProgressDialog
from reviewstation.packages import trust
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.packages.importer import ImportResult, import_package
from reviewstation.packages.verify import verify_package
from reviewstation.storage import read_bounded
from reviewstation.vault.session import Session

CHECK = "\u2713"


@dataclass(frozen=True)
class Card:
    path: Path
    identity: PublicIdentity


def read_card(path: Path) -> PublicIdentity:
    return parse_card(read_bounded(path, MAX_CARD_BYTES, "identity card"))


def export_text(result: ExportResult) -> str:
    form = f"encrypted for {', '.join(result.recipients)}" if result.encrypted else "plaintext"
    return "\n".join(
        [
            f"Package {result.package_id} written to {result.path} ({form}).",
            f"Sequence {result.sequence}",
            f"SHA384SUMS sha384 {result.sums_sha384}",
        ]
    )


def verify_text(report: dict[str, Any]) -> str:
    signer = report["signer"]
    lines = [
        f"VALID: package {report['package_id']} ({report['marking']}),"
        f" sequence {report['sequence']}",
        f"Signer {signer['name']} ({signer['role']}) P-384 {signer['p384_fingerprint']}",
    ]
    if report["encrypted"] and not report["decrypted"]:
        lines.append("Encrypted, not for this user: contents not inspected.")
    lines.extend(f"{CHECK} {check}" for check in report["checks"])
    return "\n".join(lines)


def import_text(result: ImportResult) -> str:
    if result.already:
        return (
            f"Package {result.package_id} already imported (review {result.review_id});"
            " nothing changed."
        )
    lines = [
        f"Package {result.package_id} imported from {result.signer}"
        f" (sequence {result.sequence}) into review {result.review_id}:",
        f"  findings added: {result.findings_added}",
        f"  findings updated: {result.findings_updated}",
        f"  checklist runs added: {result.runs_added}",
        f"  checklist runs updated: {result.runs_updated}",
        f"  evidence files added: {result.evidence_added}",
    ]
    lines.extend(f"  note: {note}" for note in result.notes)
    return "\n".join(lines)


def _report(progress: JobProgress) -> Any:
    def callback(p: Progress) -> None:
        progress.report(p.done, p.total, f"{p.stage}: {p.item}" if p.item else p.stage)

    return callback


def _result_box(name: str, parent: QWidget) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setReadOnly(True)
    box.setAccessibleName(name)
    box.setFont(QFont("monospace"))
    return box


class PackagesPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.artifacts: list[Artifact] = []
        self.recipients: list[Card] = []
        self.extra_trust: list[Path] = []
        layout = QVBoxLayout(self)

        # -- export ----------------------------------------------------------------------
        export_group = QGroupBox("Export a package of this review", self)
        export_layout = QVBoxLayout(export_group)
        lists = QHBoxLayout()
        evidence_column = QVBoxLayout()
        evidence_label = QLabel("Evi&dence to carry:", export_group)
        self.evidence_list = QListWidget(export_group)
        self.evidence_list.setAccessibleName("Evidence")
        evidence_label.setBuddy(self.evidence_list)
        evidence_column.addWidget(evidence_label)
        evidence_column.addWidget(self.evidence_list, 1)
        recipient_column = QVBoxLayout()
        recipient_label = QLabel("Recipie&nts (none: plaintext package):", export_group)
        self.recipient_list = QListWidget(export_group)
        self.recipient_list.setAccessibleName("Recipients")
        recipient_label.setBuddy(self.recipient_list)
        recipient_buttons = QHBoxLayout()
        self.add_recipient_button = QPushButton("Add &recipient card…", export_group)
        self.remove_recipient_button = QPushButton("Remove &from list", export_group)
        recipient_buttons.addWidget(self.add_recipient_button)
        recipient_buttons.addWidget(self.remove_recipient_button)
        recipient_column.addWidget(recipient_label)
        recipient_column.addWidget(self.recipient_list, 1)
        recipient_column.addLayout(recipient_buttons)
        lists.addLayout(evidence_column, 1)
        lists.addLayout(recipient_column, 1)
        export_layout.addLayout(lists, 1)
        out_row = QHBoxLayout()
        out_label = QLabel("&Output file:", export_group)
        self.out_edit = QLineEdit(export_group)
        self.out_edit.setAccessibleName("Output file")
        self.out_edit.setPlaceholderText("where to write the package (.rspkg)")
        out_label.setBuddy(self.out_edit)
        self.browse_out_button = QPushButton("&Browse…", export_group)
        self.export_button = QPushButton("E&xport package", export_group)
        for widget in (out_label, self.out_edit, self.browse_out_button, self.export_button):
            out_row.addWidget(widget)
        export_layout.addLayout(out_row)
        self.export_result = _result_box("Export result", export_group)
        self.export_result.setMaximumHeight(90)
        export_layout.addWidget(self.export_result)
        layout.addWidget(export_group, 1)

        # -- verify and import ---------------------------------------------------------------
        verify_group = QGroupBox("Verify or import a package", self)
        verify_layout = QVBoxLayout(verify_group)
        file_row = QHBoxLayout()
        file_label = QLabel("Pac&kage file:", verify_group)
        self.package_edit = QLineEdit(verify_group)
        self.package_edit.setAccessibleName("Package file")
        file_label.setBuddy(self.package_edit)
        self.browse_package_button = QPushButton("Bro&wse…", verify_group)
        for widget in (file_label, self.package_edit, self.browse_package_button):
            file_row.addWidget(widget)
        verify_layout.addLayout(file_row)
        trust_row = QHBoxLayout()
        trust_label = QLabel("Also &trust (besides the vault's trust store):", verify_group)
        self.trust_list = QListWidget(verify_group)
        self.trust_list.setAccessibleName("Extra trusted cards")
        self.trust_list.setMaximumHeight(70)
        trust_label.setBuddy(self.trust_list)
        trust_buttons = QVBoxLayout()
        self.add_trust_button = QPushButton("Add card&s…", verify_group)
        self.remove_trust_button = QPushButton("R&emove", verify_group)
        trust_buttons.addWidget(self.add_trust_button)
        trust_buttons.addWidget(self.remove_trust_button)
        trust_row.addWidget(trust_label)
        trust_row.addWidget(self.trust_list, 1)
        trust_row.addLayout(trust_buttons)
        verify_layout.addLayout(trust_row)
        action_row = QHBoxLayout()
        self.verify_button = QPushButton("&Verify", verify_group)
        self.import_button = QPushButton("I&mport", verify_group)
        action_row.addStretch(1)
        action_row.addWidget(self.verify_button)
        action_row.addWidget(self.import_button)
        verify_layout.addLayout(action_row)
        self.verify_result = _result_box("Verification result", verify_group)
        verify_layout.addWidget(self.verify_result, 1)
        layout.addWidget(verify_group, 1)

        self.add_recipient_button.clicked.connect(self.choose_recipients)
        self.remove_recipient_button.clicked.connect(self.remove_recipient)
        self.browse_out_button.clicked.connect(self.choose_output)
        self.export_button.clicked.connect(self.export)
        self.browse_package_button.clicked.connect(self.choose_package)
        self.add_trust_button.clicked.connect(self.choose_trust)
        self.remove_trust_button.clicked.connect(self.remove_trust)
        self.verify_button.clicked.connect(self.verify)
        self.import_button.clicked.connect(self.import_)
        editables: tuple[QWidget, ...] = (
            self.evidence_list,
            self.recipient_list,
            self.add_recipient_button,
            self.remove_recipient_button,
            self.out_edit,
            self.browse_out_button,
            self.export_button,
            self.import_button,
        )
        for editable in editables:
            editable.setEnabled(ctx.writable)

    # -- listing ---------------------------------------------------------------------------

    def show_review(self, review_id: int) -> None:
        self.review_id = review_id
        if not review_id:
            return

        def job(session: Session) -> list[Artifact]:
            return catalog.list_artifacts(session.conn, review_id)

        self.ctx.vault.submit(job, self._show, self.export_result.setPlainText, owner=self)

    def _show(self, artifacts: list[Artifact]) -> None:
        self.artifacts = [a for a in artifacts if not a.erased]
        self.evidence_list.clear()
        for artifact in self.artifacts:
            item = QListWidgetItem(f"{artifact.id}  {artifact.path}", self.evidence_list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, artifact.id)
            item.setToolTip(artifact.sha256)

    def chosen_evidence(self) -> list[str]:
        chosen = []
        for row in range(self.evidence_list.count()):
            item = self.evidence_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                chosen.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return chosen

    # -- file choosers (Qt's own dialogs: native ones may record recent files) --------------

    def _file_dialog(self, title: str, mode: QFileDialog.FileMode) -> QFileDialog:
        return private_file_dialog(self, title, mode)

    def choose_recipients(self) -> None:
        dialog = self._file_dialog("Recipient identity cards", QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda names: self.add_recipients([Path(n) for n in names]))
        dialog.open()

    def add_recipients(self, paths: list[Path]) -> None:
        for path in paths:
            try:
                card = read_card(path)
            except ReviewStationError as exc:
                show_message(self, self.ctx.marking, "Recipient", str(exc))
                return
            if any(c.identity.fingerprint == card.fingerprint for c in self.recipients):
                continue
            self.recipients.append(Card(path, card))
            item = QListWidgetItem(
                f"{card.name} ({card.role}) {card.fingerprint[:16]}…", self.recipient_list
            )
            item.setToolTip(str(path))

    def remove_recipient(self) -> None:
        row = self.recipient_list.currentRow()
        if 0 <= row < len(self.recipients):
            del self.recipients[row]
            self.recipient_list.takeItem(row)

    def choose_output(self) -> None:
        dialog = self._file_dialog("Write the package to", QFileDialog.FileMode.AnyFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile("review.rspkg")
        dialog.fileSelected.connect(self.out_edit.setText)
        dialog.open()

    def choose_package(self) -> None:
        dialog = self._file_dialog("Package to verify", QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(self.package_edit.setText)
        dialog.open()

    def choose_trust(self) -> None:
        dialog = self._file_dialog("Also trust these cards", QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda names: self.add_trust([Path(n) for n in names]))
        dialog.open()

    def add_trust(self, paths: list[Path]) -> None:
        for path in paths:
            if path not in self.extra_trust:
                self.extra_trust.append(path)
                self.trust_list.addItem(str(path))

    def remove_trust(self) -> None:
        row = self.trust_list.currentRow()
        if 0 <= row < len(self.extra_trust):
            del self.extra_trust[row]
            self.trust_list.takeItem(row)

    # -- export ----------------------------------------------------------------------------

    def export(self) -> None:
        if not self.review_id or not self.ctx.writable:
            return
        text = self.out_edit.text().strip()
        if not text:
            self.export_result.setPlainText("Choose the output file first.")
            return
        out = Path(text)
        review_id = self.review_id
        recipients = [c.identity for c in self.recipients]
        evidence = self.chosen_evidence()
        progress = JobProgress()
        box = ProgressDialog(self.ctx.marking, "Exporting the package…", progress, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.export_button.setEnabled(False)
        self.export_result.setPlainText("Exporting…")

        def job(session: Session) -> ExportResult:
            return export_package(
                session,
                review_id,
                out,
                recipients=recipients,
                evidence=evidence,
                progress=_report(progress),
                cancel=progress.cancel,
            )

        def done(result: ExportResult) -> None:
            box.finish()
            self.export_button.setEnabled(self.ctx.writable)
            self.export_result.setPlainText(export_text(result))

        def failed(message: str) -> None:
            box.finish()
            self.export_button.setEnabled(self.ctx.writable)
            self.export_result.setPlainText(f"Not exported: {message}")

        self.ctx.vault.submit(job, done, failed, cancel=progress.cancel, owner=self)
        box.open()

    # -- verify and import -----------------------------------------------------------------

    def _package(self) -> Path | None:
        text = self.package_edit.text().strip()
        if not text:
            self.verify_result.setPlainText("Choose the package file first.")
            return None
        return Path(text)

    def verify(self) -> None:
        path = self._package()
        if path is None:
            return
        extra = list(self.extra_trust)
        self.verify_button.setEnabled(False)
        self.verify_result.setPlainText("Verifying…")

        def job(session: Session) -> dict[str, Any]:
            cards = trust.trusted(session.conn) + [read_card(p) for p in extra]
            revoked = trust.revoked_fingerprints(session.conn)
            recipient = session.identity.recipient if session.identity is not None else None
            with verify_package(path, cards, revoked=revoked, recipient=recipient) as package:
                return package.to_json()

        def done(report: dict[str, Any]) -> None:
            self.verify_button.setEnabled(True)
            self.verify_result.setPlainText(verify_text(report))

        def failed(message: str) -> None:
            self.verify_button.setEnabled(True)
            reason = message.splitlines()[0] if message else "unknown reason"
            self.verify_result.setPlainText(f"INVALID: {reason}")

        self.ctx.vault.submit(job, done, failed, owner=self)

    def import_(self) -> None:
        if not self.ctx.writable:
            return
        path = self._package()
        if path is None:
            return
        extra = list(self.extra_trust)
        progress = JobProgress()
        box = ProgressDialog(self.ctx.marking, "Importing the package…", progress, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.import_button.setEnabled(False)
        self.verify_result.setPlainText("Importing…")

        def job(session: Session) -> ImportResult:
            cards = [read_card(p) for p in extra]
            return import_package(session, path, cards, cancel=progress.cancel)

        def done(result: ImportResult) -> None:
            box.finish()
            self.import_button.setEnabled(self.ctx.writable)
            self.verify_result.setPlainText(import_text(result))

        def failed(message: str) -> None:
            box.finish()
            self.import_button.setEnabled(self.ctx.writable)
            self.verify_result.setPlainText(f"Not imported: {message}")

        self.ctx.vault.submit(job, done, failed, cancel=progress.cancel, owner=self)
        box.open()
