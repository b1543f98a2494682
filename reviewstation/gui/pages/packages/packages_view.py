"""The Packages tab: open the export wizard, approve other people's export requests (leads),
verify a package file and import it into this vault, prove an item of a selective disclosure
and check such a proof."""

from __future__ import annotations

from pathlib import Path

from reviewstation.app.custody import CustodyForm
from reviewstation.app.identity import read_card
from reviewstation.app.merge import MergeResult, Staging, merge, stage
from reviewstation.app.packages import (
    ImportPreview,
    import_into_vault,
    preview_import,
    verify_in_vault,
)
from reviewstation.errors import ReviewStationError
from reviewstation.gui.pages.packages.disclosure_dialogs import CheckProofDialog, ProveDialog
from reviewstation.gui.pages.packages.export_approvals import PendingApprovals
from reviewstation.gui.pages.packages.export_wizard import ExportWizard
from reviewstation.gui.pages.packages.staging_dialog import StagingDialog
from reviewstation.gui.qt import (
    QFileDialog,
    QFont,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.operation import run_operation
from reviewstation.gui.runtime.progress import JobProgress
from reviewstation.gui.widgets.custody_fields import (
    package_dialog,
    package_summary,
)
from reviewstation.gui.widgets.dialogs import plain_label, private_file_dialog
from reviewstation.packages.export import ExportResult
from reviewstation.packages.importer import ImportResult
from reviewstation.packages.verify import VerifyReport
from reviewstation.text import counted, people, person, visible
from reviewstation.vault.session import Session

CHECK = "\u2713"


def export_text(result: ExportResult) -> str:
    names = people(result.recipients, result.recipient_fingerprints)
    form = f"encrypted for {names}" if result.encrypted else "plaintext"
    return "\n".join(
        [
            f"Package {result.package_id} written to {visible(result.path)} ({form}).",
            f"Sequence {result.sequence}",
            f"SHA384SUMS sha384 {result.sums_sha384}",
        ]
    )


def verify_text(report: VerifyReport) -> str:
    manifest, signer = report.manifest, report.signer
    lines = [
        visible(
            f"VALID: package {manifest.package_id} ({manifest.marking}),"
            f" sequence {manifest.sequence}"
        ),
        f"Signer {visible(signer.name)} ({visible(signer.role)}) P-384 {signer.fingerprint}",
    ]
    if manifest.recipients:
        names = [r.name for r in manifest.recipients]
        prints = [r.signing for r in manifest.recipients]
        lines.append(f"Recipients {people(names, prints)}")
    if report.encrypted and not report.decrypted:
        lines.append("Encrypted, not for this user: contents not inspected.")
    lines.extend(f"{CHECK} {visible(check)}" for check in report.checks)
    return "\n".join(lines)


def trust_item(path: Path) -> str:
    """An extra card in the trust list: who it names, told apart by fingerprint, and the
    file; a card that cannot be read says why (verify refuses it again)."""
    try:
        card = read_card(path)
    except ReviewStationError as exc:
        return visible(f"{path.name}: not usable: {exc}")
    return f"{person(card.name, card.fingerprint)} ({visible(card.role)}) — {visible(path)}"


def import_text(result: ImportResult) -> str:
    if result.already:
        return visible(
            f"Package {result.package_id} already imported (review {result.review_id});"
            " nothing changed."
        )
    lines = [
        f"Package {visible(result.package_id)} imported from"
        f" {person(result.signer, result.signer_fingerprint)}"
        f" (sequence {result.sequence}) into review {result.review_id}:",
        f"  findings added: {result.findings_added}",
        f"  findings updated: {result.findings_updated}",
        f"  checklist runs added: {result.runs_added}",
        f"  checklist runs updated: {result.runs_updated}",
        f"  evidence files added: {result.evidence_added}",
        *(
            [f"  triage labels added or decided: {result.triage_labels}"]
            if result.triage_labels
            else []
        ),
    ]
    lines.extend(f"  note: {visible(note)}" for note in result.notes)
    return "\n".join(lines)


def _result_box(name: str, parent: QWidget) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setReadOnly(True)
    box.setAccessibleName(name)
    box.setFont(QFont("monospace"))
    return box


class PackagesPage(QWidget):
    imported = Signal(int)  # the local review a package was imported into

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.extra_trust: list[Path] = []
        layout = QVBoxLayout(self)

        # -- export (the wizard) and approvals ---------------------------------------------
        export_group = QGroupBox("Export a package of this review", self)
        export_layout = QVBoxLayout(export_group)
        export_row = QHBoxLayout()
        export_row.addWidget(
            plain_label(
                "The export wizard shows what the package will carry, lets you choose evidence"
                " and recipients, checks the marking and previews every member before anything"
                " is written.",
                export_group,
            ),
            1,
        )
        self.export_button = QPushButton("E&xport package…", export_group)
        export_row.addWidget(self.export_button)
        export_layout.addLayout(export_row)
        self.export_result = _result_box("Export result", export_group)
        self.export_result.setMaximumHeight(90)
        self.export_result.setVisible(False)  # until there is a result to show
        export_layout.addWidget(self.export_result)
        layout.addWidget(export_group)
        self.approvals = PendingApprovals(ctx, self)
        layout.addWidget(self.approvals)

        # -- verify and import ---------------------------------------------------------------
        verify_group = QGroupBox("Verify or import a package", self)
        verify_layout = QVBoxLayout(verify_group)
        file_row = QHBoxLayout()
        file_label = QLabel("Pac&kage file:", verify_group)
        self.package_edit = QLineEdit(verify_group)
        self.package_edit.setAccessibleName("Package file")
        file_label.setBuddy(self.package_edit)
        self.browse_package_button = QPushButton("&Browse…", verify_group)
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
        self.merge_button = QPushButton("Mer&ge into this review…", verify_group)
        self.merge_button.setToolTip(
            "Compare the package with the review chosen in the list, item by item, and merge"
            " only what you accept"
        )
        action_row.addStretch(1)
        action_row.addWidget(self.verify_button)
        action_row.addWidget(self.import_button)
        action_row.addWidget(self.merge_button)
        verify_layout.addLayout(action_row)
        self.verify_result = _result_box("Verification result", verify_group)
        verify_layout.addWidget(self.verify_result, 1)
        layout.addWidget(verify_group, 1)

        # -- selective disclosure: proofs ----------------------------------------------------
        proof_group = QGroupBox("Proofs of a selective disclosure", self)
        proof_row = QHBoxLayout(proof_group)
        proof_row.addWidget(
            plain_label(
                "A proof opens one item of a disclosure package: its salt and bytes match the"
                " digest the package lists. Recipients and their clearances: File ▸ Disclosure"
                " recipients….",
                proof_group,
            ),
            1,
        )
        self.prove_button = QPushButton("Prove an item of a &disclosure…", proof_group)
        self.prove_button.setToolTip(
            "Write the proof of one item of a disclosure package this vault exported"
        )
        self.check_proof_button = QPushButton("Verif&y a proof…", proof_group)
        self.check_proof_button.setToolTip(
            "Check a proof against a received disclosure package (verified with the trust"
            " store and the extra cards above)"
        )
        proof_row.addWidget(self.prove_button)
        proof_row.addWidget(self.check_proof_button)
        layout.addWidget(proof_group)

        self.export_button.clicked.connect(self.open_wizard)
        self.browse_package_button.clicked.connect(self.choose_package)
        self.add_trust_button.clicked.connect(self.choose_trust)
        self.remove_trust_button.clicked.connect(self.remove_trust)
        self.verify_button.clicked.connect(self.verify)
        self.import_button.clicked.connect(self.import_)
        self.merge_button.clicked.connect(self.stage)
        self.prove_button.clicked.connect(self.open_prove)
        self.check_proof_button.clicked.connect(self.open_check_proof)
        for editable in (self.export_button, self.import_button, self.prove_button):
            editable.setEnabled(ctx.writable)
        self.merge_button.setEnabled(False)  # until a review is chosen

    # -- listing ---------------------------------------------------------------------------

    def show_review(self, review_id: int) -> None:
        if review_id != self.review_id:
            self.export_result.clear()
            self.export_result.setVisible(False)
        self.review_id = review_id
        self.export_button.setEnabled(self.ctx.writable and bool(review_id))
        self.merge_button.setEnabled(self.ctx.writable and bool(review_id))
        self.approvals.show_review(review_id)  # none shown: the list empties

    # -- file choosers (Qt's own dialogs: native ones may record recent files) --------------

    def _file_dialog(self, title: str, mode: QFileDialog.FileMode) -> QFileDialog:
        return private_file_dialog(self, title, mode)

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
                self.trust_list.addItem(trust_item(path))

    def remove_trust(self) -> None:
        row = self.trust_list.currentRow()
        if 0 <= row < len(self.extra_trust):
            del self.extra_trust[row]
            self.trust_list.takeItem(row)

    # -- export --------------------------------------------------------------------------

    def open_wizard(self) -> ExportWizard | None:
        if not self.review_id or not self.ctx.writable:
            return None
        wizard = ExportWizard(self.ctx, self.review_id, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.exported.connect(self._exported)
        wizard.requested.connect(self.approvals.refresh)
        wizard.open()
        return wizard

    def _exported(self, result: ExportResult) -> None:
        self.export_result.setPlainText(export_text(result))
        self.export_result.setVisible(True)
        self.approvals.refresh()  # an approval it used is no longer open

    # -- proofs of a selective disclosure -------------------------------------------------

    def open_prove(self) -> ProveDialog:
        dialog = ProveDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_check_proof(self) -> CheckProofDialog:
        dialog = CheckProofDialog(self.ctx, list(self.extra_trust), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        text = self.package_edit.text().strip()
        if text:
            dialog.package_edit.setText(text)  # the package chosen above, if any
        dialog.open()
        return dialog

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

        def job(session: Session) -> VerifyReport:
            return verify_in_vault(session, path, extra)

        def done(report: VerifyReport) -> None:
            self.verify_button.setEnabled(True)
            self.verify_result.setPlainText(verify_text(report))

        def failed(message: str) -> None:
            self.verify_button.setEnabled(True)
            reason = message.splitlines()[0] if message else "unknown reason"
            self.verify_result.setPlainText(f"INVALID: {visible(reason)}")

        self.ctx.vault.submit(job, done, failed, owner=self)

    def import_(self) -> None:
        """Verify first and show what would come in (signer, review, counts, marking) with
        the custody form; only the confirmation imports."""
        if not self.ctx.writable:
            return
        path = self._package()
        if path is None:
            return
        extra = list(self.extra_trust)
        self.import_button.setEnabled(False)
        self.verify_result.setPlainText("Verifying before the import…")

        def job(session: Session) -> ImportPreview:
            return preview_import(session, path, extra)

        def done(preview: ImportPreview) -> None:
            self.import_button.setEnabled(self.ctx.writable)
            self.verify_result.setPlainText(package_summary(preview))
            self.confirm_import(path, extra, preview)

        def failed(message: str) -> None:
            self.import_button.setEnabled(self.ctx.writable)
            reason = message.splitlines()[0] if message else "unknown reason"
            self.verify_result.setPlainText(f"Not imported: {visible(reason)}")

        self.ctx.vault.submit(job, done, failed, owner=self)

    def confirm_import(self, path: Path, extra: list[Path], preview: ImportPreview) -> None:
        dialog = package_dialog(self.ctx.marking, preview, CustodyForm(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda form: self.import_with(path, extra, form))
        dialog.rejected.connect(lambda: self.verify_result.setPlainText("Import cancelled."))
        dialog.open()

    def import_with(self, path: Path, extra: list[Path], form: CustodyForm) -> None:
        self.import_button.setEnabled(False)
        self.verify_result.setPlainText("Importing…")

        def work(session: Session, progress: JobProgress) -> ImportResult:
            return import_into_vault(session, path, extra, cancel=progress.cancel, custody=form)

        def done(result: ImportResult) -> None:
            self.import_button.setEnabled(self.ctx.writable)
            self.verify_result.setPlainText(import_text(result))
            self.imported.emit(result.review_id)  # shown at once, chosen in the reviews list

        def failed(failure: Failure) -> None:
            self.import_button.setEnabled(self.ctx.writable)
            self.verify_result.setPlainText(f"Not imported: {visible(failure.message)}")

        run_operation(self.ctx, self, "Importing the package…", work, done, failed)

    # -- merge into the chosen review --------------------------------------------------------

    def stage(self) -> None:
        """Verify the package as an import would and show its staging diff against the
        chosen review; nothing is written until the dialog's Merge."""
        path = self._package()
        if path is None or not self.review_id or not self.ctx.writable:
            return
        extra, review = list(self.extra_trust), self.review_id
        self.merge_button.setEnabled(False)
        self.verify_result.setPlainText("Verifying and comparing with the review…")

        def job(session: Session) -> Staging:
            return stage(session, path, review, extra_cards=extra)

        def done(staging: Staging) -> None:
            self.merge_button.setEnabled(self.ctx.writable)
            counts = ", ".join(f"{n} {k}" for k, n in staging.counts().items() if n)
            self.verify_result.setPlainText(f"Staged against review {review}: {counts}.")
            self.open_staging(path, extra, staging)

        def failed(message: str) -> None:
            self.merge_button.setEnabled(self.ctx.writable)
            reason = message.splitlines()[0] if message else "unknown reason"
            self.verify_result.setPlainText(f"Not staged: {visible(reason)}")

        self.ctx.vault.submit(job, done, failed, owner=self)

    def open_staging(self, path: Path, extra: list[Path], staging: Staging) -> StagingDialog:
        dialog = StagingDialog(self.ctx.marking, staging, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.decided.connect(
            lambda accept, reject: self.merge_with(path, extra, staging, accept, reject)
        )
        dialog.rejected.connect(lambda: self.verify_result.setPlainText("Merge cancelled."))
        dialog.open()
        return dialog

    def merge_with(
        self,
        path: Path,
        extra: list[Path],
        staging: Staging,
        accept: list[str],
        reject: list[str],
    ) -> None:
        self.merge_button.setEnabled(False)
        self.verify_result.setPlainText("Merging…")

        def work(session: Session, progress: JobProgress) -> MergeResult:
            return merge(
                session,
                path,
                staging.review_id,
                accept=accept,
                reject=reject,
                extra_cards=extra,
                cancel=progress.cancel,
                staged=staging,  # what the dialog showed: a change since refuses
            )

        def done(result: MergeResult) -> None:
            self.merge_button.setEnabled(self.ctx.writable)
            self.verify_result.setPlainText(merge_text(result))
            self.imported.emit(result.review_id)

        def failed(failure: Failure) -> None:
            self.merge_button.setEnabled(self.ctx.writable)
            self.verify_result.setPlainText(f"Not merged: {visible(failure.message)}")

        run_operation(self.ctx, self, "Merging the package…", work, done, failed)


def merge_text(result: MergeResult) -> str:
    if not result.accepted and not result.rejected:
        return f"{result.package_id}: nothing to merge into review {result.review_id}."
    lines = [
        f"{result.package_id} merged into review {result.review_id}:"
        f" {len(result.accepted)} accepted, {len(result.rejected)} rejected,"
        f" {len(result.unchanged)} unchanged, {counted(result.evidence_added, 'evidence file')}."
    ]
    if result.approval_reset:
        lines.append(f"Approval reset (approve again): {', '.join(result.approval_reset)}.")
    return "\n".join(lines)
