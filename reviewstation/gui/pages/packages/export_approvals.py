"""Export requests of the shown review, for the Packages tab: a lead who did not make a
request approves it here, from their own unlocked session (two-person integrity). The
confirmation shows what is approved: each recipient's name with all three fingerprints, the
evidence files, the markings and the content digest."""

from __future__ import annotations

from reviewstation.app.views import OpenExportRequests, open_export_requests
from reviewstation.gui.qt import (
    QCheckBox,
    QFontDatabase,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import ConfirmDialog, plain_label
from reviewstation.gui.widgets.wording import counted
from reviewstation.packages import approval
from reviewstation.packages.approval import ExportRequest, RequestView
from reviewstation.vault import policy
from reviewstation.vault.session import Session

Row = RequestView  # a listed request, its status and why this session may not approve it


class ApprovalDialog(ConfirmDialog):
    """The confirmation with the request in full below the question, in a fixed-width font
    (fingerprints line up), as plain text: names and paths come from cards and submissions."""

    def __init__(
        self,
        marking: str,
        title: str,
        text: str,
        action: str,
        lines: list[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(marking, title, text, action, parent)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("What you approve")
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setPlainText("\n".join(lines))
        self.body.insertWidget(1, self.details, 1)
        self.resize(980, 460)
        self.ok_button.setFocus()


class PendingApprovals(QGroupBox):
    approved = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__("Export approvals (two-person integrity)", parent)
        self.ctx = ctx
        self.review_id = 0
        self.rows: list[Row] = []
        layout = QVBoxLayout(self)
        self.policy_label = plain_label("", self)
        self.policy_label.setAccessibleName("Export approval policy")
        self.policy_check = QCheckBox("Require a second lead's approva&l of every export", self)
        self.policy_check.setToolTip("Leads only; every change is recorded in the audit trail")
        self.policy_check.setEnabled(False)
        self.list_label = label = QLabel("Pendin&g export approvals:", self)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Pending export approvals")
        self.tree.setHeaderLabels(
            ["Request", "Requested by", "When", "Evidence", "Recipients", "Status"]
        )
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setMaximumHeight(110)
        label.setBuddy(self.tree)
        buttons = QHBoxLayout()
        self.approve_button = QPushButton("Approve re&quest…", self)
        self.refresh_button = QPushButton("Refres&h", self)
        self.why = plain_label("", self)
        self.policy_note = ""  # what the last change of the policy did, when not a change
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.why, 1)
        layout.addWidget(self.policy_label)
        layout.addWidget(self.policy_check)
        layout.addWidget(label)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        self.tree.currentItemChanged.connect(lambda *_: self._update())
        self.approve_button.clicked.connect(self.confirm_approval)
        self.refresh_button.clicked.connect(self.refresh)
        self.policy_check.clicked.connect(self.set_policy)
        self._update()

    def show_review(self, review_id: int) -> None:
        self.review_id = review_id
        self.refresh()

    def refresh(self) -> None:
        review_id = self.review_id
        if not review_id:
            # No review shown: another review's requests must not stay listed (or approvable).
            self.rows = []
            self.tree.clear()
            self._update()

        def job(session: Session) -> OpenExportRequests:
            return open_export_requests(session, review_id)

        self.ctx.vault.submit(job, self._show, self.why.setText, owner=self)

    def _show(self, answer: OpenExportRequests) -> None:
        setting, rows = answer.policy, answer.requests
        self.policy_label.setText(
            (
                "This vault requires a second lead's approval of each export."
                if setting == "required"
                else "This vault does not require an approval of exports."
            )
            + (f" {self.policy_note}" if self.policy_note else "")
        )
        self.policy_note = ""
        self.policy_check.setChecked(setting == "required")
        self.policy_check.setEnabled(self.ctx.lead)
        self.rows = rows
        # Without the policy and without requests the list says nothing: keep the tab short.
        listed = setting == "required" or bool(rows)
        self.list_label.setVisible(listed)
        self.tree.setVisible(listed)
        self.tree.clear()
        for row in rows:
            r = row.request
            names = ", ".join(approval.shown(p["name"]) for p in r.recipients) or "(plaintext)"
            QTreeWidgetItem(
                self.tree,
                [str(r.id), r.requested_by, r.requested, str(len(r.evidence)), names, row.status],
            )
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        self._update()

    def selected(self) -> Row | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        index = self.tree.indexOfTopLevelItem(item)
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _update(self) -> None:
        row = self.selected()
        reason = ""
        if self.ctx.info.role == "lead" and self.ctx.permissions.read_only:
            reason = "This session is read-only."
        elif not self.ctx.lead:
            reason = "Only a lead other than the requester can approve."
        elif row is None:
            reason = "No open requests for this review." if not self.rows else ""
        else:
            reason = row.refusal  # own request, not pending, or a creator of the other account
        self.why.setText(reason)
        self.approve_button.setEnabled(bool(row) and not reason)

    def confirm_approval(self) -> None:
        row = self.selected()
        if row is None or not self.approve_button.isEnabled():
            return
        r = row.request
        form = (
            f"encrypted for the {len(r.recipients)} recipient key set(s) below"
            if r.recipients
            else "as a PLAINTEXT package"
        )
        dialog = ApprovalDialog(
            self.ctx.marking,
            "Approve an export",
            f"Approve request {r.id} of {r.requested_by}? They may then export review"
            f" {r.review_id} once, as it stands now, with"
            f" {counted(len(r.evidence), 'evidence file')},"
            f" {form}. Check each recipient's fingerprints against a card you trust, not just"
            " its name. Any later change to the review voids the approval.",
            "&Approve",
            row.lines(),
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.approve(r.id))
        dialog.open()

    def set_policy(self, required: bool) -> None:
        """A lead's change of the vault-wide policy; the core audits it."""
        value = "required" if required else "off"

        def job(session: Session) -> policy.PolicyChange:
            return policy.set_export_approval(session, value)

        def done(result: policy.PolicyChange) -> None:
            # Turning approval off only proposes it until a second lead agrees: say so.
            self.policy_note = result.message
            self.refresh()

        self.policy_check.setEnabled(False)
        self.ctx.vault.submit(job, done, self._policy_failed, owner=self)

    def _policy_failed(self, message: str) -> None:
        self.why.setText(message)
        self.refresh()

    def approve(self, request_id: int) -> None:
        def job(session: Session) -> ExportRequest:
            return approval.approve_export(session, request_id)

        def done(_: ExportRequest) -> None:
            self.refresh()
            self.approved.emit()

        self.approve_button.setEnabled(False)
        self.ctx.vault.submit(job, done, self.why.setText, owner=self)
