"""Render the Overview's capability areas into PNG files (offscreen): the two runs inspect_ai
wrote in tests/fixtures/compare-logs, chosen as the exploitation area of a fresh demo vault's
review (B against the baseline A).

    python -m tools.screenshot_determination [--out docs/screenshots] [--theme light|dark|both]

Built like ``tools.screenshot_compare``; everything happens under a temporary folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewstation.app import determination
from reviewstation.app.demo import DEMO_PASSPHRASE, DEMO_USER
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets import theme
from reviewstation.vault.session import open_vault
from tools.screenshots import SIZE, Screens, demo_vault, main_for

LOGS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "compare-logs"
RUNS = ("model-a.eval", "model-b.eval")


def render(app: QApplication, out: Path, theme_choice: str, home: Path) -> list[Path]:
    settings = QSettings(str(home / f"settings-{theme_choice}.ini"), QSettings.Format.IniFormat)
    settings.setValue(theme.SETTING, theme_choice)
    screens = Screens(app, out, "" if theme_choice == "light" else f"-{theme_choice}")
    vault = demo_vault(Path(tempfile.mkdtemp(dir=home)))
    with open_vault(vault, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        a, b = add_artifacts(session, 1, [LOGS / name for name in RUNS]).added
        determination.set_area(
            session, 1, "exploitation", baseline=a.uid, runs=[b.uid], note="Mock CTF task."
        )
    shell = Shell(settings)
    try:
        shell.start(vault)
        dialog = shell.dialog
        screens.wait("the unlock dialog", dialog.isVisible)
        QTest.keyClicks(dialog.ui.secretEdit, DEMO_PASSPHRASE)
        QTest.keyClick(dialog.ui.secretEdit, Qt.Key.Key_Return)
        screens.wait("the main window", lambda: shell.main_window is not None)
        window = shell.main_window
        assert window is not None
        window.resize(*SIZE)
        overview = window.workspace.overview
        screens.wait("the reviews", lambda: window.reviews.topLevelItemCount() == 1)
        screens.wait("the figures", lambda: overview.areas.table.rowCount() == len(RUNS))
        overview.ensureWidgetVisible(overview.areas, 0, 0)
        overview.areas.table.setFocus()
        screens.shot("11-determination-areas", window)
        return screens.written
    finally:
        shell.quit()
        screens.wait("the vault to close", lambda: shell.done)


def main(argv: list[str] | None = None) -> int:
    return main_for(__doc__, render, argv)


if __name__ == "__main__":
    raise SystemExit(main())
