"""The Artifacts tab: the table, import (buttons, or files and folders dropped on the page)
with progress and Cancel, custody and inspector panels, export to a file after confirmation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from reviewstation.app.custody import CustodyForm, import_artifacts
from reviewstation.app.views import ArtifactDetails, artifact_details
from reviewstation.artifacts import catalog
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.intake import IntakeResult
from reviewstation.gui.pages.artifacts.custody_panel import CustodyPanel, declared_text, human_size
from reviewstation.gui.pages.artifacts.inspector_panel import InspectorPanel
from reviewstation.gui.qt import (
    QBrush,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMimeData,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.operation import run_operation
from reviewstation.gui.runtime.progress import JobProgress
from reviewstation.gui.widgets.custody_fields import CustodyDialog, artifacts_summary
from reviewstation.gui.widgets.dialogs import (
    ConfirmDialog,
    plain_tip,
    private_file_dialog,
    show_message,
)
from reviewstation.gui.widgets.panel_parts import LOUD
from reviewstation.gui.widgets.theme import alert, mark, mark_loud
from reviewstation.gui.widgets.wording import counted
from reviewstation.vault.session import Session

if TYPE_CHECKING:
    from reviewstation.gui.pages.artifacts.compare_dialog import CompareDialog

COLUMNS = ("Id", "Path", "Kind", "Size", "SHA-256", "Received from", "Declared hash")
MISMATCH_COLOURS = LOUD


class DetailsPane(QSplitter):
    """Custody on the left, the inspection on the right."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setAccessibleName("Custody and inspector details")
        self.setChildrenCollapsible(False)
        self.custody = CustodyPanel()
        self.inspector = InspectorPanel(ctx)
        # Scrolled rather than squeezed when the window is small.
        for panel, width, name in (
            (self.custody, 320, "Custody"),
            (self.inspector, 420, "Inspection"),
        ):
            scroll = QScrollArea(self)
            scroll.setAccessibleName(name)
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(panel)
            scroll.setMinimumWidth(width)
        self.setStretchFactor(0, 2)
        self.setStretchFactor(1, 3)
        self.setSizes([400, 600])

    def clear(self, note: str = "") -> None:
        self.custody.clear(note)
        self.inspector.clear()

    def show_details(self, details: ArtifactDetails) -> None:
        self.custody.show_artifact(details.artifact, details.events)
        a = details.artifact
        self.inspector.show_inspection(a.id, a.inspection, details.events)
        self.inspector.show_references(details.references)

    def toPlainText(self) -> str:
        """What the pane shows, as plain text."""
        return "\n\n".join(t for t in (self.custody.plain_text(), self.inspector.plain_text()) if t)


def local_paths(mime: QMimeData) -> tuple[list[Path], list[str]]:
    """The dropped files and folders on this computer, and the names of anything else."""
    local: list[Path] = []
    other: list[str] = []
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile():
            local.append(Path(url.toLocalFile()))
        else:
            other.append(url.toDisplayString()[:200])
    return local, other


class ArtifactsPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.artifacts: list[Artifact] = []
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        # What the last import declared: the next one starts from it (same medium, courier).
        self.custody_form = CustodyForm()
        self.files_button = QPushButton("Import fi&les…", self)
        self.folder_button = QPushButton("Import fol&der…", self)
        self.export_button = QPushButton("E&xport…", self)
        self.copy_button = QPushButton("Copy &hash", self)
        self.copy_button.setToolTip("Copy the SHA-256 (cleared from the clipboard after 30 s)")
        self.compare_button = QPushButton("Compar&e runs…", self)
        self.compare_button.setToolTip("Compare Inspect logs of any review, sample by sample")
        bar.addStretch(1)
        for button in (
            self.files_button,
            self.folder_button,
            self.export_button,
            self.copy_button,
            self.compare_button,
        ):
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
        self.details = DetailsPane(ctx, split)
        self.details.inspector.viewed.connect(self._refresh_custody)
        self.details.inspector.viewed.connect(self._make_room)
        self.split = split
        # The details are what is read; the table needs only a few rows to choose from.
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setSizes([200, 500])
        layout.addWidget(split, 1)

        self.files_button.clicked.connect(self.choose_files)
        self.folder_button.clicked.connect(self.choose_folder)
        self.export_button.clicked.connect(self.choose_export)
        self.copy_button.clicked.connect(self.copy_hash)
        self.compare_button.clicked.connect(self.open_compare)
        self.table.currentCellChanged.connect(self._on_current)
        for editable in (self.files_button, self.folder_button):
            editable.setEnabled(ctx.writable)
        self.export_button.setEnabled(ctx.writable)
        # Files and folders dropped on the page go through the same import as the buttons.
        self.setAcceptDrops(ctx.writable)

    def open_compare(self) -> CompareDialog:
        """The comparison dialog, the selected artifact ticked as run A when it is a log."""
        from reviewstation.gui.pages.artifacts.compare_dialog import CompareDialog

        current = self.current()
        dialog = CompareDialog(self.ctx, current.id if current is not None else None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- listing ---------------------------------------------------------------------------

    def show_review(self, review_id: int) -> None:
        self.review_id = review_id
        if not review_id:
            return

        def job(session: Session) -> list[Artifact]:
            return catalog.list_artifacts(session.conn, review_id)

        self.ctx.vault.submit(job, self._show, self.summary.setText, owner=self)

    def _show(self, artifacts: list[Artifact]) -> None:
        before = self.current()
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
                    item.setToolTip(plain_tip(a.path))
                self.table.setItem(row, column, item)
            if a.declared_mismatch:
                mismatches += 1
                for column in range(len(COLUMNS)):
                    cell = self.table.item(row, column)
                    if cell is not None:
                        cell.setBackground(QBrush(QColor(MISMATCH_COLOURS[0])))
                        cell.setForeground(QBrush(QColor(MISMATCH_COLOURS[1])))
        text = counted(len(artifacts), "artifact")
        if mismatches:
            text += f" — {mismatches} DO NOT MATCH THEIR DECLARED SHA-256: do not rely on them"
        elif self.ctx.writable:
            text += " · drop files or folders here to import more"
        if mismatches:
            self.summary.setText(alert(text))
            mark_loud(self.summary)
        else:
            self.summary.setText(text)
            mark(self.summary, "")
        self._keep_current(before)

    def _keep_current(self, before: Artifact | None) -> None:
        """After a new listing, the details still describe the artifact on the current row."""
        ids = [a.id for a in self.artifacts]
        row = self.table.currentRow()
        if before is not None and before.id in ids:
            if ids.index(before.id) != row:
                self.table.setCurrentCell(ids.index(before.id), 1)
        elif self.artifacts and row < 0:
            self.table.setCurrentCell(0, 1)
        else:
            self._on_current(row)

    def current(self) -> Artifact | None:
        row = self.table.currentRow()
        return self.artifacts[row] if 0 <= row < len(self.artifacts) else None

    def _on_current(self, row: int, *_: int) -> None:
        artifact = self.current()
        if artifact is None:
            self.details.clear("Select an artifact to see its custody and inspection.")
            return
        self._fetch(artifact.id, self.details.show_details)

    def _fetch(self, artifact_id: int, show: Callable[[ArtifactDetails], None]) -> None:
        def job(session: Session) -> ArtifactDetails:
            return artifact_details(session, artifact_id)

        self.ctx.vault.submit(job, show, self.details.clear, owner=self)

    def _make_room(self, _artifact_id: int) -> None:
        """Transcripts are being read: the table keeps four rows, the reader gets the rest."""
        rows = self.table.verticalHeader().defaultSectionSize() * 4
        wanted = self.table.horizontalHeader().height() + rows + 2 * self.table.frameWidth()
        total = sum(self.split.sizes())
        if self.split.sizes()[0] > wanted:
            self.split.setSizes([wanted, total - wanted])

    def _refresh_custody(self, artifact_id: int) -> None:
        """After an audited view: the custody events now include it; the inspection stays."""

        def show(details: ArtifactDetails) -> None:
            current = self.current()
            if current is not None and current.id == details.artifact.id:
                self.details.custody.show_artifact(details.artifact, details.events)

        self._fetch(artifact_id, show)

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

    def import_paths(self, paths: list[Path]) -> CustodyDialog | None:
        """Ask how the files arrived (custody), then import them."""
        if not paths or not self.review_id or not self.ctx.writable:
            return None
        dialog = CustodyDialog(
            self.ctx.marking,
            "Custody of the import",
            artifacts_summary([p.name or str(p) for p in paths]),
            replace(self.custody_form, declared=""),  # hashes belong to one delivery
            "&Import",
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda form: self.import_with(paths, form))
        dialog.open()
        return dialog

    def import_with(self, paths: list[Path], form: CustodyForm) -> None:
        if not paths or not self.review_id or not self.ctx.writable:
            return
        review_id = self.review_id
        self.custody_form = form

        def work(session: Session, progress: JobProgress) -> IntakeResult:
            return import_artifacts(
                session,
                review_id,
                paths,
                form,
                progress=progress.report_stage,
                cancel=progress.cancel,
            )

        def done(result: IntakeResult) -> None:
            text = f"{counted(len(result.added), 'artifact')} imported."
            notes = [f"skipped {s}" for s in result.skipped]
            if result.mismatches:
                text += f" {len(result.mismatches)} DO NOT MATCH their declared SHA-256."
            show_message(self, self.ctx.marking, "Import", text, "\n".join(map(str, notes)))
            self.show_review(self.review_id)

        def failed(failure: Failure) -> None:
            show_message(self, self.ctx.marking, "Import", failure.message)
            self.show_review(self.review_id)

        run_operation(self.ctx, self, "Importing artifacts…", work, done, failed)

    # -- drag and drop ---------------------------------------------------------------------

    def _can_drop(self, mime: QMimeData) -> bool:
        return self.ctx.writable and bool(self.review_id) and mime.hasUrls()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._answer_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._answer_drag(event)

    def _answer_drag(self, event: QDragMoveEvent) -> None:
        # Refused here for read-only sessions: the cursor shows that a drop would do nothing.
        if self._can_drop(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        if not self._can_drop(event.mimeData()):
            event.ignore()
            return
        paths, other = local_paths(event.mimeData())
        if other:
            # All or nothing: a half-imported drop would be easy to mistake for a whole one.
            event.ignore()
            more = f" and {len(other) - 1} more" if len(other) > 1 else ""
            show_message(
                self,
                self.ctx.marking,
                "Import",
                f"Nothing was imported: only files and folders on this computer can be dropped"
                f" here, not {other[0]}{more}.",
            )
            return
        event.acceptProposedAction()
        self.import_paths(paths)

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
        def work(session: Session, progress: JobProgress) -> Artifact:
            return export_artifact(
                session, artifact_id, out, progress=progress.report_stage, cancel=progress.cancel
            )

        def done(artifact: Artifact) -> None:
            show_message(self, self.ctx.marking, "Export", f"{artifact.path} was written to {out}.")

        def failed(failure: Failure) -> None:
            show_message(self, self.ctx.marking, "Export", failure.message)

        run_operation(self.ctx, self, "Exporting…", work, done, failed)

    def copy_hash(self) -> None:
        artifact = self.current()
        if artifact is not None:
            self.ctx.clipboard.copy(artifact.sha256)
