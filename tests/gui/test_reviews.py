"""The reviews list with its clock, the Overview tab and the New review dialog."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewstation.app import views
from reviewstation.gui.pages.reviews import overview
from reviewstation.gui.pages.reviews.review_dialog import NewReviewDialog
from reviewstation.gui.pages.reviews.reviews_list import CLOCK_COLOURS
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.theme import ICON
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.vault.session import Session

from .conftest import open_main_window

TIMEOUT = 10_000


def open_dialog(qtbot: QtBot) -> NewReviewDialog:
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, NewReviewDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=TIMEOUT,
    )
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, NewReviewDialog)]
    return dialog


def test_demo_review_is_listed_with_an_amber_clock_and_overview(
    qtbot: QtBot, window: MainWindow
) -> None:
    item = window.reviews.topLevelItem(0)
    assert item is not None
    assert item.text(0) == "DEMO: Orion-2 pre-release cyber review"
    assert item.text(1) == "6 d left"
    assert item.background(1).color().name() == CLOCK_COLOURS["warning"][0]
    overview = window.workspace.overview
    qtbot.waitUntil(lambda: overview.values["title"].text() != "", timeout=TIMEOUT)
    assert overview.clock.text().startswith(f"{ICON} 6 d left")
    assert "deadline near" in overview.clock.text()
    assert overview.values["determination"].text() == "pending"
    assert "2 of 38 answered" in overview.checklists.text()
    assert overview.findings.text().startswith("3 in all")
    assert "high: 1" in overview.findings.text()
    assert window.ui.topBanner.text() == window.ui.bottomBanner.text() == "UNCLASSIFIED"


def test_new_review_by_keyboard_defaults_to_thirty_days(qtbot: QtBot, window: MainWindow) -> None:
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = open_dialog(qtbot)
    assert dialog.top_banner.text() == dialog.bottom_banner.text() == "UNCLASSIFIED"
    today = QDate.currentDate()
    assert dialog.received_edit.date() == today
    assert dialog.deadline_edit.date() == today.addDays(30)
    QTest.keyClicks(dialog.title_edit, "Second review")
    QTest.keyClick(dialog.title_edit, Qt.Key.Key_Tab)
    QTest.keyClicks(dialog.developer_edit, "Lab B")
    QTest.keyClicks(dialog.model_edit, "Vega")
    QTest.keyClicks(dialog.version_edit, "1.1")
    dialog.access_combo.setCurrentIndex(dialog.access_combo.findData("api"))
    QTest.keyClick(dialog.model_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 2, timeout=TIMEOUT)
    overview = window.workspace.overview
    qtbot.waitUntil(lambda: overview.values["model"].text() == "Vega 1.1", timeout=TIMEOUT)
    assert overview.values["access"].text() == "api"
    assert not any(isinstance(w, NewReviewDialog) for w in QApplication.topLevelWidgets())
    current = window.reviews.currentItem()
    assert current is not None and current.text(0) == "Second review"
    assert current.text(1) == "30 d left"
    assert current.data(1, Qt.ItemDataRole.UserRole) == "ok"


def test_overdue_review_is_red_and_errors_stay_in_the_dialog(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.new_button.click()
    dialog = open_dialog(qtbot)
    dialog.create_button.click()  # nothing typed: the service's sentence, dialog stays
    qtbot.waitUntil(dialog.error_label.isVisible, timeout=TIMEOUT)
    assert dialog.error_label.text() == "The review's title must not be empty."
    assert dialog.isVisible()
    QTest.keyClicks(dialog.title_edit, "Late review")
    QTest.keyClicks(dialog.developer_edit, "Lab C")
    QTest.keyClicks(dialog.model_edit, "Old")
    received = dt.date.today() - dt.timedelta(days=40)
    dialog.received_edit.setDate(QDate(received.year, received.month, received.day))
    assert dialog.deadline_edit.date() == dialog.received_edit.date().addDays(30)
    dialog.create_button.click()
    # The list is read again twice (the vault-changed signal, then the dialog's own refresh
    # that chooses the new review): wait for the new review to be the chosen one.
    qtbot.waitUntil(
        lambda: (
            (item := window.reviews.currentItem()) is not None and item.text(0) == "Late review"
        ),
        timeout=TIMEOUT,
    )
    late = window.reviews.currentItem()
    assert late is not None and late.text(1) == f"{ICON} 10 d overdue"
    assert late.background(1).color().name() == CLOCK_COLOURS["overdue"][0]
    overview = window.workspace.overview
    qtbot.waitUntil(lambda: "OVERDUE" in overview.clock.text(), timeout=TIMEOUT)


def test_opening_loads_the_overview_once(
    qtbot: QtBot, shell: Shell, demo_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = views.review_overview

    def counting(session: Session, review_id: int) -> views.ReviewOverview:
        calls.append(review_id)
        return real(session, review_id)

    monkeypatch.setattr(overview, "review_overview", counting)  # as the page calls it
    window = open_main_window(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: window.workspace.overview.review is not None, timeout=TIMEOUT)
    drained: list[object] = []  # the vault thread runs jobs in order: all before it are done
    shell.vault.submit(lambda _s: None, drained.append, drained.append)
    qtbot.waitUntil(lambda: drained != [], timeout=TIMEOUT)
    assert calls == [1]
    window.refresh()  # F5 reads it again
    qtbot.waitUntil(lambda: calls == [1, 1], timeout=TIMEOUT)
