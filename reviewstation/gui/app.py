"""``run``: the desktop application's entry point (``reviewstation [VAULT]``)."""

from __future__ import annotations

import sys
from pathlib import Path

from reviewstation import __version__
from reviewstation.gui.qt import QApplication, QCoreApplication, QSettings
from reviewstation.gui.shell import Shell

ORGANIZATION = "ReviewStation"
APPLICATION = "ReviewStation"


def application() -> QApplication:
    """The process's QApplication, created on first use (tests bring their own)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # Only the program name: the command line has already parsed the real arguments.
        app = QApplication(sys.argv[:1] or ["reviewstation"])
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    return app


def own_settings() -> QSettings:
    """The app's settings file (``~/.config/ReviewStation/ReviewStation.conf``), named
    explicitly so that ``leave_no_trail`` does not move it."""
    return QSettings(QSettings().fileName(), QSettings.Format.IniFormat)


# Where every other user-scope QSettings goes: a folder that cannot be created (not even by
# root), so Qt's own writes fail quietly and leave nothing on disk.
NOWHERE = "/proc/self/reviewstation-keeps-no-settings-here"


def leave_no_trail() -> None:
    """Qt's file dialog saves the folders last visited (``lastVisited``, ``history``) to
    ``~/.config/QtProject.conf`` when it closes: on an air-gapped workstation, the folder names
    of classified media. Point every user-scope settings file but our own at ``NOWHERE``.
    Linux only (the supported platform): elsewhere the path would be created."""
    if sys.platform.startswith("linux"):
        for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
            QSettings.setPath(fmt, QSettings.Scope.UserScope, NOWHERE)


def run(vault: Path | None = None) -> int:
    """Open the unlock dialog (for ``vault`` if given) and run until the user quits."""
    app = application()
    previous = app.quitOnLastWindowClosed()
    # The shell quits the application itself, once the vault is closed; hiding the dialog
    # after an unlock must not count as closing the last window.
    app.setQuitOnLastWindowClosed(False)
    settings = own_settings()  # before leave_no_trail, which moves the default location
    leave_no_trail()
    shell = Shell(settings)
    shell.finished.connect(app.quit)
    try:
        shell.start(vault)
        return app.exec()
    finally:
        # Normally already done; if the event loop ended some other way, still close the
        # session on its own thread and let the thread finish (never terminate it).
        shell.quit()
        shell.vault.wait()
        app.setQuitOnLastWindowClosed(previous)
