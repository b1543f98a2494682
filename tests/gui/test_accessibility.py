"""Every input a reviewer can reach has a name a screen reader can say, and every page can be
reached from the keyboard."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from reviewstation.gui.determination_dialog import DeterminationDialog
from reviewstation.gui.evidence_picker import EvidencePicker
from reviewstation.gui.finding_editor import FindingEditor
from reviewstation.gui.main_window import MainWindow
from reviewstation.gui.settings_dialog import SettingsDialog

INPUTS = (QLineEdit, QComboBox, QPlainTextEdit, QTextEdit, QAbstractItemView, QAbstractSpinBox)


def unnamed_inputs(root: QWidget) -> list[str]:
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy()}
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INPUTS) or isinstance(widget, QHeaderView):
            continue
        if widget.objectName().startswith("qt_"):
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QComboBox | QAbstractSpinBox) or (
            parent is not None and isinstance(parent.parentWidget(), QComboBox)
        ):
            continue  # the parts Qt builds inside a combo box or spin box
        if widget.accessibleName() or id(widget) in buddies:
            continue
        where = parent.objectName() or type(parent).__name__ if parent is not None else ""
        missing.append(f"{type(widget).__name__} {widget.objectName()!r} in {where}")
    return missing


def test_main_window_inputs_are_named(qtbot: QtBot, window: MainWindow) -> None:
    for index in range(window.workspace.count()):
        window.workspace.setCurrentIndex(index)  # every page built and shown once
        qtbot.wait(50)
    assert unnamed_inputs(window) == []


def test_every_tab_has_a_mnemonic(window: MainWindow) -> None:
    texts = [window.workspace.tabText(i) for i in range(window.workspace.count())]
    letters = [t[t.index("&") + 1].lower() for t in texts if "&" in t]
    assert len(letters) == len(texts)
    assert len(set(letters)) == len(letters), texts


def test_dialog_inputs_are_named(qtbot: QtBot, window: MainWindow) -> None:
    ctx, overview = window.ctx, window.workspace.overview
    qtbot.waitUntil(lambda: overview.review is not None, timeout=10_000)
    assert overview.review is not None
    dialogs: list[QWidget] = [
        FindingEditor(ctx, 1, 0, window),
        EvidencePicker(ctx, 1, window),
        SettingsDialog(ctx.marking, QSettings(), window),
        DeterminationDialog(ctx, overview.review, window),
    ]
    for dialog in dialogs:
        assert unnamed_inputs(dialog) == [], type(dialog).__name__
        dialog.deleteLater()
