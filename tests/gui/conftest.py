"""GUI test fixtures: offscreen Qt, private settings and data folders, real vaults."""

from __future__ import annotations

import os

# Before anything creates the QApplication (pytest-qt's qapp fixture reads it then).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.vault.session import create_vault

PASSPHRASE = "passphrase-1"

# The offscreen platform (headless test runs only) warns that it cannot do some window
# manager requests; those say nothing about the app, every other Qt warning still fails.
OFFSCREEN_LIMITS = r"^This plugin does not support (propagateSizeHints|raise)\(\)$"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_LIMITS, extend=True))


@dataclass(frozen=True)
class SampleVault:
    path: Path
    user: str
    passphrase: str
    recovery_key: str
    vault_id: str


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings and data go under tmp_path, so no test reads or writes the real home."""
    config, data = tmp_path / "config", tmp_path / "data"
    config.mkdir()
    data.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    # QSettings caches its default folders on first use, so the variable alone is not enough.
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(config))
    return tmp_path


@pytest.fixture
def vault(tmp_path: Path) -> SampleVault:
    path = tmp_path / "v.rsvault"
    vault_id, recovery = create_vault(path, "alice", PASSPHRASE, marking="SECRET")
    return SampleVault(path, "alice", PASSPHRASE, recovery, vault_id)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "config" / "test.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def shell(qtbot: QtBot, settings: QSettings) -> Iterator[Shell]:
    shell = Shell(settings)
    yield shell
    # Quit as the user would: the session closes on its thread, then the thread ends.
    shell.quit()
    qtbot.waitUntil(lambda: shell.done, timeout=10_000)
    flush_deletes()


def flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


# -- an unlocked main window over a demo vault ---------------------------------------------

AUDITOR = "audrey"
AUDITOR_PASSPHRASE = "auditor passphrase 1"


DEMO_RECOVERY: dict[Path, str] = {}  # the demo template's recovery key, by its path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo vault (sample review, checklist, findings) plus an auditor, built once.

    Its recovery key is ``DEMO_RECOVERY[path]`` (see ``demo_recovery_key``).
    """
    from reviewstation.app.demo import DEMO_PASSPHRASE, DEMO_USER, populate
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.vault.accounts import add_user
    from reviewstation.vault.session import open_vault

    path = tmp_path_factory.mktemp("demo") / "Demo.rsvault"
    _, DEMO_RECOVERY[path] = create_vault(
        path, DEMO_USER, DEMO_PASSPHRASE, role="lead", kdf=floor_params()
    )
    populate(path)
    with open_vault(path, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        add_user(session, AUDITOR, "auditor", AUDITOR_PASSPHRASE, kdf=floor_params())
    return path


@pytest.fixture
def demo_recovery_key(demo_template: Path) -> str:
    return DEMO_RECOVERY[demo_template]


@pytest.fixture
def demo_vault(demo_template: Path, tmp_path: Path) -> Path:
    import shutil

    path = tmp_path / "Demo.rsvault"
    shutil.copytree(demo_template, path)
    return path


def open_main_window(
    qtbot: QtBot, shell: Shell, path: Path, user: str = "demo", secret: str = DEMO_PASSPHRASE
) -> MainWindow:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    shell.start(path)
    qtbot.waitExposed(shell.dialog)
    shell.dialog.ui.userCombo.setCurrentText(user)
    QTest.keyClicks(shell.dialog.ui.secretEdit, secret)
    QTest.keyClick(shell.dialog.ui.secretEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=10_000)
    window = shell.main_window
    assert window is not None
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, shell: Shell, demo_vault: Path) -> MainWindow:
    window = open_main_window(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=10_000)
    return window
