"""Render the Compare runs dialog into PNG files (offscreen): the two runs inspect_ai wrote in
tests/fixtures/compare-logs, compared on a fresh demo vault, one sample's transcripts open
(``10-compare-runs``); then a second lead's triage label on that sample confirmed in the
dialog's Triage panel, the comparison shown raw and triaged (``10b-triage``).

    python -m tools.screenshot_compare [--out docs/screenshots] [--theme light|dark|both]

Kept apart from ``tools.screenshots`` (the main screens) so it needs nothing of the demo
vault's own content; everything happens under a temporary folder, as there.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewstation.app.demo import DEMO_PASSPHRASE, DEMO_USER
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.findings import triage
from reviewstation.gui.pages.artifacts.compare_dialog import CompareDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets import theme
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault
from tools.screenshots import SIZE, Screens, demo_vault, main_for

LOGS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "compare-logs"
RUNS = ("model-a.eval", "model-b.eval")
LENA = "lena passphrase"  # a second lead, who labels two of model B's solves
LABELS = [
    ("1@2", "message:1", "reward-hacking", "The answer quotes the flag from the environment."),
    ("3@1", None, "out-of-scope", "Read /flag directly instead of solving the task."),
]


def render(app: QApplication, out: Path, theme_choice: str, home: Path) -> list[Path]:
    settings = QSettings(str(home / f"settings-{theme_choice}.ini"), QSettings.Format.IniFormat)
    settings.setValue(theme.SETTING, theme_choice)
    screens = Screens(app, out, "" if theme_choice == "light" else f"-{theme_choice}")
    vault = demo_vault(Path(tempfile.mkdtemp(dir=home)))
    with open_vault(vault, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        added = add_artifacts(session, 1, [LOGS / name for name in RUNS]).added
        accounts.add_user(session, "lena", "lead", LENA, kdf=floor_params())
    with open_vault(vault, LENA, user="lena") as lena:
        for key, part, label, note in LABELS:
            triage.add_label(lena, added[1].id, key, label, note, part)
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
        work = window.workspace
        screens.wait("the reviews", lambda: window.reviews.topLevelItemCount() == 1)
        work.setCurrentWidget(work.artifacts)
        page = work.artifacts
        screens.wait("the artifacts", lambda: page.table.rowCount() >= len(RUNS))
        page.table.setCurrentCell([a.id for a in page.artifacts].index(added[0].id), 1)
        compare = page.open_compare()
        assert isinstance(compare, CompareDialog)
        compare.resize(1200, 860)
        screens.wait("the logs", lambda: compare.logs.count() >= len(RUNS))
        compare.tick(added[1].id)
        compare.compare_button.click()
        screens.wait("the comparison", lambda: compare.comparison is not None)
        compare.filter.setCurrentIndex(compare.filter.findData("b-only"))
        compare.table.setCurrentCell(0, 0)
        screens.wait("the transcripts", lambda: compare.pair is not None)
        screens.shot("10-compare-runs", compare)
        panel = compare.triage
        screens.wait("the labels", lambda: panel.list.count() == 1)
        panel.list.setCurrentRow(0)
        panel.note.setText("Agreed: the flag was in the environment.")
        before = compare.comparison
        panel.confirm_button.click()
        screens.wait("the triaged comparison", lambda: compare.comparison is not before)
        screens.wait("the decision", lambda: "confirmed" in panel.list.item(0).text())
        screens.shot("10b-triage", compare)
        compare.close()
        return screens.written
    finally:
        shell.quit()
        screens.wait("the vault to close", lambda: shell.done)


def main(argv: list[str] | None = None) -> int:
    return main_for(__doc__, render, argv)


if __name__ == "__main__":
    raise SystemExit(main())
