"""Every window and dialog, in every state of ``catalogue.STATES``, walked through Qt's own
accessibility interfaces (what AT-SPI exports on Linux and UI Automation on Windows):

- no two Alt+letters reachable at once clash, and none is dead (one line per window);
- every control a user can reach (by Tab or click) has a non-empty accessible name and the
  role of its kind of control;
- Tab visits the controls of each container in the screen's order (rows top to bottom, left
  to right within a row).
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTabBar,
    QTableView,
    QTextEdit,
    QToolButton,
    QTreeView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from reviewstation.gui.windows.main_window import MainWindow

from .catalogue import COVERED, NOT_WINDOWS, STATES, close
from .test_accessibility import clashes, dead_mnemonics

Role = QAccessible.Role
# The role each kind of control must report (the first class that matches decides).
ROLES: tuple[tuple[type[QWidget], set[Role]], ...] = (
    (QCheckBox, {Role.CheckBox}),
    (QRadioButton, {Role.RadioButton}),
    (QPushButton, {Role.PushButton, Role.CheckBox}),  # Qt's role for a checkable one
    (QToolButton, {Role.PushButton, Role.ButtonMenu, Role.CheckBox}),
    (QComboBox, {Role.ComboBox}),
    (QLineEdit, {Role.EditableText}),
    (QPlainTextEdit, {Role.EditableText, Role.StaticText}),
    (QTextEdit, {Role.EditableText, Role.StaticText, Role.Document}),
    (QAbstractSpinBox, {Role.SpinBox}),
    (QTableView, {Role.Table}),
    (QTreeView, {Role.Tree, Role.Table}),
    (QListView, {Role.List}),
    (QTabBar, {Role.PageTabList}),
    (QProgressBar, {Role.ProgressBar}),
)


def reachable(widget: QWidget, top: QWidget) -> bool:
    """A control a user can reach in ``top`` as shown now."""
    return (
        widget.window() is top
        and widget.isVisible()
        and widget.isEnabled()
        and not widget.objectName().startswith("qt_")
        and bool(widget.focusPolicy() & 0x1 or isinstance(widget, QAbstractButton))
        and not _inside_compound(widget)
    )


def _inside_compound(widget: QWidget) -> bool:
    """Parts Qt builds inside a combo box or spin box; not the line edit of an editable
    combo box, which a screen reader meets as a text field of its own."""
    if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QComboBox):
        return False
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox):
            return True
        parent = parent.parentWidget()
    return False


def problems(top: QWidget) -> list[str]:
    found = []
    for widget in top.findChildren(QWidget):
        if not reachable(widget, top):
            continue
        iface = QAccessible.queryAccessibleInterface(widget)
        what = f"{type(widget).__name__} {widget.objectName() or widget.accessibleName()!r}"
        if iface is None or not iface.isValid():
            found.append(f"{what}: no accessible interface")
            continue
        name = iface.text(QAccessible.Text.Name).replace("&", "").strip()
        if not name and not isinstance(widget, QTabBar):  # a tab bar's names are its tabs'
            found.append(f"{what}: no accessible name")
        for kind, roles in ROLES:
            if isinstance(widget, kind):
                if iface.role() not in roles:
                    found.append(f"{what}: role {iface.role().name}, not {kind.__name__}'s")
                break
    return found


def tab_chain(top: QWidget) -> list[QWidget]:
    """The widgets Tab visits in ``top``, in order, once round."""
    focusable = [
        w for w in top.findChildren(QWidget) if reachable(w, top) and w.focusPolicy() & 0x1
    ]
    if not focusable:
        return []
    start = focusable[0]
    chain, widget = [start], start
    for _ in range(2000):
        following = widget.nextInFocusChain()
        if following is None or following is start:
            break
        widget = following
        if widget in focusable and widget not in chain:
            chain.append(widget)
    return chain


def rect_in(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())


def before(a: QRect, b: QRect) -> bool:
    """``a`` comes before ``b`` in reading order: an earlier row, or left on the same row."""
    same_row = a.top() < b.bottom() and b.top() < a.bottom()
    return a.left() <= b.left() if same_row else a.top() < b.top()


def order_problems(top: QWidget) -> list[str]:
    """Containers whose controls Tab visits against the screen's order.

    The Tab chain is a circle, so for the controls of one container (same parent), in the
    order Tab visits them, at most one step may go back in reading order: the wrap from the
    last to the first.
    """
    chain = tab_chain(top)
    found = []
    for parent in {id(w.parentWidget()): w.parentWidget() for w in chain}.values():
        seq = [w for w in chain if w.parentWidget() is parent]
        rects = [rect_in(w, top) for w in seq]
        backs = [
            f"{name(seq[i])} then {name(seq[(i + 1) % len(seq)])}"
            for i in range(len(seq))
            if before(rects[(i + 1) % len(seq)], rects[i])
            and not before(rects[i], rects[(i + 1) % len(seq)])
        ]
        if len(backs) > 1:
            found.append(f"Tab goes back: {', '.join(backs)}")
    return found


def name(widget: QWidget) -> str:
    return f"{type(widget).__name__} {widget.accessibleName() or widget.objectName()!r}"


def test_every_window_and_dialog(qtbot: QtBot, window: MainWindow) -> None:
    """One line per window and state: mnemonic clashes, dead mnemonics, unnamed or
    mis-roled controls, Tab against the screen's order. The table must be empty."""
    qtbot.waitUntil(lambda: window.workspace.overview.review is not None, timeout=10_000)
    table: list[str] = []
    for name, open_ in STATES:
        top = open_(qtbot, window)
        top.activateWindow()
        controls = [w for w in top.findChildren(QWidget) if reachable(w, top)]
        assert controls, name  # the walk sees the state's controls
        issues = []
        if clash := clashes(top):
            issues.append(f"Alt+ clashes {clash}")
        if dead := dead_mnemonics(top):
            issues.append(f"dead mnemonics {dead}")
        issues += problems(top)
        issues += order_problems(top)
        table.append(f"{name:32} {len(controls):3} controls  " + ("; ".join(issues) or "ok"))
        close(top, window)
    print("\n".join(table))  # one line per window and state (pytest -s shows it)
    assert [line for line in table if not line.endswith("  ok")] == []


