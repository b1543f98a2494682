"""Every input a reviewer can reach has a name a screen reader can say, and every page can be
reached from the keyboard."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenuBar,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from reviewstation.gui.pages.checklists.evidence_picker import EvidencePicker
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.reviews.determination_dialog import DeterminationDialog
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.settings_dialog import SettingsDialog

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


# -- mnemonics: no two reachable at once share a letter ----------------------------------


def mnemonic(text: str) -> str | None:
    """The letter after a single ``&`` (``&&`` is a literal ampersand), lower case."""
    i = 0
    while (i := text.find("&", i)) != -1 and i + 1 < len(text):
        if text[i + 1] != "&":
            return text[i + 1].lower()
        i += 2
    return None


def mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Every Alt+letter that works in ``window`` as it is shown now, and what it reaches.

    Visible, enabled labels (with a buddy), buttons, group boxes, tabs of visible tab bars,
    and the menu bar's menus; the widgets of hidden tabs and closed menus do not count.
    """
    found: dict[str, list[str]] = {}

    def add(text: str, what: str) -> None:
        letter = mnemonic(text)
        if letter is not None:
            found.setdefault(letter, []).append(f"{what} {text!r}")

    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or not widget.isEnabled() or widget.window() is not window:
            continue
        if isinstance(widget, QLabel) and widget.buddy() is not None:
            add(widget.text(), "label")
        elif isinstance(widget, QAbstractButton) and not isinstance(widget, QToolButton):
            add(widget.text(), type(widget).__name__)
        elif isinstance(widget, QGroupBox):
            add(widget.title(), "group")
        elif isinstance(widget, QTabBar):
            for i in range(widget.count()):
                if widget.isTabEnabled(i) and widget.isTabVisible(i):
                    add(widget.tabText(i), "tab")
        elif isinstance(widget, QMenuBar):
            for action in widget.actions():
                if action.isVisible() and action.isEnabled():
                    add(action.text(), "menu")
    return found


def clashes(window: QWidget) -> dict[str, list[str]]:
    return {k: v for k, v in mnemonics(window).items() if len(v) > 1}


def dead_mnemonics(window: QWidget) -> list[str]:
    """Buttons whose Alt+letter was replaced by another shortcut (``setShortcut``)."""
    return [
        button.text()
        for button in window.findChildren(QAbstractButton)
        if button.isVisible()
        and (letter := mnemonic(button.text())) is not None
        and button.shortcut() != QKeySequence(f"Alt+{letter.upper()}")
    ]


def test_no_mnemonic_clashes_on_any_tab(qtbot: QtBot, window: MainWindow) -> None:
    overview = window.workspace.overview
    qtbot.waitUntil(lambda: overview.review is not None, timeout=10_000)
    found: dict[str, object] = {}
    for index in range(window.workspace.count()):
        window.workspace.setCurrentIndex(index)
        qtbot.wait(200)  # the page's first load: buttons enabled by what it shows
        if clash := clashes(window):
            found[window.workspace.tabText(index)] = clash
        if dead := dead_mnemonics(window):
            found[f"{window.workspace.tabText(index)}, dead"] = dead
    assert found == {}
    assert mnemonic(window.new_button.text()) == "n"  # New review…, as Ctrl+N


def test_no_mnemonic_clashes_in_the_finding_editor(qtbot: QtBot, window: MainWindow) -> None:
    for finding_id in (0, 1):  # new, and an existing one (its history tab enabled)
        editor = FindingEditor(window.ctx, 1, finding_id, window)
        editor.show()
        qtbot.waitExposed(editor)
        if finding_id:
            qtbot.waitUntil(lambda e=editor: e.finding is not None, timeout=10_000)  # type: ignore[misc]
        for tab in range(editor.tabs.count()):
            editor.tabs.setCurrentIndex(tab)
            assert clashes(editor) == {}, editor.tabs.tabText(tab)
            assert dead_mnemonics(editor) == []
        editor.done(0)
        editor.deleteLater()


def test_alt_n_and_alt_d_on_the_findings_tab(qtbot: QtBot, window: MainWindow) -> None:
    """Alt+D opens New finding (not a letter in Search); Alt+N is New review."""
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=10_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
    page.search_edit.setFocus()
    opened: list[str] = []
    for button, what in ((page.new_button, "finding"), (window.new_button, "review")):
        button.clicked.disconnect()  # no dialog: only which button the key reaches
        button.clicked.connect(lambda _c=False, w=what: opened.append(w))
    QTest.keyClick(page.search_edit, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: opened == ["finding"], timeout=10_000)  # an animated click
    QTest.keyClick(page.search_edit, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: opened == ["finding", "review"], timeout=10_000)
    assert page.search_edit.text() == ""


def focus_order(start: QWidget, count: int) -> list[QWidget]:
    """The next ``count`` widgets Tab visits from ``start`` (``start`` first)."""
    order, widget = [start], start
    while len(order) < count:
        following = widget.nextInFocusChain()
        if following is None or following is start:
            break
        widget = following
        if (
            widget.isVisible()
            and widget.isEnabled()
            and (widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        ):
            order.append(widget)
    return order


def test_checklists_tab_order_follows_the_screen_and_start_focuses_the_walkthrough(
    qtbot: QtBot, window: MainWindow
) -> None:
    page = window.workspace.checklists
    window.workspace.setCurrentWidget(page)
    walk = page.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None, timeout=10_000)
    assert page.sign_button.isEnabled() and page.start_button.isEnabled()
    positions = [
        w.mapTo(page, w.rect().topLeft()).x()
        for w in (page.run_combo, page.sign_button, page.template_combo, page.start_button)
    ]
    assert positions == sorted(positions)  # the screen's order, left to right
    assert focus_order(page.run_combo, 4) == [
        page.run_combo,
        page.sign_button,
        page.template_combo,
        page.start_button,
    ]

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=10_000)
    runs = page.run_combo.count()
    page.start_button.setFocus()
    QTest.keyClick(page.start_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: page.run_combo.count() == runs + 1, timeout=10_000)
    assert walk.hasFocus()
    assert walk.run is not None
    before = walk.run.progress()["answered"]
    QTest.keyClick(walk, Qt.Key.Key_2)  # Open, at once
    qtbot.waitUntil(
        lambda: walk.run is not None and walk.run.progress()["answered"] == before + 1,
        timeout=10_000,
    )


def test_walkthrough_shows_no_count_without_a_run(qtbot: QtBot, window: MainWindow) -> None:
    walk = window.workspace.checklists.walkthrough
    walk.set_run(None)
    assert walk.progress.text() == ""
    assert "answered" not in walk.progress.text()
