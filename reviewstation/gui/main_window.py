"""The main window. For now: banners, menus, status bar and an honest empty state."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QPalette
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from reviewstation.gui.forms.ui_main_window import Ui_MainWindow
from reviewstation.gui.vault_thread import SessionInfo


def vault_name(info: SessionInfo) -> str:
    name = info.path.name
    return name.removesuffix(".rsvault") or name


def window_title(info: SessionInfo) -> str:
    return f"ReviewStation — {vault_name(info)} — {info.user} ({info.role})"


class MainWindow(QMainWindow):
    """Shows one unlocked session. It holds plain facts about it, never the session itself.

    The menu bar and status bar are the form's own widgets inside the central layout (so the
    banners can be the window's outer edges); never call ``menuBar()``/``statusBar()`` here,
    which would create second ones.
    """

    lock_requested = Signal()
    quit_requested = Signal()

    def __init__(self, info: SessionInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)  # type: ignore[no-untyped-call]
        self.info = info
        self.setWindowTitle(window_title(info))
        self.ui.topBanner.set_marking(info.marking)
        self.ui.bottomBanner.set_marking(info.marking)

        placeholder = self.ui.placeholderLabel
        font = placeholder.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        placeholder.setFont(font)
        placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        access = "read-only" if info.read_only else "read-write"
        self.user_label = QLabel(f"{info.user} ({info.role}), {access}")
        self.user_label.setAccessibleName("Unlocked user")
        self.vault_label = QLabel(f"Vault {info.vault_id}")
        self.vault_label.setAccessibleName("Vault id")
        for label in (self.user_label, self.vault_label):
            label.setContentsMargins(6, 0, 6, 0)
        self.ui.appStatusBar.addWidget(self.user_label)
        self.ui.appStatusBar.addPermanentWidget(self.vault_label)

        self.ui.actionLock.triggered.connect(self.lock_requested)
        self.ui.actionQuit.triggered.connect(self.quit_requested)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window manager's close button means quit; the shell hides the window itself
        # when locking, which does not come through here.
        event.ignore()
        self.quit_requested.emit()
