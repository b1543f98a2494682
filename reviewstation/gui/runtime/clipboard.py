"""Copying from the app: marked secret for clipboard managers, cleared after a short time."""

from __future__ import annotations

from reviewstation.gui.qt import QGuiApplication, QMimeData, QObject, QTimer

CLEAR_AFTER_MS = 30_000
# KDE's Klipper (and managers that follow it) do not keep entries carrying this hint.
SECRET_HINT = "x-kde-passwordManagerHint"  # noqa: S105  (a MIME type, not a secret)


class SecretClipboard(QObject):
    """Puts text on the clipboard, then clears it after ``delay_ms`` if it still holds it."""

    def __init__(self, delay_ms: int = CLEAR_AFTER_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.delay_ms = delay_ms
        self._copied: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_if_ours)

    def copy(self, text: str) -> None:
        data = QMimeData()
        data.setText(text)
        data.setData(SECRET_HINT, b"secret")
        QGuiApplication.clipboard().setMimeData(data)
        self._copied = text
        self._timer.start(self.delay_ms)

    def clear_if_ours(self) -> None:
        """Clear the clipboard only if what we put there is still on it."""
        self._timer.stop()
        copied, self._copied = self._copied, None
        clipboard = QGuiApplication.clipboard()
        if copied is not None and clipboard.text() == copied:
            clipboard.clear()
