"""The unlock dialog: choose a vault and a user, type the passphrase (or recovery key), or
unlock with the system keyring where the user has a keyring slot; or create a new vault.

It only collects input and shows state; the unlock itself runs on the vault thread, driven
by ``Shell``. Reading the vault header here is safe on the GUI thread: it is one small,
bounded file read and involves no key derivation.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.app.demo import DEMO_NAME, DEMO_PASSPHRASE, data_dir
from reviewstation.errors import ReviewStationError
from reviewstation.gui.forms.ui_unlock_dialog import Ui_UnlockDialog
from reviewstation.gui.qt import QDialog, QFileDialog, Qt, QWidget, Signal
from reviewstation.gui.runtime.clipboard import SecretClipboard
from reviewstation.gui.runtime.vault_thread import UnlockRequest
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import plain_tip
from reviewstation.gui.windows.create_vault_wizard import CreatedVault, CreateVaultWizard
from reviewstation.vault.header import Header, load_header
from reviewstation.vault.session import Method

UNKNOWN_MARKING = "MARKING UNKNOWN"


def demo_hint(path: Path) -> str:
    """The published demo passphrase, shown only for the demo vault in the user data folder."""
    if _same_path(path, data_dir() / DEMO_NAME):
        return f"Demo vault — passphrase: {DEMO_PASSPHRASE}"
    return ""


def _same_path(a: Path, b: Path) -> bool:
    try:
        return a.expanduser().resolve() == b.expanduser().resolve()
    except OSError:
        return False


class UnlockDialog(QDialog):
    unlock_requested = Signal(object)  # UnlockRequest
    vault_created = Signal(object)  # Path of a vault the wizard has just made

    def __init__(
        self, parent: QWidget | None = None, *, clipboard: SecretClipboard | None = None
    ) -> None:
        super().__init__(parent)
        self.ui = Ui_UnlockDialog()
        self.ui.setupUi(self)  # type: ignore[no-untyped-call]
        self._header: Header | None = None
        self._path: Path | None = None
        self._busy = False
        # The shell's, so that quitting clears a recovery key copied in the wizard.
        self._clipboard = clipboard or SecretClipboard(parent=self)
        self.wizard: CreateVaultWizard | None = None

        heading = self.ui.headingLabel.font()
        heading.setBold(True)
        heading.setPointSizeF(heading.pointSizeF() * 1.3)
        self.ui.headingLabel.setFont(heading)
        # Theme roles: recoloured for light and dark, live when the theme changes.
        theme.mark_error(self.ui.errorLabel)
        theme.mark(self.ui.demoLabel, "caution")
        # Keep the busy row's space when hidden, so the dialog does not jump while unlocking.
        policy = self.ui.busyRow.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.ui.busyRow.setSizePolicy(policy)
        self.ui.busyRow.hide()
        self.ui.demoLabel.hide()
        self.ui.errorLabel.hide()
        self.ui.keyringButton.hide()
        self.ui.readOnlyCheck.hide()
        self.ui.recentCombo.setEnabled(False)

        self.ui.recentCombo.activated.connect(self._on_recent_chosen)
        self.ui.pathEdit.editingFinished.connect(self._on_path_edited)
        self.ui.browseButton.clicked.connect(self._on_browse)
        self.ui.recoveryCheck.toggled.connect(self._on_method_toggled)
        self.ui.unlockButton.clicked.connect(self._on_unlock)
        self.ui.keyringButton.clicked.connect(self._on_keyring_unlock)
        self.ui.userCombo.currentTextChanged.connect(self._sync_keyring)
        self.ui.newVaultButton.clicked.connect(self.open_create_wizard)
        self.ui.quitButton.clicked.connect(self.reject)
        self._show_header(None, "")

    # -- what the shell calls --------------------------------------------------------------

    def set_recent(self, paths: list[Path]) -> None:
        combo = self.ui.recentCombo
        combo.clear()
        for path in paths:
            combo.addItem(path.name, str(path))
            combo.setItemData(combo.count() - 1, plain_tip(str(path)), Qt.ItemDataRole.ToolTipRole)
        combo.setEnabled(bool(paths) and not self._busy)
        self._sync_recent_index()

    def select_vault(self, path: Path, user: str | None = None) -> None:
        """Show ``path`` as the chosen vault, with ``user`` preselected when it has a slot."""
        self.ui.pathEdit.setText(str(path))
        self.ui.pathEdit.setToolTip(plain_tip(str(path)))
        self._load(path)
        if user is not None:
            index = self.ui.userCombo.findText(user)
            if index >= 0:
                self.ui.userCombo.setCurrentIndex(index)
        self._focus_first_empty()

    def reload(self) -> None:
        """Read the chosen vault's header again (people were added, removed or reset, or a
        keyring slot changed), keeping the chosen user while they can still unlock."""
        if self._path is None:
            return
        user = self.ui.userCombo.currentText()
        self._load(self._path)
        index = self.ui.userCombo.findText(user) if user else -1
        if index >= 0:
            self.ui.userCombo.setCurrentIndex(index)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (
            self.ui.pathEdit,
            self.ui.browseButton,
            self.ui.userCombo,
            self.ui.secretEdit,
            self.ui.recoveryCheck,
            self.ui.readOnlyCheck,
            self.ui.unlockButton,
            self.ui.keyringButton,
            self.ui.newVaultButton,
        ):
            widget.setEnabled(not busy)
        self.ui.recentCombo.setEnabled(not busy and self.ui.recentCombo.count() > 0)
        self.ui.busyRow.setVisible(busy)
        if busy:
            self.show_error("")
        else:
            self._focus_first_empty()

    def show_error(self, message: str) -> None:
        self.ui.errorLabel.setText(message)
        self.ui.errorLabel.setVisible(bool(message))

    def error_text(self) -> str:
        return "" if self.ui.errorLabel.isHidden() else self.ui.errorLabel.text()

    def clear_secret(self) -> None:
        self.ui.secretEdit.clear()

    def reset_after_unlock(self) -> None:
        """The next unlock starts from the usual method, with no secret and no old message."""
        self.ui.recoveryCheck.setChecked(False)
        self.ui.readOnlyCheck.setChecked(False)
        self.ui.readOnlyCheck.hide()
        self.ui.secretEdit.clear()
        self.show_error("")

    def offer_read_only(self) -> None:
        """Another process writes to the chosen vault: let the user open it read-only."""
        self.ui.readOnlyCheck.setChecked(False)
        self.ui.readOnlyCheck.show()

    def open_create_wizard(self) -> CreateVaultWizard:
        """The "New vault" wizard, window-modal over this dialog."""
        start = Path.home()
        if self._path is not None and not _same_path(self._path.parent, data_dir()):
            start = self._path.parent  # beside the vault in use, not in the demo's folder
        wizard = CreateVaultWizard(self._clipboard, start if start.is_dir() else Path.home(), self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.created.connect(self._on_vault_created)
        wizard.destroyed.connect(self._forget_wizard)
        wizard.finished.connect(self._focus_first_empty)  # back to typing the passphrase
        self.wizard = wizard
        wizard.open()
        return wizard

    def marking(self) -> str:
        return self.ui.topBanner.marking

    # -- internals -------------------------------------------------------------------------

    def _load(self, path: Path) -> None:
        self._path = path
        try:
            header = load_header(path)
        except ReviewStationError as exc:
            self._show_header(None, str(exc))
            return
        self._show_header(header, "")

    def _show_header(self, header: Header | None, error: str) -> None:
        self._header = header
        if header is not None:
            marking = header.marking
        else:
            marking = UNKNOWN_MARKING if self._path is not None else ""
        self.ui.topBanner.set_marking(marking)
        self.ui.bottomBanner.set_marking(marking)
        users = header.users() if header is not None else []
        self.ui.userCombo.clear()
        self.ui.userCombo.addItems(users)
        self.ui.readOnlyCheck.setChecked(False)
        self.ui.readOnlyCheck.hide()  # offered again if this vault, too, is being written
        self._sync_keyring()
        hint = demo_hint(self._path) if header is not None and self._path else ""
        self.ui.demoLabel.setText(hint)
        self.ui.demoLabel.setVisible(bool(hint))
        self.show_error(error)
        self._sync_recent_index()

    def _sync_recent_index(self) -> None:
        combo = self.ui.recentCombo
        wanted = self._path
        index = -1
        if wanted is not None:
            for i in range(combo.count()):
                if _same_path(Path(str(combo.itemData(i))), wanted):
                    index = i
                    break
        combo.setCurrentIndex(index)

    def _focus_first_empty(self) -> None:
        if not self.ui.pathEdit.text():
            self.ui.pathEdit.setFocus()
        elif self.ui.userCombo.count() != 1 and self.ui.userCombo.currentIndex() < 0:
            self.ui.userCombo.setFocus()
        else:
            self.ui.secretEdit.setFocus()

    def _on_recent_chosen(self, index: int) -> None:
        data = self.ui.recentCombo.itemData(index)
        if isinstance(data, str):
            self.select_vault(Path(data))

    def _on_path_edited(self) -> None:
        text = self.ui.pathEdit.text().strip()
        path = Path(text).expanduser() if text else None
        if path == self._path:
            return
        if path is None:
            self._path = None
            self._show_header(None, "")
        else:
            self._load(path)

    def _on_browse(self) -> None:
        start = str(self._path.parent) if self._path is not None else str(Path.home())
        chosen = QFileDialog.getExistingDirectory(
            self,
            "Choose a vault folder",
            start,
            # Qt's own dialog: the native ones may record the folder in the desktop's
            # recently-used list, which a vault's name should never reach.
            QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog,
        )
        if chosen:
            self.select_vault(Path(chosen))

    def _sync_keyring(self) -> None:
        """The keyring button only for a user who has a keyring slot in this vault."""
        user = self.ui.userCombo.currentText()
        has_slot = bool(
            self._header is not None and user and self._header.slots_for(user, "keyring")
        )
        self.ui.keyringButton.setVisible(has_slot)

    def _on_vault_created(self, created: CreatedVault) -> None:
        self.vault_created.emit(created.path)
        self.select_vault(created.path, created.user)

    def _forget_wizard(self) -> None:
        self.wizard = None

    def _on_method_toggled(self, recovery: bool) -> None:
        # Alt+K stays the tick's ("Use the recovery &key instead"), so the label takes E.
        self.ui.secretLabel.setText("R&ecovery key:" if recovery else "&Passphrase:")
        self.ui.secretEdit.setAccessibleName("Recovery key" if recovery else "Passphrase")
        self.ui.secretEdit.clear()
        self.show_error("")  # an old message about the other method would mislead
        self.ui.secretEdit.setFocus()

    def _on_unlock(self) -> None:
        method: Method = "recovery" if self.ui.recoveryCheck.isChecked() else "passphrase"
        self._request(method)

    def _on_keyring_unlock(self) -> None:
        self._request("keyring")

    def _request(self, method: Method) -> None:
        if self._busy:
            return
        self._on_path_edited()  # a path typed without leaving the field
        problem = self._missing_input(method)
        if problem:
            self.show_error(problem)
            return
        assert self._path is not None
        request = UnlockRequest(
            path=self._path.absolute(),
            user=self.ui.userCombo.currentText(),
            # The keyring's secret is fetched on the vault thread, never through a widget.
            secret="" if method == "keyring" else self.ui.secretEdit.text(),
            method=method,
            read_only=not self.ui.readOnlyCheck.isHidden() and self.ui.readOnlyCheck.isChecked(),
        )
        self.clear_secret()  # the field should not keep the secret once it has been used
        self.unlock_requested.emit(request)

    def _missing_input(self, method: Method) -> str:
        if self._path is None:
            return "Choose a vault folder first."
        if self._header is None:
            return self.ui.errorLabel.text() or "That folder is not a ReviewStation vault."
        if not self.ui.userCombo.currentText():
            return "This vault lists no user with a passphrase, so there is no one to unlock as."
        if method != "keyring" and not self.ui.secretEdit.text():
            what = "recovery key" if method == "recovery" else "passphrase"
            return f"Type the {what}, then press Enter."
        return ""
