"""Long work on the vault thread: a cancel flag, progress signals, and a marked progress dialog.

The core's long functions take a progress callback and a cancel flag. ``JobProgress.report``
is that callback: it runs on the vault thread and only emits a signal, which Qt queues to
the GUI thread; the worker never touches a widget.
"""

from __future__ import annotations

import threading

from reviewstation.gui.qt import QDialogButtonBox, QObject, QProgressBar, Qt, QWidget, Signal
from reviewstation.gui.widgets.dialogs import MarkedDialog, plain_label
from reviewstation.progress import Progress


class JobProgress(QObject):
    """Created on the GUI thread and kept alive by the job's closure; emits from any thread."""

    # done, total (0: unknown), what; ints sent as objects: declared as int they would be Qt's
    # 32-bit int, and every report of a file of 2 GiB or more would fail to convert (an
    # OverflowError each time, a bar that never moves).
    changed = Signal(object, object, str)

    def __init__(self) -> None:
        super().__init__()
        self.cancel = threading.Event()

    def report(self, done: int, total: int, what: str = "") -> None:
        self.changed.emit(int(done), int(total), what)

    def report_stage(self, p: Progress) -> None:
        """The callback for the core's staged work (import, export): "stage: item"."""
        self.report(p.done, p.total, f"{p.stage}: {p.item}" if p.item else p.stage)


class ProgressDialog(MarkedDialog):
    """Shows a ``JobProgress``; Cancel sets its flag (the job ends at its next check)."""

    def __init__(
        self, marking: str, title: str, progress: JobProgress, parent: QWidget | None = None
    ) -> None:
        super().__init__(marking, title, parent)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress = progress
        self.label = plain_label(title, self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setAccessibleName("Progress")
        self.body.addWidget(self.label)
        self.body.addWidget(self.bar)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.request_cancel)
        self.body.addWidget(buttons)
        self.setMinimumWidth(420)
        progress.changed.connect(self._on_changed)

    def request_cancel(self) -> None:
        self.progress.cancel.set()
        self.label.setText("Cancelling…")
        self.cancel_button.setEnabled(False)

    def reject(self) -> None:
        # Escape or the close button cancel the job; the dialog closes when the job answers.
        self.request_cancel()

    def finish(self) -> None:
        self.progress.changed.disconnect(self._on_changed)
        self.done(0)

    def _on_changed(self, done: int, total: int, what: str) -> None:
        if total > 0:
            # Scale to a 0..1000 range: QProgressBar holds ints, sizes can exceed 2**31.
            self.bar.setRange(0, 1000)
            self.bar.setValue(min(1000, done * 1000 // total))
        if what and not self.progress.cancel.is_set():
            self.label.setText(what)
