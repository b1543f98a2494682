"""The Artifacts tab: the table, import with progress and Cancel, custody and inspector
details, export to a file after confirmation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.background import Progress
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.custody import Custody
from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.intake import IntakeResult, add_artifacts
from reviewstation.gui.context import Context
from reviewstation.gui.dialogs import ConfirmDialog, private_file_dialog, show_message
from reviewstation.gui.progress import JobProgress, ProgressDialog
from reviewstation.vault.session import Session

COLUMNS = ("Id", "Path", "Kind", "Size", "SHA-256", "Received from", "Declared hash")
MISMATCH_COLOURS = ("#c8102e", "#ffffff")


@dataclass(frozen=True)
class Details:
    artifact: Artifact
    events: list[dict[str, Any]]


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def declared_text(artifact: Artifact) -> str:
    if artifact.declared_sha256 is None:
        return "none declared"
    return "MATCH" if artifact.declared_match else "MISMATCH — does not match the declared hash"


def _report(progress: JobProgress) -> Any:
    def callback(p: Progress) -> None:
        progress.report(p.done, p.total, f"{p.stage}: {p.item}" if p.item else p.stage)

    return callback


class ArtifactsPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.artifacts: list[Artifact] = []
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.medium_edit = QLineEdit(self)
        self.medium_edit.setAccessibleName("Source medium")
        self.medium_edit.setPlaceholderText("e.g. USB stick #4 (serial)")
        medium_label = QLabel("&Medium:", self)
        medium_label.setBuddy(self.medium_edit)
        self.from_edit = QLineEdit(self)
        self.from_edit.setAccessibleName("Received from")
        self.from_edit.setPlaceholderText("person or courier")
        from_label = QLabel("Recei&ved from:", self)
        from_label.setBuddy(self.from_edit)
        self.files_button = QPushButton("Import fi&les…", self)
        self.folder_button = QPushButton("Import fol&der…", self)
        self.export_button = QPushButton("E&xport…", self)
        self.copy_button = QPushButton("Copy &hash", self)
        self.copy_button.setToolTip("Copy the SHA-256 (cleared from the clipboard after 30 s)")
        for widget in (medium_label, self.medium_edit, from_label, self.from_edit):
            bar.addWidget(widget)
        for button in (self.files_button, self.folder_button, self.export_button, self.copy_button):
            bar.addWidget(button)
        layout.addLayout(bar)
        self.summary = QLabel(self)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setAccessibleName("Artifacts summary")
        layout.addWidget(self.summary)

        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = QTableWidget(0, len(COLUMNS), split)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("Artifacts")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 50), (2, 110), (3, 80), (4, 200), (5, 160), (6, 150)):
            self.table.setColumnWidth(column, width)
        self.details = QPlainTextEdit(split)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Custody and inspector details")
        self.details.setFont(QFont("monospace"))
        self.details.setPlaceholderText("Select an artifact to see its custody and inspection.")
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)

        self.files_button.clicked.connect(self.choose_files)
        self.folder_button.clicked.connect(self.choose_folder)
        self.export_button.clicked.connect(self.choose_export)
        self.copy_button.clicked.connect(self.copy_hash)
        self.table.currentCellChanged.connect(self._on_current)
        for editable in (self.files_button, self.folder_button, self.medium_edit, self.from_edit):
            editable.setEnabled(ctx.writable)
        self.export_button.setEnabled(ctx.writable)

    # -- listing ---------------------------------------------------------------------------

    def show_review(self, review_id: int) -> None:
        self.review_id = review_id
        if not review_id:
            return

        def job(session: Session) -> list[Artifact]:
            return catalog.list_artifacts(session.conn, review_id)

        self.ctx.vault.submit(job, self._show, self.summary.setText, owner=self)

    def _show(self, artifacts: list[Artifact]) -> None:
        self.artifacts = artifacts
        self.table.setRowCount(len(artifacts))
        mismatches = 0
        for row, a in enumerate(artifacts):
            cells = (
                str(a.id),
                a.path + (" (erased)" if a.erased else ""),
                a.kind,
                human_size(a.size),
                a.sha256,
                a.received_from or "—",
                declared_text(a),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 4:
                    item.setToolTip(a.sha256)
                if column == 1:
                    item.setToolTip(a.path)
                self.table.setItem(row, column, item)
            if a.declared_mismatch:
                mismatches += 1
                for column in range(len(COLUMNS)):
                    cell = self.table.item(row, column)
                    if cell is not None:
                        cell.setBackground(QBrush(QColor(MISMATCH_COLOURS[0])))
                        cell.setForeground(QBrush(QColor(MISMATCH_COLOURS[1])))
        text = f"{len(artifacts)} artifacts"
        if mismatches:
            text += f" — {mismatches} DO NOT MATCH THEIR DECLARED SHA-256: do not rely on them"
        self.summary.setText(text)
        self.summary.setStyleSheet(
            f"background: {MISMATCH_COLOURS[0]}; color: {MISMATCH_COLOURS[1]}; font-weight: bold;"
            " padding: 4px;"
            if mismatches
            else ""
        )
        if artifacts and self.table.currentRow() < 0:
            self.table.setCurrentCell(0, 1)

    def current(self) -> Artifact | None:
        row = self.table.currentRow()
        return self.artifacts[row] if 0 <= row < len(self.artifacts) else None

    def _on_current(self, row: int, *_: int) -> None:
        artifact = self.current()
        if artifact is None:
            self.details.clear()
            return
        artifact_id = artifact.id

        def job(session: Session) -> Details:
            a = catalog.get_artifact(session.conn, artifact_id)
            return Details(a, custody.events(session.conn, a.id))

        self.ctx.vault.submit(job, self._show_details, self.details.setPlainText, owner=self)

    def _show_details(self, details: Details) -> None:
        a = details.artifact
        lines = [
            f"{a.path}  ({a.kind}, {a.size} bytes)",
            f"SHA-256  {a.sha256}",
            f"SHA-384  {a.sha384}",
            f"Declared SHA-256: {a.declared_sha256 or 'none'} — {declared_text(a)}",
            "",
            "Custody",
            f"  medium: {a.medium or 'not recorded'}",
            f"  received from: {a.received_from or 'not recorded'}",
            f"  received at: {a.received_at or 'not recorded'}",
            f"  imported {a.imported_at} by {a.imported_by}",
        ]
        lines.extend(f"  {e['at']} {e['user']}: {e['event']}" for e in details.events)
        lines.append("")
        lines.append("Inspection")
        lines.append(json.dumps(a.inspection, indent=2, sort_keys=True, ensure_ascii=False))
        self.details.setPlainText("\n".join(lines))

    # -- import ----------------------------------------------------------------------------

    def _file_dialog(self, title: str, mode: QFileDialog.FileMode) -> QFileDialog:
        return private_file_dialog(self, title, mode)

    def choose_files(self) -> None:
        dialog = self._file_dialog("Import files", QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda names: self.import_paths([Path(n) for n in names]))
        dialog.open()

    def choose_folder(self) -> None:
        dialog = self._file_dialog("Import a folder", QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        dialog.fileSelected.connect(lambda name: self.import_paths([Path(name)]))
        dialog.open()

    def import_paths(self, paths: list[Path]) -> None:
        if not paths or not self.review_id or not self.ctx.writable:
            return
        review_id = self.review_id
        facts = Custody(self.medium_edit.text(), self.from_edit.text(), "")
        progress = JobProgress()
        box = ProgressDialog(self.ctx.marking, "Importing artifacts…", progress, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def job(session: Session) -> IntakeResult:
            return add_artifacts(
                session,
                review_id,
                paths,
                custody=facts,
                progress=_report(progress),
                cancel=progress.cancel,
            )

        def done(result: IntakeResult) -> None:
            box.finish()
            text = f"{len(result.added)} artifact(s) imported."
            notes = [f"skipped {s}" for s in result.skipped]
            if result.mismatches:
                text += f" {len(result.mismatches)} DO NOT MATCH their declared SHA-256."
            show_message(self, self.ctx.marking, "Import", text, "\n".join(map(str, notes)))
            self.show_review(self.review_id)

        def failed(message: str) -> None:
            box.finish()
            show_message(self, self.ctx.marking, "Import", message)
            self.show_review(self.review_id)

        self.ctx.vault.submit(job, done, failed, cancel=progress.cancel, owner=self)
        box.open()

    # -- export and copy -------------------------------------------------------------------

    def choose_export(self) -> None:
        artifact = self.current()
        if artifact is None:
            show_message(self, self.ctx.marking, "Export", "Select an artifact first.")
            return
        dialog = self._file_dialog("Export artifact to", QFileDialog.FileMode.AnyFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(Path(artifact.path).name)
        dialog.fileSelected.connect(lambda name: self.confirm_export(artifact, Path(name)))
        dialog.open()

    def confirm_export(self, artifact: Artifact, out: Path) -> None:
        confirm = ConfirmDialog(
            self.ctx.marking,
            "Export artifact",
            f"Write the decrypted content of {artifact.path} ({human_size(artifact.size)},"
            f" marked {self.ctx.marking}) to {out}? The file leaves the vault's protection,"
            " and the export is recorded in the audit trail.",
            "E&xport",
            self,
        )
        confirm.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        confirm.accepted.connect(lambda: self.export(artifact.id, out))
        confirm.open()

    def export(self, artifact_id: int, out: Path) -> None:
        progress = JobProgress()
        box = ProgressDialog(self.ctx.marking, "Exporting…", progress, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def job(session: Session) -> Artifact:
            return export_artifact(
                session, artifact_id, out, progress=_report(progress), cancel=progress.cancel
            )

        def done(artifact: Artifact) -> None:
            box.finish()
            show_message(self, self.ctx.marking, "Export", f"{artifact.path} was written to {out}.")

        def failed(message: str) -> None:
            box.finish()
            show_message(self, self.ctx.marking, "Export", message)

        self.ctx.vault.submit(job, done, failed, cancel=progress.cancel, owner=self)
        box.open()

    def copy_hash(self) -> None:
        artifact = self.current()
        if artifact is not None:
            self.ctx.clipboard.copy(artifact.sha256)
