"""Unlock, lock and quit through the real windows, with real vaults and the vault thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.unlock_dialog import UnlockDialog
from reviewstation.vault.session import create_vault, open_vault

from .conftest import SampleVault

TIMEOUT = 10_000


def type_secret_and_enter(dialog: UnlockDialog, secret: str) -> None:
    QTest.keyClicks(dialog.ui.secretEdit, secret)
    QTest.keyClick(dialog.ui.secretEdit, Qt.Key.Key_Return)


def unlock(qtbot: QtBot, shell: Shell, vault: SampleVault) -> MainWindow:
    shell.start(vault.path)
    qtbot.waitExposed(shell.dialog)
    type_secret_and_enter(shell.dialog, vault.passphrase)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    assert shell.main_window is not None
    qtbot.waitExposed(shell.main_window)
    return shell.main_window


def test_dialog_shows_the_vault_marking_and_users_before_unlock(
    qtbot: QtBot, shell: Shell, vault: SampleVault
) -> None:
    shell.start(vault.path)
    dialog = shell.dialog
    assert dialog.isVisible()
    assert dialog.ui.topBanner.text() == "SECRET"
    assert dialog.ui.bottomBanner.text() == "SECRET"
    assert dialog.ui.topBanner.banner_style.background == "#c8102e"
    assert dialog.ui.userCombo.currentText() == "alice"
    assert dialog.ui.secretEdit.echoMode() == dialog.ui.secretEdit.EchoMode.Password
    assert not dialog.ui.demoLabel.isVisible()
    for widget in (dialog.ui.pathEdit, dialog.ui.userCombo, dialog.ui.secretEdit):
        assert widget.accessibleName()


def test_wrong_passphrase_shows_one_sentence_and_stays(
    qtbot: QtBot, shell: Shell, vault: SampleVault
) -> None:
    shell.start(vault.path)
    dialog = shell.dialog
    type_secret_and_enter(dialog, "not-the-passphrase")
    # While the KDF runs: busy bar shown, Unlock disabled, the field already emptied.
    assert dialog.ui.progressBar.isVisible()
    assert not dialog.ui.unlockButton.isEnabled()
    assert dialog.ui.secretEdit.text() == ""
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=TIMEOUT)
    message = dialog.error_text()
    assert message.startswith("The passphrase is wrong")
    assert "\n" not in message
    assert "Traceback" not in message
    assert dialog.isVisible()
    assert shell.main_window is None
    assert dialog.ui.unlockButton.isEnabled()
    assert not dialog.ui.progressBar.isVisible()


def test_empty_passphrase_asks_for_it_without_unlocking(
    qtbot: QtBot, shell: Shell, vault: SampleVault
) -> None:
    shell.start(vault.path)
    with qtbot.assertNotEmitted(shell.dialog.unlock_requested):
        type_secret_and_enter(shell.dialog, "")
    assert shell.dialog.error_text() == "Type the passphrase, then press Enter."


def test_folder_that_is_not_a_vault_is_explained(
    qtbot: QtBot, shell: Shell, tmp_path: Path
) -> None:
    shell.start(tmp_path)
    assert "is not a ReviewStation vault" in shell.dialog.error_text()
    assert shell.dialog.marking() == "MARKING UNKNOWN"
    assert shell.dialog.ui.topBanner.banner_style.background == "#000000"


def test_browse_and_recent_vaults_choose_the_vault(
    qtbot: QtBot,
    shell: Shell,
    vault: SampleVault,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = tmp_path / "other.rsvault"
    create_vault(other, "bob", "passphrase-2", marking="CUI")
    shell.recent.remember(vault.path)
    shell.start(None)
    dialog = shell.dialog
    assert dialog.marking() == "SECRET"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args: str(other))
    dialog.ui.browseButton.click()
    assert (dialog.marking(), dialog.ui.userCombo.currentText()) == ("CUI", "bob")
    assert dialog.ui.recentCombo.currentIndex() == -1  # not a recent vault (yet)
    dialog.ui.recentCombo.setCurrentIndex(0)
    dialog.ui.recentCombo.activated.emit(0)
    assert (dialog.marking(), dialog.ui.userCombo.currentText()) == ("SECRET", "alice")
    assert dialog.ui.pathEdit.text() == str(vault.path)


def test_correct_passphrase_opens_main_window(
    qtbot: QtBot, shell: Shell, vault: SampleVault
) -> None:
    window = unlock(qtbot, shell, vault)
    assert not shell.dialog.isVisible()
    assert window.windowTitle() == "ReviewStation — v — alice (lead)"
    for banner in (window.ui.topBanner, window.ui.bottomBanner):
        assert banner.text() == "SECRET"
        assert banner.banner_style.background == "#c8102e"
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.empty_label, timeout=TIMEOUT)
    assert window.empty_label.text() == "No reviews yet"
    assert vault.vault_id in window.vault_label.text()
    assert window.user_label.text().startswith("alice (lead)")
    assert shell.recent.paths() == [vault.path]


def test_ctrl_l_locks_and_releases_the_vault(
    qtbot: QtBot, shell: Shell, vault: SampleVault
) -> None:
    window = unlock(qtbot, shell, vault)
    assert window.ui.actionLock.shortcut().toString() == "Ctrl+L"
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(shell.dialog.isVisible, timeout=TIMEOUT)
    assert shell.main_window is None
    assert not any(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets())
    assert shell.dialog.ui.pathEdit.text() == str(vault.path)
    assert shell.dialog.ui.secretEdit.text() == ""
    assert shell.dialog.error_text() == ""
    # The writer lock is free again: this thread can open the vault for writing.
    open_vault(vault.path, vault.passphrase, user=vault.user).close()


def test_unlocking_a_vault_open_elsewhere_says_who_holds_it(
    qtbot: QtBot, shell: Shell, vault: SampleVault
) -> None:
    with open_vault(vault.path, vault.passphrase, user=vault.user):
        shell.start(vault.path)
        type_secret_and_enter(shell.dialog, vault.passphrase)
        qtbot.waitUntil(lambda: shell.dialog.error_text() != "", timeout=TIMEOUT)
    assert shell.dialog.error_text().startswith("The vault is open for writing by alice")
    assert shell.main_window is None


def test_recovery_key_unlocks(qtbot: QtBot, shell: Shell, vault: SampleVault) -> None:
    shell.start(vault.path)
    dialog = shell.dialog
    type_secret_and_enter(dialog, "wrong passphrase")
    qtbot.waitUntil(lambda: bool(dialog.error_text()), timeout=TIMEOUT)
    dialog.ui.recoveryCheck.click()
    assert dialog.error_text() == ""  # the passphrase's message does not stay
    assert dialog.ui.secretLabel.text() == "R&ecovery key:"
    assert dialog.ui.secretEdit.accessibleName() == "Recovery key"
    type_secret_and_enter(dialog, vault.recovery_key)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    # After a lock the next unlock starts from the passphrase again.
    shell.lock()
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    assert not dialog.ui.recoveryCheck.isChecked()
    assert dialog.ui.secretLabel.text() == "&Passphrase:"


def test_escape_in_the_dialog_quits(qtbot: QtBot, shell: Shell, vault: SampleVault) -> None:
    shell.start(vault.path)
    with qtbot.waitSignal(shell.finished, timeout=TIMEOUT):
        QTest.keyClick(shell.dialog, Qt.Key.Key_Escape)
    assert shell.done


def test_quit_closes_the_session_before_finishing(
    qtbot: QtBot, shell: Shell, vault: SampleVault
) -> None:
    window = unlock(qtbot, shell, vault)
    assert window.ui.actionQuit.shortcut().toString() == "Ctrl+Q"
    with qtbot.waitSignal(shell.finished, timeout=TIMEOUT):
        window.ui.actionQuit.trigger()
    assert shell.vault.is_finished()
    open_vault(vault.path, vault.passphrase, user=vault.user).close()


def test_closing_the_main_window_quits(qtbot: QtBot, shell: Shell, vault: SampleVault) -> None:
    window = unlock(qtbot, shell, vault)
    with qtbot.waitSignal(shell.finished, timeout=TIMEOUT):
        window.close()
