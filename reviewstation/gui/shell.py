"""The shell: moves the user between the unlock dialog and the main window.

It owns the one ``VaultThread`` and the windows, and is the only place that decides what is
on screen. Quitting is two-step: the session is closed on its own thread, and only once
that thread has ended does ``finished`` fire and the application exit.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.app import changes
from reviewstation.app.demo import ensure_demo_vault
from reviewstation.errors import ReviewStationError
from reviewstation.gui.qt import (
    QApplication,
    QDialog,
    QGuiApplication,
    QObject,
    QSettings,
    Qt,
    Signal,
    Slot,
)
from reviewstation.gui.runtime.autolock import IdleLock, LockKey, configured_minutes
from reviewstation.gui.runtime.clipboard import SecretClipboard
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.recent import RecentVaults
from reviewstation.gui.runtime.vault_thread import SessionInfo, UnlockRequest, VaultThread
from reviewstation.gui.widgets import theme
from reviewstation.gui.windows.main_window import MainWindow, Place
from reviewstation.gui.windows.settings_dialog import SettingsDialog
from reviewstation.gui.windows.unlock_dialog import UnlockDialog


class Shell(QObject):
    finished = Signal()

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.recent = RecentVaults(settings)
        self.vault = VaultThread(self)
        self.clipboard = SecretClipboard(parent=self)
        self.idle = IdleLock(configured_minutes(settings) * 60_000, self)
        self.idle.idle.connect(self.lock)
        self.lock_key = LockKey(self)
        self.lock_key.pressed.connect(self.lock)
        self.apply_theme()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self.apply_theme)
        self.dialog = UnlockDialog(clipboard=self.clipboard)
        self.main_window: MainWindow | None = None
        # Where each (vault, user) was at its last lock: window geometry, review, tab. In
        # memory for this run only, never in the settings: no vault's name reaches the disk.
        self.places: dict[tuple[str, str], Place] = {}
        self.done = False  # the session is closed and the vault thread has ended
        self._quitting = False

        self.dialog.unlock_requested.connect(self._on_unlock_requested)
        self.dialog.vault_created.connect(self._on_vault_created)
        self.dialog.rejected.connect(self.quit)  # Escape, Quit, or the close button
        self.vault.unlocked.connect(self._on_unlocked)
        self.vault.writer_busy.connect(self.dialog.offer_read_only)
        self.vault.unlock_failed.connect(self._on_unlock_failed)
        self.vault.locked.connect(self._on_locked)
        self.vault.stopped.connect(self._on_stopped)
        self.vault.changed.connect(self._on_vault_changed)

    def start(self, vault: Path | None) -> None:
        """Show the unlock dialog with ``vault``, else the latest vault, else the demo vault."""
        recent = self.recent.paths()
        self.dialog.set_recent(recent)
        if vault is not None:
            self.dialog.select_vault(vault)
        elif recent:
            self.dialog.select_vault(recent[0])
        else:
            self._offer_demo()
        self._present(self.dialog)

    @Slot()
    def lock(self) -> None:
        """Close every dialog and hide the main window at once, then close the session.

        Running work is asked to cancel; the session closes when it has ended (the close is
        queued behind it on the vault thread), and nothing queued after it runs. The unlock
        dialog returns once the vault thread reports the session closed.
        """
        if self.main_window is None or self._quitting:
            return
        self.idle.stop()
        self.lock_key.stop()
        self._close_dialogs()
        window = self.main_window
        self.places[(str(window.info.path), window.info.user)] = window.place()
        self._drop_main_window()
        self.clipboard.clear_if_ours()
        self.vault.lock()

    def open_settings(self) -> None:
        if self.main_window is None:
            return
        dialog = SettingsDialog(self.main_window.info.marking, self.settings, self.main_window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self._settings_changed)
        dialog.open()

    def _settings_changed(self) -> None:
        self.idle.set_timeout(configured_minutes(self.settings) * 60_000)
        self.apply_theme()

    @Slot()
    def apply_theme(self) -> None:
        """The configured theme; when following the system, called again as it changes."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, theme.configured(self.settings))

    def _close_dialogs(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget is not self.dialog and widget.isVisible():
                widget.done(QDialog.DialogCode.Rejected.value)

    @Slot()
    def quit(self) -> None:
        if self._quitting:
            return
        self._quitting = True
        self.idle.stop()
        self.lock_key.stop()
        self._close_dialogs()
        self.clipboard.clear_if_ours()
        self.dialog.hide()
        self._drop_main_window()
        self.vault.stop()

    def _offer_demo(self) -> None:
        try:
            # Creating it runs the KDF once (a fraction of a second), before anything is shown.
            demo = ensure_demo_vault()
        except (ReviewStationError, OSError) as exc:
            self.dialog.show_error(f"Could not create the demo vault: {exc}")
            return
        self.dialog.select_vault(demo.path, demo.user)

    def _present(self, window: UnlockDialog | MainWindow) -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    def _drop_main_window(self) -> None:
        window, self.main_window = self.main_window, None
        if window is not None:
            window.hide()
            window.deleteLater()

    @Slot(object)
    def _on_unlock_requested(self, request: UnlockRequest) -> None:
        self.dialog.set_busy(True)
        self.vault.unlock(request)

    @Slot(object)
    def _on_vault_created(self, path: Path) -> None:
        self.recent.remember(path)
        self.dialog.set_recent(self.recent.paths())

    @Slot(object)
    def _on_unlocked(self, info: SessionInfo) -> None:
        if self._quitting:
            return  # stop() is queued behind the unlock and closes the session
        self.recent.remember(info.path)
        self.dialog.set_busy(False)
        self.dialog.reset_after_unlock()
        self.dialog.hide()
        window = MainWindow(Context(self.vault, info, self.clipboard))
        place = self.places.get((str(info.path), info.user))
        if place is not None:
            window.restore(place)  # as it was when locked
        window.lock_requested.connect(self.lock)
        window.quit_requested.connect(self.quit)
        window.settings_requested.connect(self.open_settings)
        self.main_window = window
        self._present(window)
        self.idle.start()
        self.lock_key.start()

    @Slot(str)
    def _on_unlock_failed(self, message: str) -> None:
        if self._quitting:
            return
        self.dialog.set_busy(False)
        self.dialog.show_error(message)

    @Slot(object, object)
    def _on_vault_changed(self, changed: frozenset[str], _origin: QObject | None) -> None:
        """People or key slots changed: the unlock window lists who can unlock now."""
        if changes.USERS in changed and not self._quitting:
            self.dialog.reload()

    @Slot(str)
    def _on_locked(self, message: str) -> None:
        if self._quitting:
            return
        self.dialog.set_recent(self.recent.paths())
        self.dialog.reload()  # another process may have changed the people meanwhile
        self.dialog.set_busy(False)
        self.dialog.show_error(message)
        self._present(self.dialog)

    @Slot()
    def _on_stopped(self) -> None:
        self.done = True
        self.dialog.deleteLater()
        self.finished.emit()
