"""The review workspace: one tab per part of the work on the chosen review."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reviewstation.app import changes
from reviewstation.gui.pages.artifacts.artifacts_view import ArtifactsPage
from reviewstation.gui.pages.audit.audit_view import AuditPage
from reviewstation.gui.pages.checklists.checklists_view import ChecklistsPage
from reviewstation.gui.pages.findings.findings_view import FindingsPage
from reviewstation.gui.pages.packages.packages_view import PackagesPage
from reviewstation.gui.pages.reviews.overview import OverviewPage
from reviewstation.gui.qt import QObject, Qt, QTabWidget, QWidget, Signal
from reviewstation.gui.runtime.context import Context

# What each page shows, in ``app.changes`` names: a change to any of them makes it stale.
SHOWS: dict[type[QWidget], frozenset[str]] = {
    OverviewPage: frozenset(
        {changes.REVIEWS, changes.CHECKLISTS, changes.FINDINGS, changes.ARTIFACTS}
    ),
    ArtifactsPage: frozenset({changes.ARTIFACTS}),
    ChecklistsPage: frozenset({changes.CHECKLISTS}),
    FindingsPage: frozenset({changes.FINDINGS}),
    AuditPage: frozenset({changes.AUDIT}),
    PackagesPage: frozenset({changes.PACKAGES}),
}

# Where the keyboard lands when a page is shown (by Alt+letter, a click, or the program): the
# part worked in, so the walkthrough's keys 1-4 and a table's arrows work without any Tab.
FOCUS: dict[type[QWidget], Callable[[Any], QWidget]] = {
    ArtifactsPage: lambda page: page.table,
    ChecklistsPage: lambda page: page.walkthrough,
    FindingsPage: lambda page: page.table,
    AuditPage: lambda page: page.table,
}


class Workspace(QTabWidget):
    review_chosen = Signal(int)  # a page asks for another review (an imported package's)

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.review_id = 0
        self.setAccessibleName("Review workspace")
        self.setDocumentMode(True)
        self.overview = OverviewPage(ctx, self)
        self.artifacts = ArtifactsPage(ctx, self)
        self.checklists = ChecklistsPage(ctx, self)
        self.findings = FindingsPage(ctx, self)
        self.audit = AuditPage(ctx, self)
        self.packages = PackagesPage(ctx, self)
        self.addTab(self.overview, "&Overview")
        self.addTab(self.artifacts, "&Artifacts")
        self.addTab(self.checklists, "&Checklists")
        self.addTab(self.findings, "F&indings")
        self.addTab(self.audit, "A&udit")
        self.addTab(self.packages, "&Packages")
        for index, page in enumerate(self.pages()):  # a page is named as its tab
            page.setAccessibleName(self.tabText(index).replace("&", "") + " page")
        self._shown: dict[int, int] = {}
        self.currentChanged.connect(self._refresh_current)
        self.currentChanged.connect(self._focus_page)
        self.packages.imported.connect(self._show_imported)

    def _show_imported(self, review_id: int) -> None:
        """The imported review, at once: chosen in the list, its overview in front."""
        self.setCurrentWidget(self.overview)
        self.review_chosen.emit(review_id)

    def pages(self) -> list[QWidget]:
        return [
            self.overview,
            self.artifacts,
            self.checklists,
            self.findings,
            self.audit,
            self.packages,
        ]

    def show_review(self, review_id: int) -> None:
        """Tell the visible page now; the others when they are next shown (lazy)."""
        self.review_id = review_id
        self._shown.clear()
        self._refresh_current()

    def refresh(self) -> None:
        """F5: every page reads again (the visible one now)."""
        self._shown.clear()
        for index in range(self.count()):
            reset = getattr(self.widget(index), "vault_changed", None)
            if reset is not None:
                reset()
        self._refresh_current()

    def vault_changed(self, changed: frozenset[str], origin: QObject | None) -> None:
        """Pages showing what changed are read again: the visible one now, others when shown.

        The page whose own work made the change (``origin`` is it or inside it) is left to
        update itself, as it does after its own work; only its neighbours are refreshed.
        """
        for index in range(self.count()):
            page = self.widget(index)
            if page is None or not SHOWS[type(page)] & changed:
                continue
            if _inside(origin, page):
                continue
            self._shown.pop(index, None)
            reset = getattr(page, "vault_changed", None)
            if reset is not None:
                reset()
        self._refresh_current()

    def _focus_page(self, index: int) -> None:
        page = self.widget(index)
        if page is None or self.tabBar().hasFocus():  # arrowing along the tabs: stay there
            return
        target = FOCUS.get(type(page))
        if target is not None:
            target(page).setFocus(Qt.FocusReason.TabFocusReason)

    def _refresh_current(self) -> None:
        index = self.currentIndex()
        page = self.widget(index)
        if page is None or self._shown.get(index) == self.review_id:
            return
        self._shown[index] = self.review_id
        show = getattr(page, "show_review", None)
        if show is not None:
            show(self.review_id)


def _inside(origin: QObject | None, page: QWidget) -> bool:
    while origin is not None:
        if origin is page:
            return True
        origin = origin.parent()
    return False
