"""What locks a session besides the menu: idle time, and Ctrl+L typed in any window.

Both filters are installed on the application, so input in any window or dialog counts.
"""

from __future__ import annotations

from reviewstation.gui.qt import (
    QApplication,
    QEvent,
    QKeyEvent,
    QKeySequence,
    QObject,
    QSettings,
    QTimer,
    Signal,
)

DEFAULT_MINUTES = 10
SETTING = "security/autolock_minutes"
ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


def configured_minutes(settings: QSettings) -> int:
    value = settings.value(SETTING, DEFAULT_MINUTES)
    try:
        minutes = int(str(value))
    except ValueError:
        return DEFAULT_MINUTES
    return minutes if 1 <= minutes <= 240 else DEFAULT_MINUTES


class IdleLock(QObject):
    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(timeout_ms)
        self._timer.timeout.connect(self.idle)
        self._installed = False

    def set_timeout(self, timeout_ms: int) -> None:
        self._timer.setInterval(timeout_ms)
        if self._timer.isActive():
            self._timer.start()

    def timeout(self) -> int:
        return self._timer.interval()

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False


class LockKey(QObject):
    """Ctrl+L from any window of the app, including a modal dialog.

    The main window's Lock action cannot fire while a modal dialog shadows it; the key press
    then reaches the dialog, and this filter, on the application, sees it first.
    """

    pressed = Signal()
    SEQUENCE = QKeySequence("Ctrl+L")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._installed = False

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and QKeySequence(event.keyCombination()) == self.SEQUENCE
        ):
            self.pressed.emit()
            return True
        return False
