"""File → Export my identity card, then verifying one's own package with that card."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog
from pytestqt.qtbot import QtBot

from reviewstation.crypto.identity import parse_card
from reviewstation.gui.widgets.dialogs import MarkedDialog, MessageDialog
from reviewstation.gui.windows.main_window import MainWindow

from .test_artifacts import visible

TIMEOUT = 10_000


def message(qtbot: QtBot) -> MessageDialog:
    qtbot.waitUntil(lambda: len(visible(MessageDialog)) == 1, timeout=TIMEOUT)
    (box,) = visible(MessageDialog)
    assert isinstance(box, MessageDialog)
    return box


def test_export_my_card_from_the_file_menu(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.ui.actionExportCard.trigger()
    qtbot.waitUntil(lambda: bool(window.findChildren(QFileDialog)), timeout=TIMEOUT)
    (chooser,) = window.findChildren(QFileDialog)
    assert chooser.testOption(QFileDialog.Option.DontUseNativeDialog)
    frame = chooser.window()  # the chooser is framed by the session's banners
    assert isinstance(frame, MarkedDialog) and frame.isVisible()
    assert frame.top_banner.text() == frame.bottom_banner.text() == "UNCLASSIFIED"
    out = tmp_path / "demo.card"
    chooser.fileSelected.emit(str(out))
    chooser.reject()
    qtbot.waitUntil(lambda: not window.findChildren(QFileDialog), timeout=TIMEOUT)  # frame gone
    box = message(qtbot)
    card = parse_card(out.read_bytes())
    assert card.name == "demo"
    assert card.fingerprint in box.text_label.text()
    box.accept()

    # A second export to the same file is refused and leaves the card as it was.
    before = out.read_bytes()
    window.card_export.write(out)
    qtbot.waitUntil(lambda: len(visible(MessageDialog)) == 1, timeout=TIMEOUT)
    assert message(qtbot).text_label.text() == f"{out} already exists; choose another name."
    assert out.read_bytes() == before
