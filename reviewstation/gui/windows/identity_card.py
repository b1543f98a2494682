"""File → Export my identity card: the unlocked user's public card, for whoever verifies
their packages (the same card as ``reviewstation identity export``)."""

from __future__ import annotations

from pathlib import Path

from reviewstation.app.identity import export_identity
from reviewstation.gui.qt import QFileDialog, QWidget
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import private_file_dialog, show_message
from reviewstation.vault.session import Session


def write_card(session: Session, out: Path) -> str:
    """Writes the card; returns its P-384 fingerprint. Refuses to replace a file."""
    return export_identity(session, out).fingerprint


class CardExport:
    def __init__(self, ctx: Context, parent: QWidget) -> None:
        self.ctx = ctx
        self.parent = parent

    def choose(self) -> QFileDialog:
        dialog = private_file_dialog(
            self.parent, "Export my identity card", QFileDialog.FileMode.AnyFile
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)  # the job refuses instead
        dialog.selectFile(f"{self.ctx.info.user}.card")
        dialog.fileSelected.connect(lambda name: self.write(Path(name)))
        dialog.open()
        return dialog

    def write(self, out: Path) -> None:
        def done(fingerprint: str) -> None:
            show_message(
                self.parent,
                self.ctx.marking,
                "Identity card",
                f"Your identity card is in {out}. Its P-384 fingerprint is {fingerprint}:"
                " read it to the receiver by another channel, so they know the card is yours.",
            )

        def failed(message: str) -> None:
            show_message(self.parent, self.ctx.marking, "Identity card", message)

        self.ctx.vault.submit(lambda s: write_card(s, out), done, failed, owner=self.parent)
