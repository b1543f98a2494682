"""The export wizard: contents, evidence, recipients, marking check, manifest preview,
approval (when the vault's policy requires one), then the export itself with progress and
Cancel. Every look at the vault is a job on the vault thread; the preview writes nothing."""

from __future__ import annotations

from pathlib import Path

from reviewstation.app.determination import area_results
from reviewstation.artifacts import catalog
from reviewstation.artifacts.catalog import Artifact
from reviewstation.errors import ReviewStationError
from reviewstation.gui.pages.packages.export_wizard_pages import (
    ApprovalPage,
    ContentsPage,
    DisclosurePage,
    EvidencePage,
    Listed,
    ManifestPage,
    MarkingPage,
    OutputPage,
    Page,
    RecipientsPage,
)
from reviewstation.gui.qt import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    Qt,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.operation import run_operation
from reviewstation.gui.runtime.progress import JobProgress
from reviewstation.gui.widgets.dialogs import MarkedDialog, plain_label
from reviewstation.packages import disclosure as disclosures
from reviewstation.packages.approval import request_export
from reviewstation.packages.content import gather
from reviewstation.packages.disclosure import Choice
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.packages.plan import ExportPlan, plan_export
from reviewstation.text import visible
from reviewstation.vault.session import Session


class ExportWizard(MarkedDialog):
    """Emits ``exported`` with the result and closes when the package is written."""

    exported = Signal(object)  # ExportResult
    requested = Signal()  # an approval request was recorded

    def __init__(self, ctx: Context, review_id: int, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "Export a package", parent)
        self.ctx = ctx
        self.review_id = review_id
        self.plan: ExportPlan | None = None
        self._planned_for: tuple[object, ...] | None = None
        self._generation = 0
        self.busy = False  # a plan or an export is being worked out
        self.exporting = False

        self.contents = ContentsPage(self)
        self.evidence = EvidencePage(self)
        self.recipients = RecipientsPage(ctx.marking, self)
        self.disclosure = DisclosurePage(self)
        self.marking_page = MarkingPage(self)
        self.manifest = ManifestPage(self)
        self.approval = ApprovalPage(ctx.writable, self)
        self.output = OutputPage(self)
        self.all_pages: list[Page] = [
            self.contents,
            self.evidence,
            self.recipients,
            self.disclosure,
            self.marking_page,
            self.manifest,
            self.approval,
            self.output,
        ]
        self.pages: list[Page] = [p for p in self.all_pages if p is not self.approval]

        # A map of the way, not a way to skip the checks: no focus, no selection.
        self.steps = QListWidget(self)
        self.steps.setAccessibleName("Steps")
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.steps.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.steps.setMaximumWidth(180)
        self.stack = QStackedWidget(self)
        for page in self.all_pages:
            self.stack.addWidget(page)
            page.changed.connect(self._update_buttons)
        middle = QHBoxLayout()
        middle.addWidget(self.steps)
        middle.addWidget(self.stack, 1)
        self.body.addLayout(middle, 1)
        self.status = plain_label("", self)
        self.status.setAccessibleName("Wizard status")
        self.body.addWidget(self.status)

        buttons = QHBoxLayout()
        self.back_button = QPushButton("< &Back", self)
        self.next_button = QPushButton("&Next >", self)
        self.export_button = QPushButton("E&xport", self)
        self.cancel_button = QPushButton("Cancel", self)
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.export_button):
            buttons.addWidget(button)
        buttons.addSpacing(12)
        buttons.addWidget(self.cancel_button)
        self.body.addLayout(buttons)

        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.export_button.clicked.connect(self.export)
        self.cancel_button.clicked.connect(self.reject)
        # The policy's answer follows each disclosure choice while the page is shown.
        self.disclosure.changed.connect(
            lambda: self.refresh_plan() if self.page is self.disclosure else None
        )
        self.approval.request.connect(self.request_approval)
        self.approval.recheck.connect(lambda: self.refresh_plan(force=True))
        self.resize(940, 580)
        self._fill_steps()
        self.go(0)
        self._load()

    # -- navigation ------------------------------------------------------------------------

    @property
    def page(self) -> Page:
        widget = self.stack.currentWidget()
        assert isinstance(widget, Page)
        return widget

    def index(self) -> int:
        return self.pages.index(self.page)

    def _fill_steps(self) -> None:
        self.steps.clear()
        for number, page in enumerate(self.pages, start=1):
            item = QListWidgetItem(f"{number}. {page.title}", self.steps)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self._mark_step()

    def _mark_step(self) -> None:
        """The current step in bold; steps ahead in the placeholder colour, which reads at
        4.5:1 in both themes (never the palette's mid grey, lost on a dark ground); the
        list's own selection stays off."""
        current = self.pages.index(self.page) if self.page in self.pages else -1
        palette = self.steps.palette()
        for row in range(self.steps.count()):
            item = self.steps.item(row)
            font = item.font()
            font.setBold(row == current)
            item.setFont(font)
            ahead = row > current
            item.setForeground(palette.placeholderText() if ahead else palette.text())
            where = "current step" if row == current else "step ahead" if ahead else "step done"
            item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, where)

    def go(self, index: int) -> None:
        page = self.pages[index]
        self.stack.setCurrentWidget(page)
        self._mark_step()
        if page in (self.disclosure, self.marking_page, self.manifest, self.approval, self.output):
            self.refresh_plan()
        self._update_buttons()
        self._focus(page)

    def _focus(self, page: Page) -> None:
        focus = {
            self.evidence: self.evidence.list,
            self.recipients: self.recipients.list,
            self.marking_page: self.marking_page.confirm,
            self.manifest: self.manifest.tree,
            self.output: self.output.edit,
        }.get(page, self.next_button)
        focus.setFocus()

    def next(self) -> None:
        if self.next_button.isEnabled() and self.index() + 1 < len(self.pages):
            self.go(self.index() + 1)

    def back(self) -> None:
        if self.index() > 0:
            self.go(self.index() - 1)

    def _update_buttons(self) -> None:
        index = self.index()
        last = index == len(self.pages) - 1
        ready = not self.busy and self._plan_fits() and self.page.complete()
        self.back_button.setEnabled(index > 0 and not self.busy)
        self.next_button.setVisible(not last)
        self.next_button.setEnabled(not last and ready)
        self.export_button.setVisible(last)
        self.export_button.setEnabled(last and ready and self._may_export())
        default = self.export_button if last else self.next_button
        default.setDefault(True)

    def _plan_fits(self) -> bool:
        """The checks from the marking on need a plan of exactly the current choices."""
        if self.page in (self.evidence, self.recipients):
            return True
        if self.page is self.disclosure:
            # Its policy line needs a plan of exactly these choices; without a disclosure
            # there is nothing to check yet.
            return self.disclosure.choice() is None or (
                self.plan is not None and self._planned_for == self._choices()
            )
        if self.page is self.contents:
            return self.plan is not None
        return self.plan is not None and self._planned_for == self._choices()

    def _may_export(self) -> bool:
        return (
            self.ctx.writable
            and self.plan is not None
            and self.plan.approval.ready
            and not self.plan.policy
            and self.marking_page.complete()
        )

    # -- the plan ----------------------------------------------------------------------------

    def _choices(self) -> tuple[tuple[str, ...], tuple[str, ...], Choice | None]:
        return (
            tuple(self.evidence.chosen()),
            tuple(r.fingerprint for r in self.recipients.identities()),
            self.disclosure.choice(),
        )

    def _load(self) -> None:
        review_id = self.review_id

        def job(session: Session) -> list[Artifact]:
            return catalog.list_artifacts(session.conn, review_id)

        self.ctx.vault.submit(job, self.evidence.show_artifacts, self._failed, owner=self)

        def choices(session: Session) -> tuple[list[Listed], list[Listed]]:
            people = [
                Listed(r.name, f"{visible(r.name)} (cleared for {r.clearance})")
                for r in disclosures.recipients(session.conn)
            ]
            content = gather(session, review_id, package_id="", created="")
            findings = [
                Listed(
                    str(f.id),
                    f"{f.id}  {f.portion_mark} {visible(f.title)}"
                    + (f"  [{visible(f.vendor)}]" if f.vendor else ""),
                )
                for f in content.findings
            ]
            return people, findings

        self.ctx.vault.submit(
            choices, lambda found: self.disclosure.show_choices(*found), self._failed, owner=self
        )
        self.refresh_plan()

    def refresh_plan(self, force: bool = False) -> None:
        """Work the plan out again when the choices changed since the last one."""
        choices = self._choices()
        if not force and self.plan is not None and self._planned_for == choices:
            return
        self._generation += 1
        generation = self._generation
        review_id = self.review_id
        evidence = list(choices[0])
        cards = self.recipients.identities()
        disclose = choices[2]
        self.busy = True
        self.status.setText("Working out the package…")
        self._update_buttons()

        def job(session: Session) -> ExportPlan:
            return plan_export(
                session, review_id, evidence=evidence, recipients=cards, disclose=disclose
            )

        def done(plan: ExportPlan) -> None:
            if generation != self._generation:
                return  # an older answer: a newer plan is on its way
            self.busy = False
            self.plan = plan
            self._planned_for = choices
            self.status.clear()
            self._place_approval(plan.approval.required)
            for page in self.all_pages:
                page.show_plan(plan)
            self._update_buttons()

        def failed(message: str) -> None:
            if generation == self._generation:
                self.busy = False
                self._failed(message)

        self.ctx.vault.submit(job, done, failed, owner=self)

    def _place_approval(self, required: bool) -> None:
        """The Approval step exists only when the vault's policy requires one."""
        if required == (self.approval in self.pages):
            return
        current = self.page
        if required:
            self.pages.insert(self.pages.index(self.output), self.approval)
        else:
            self.pages.remove(self.approval)
        self._fill_steps()
        self.stack.setCurrentWidget(current if current in self.pages else self.output)
        self._mark_step()

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self._update_buttons()

    # -- approval ----------------------------------------------------------------------------

    def request_approval(self) -> None:
        if not self.ctx.writable:
            return
        review_id = self.review_id
        evidence, _, disclose = self._choices()
        cards = self.recipients.identities()
        self.approval.request_button.setEnabled(False)

        def job(session: Session) -> int:
            chosen = disclose.resolve(session, review_id, list(evidence)) if disclose else None
            return request_export(
                session,
                review_id,
                evidence=list(evidence),
                recipients=cards,
                plan=chosen.to_json() if chosen else None,
            ).id

        def done(number: int) -> None:
            self.requested.emit()
            self.refresh_plan(force=True)
            self.status.setText(f"Request {number} recorded; a second lead must approve it.")

        self.ctx.vault.submit(job, done, self._failed, owner=self)

    # -- export ------------------------------------------------------------------------------

    def export(self) -> None:
        if not self.export_button.isEnabled():
            return
        out = Path(self.output.edit.text().strip())
        review_id = self.review_id
        evidence, _, disclose = self._choices()
        cards = self.recipients.identities()
        plaintext_ok = self.recipients.plaintext_ok()
        try:
            designation = self.marking_page.designation()
        except ReviewStationError as exc:
            self.output.status.setText(f"Not exported: {exc}")
            return
        self.busy = self.exporting = True
        self._update_buttons()
        self.output.status.setText("Exporting…")

        def work(session: Session, progress: JobProgress) -> ExportResult:
            chosen = disclose.resolve(session, review_id, list(evidence)) if disclose else None
            return export_package(
                session,
                review_id,
                out,
                recipients=cards,
                evidence=list(evidence),
                progress=progress.report_stage,
                cancel=progress.cancel,
                plaintext_ok=plaintext_ok,
                designation=designation,
                determination=area_results(session, review_id, cancel=progress.cancel),
                disclosure=chosen,
            )

        def done(result: ExportResult) -> None:
            self.busy = self.exporting = False
            self.exported.emit(result)
            self.accept()

        def failed(failure: Failure) -> None:
            self.busy = self.exporting = False
            self.output.status.setText(f"Not exported: {failure.message}")
            # A cancelled or failed export leaves its approval usable: ask the vault again.
            self.refresh_plan(force=True)

        run_operation(self.ctx, self, "Exporting the package…", work, done, failed)

    def reject(self) -> None:
        if self.exporting:
            return  # the progress dialog's Cancel stops an export under way
        super().reject()
