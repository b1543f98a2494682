"""The review workspace: one tab per part of the work on the chosen review."""

from __future__ import annotations

from reviewstation.gui.artifacts_view import ArtifactsPage
from reviewstation.gui.audit_view import AuditPage
from reviewstation.gui.checklists_view import ChecklistsPage
from reviewstation.gui.context import Context
from reviewstation.gui.findings_view import FindingsPage
from reviewstation.gui.overview import OverviewPage
from reviewstation.gui.packages_view import PackagesPage
from reviewstation.gui.qt import QTabWidget, QWidget


class Workspace(QTabWidget):
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
        self._shown: dict[int, int] = {}
        self.currentChanged.connect(self._refresh_current)

    def show_review(self, review_id: int) -> None:
        """Tell the visible page now; the others when they are next shown (lazy)."""
        self.review_id = review_id
        self._shown.clear()
        self._refresh_current()

    def refresh(self) -> None:
        self._shown.clear()
        self._refresh_current()

    def _refresh_current(self) -> None:
        index = self.currentIndex()
        page = self.widget(index)
        if page is None or self._shown.get(index) == self.review_id:
            return
        self._shown[index] = self.review_id
        show = getattr(page, "show_review", None)
        if show is not None:
            show(self.review_id)
