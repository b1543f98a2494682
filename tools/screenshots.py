"""Render the main screens of the desktop app into PNG files (offscreen, on a demo vault).

    python -m tools.screenshots [--out docs/screenshots] [--theme light|dark|both]
                                [--size 1280x800]

Everything happens under a temporary folder (vault, settings, data): nothing of the
reviewer's own setup is read or changed. The demo vault holds only invented content.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from reviewstation.app.demo import DEMO_PASSPHRASE, DEMO_USER, populate
from reviewstation.crypto.kdf import floor_params
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.packages.export_wizard import ExportWizard
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets import theme
from reviewstation.vault.session import create_vault

SIZE = (1280, 800)  # the size the layout is checked at (tests/gui/test_layout.py)


class Screens:
    def __init__(
        self, app: QApplication, out: Path, suffix: str, size: tuple[int, int] = SIZE
    ) -> None:
        self.size = size
        self.app = app
        self.out = out
        self.suffix = suffix
        self.written: list[Path] = []

    def wait(self, what: str, ready: Callable[[], object], timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise SystemExit(f"screenshots: timed out waiting for {what}")
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)

    def settle(self, ms: int = 300) -> None:
        deadline = time.monotonic() + ms / 1000
        while time.monotonic() < deadline:
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    def shot(self, name: str, widget: QWidget) -> None:
        self.settle()
        path = self.out / f"{name}{self.suffix}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"screenshots: could not write {path}")
        self.written.append(path)

    def top(self, kind: type[QWidget]) -> QWidget | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        return found[0] if found else None


def demo_vault(folder: Path) -> Path:
    path = folder / "Demo.rsvault"
    create_vault(path, DEMO_USER, DEMO_PASSPHRASE, role="lead", kdf=floor_params())
    populate(path)
    return path


def render(
    app: QApplication, out: Path, theme_choice: str, home: Path, size: tuple[int, int] = SIZE
) -> list[Path]:
    settings = QSettings(str(home / f"settings-{theme_choice}.ini"), QSettings.Format.IniFormat)
    settings.setValue(theme.SETTING, theme_choice)
    suffix = "" if theme_choice == "light" else f"-{theme_choice}"
    if size != SIZE:
        suffix += f"-{size[0]}x{size[1]}"
    screens = Screens(app, out, suffix, size)
    vault = demo_vault(Path(tempfile.mkdtemp(dir=home)))
    shell = Shell(settings)
    try:
        return take(screens, shell, vault)
    finally:
        shell.quit()  # also after a failure: the vault thread must end before the process
        screens.wait("the vault to close", lambda: shell.done)


def take(screens: Screens, shell: Shell, vault: Path) -> list[Path]:
    shell.start(vault)
    dialog = shell.dialog
    screens.wait("the unlock dialog", dialog.isVisible)
    QTest.keyClicks(dialog.ui.secretEdit, DEMO_PASSPHRASE)
    screens.shot("01-unlock", dialog)
    QTest.keyClick(dialog.ui.secretEdit, Qt.Key.Key_Return)
    screens.wait("the main window", lambda: shell.main_window is not None)
    window = shell.main_window
    assert window is not None
    window.resize(*screens.size)
    screens.wait("the reviews", lambda: window.reviews.topLevelItemCount() == 1)
    work = window.workspace
    screens.wait("the overview", lambda: work.overview.review is not None)
    screens.shot("02-overview", window)

    work.setCurrentWidget(work.artifacts)
    screens.wait("the artifacts", lambda: work.artifacts.table.rowCount() == 3)
    for row in range(work.artifacts.table.rowCount()):
        item = work.artifacts.table.item(row, 1)
        if item is not None and item.text().endswith(".json"):
            work.artifacts.table.setCurrentCell(row, 1)
    screens.shot("03-artifacts", window)
    viewer = work.artifacts.details.inspector
    screens.wait("the log viewer", lambda: viewer.log_viewer is not None)
    log = viewer.log_viewer
    assert log is not None
    log.open_button.click()
    screens.wait("the transcripts", lambda: log.detailed)
    log.table.setCurrentCell(2, 0)
    screens.wait("a transcript", lambda: bool(log.transcript.toPlainText()))
    screens.shot("03b-transcript", window)

    work.setCurrentWidget(work.checklists)
    screens.wait("the checklist", lambda: work.checklists.walkthrough.run is not None)
    screens.shot("04-checklist", window)

    work.setCurrentWidget(work.findings)
    screens.wait("the findings", lambda: work.findings.model.rowCount() == 3)
    screens.shot("05-findings", window)
    work.findings.table.setCurrentIndex(work.findings.model.index(0, 2))
    QTest.keyClick(work.findings.table, Qt.Key.Key_Return)
    screens.wait("the finding editor", lambda: screens.top(FindingEditor) is not None)
    editor = screens.top(FindingEditor)
    assert isinstance(editor, FindingEditor)
    screens.wait("the finding", lambda: editor.finding is not None)
    # As on a screen of the window's size (the offscreen screen is 800x800).
    editor.resize(min(980, screens.size[0]), min(720, screens.size[1] - 40))
    screens.shot("06-finding-editor", editor)
    editor.reject()

    work.setCurrentWidget(work.audit)
    screens.wait("the audit trail", lambda: work.audit.model.rowCount() > 10)
    work.audit.table.selectRow(5)  # its entry in full in the pane below
    screens.shot("07-audit", window)

    work.setCurrentWidget(work.packages)
    screens.shot("08-packages", window)
    work.packages.export_button.click()
    screens.wait("the export wizard", lambda: screens.top(ExportWizard) is not None)
    wizard = screens.top(ExportWizard)
    assert isinstance(wizard, ExportWizard)
    for _ in range(4):  # contents, evidence, recipients, marking check, manifest preview
        screens.wait("a wizard page", lambda: not wizard.busy)
        if wizard.page is wizard.marking_page:
            wizard.marking_page.confirm.setChecked(True)
        screens.wait("the Next button", wizard.next_button.isEnabled)
        wizard.next_button.click()
    screens.wait(
        "the manifest", lambda: not wizard.busy and wizard.manifest.tree.topLevelItemCount()
    )
    screens.shot("09-export-manifest", wizard)
    wizard.reject()
    return screens.written


Render = Callable[[QApplication, Path, str, Path], list[Path]]


def render_themes(out: Path, theme_choice: str, render_one: Render) -> list[Path]:
    """``render_one(app, out, theme, home)`` for each chosen theme, with the settings and data
    folders in a scratch home (no trace in the user's own), printing each file written."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rs-screens-") as tmp:
        home = Path(tmp)
        for name in ("config", "data"):
            (home / name).mkdir()
        os.environ["XDG_CONFIG_HOME"] = str(home / "config")
        os.environ["XDG_DATA_HOME"] = str(home / "data")
        app = QApplication(sys.argv[:1])
        app.setApplicationName("ReviewStation")
        themes = ("light", "dark") if theme_choice == "both" else (theme_choice,)
        written = [p for t in themes for p in render_one(app, out, t, home)]
    for path in written:
        print(path)
    return written


def parser_for(doc: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--theme", choices=("light", "dark", "both"), default="both")
    return parser


def main_for(doc: str | None, render_one: Render, argv: list[str] | None = None) -> int:
    """The command line of a screenshot tool that takes only --out and --theme."""
    args = parser_for(doc).parse_args(argv)
    render_themes(args.out, args.theme, render_one)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--size", default=f"{SIZE[0]}x{SIZE[1]}", help="window size, WxH")
    args = parser.parse_args(argv)
    try:
        width, height = (int(n) for n in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must be WIDTHxHEIGHT, e.g. 1024x700, not {args.size!r}")
    render_themes(
        args.out,
        args.theme,
        lambda app, out, t, home: render(app, out, t, home, (width, height)),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
