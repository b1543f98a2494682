"""``run``: the entry point, the demo vault on a first run, and recent vaults."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_NAME, DEMO_PASSPHRASE, DEMO_USER
from reviewstation.gui.app import NOWHERE, run
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.unlock_dialog import UnlockDialog

from .conftest import SampleVault


def visible_dialog() -> UnlockDialog:
    dialogs = [
        w for w in QApplication.topLevelWidgets() if isinstance(w, UnlockDialog) and w.isVisible()
    ]
    assert len(dialogs) == 1
    return dialogs[0]


def test_first_run_without_vault_offers_the_demo(qtbot: QtBot, private_home: Path) -> None:
    seen: dict[str, str | bool] = {}

    def look_then_escape() -> None:
        try:
            dialog = visible_dialog()
            seen["path"] = dialog.ui.pathEdit.text()
            seen["user"] = dialog.ui.userCombo.currentText()
            seen["hint"] = dialog.ui.demoLabel.text() if dialog.ui.demoLabel.isVisible() else ""
            seen["marking"] = dialog.marking()
            seen["settings"] = QSettings().fileName()
        finally:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, UnlockDialog):
                    widget.reject()

    QTimer.singleShot(0, look_then_escape)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(QApplication.quit)  # never hang the suite if the dialog is missing
    guard.start(20_000)
    assert run(None) == 0
    guard.stop()

    demo = private_home / "data" / "reviewstation" / DEMO_NAME
    assert seen["path"] == str(demo)
    assert seen["user"] == DEMO_USER
    assert seen["hint"] == f"Demo vault — passphrase: {DEMO_PASSPHRASE}"
    assert seen["marking"] == "UNCLASSIFIED"
    # Qt's own settings (the file dialog's folder history) point where nothing can be written
    assert str(seen["settings"]).startswith(NOWHERE)
    assert not list(private_home.rglob("QtProject.conf"))
    assert (demo / "vault.header").is_file()


def test_demo_unlocks_with_its_published_passphrase(qtbot: QtBot, shell: Shell) -> None:
    shell.start(None)
    assert shell.dialog.ui.demoLabel.isVisible()
    shell.dialog.ui.secretEdit.setText(DEMO_PASSPHRASE)
    shell.dialog.ui.unlockButton.click()
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=10_000)
    assert shell.main_window is not None
    assert shell.main_window.windowTitle() == "ReviewStation — Demo — demo (lead)"


def test_latest_recent_vault_is_preselected(
    qtbot: QtBot, shell: Shell, vault: SampleVault, tmp_path: Path
) -> None:
    shell.recent.remember(tmp_path / "gone.rsvault")  # no longer a vault: not offered
    shell.recent.remember(vault.path)
    shell.start(None)
    assert shell.dialog.ui.pathEdit.text() == str(vault.path)
    assert shell.dialog.ui.recentCombo.count() == 1
    assert shell.dialog.ui.recentCombo.currentIndex() == 0
    assert not shell.dialog.ui.demoLabel.isVisible()
    assert not (tmp_path / "data" / "reviewstation").exists()  # no demo vault was made


def test_recent_list_holds_paths_only(
    qtbot: QtBot, shell: Shell, vault: SampleVault, settings: QSettings
) -> None:
    shell.start(vault.path)
    shell.dialog.ui.secretEdit.setText(vault.passphrase)
    shell.dialog.ui.unlockButton.click()
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=10_000)
    settings.sync()
    stored = Path(settings.fileName()).read_text(encoding="utf-8")
    assert str(vault.path) in stored
    assert vault.passphrase not in stored
