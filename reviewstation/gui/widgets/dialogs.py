"""Dialogs with the classification banners: a base class, a message box, a passphrase prompt.

Every dialog of an unlocked session is non-blocking (``open()``, never ``exec()``), so that
locking can close it from the event loop that is already running.
"""

from __future__ import annotations

import html

from reviewstation.gui.qt import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.widgets.banner import ClassificationBanner
from reviewstation.text import visible


class MarkedDialog(QDialog):
    """A dialog framed by the vault's marking; put content into ``self.body``."""

    def __init__(self, marking: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.top_banner = ClassificationBanner(self, marking)
        self.bottom_banner = ClassificationBanner(self, marking)
        inner = QWidget(self)
        self.body = QVBoxLayout(inner)
        self.body.setContentsMargins(12, 12, 12, 12)
        outer.addWidget(self.top_banner)
        outer.addWidget(inner, 1)
        outer.addWidget(self.bottom_banner)


def plain_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A label that never interprets its text as HTML (vault content is untrusted)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def buddy_label(text: str, widget: QWidget, parent: QWidget) -> QLabel:
    """A form label whose mnemonic (``&``) moves the focus to ``widget``."""
    label = QLabel(text, parent)
    label.setBuddy(widget)
    return label


TIP_CHARS = 4000  # a tooltip longer than this is cut: it is a glance, not a viewer


def plain_tip(text: str) -> str:
    """Tooltip markup that shows ``text`` exactly as written.

    Qt renders a tooltip as rich text whenever ``Qt.mightBeRichText`` says it looks like HTML,
    so a tensor name or a finding title could otherwise carry markup that spoofs a warning or
    loads a local image. Escaped inside a paragraph that keeps its line breaks, it cannot.
    """
    if not text:
        return ""  # no tooltip at all
    cut = text if len(text) <= TIP_CHARS else text[: TIP_CHARS - 1] + "…"
    return f"<p style='white-space:pre-wrap'>{html.escape(cut)}</p>"


class MessageDialog(MarkedDialog):
    """One sentence (and optional details) with OK; for errors and results."""

    def __init__(
        self,
        marking: str,
        title: str,
        text: str,
        details: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(marking, title, parent)
        self.text_label = plain_label(text, self)
        self.text_label.setAccessibleName(title)
        self.body.addWidget(self.text_label)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setPlainText(details)
        self.details.setAccessibleName("Details")
        self.details.setVisible(bool(details))
        self.body.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        buttons.accepted.connect(self.accept)
        self.body.addWidget(buttons)
        if details:
            self.resize(620, 460)


def show_message(
    parent: QWidget, marking: str, title: str, text: str, details: str = ""
) -> MessageDialog:
    dialog = MessageDialog(marking, title, text, details, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


class ConfirmDialog(MarkedDialog):
    def __init__(
        self, marking: str, title: str, text: str, action: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(marking, title, parent)
        self.text_label = plain_label(text, self)
        self.body.addWidget(self.text_label)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)


class PassphraseDialog(MarkedDialog):
    """Asks again for the passphrase; the text is emitted once and the field emptied."""

    submitted = Signal(str)

    def __init__(self, marking: str, user: str, why: str, parent: QWidget | None = None) -> None:
        super().__init__(marking, "Passphrase", parent)
        self.body.addWidget(plain_label(why, self))
        form = QFormLayout()
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setAccessibleName("Passphrase")
        label = QLabel(f"&Passphrase of {visible(user)}:", self)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setBuddy(self.edit)
        form.addRow(label, self.edit)
        self.body.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self.setMinimumWidth(460)  # room for a long passphrase or a recovery key
        self.edit.setFocus()

    def _submit(self) -> None:
        secret = self.edit.text()
        if not secret:
            return
        self.edit.clear()
        self.accept()
        self.submitted.emit(secret)

    def done(self, result: int) -> None:
        self.edit.clear()
        super().done(result)


class _FramedChooser(QFileDialog):
    """Qt's file dialog as a widget inside a marked frame; opening it opens the frame."""

    def open(self) -> None:  # type: ignore[override]  # only the no-argument form is used
        frame = self.window()
        if isinstance(frame, MarkedDialog):
            frame.open()


def private_file_dialog(parent: QWidget, title: str, mode: QFileDialog.FileMode) -> QFileDialog:
    """Qt's own file dialog, never the platform's: native ones may record the chosen files in
    the desktop's recently-used list, which would leave a trail of vault and package names.

    It sits in a frame with the classification banners of the window it was opened from, like
    every other dialog; the frame closes when the chooser is done, and is deleted then.
    """
    banner = parent.window().findChild(ClassificationBanner)
    frame = MarkedDialog(banner.marking if banner is not None else "", title, parent)
    frame.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    chooser = _FramedChooser(frame, title)
    chooser.setWindowFlags(Qt.WindowType.Widget)
    chooser.setOption(QFileDialog.Option.DontUseNativeDialog)
    chooser.setFileMode(mode)
    frame.body.setContentsMargins(0, 0, 0, 0)
    frame.body.addWidget(chooser)
    chooser.finished.connect(frame.done)
    frame.resize(820, 540)
    return chooser