def test_every_dialog_class_is_in_the_catalogue() -> None:
    """A new dialog is walked as soon as it exists: add its row to catalogue.STATES."""
    import importlib
    import pkgutil

    from PySide6.QtWidgets import QDialog

    import reviewstation.gui

    for module in pkgutil.walk_packages(reviewstation.gui.__path__, "reviewstation.gui."):
        importlib.import_module(module.name)

    def subclasses(cls: type) -> set[type]:
        found: set[type] = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    ours = {c for c in subclasses(QDialog) if c.__module__.startswith("reviewstation.gui")}
    left_out = {c.__name__ for c in ours - COVERED} - NOT_WINDOWS
    assert left_out == set()


def test_the_walk_sees_a_clash(qtbot: QtBot, window: MainWindow) -> None:
    """The walk is not blind: a second Alt+K in recovery mode would be a line."""
    from .catalogue import unlock

    dialog = unlock(True)(qtbot, window)
    dialog.ui.secretLabel.setText("Recovery &key:")  # type: ignore[attr-defined]
    assert "k" in clashes(dialog)
    close(dialog, window)


def test_the_walk_sees_unnamed_controls_and_a_backwards_tab(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QHBoxLayout

    host = QWidget()
    qtbot.addWidget(host)
    row = QHBoxLayout(host)
    left, middle, right = QLineEdit(host), QLineEdit(host), QPushButton(host)  # no names
    for widget in (left, middle, right):
        row.addWidget(widget)
    QWidget.setTabOrder(left, right)  # Tab skips the middle, then comes back to it
    QWidget.setTabOrder(right, middle)
    host.show()
    qtbot.waitExposed(host)
    assert {p.split(":")[1].strip() for p in problems(host)} == {"no accessible name"}
    assert len(problems(host)) == 3
    assert order_problems(host) != []
    left.setAccessibleName("Left")
    middle.setAccessibleName("Middle")
    right.setText("&Right")
    QWidget.setTabOrder(left, middle)
    QWidget.setTabOrder(middle, right)
    assert problems(host) == [] and order_problems(host) == []
