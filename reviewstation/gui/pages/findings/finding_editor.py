"""The finding editor: fields, Markdown body with a live preview, CVSS v4.0 with a live
score, evidence, status changes with a reason, and the revision history."""

from __future__ import annotations

import json
from typing import Any

from reviewstation.app.history import field_changes
from reviewstation.app.views import FindingView, finding_view
from reviewstation.errors import InputError
from reviewstation.evidence import EvidenceRef
from reviewstation.findings import service
from reviewstation.findings.scoring import score_cvss4
from reviewstation.findings.service import JUSTIFICATIONS, KINDS, SEVERITIES, VEX_STATUSES, Finding
from reviewstation.gui.pages.checklists.evidence_picker import EvidencePicker, describe
from reviewstation.gui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    Qt,
    QTabWidget,
    QTimer,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets.dialogs import (
    ConfirmDialog,
    MarkedDialog,
    buddy_label,
    plain_label,
    plain_tip,
)
from reviewstation.gui.widgets.elided_label import ElidedLabel
from reviewstation.gui.widgets.markdown_preview import MarkdownPreview
from reviewstation.gui.widgets.text_fields import keep_caret
from reviewstation.gui.widgets.theme import mark, mark_error
from reviewstation.text import visible
from reviewstation.vault.session import Session

PREVIEW_DELAY_MS = 150
TITLE_BAR = 40  # pixels a window manager's title bar may take above a dialog
TEXT_FIELDS = ("title", "cvss_vector", "cwe", "vendor", "product", "versions", "portion_marking")


def describe_change(changes: dict[str, Any]) -> str:
    parts = []
    for name, value in sorted(changes.items()):
        if name == "reason":
            continue
        if isinstance(value, list) and len(value) == 2:
            old, new = value
            if name == "body":
                parts.append("body changed")
            elif old is None:
                parts.append(f"{name} = {new}")
            else:
                parts.append(f"{name}: {old} → {new}")
        else:
            parts.append(f"{name}: {json.dumps(value, sort_keys=True)}")
    if "reason" in changes:
        parts.append(f"reason: {changes['reason']}")
    return "; ".join(parts)


def _old_and_new(old: Any, new: Any) -> str:
    def text(value: Any) -> str:
        if value is None:
            return "(none)"
        return value if isinstance(value, str) else json.dumps(value, indent=1, sort_keys=True)

    return f"Old:\n{text(old)}\n\nNew:\n{text(new)}"


def _holds(refs: list[EvidenceRef], ref: EvidenceRef) -> bool:
    """Whether ``refs`` names the same evidence (a saved one also carries its digest)."""
    return any(r.artifact_uid == ref.artifact_uid and r.sample_id == ref.sample_id for r in refs)


class FindingEditor(MarkedDialog):
    saved = Signal(object)  # Finding

    def __init__(
        self, ctx: Context, review_id: int, finding_id: int, parent: QWidget | None = None
    ) -> None:
        title = f"Finding {finding_id}" if finding_id else "New finding"
        super().__init__(ctx.marking, title, parent)
        self.ctx = ctx
        self.review_id = review_id
        self.finding: Finding | None = None
        # Within the screen, title bar included (a 1024x700 screen is 700 high, not 720).
        area = self.screen().availableGeometry()
        self.resize(min(980, area.width()), min(720, area.height() - TITLE_BAR))
        tabs = QTabWidget(self)
        self.tabs = tabs
        tabs.setAccessibleName("Finding parts")
        self.body.addWidget(tabs, 1)

        # -- the finding --------------------------------------------------------------------
        page = QWidget(tabs)
        page_layout = QVBoxLayout(page)
        form = QFormLayout()
        self.title_edit = QLineEdit(page)
        self.kind_combo = QComboBox(page)
        self.kind_combo.addItems(list(KINDS))
        self.severity_combo = QComboBox(page)
        self.severity_combo.addItems(list(SEVERITIES))
        self.severity_combo.setCurrentText("medium")
        self.marking_edit = QLineEdit(page)
        self.marking_edit.setPlaceholderText("e.g. CUI or U")
        self.cvss_edit = QLineEdit(page)
        self.cvss_edit.setPlaceholderText(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        )
        # One line under the vector, cut with "…" when long (the tooltip has it whole): the
        # form never jumps as the score or the error changes at each keystroke.
        self.cvss_score = ElidedLabel("", page)
        self.cvss_score.setAccessibleName("CVSS score")
        bold = self.cvss_score.font()
        bold.setBold(True)
        self.cvss_score.setFont(bold)
        self.cwe_edit = QLineEdit(page)
        self.cwe_edit.setPlaceholderText("CWE-787")
        self.vendor_edit = QLineEdit(page)
        self.product_edit = QLineEdit(page)
        self.versions_edit = QLineEdit(page)
        top = QHBoxLayout()
        top.addWidget(self.kind_combo)
        severity_label = QLabel("Se&verity:", page)
        severity_label.setBuddy(self.severity_combo)
        top.addWidget(severity_label)
        top.addWidget(self.severity_combo)
        marking_label = QLabel("&Portion marking:", page)
        marking_label.setBuddy(self.marking_edit)
        top.addWidget(marking_label)
        top.addWidget(self.marking_edit)
        top.addStretch(1)
        product = QHBoxLayout()
        product.addWidget(self.vendor_edit)
        product_label = QLabel("Pro&duct:", page)
        product_label.setBuddy(self.product_edit)
        product.addWidget(product_label)
        product.addWidget(self.product_edit)
        versions_label = QLabel("Ve&rsions:", page)
        versions_label.setBuddy(self.versions_edit)
        product.addWidget(versions_label)
        product.addWidget(self.versions_edit)
        cvss = QVBoxLayout()
        cvss.setSpacing(2)
        cvss.addWidget(self.cvss_edit)
        cvss.addWidget(self.cvss_score)
        where, source = self._location_rows(page)
        vex, ranges = self._vex_rows(page)
        rows: tuple[tuple[str, QWidget, QHBoxLayout | QVBoxLayout | None], ...] = (
            ("&Title:", self.title_edit, None),
            ("&Kind:", self.kind_combo, top),
            ("CVSS v&4.0:", self.cvss_edit, cvss),
            ("C&WE:", self.cwe_edit, None),
            ("Ve&ndor:", self.vendor_edit, product),
            ("Fi&le:", self.file_edit, where),
            ("C&ommit:", self.commit_edit, source),
            ("VEX stat&us:", self.vex_combo, vex),
            ("Affected ran&ge:", self.affected_edit, ranges),
            ("A&ction statement:", self.action_edit, None),
        )
        for text, widget, layout in rows:
            label = buddy_label(text, widget, page)
            form.addRow(label, layout if layout is not None else widget)
        names = {
            self.title_edit: "Title",
            self.kind_combo: "Kind",
            self.severity_combo: "Severity",
            self.marking_edit: "Portion marking",
            self.cvss_edit: "CVSS v4.0 vector",
            self.cwe_edit: "CWE",
            self.vendor_edit: "Vendor",
            self.product_edit: "Product",
            self.versions_edit: "Affected versions",
            self.file_edit: "Affected file",
            self.line_edit: "Line",
            self.end_line_edit: "End line",
            self.function_edit: "Function",
            self.commit_edit: "Commit",
            self.repository_edit: "Repository",
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)
        page_layout.addLayout(form)

        split = QSplitter(Qt.Orientation.Horizontal, page)
        editor_box = QWidget(split)
        editor_layout = QVBoxLayout(editor_box)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        self.body_edit = QPlainTextEdit(editor_box)
        self.body_edit.setAccessibleName("Body (Markdown)")
        self.body_edit.setTabChangesFocus(True)
        body_label = QLabel("&Body (Markdown):", editor_box)
        body_label.setBuddy(self.body_edit)
        editor_layout.addWidget(body_label)
        editor_layout.addWidget(self.body_edit, 1)
        preview_box = QWidget(split)
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.setContentsMargins(0, 0, 0, 0)
        self.preview = MarkdownPreview(preview_box)
        preview_label = QLabel("Prev&iew:", preview_box)
        preview_label.setBuddy(self.preview)
        preview_layout.addWidget(preview_label)
        preview_layout.addWidget(self.preview, 1)
        page_layout.addWidget(split, 1)

        status_row = QHBoxLayout()
        self.status_label = plain_label("Status: draft (new)", page)
        self.status_label.setAccessibleName("Status")
        self.status_label.setWordWrap(False)
        self.status_combo = QComboBox(page)
        self.status_combo.setAccessibleName("New status")
        self.status_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status_combo.setMinimumContentsLength(10)
        self.reason_edit = QLineEdit(page)
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setPlaceholderText(
            "Reason (needed to dispute, withdraw or lower an approved severity)"
        )
        self.status_button = QPushButton("Change &status", page)
        status_row.addWidget(self.status_label)
        move_label = QLabel("&Move to:", page)
        move_label.setBuddy(self.status_combo)
        status_row.addWidget(move_label)
        status_row.addWidget(self.status_combo)
        status_row.addWidget(self.reason_edit, 1)
        status_row.addWidget(self.status_button)
        page_layout.addLayout(status_row)
        tabs.addTab(page, "&Finding")

        # -- evidence -----------------------------------------------------------------------
        evidence_page = QWidget(tabs)
        evidence_layout = QVBoxLayout(evidence_page)
        self.evidence_list = QListWidget(evidence_page)
        self.evidence_list.setAccessibleName("Evidence")
        evidence_label = QLabel(
            "Evidence: artifacts, or single samples of evaluation logs, this finding rests on."
            " Added evidence is kept with the finding's history and cannot be removed.",
            evidence_page,
        )
        evidence_label.setWordWrap(True)
        evidence_layout.addWidget(evidence_label)
        evidence_layout.addWidget(self.evidence_list, 1)
        evidence_row = QHBoxLayout()
        self.evidence_button = QPushButton("&Add evidence…", evidence_page)
        evidence_row.addWidget(self.evidence_button)
        evidence_row.addStretch(1)
        evidence_layout.addLayout(evidence_row)
        tabs.addTab(evidence_page, "&Evidence")
        self.pending: list[EvidenceRef] = []
        self.paths: dict[str, str] = {}

        # -- history ------------------------------------------------------------------------
        self.history = QTreeWidget(tabs)
        self.history.setHeaderLabels(["Rev.", "When", "Who", "Changes"])
        self.history.setRootIsDecorated(True)  # a revision, then a row per changed field
        self.history.setAccessibleName("Revision history")
        self.history.setColumnWidth(0, 50)
        self.history.setColumnWidth(1, 170)
        self.history.setColumnWidth(2, 90)
        tabs.addTab(self.history, "&History")

        self.error_label = plain_label("", self)
        self.error_label.setAccessibleName("Error")
        mark_error(self.error_label)
        self.error_label.hide()
        self.body.addWidget(self.error_label)
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_button.setShortcut("Ctrl+S")
        self.copy_button = buttons.addButton("Cop&y text", QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.copy_button.clicked.connect(self.copy_text)
        self.status_button.clicked.connect(self.change_status)
        self.evidence_button.clicked.connect(self.choose_evidence)
        self.body.addWidget(buttons)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.update_preview)
        self.body_edit.textChanged.connect(self._preview_timer.start)
        self.cvss_edit.textChanged.connect(self.update_score)
        self.severity_combo.currentTextChanged.connect(lambda _text: self.update_score())

        self._confirm: ConfirmDialog | None = None
        self._saved_values = self.values()  # what Escape may close without asking
        self._set_editable(ctx.writable)
        self.status_combo.setEnabled(False)
        self.status_button.setEnabled(False)
        self.reason_edit.setEnabled(False)
        if finding_id:
            self._set_editable(False)  # until it has loaded
            self._load(finding_id)
        else:
            self.tabs.setTabEnabled(self.tabs.indexOf(self.history), False)
        self.title_edit.setFocus()

    def _location_rows(self, page: QWidget) -> tuple[QHBoxLayout, QHBoxLayout]:
        """Where in the product's source: file, lines and function; commit and repository."""
        self.file_edit = QLineEdit(page)
        self.file_edit.setPlaceholderText("src/parser.c (from the repository root)")
        self.line_edit = QLineEdit(page)
        self.end_line_edit = QLineEdit(page)
        for edit in (self.line_edit, self.end_line_edit):
            edit.setMaximumWidth(90)
        self.function_edit = QLineEdit(page)
        self.commit_edit = QLineEdit(page)
        self.commit_edit.setPlaceholderText("git commit id")
        self.repository_edit = QLineEdit(page)
        self.repository_edit.setPlaceholderText("https://example.org/project.git")
        where = QHBoxLayout()
        where.addWidget(self.file_edit, 2)
        for text, edit in (
            ("Line:", self.line_edit),
            ("to:", self.end_line_edit),
            ("Function:", self.function_edit),
        ):
            label = QLabel(text, page)
            label.setBuddy(edit)
            where.addWidget(label)
            where.addWidget(edit, 1 if edit is self.function_edit else 0)
        source = QHBoxLayout()
        source.addWidget(self.commit_edit, 1)
        label = QLabel("Repository:", page)
        label.setBuddy(self.repository_edit)
        source.addWidget(label)
        source.addWidget(self.repository_edit, 2)
        return where, source

    def _vex_rows(self, page: QWidget) -> tuple[QHBoxLayout, QHBoxLayout]:
        """What a VEX statement needs: status, justification (not_affected only), the vers
        ranges of the affected and the fixing versions, and the action statement."""
        self.vex_combo = QComboBox(page)
        self.vex_combo.addItem("(not assessed)", "")
        for status in VEX_STATUSES:
            self.vex_combo.addItem(status.replace("_", " "), status)
        self.justification_combo = QComboBox(page)
        self.justification_combo.addItem("(none)", "")
        for value in JUSTIFICATIONS:
            self.justification_combo.addItem(value.replace("_", " "), value)
        for combo in (self.vex_combo, self.justification_combo):
            # The long justifications must not widen the whole form: the list shows them whole.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        self.affected_edit = QLineEdit(page)
        self.affected_edit.setPlaceholderText("vers:semver/>=1.0.0|<1.4.0")
        self.fixed_edit = QLineEdit(page)
        self.fixed_edit.setPlaceholderText("vers:semver/>=1.4.0")
        self.action_edit = QLineEdit(page)
        self.action_edit.setPlaceholderText(
            "What users of an affected product should do (needed to approve 'affected')"
        )
        vex = QHBoxLayout()
        vex.addWidget(self.vex_combo)
        why = QLabel("&Justification:", page)
        why.setBuddy(self.justification_combo)
        vex.addWidget(why)
        vex.addWidget(self.justification_combo, 1)
        ranges = QHBoxLayout()
        ranges.addWidget(self.affected_edit, 1)
        fixed = QLabel("Fi&xed in:", page)
        fixed.setBuddy(self.fixed_edit)
        ranges.addWidget(fixed)
        ranges.addWidget(self.fixed_edit, 1)
        for widget, name in (
            (self.vex_combo, "VEX status"),
            (self.justification_combo, "Justification for not affected"),
            (self.affected_edit, "Affected version range (vers)"),
            (self.fixed_edit, "Fixed version range (vers)"),
            (self.action_edit, "Action statement"),
        ):
            widget.setAccessibleName(name)
        self.vex_combo.currentIndexChanged.connect(lambda _i: self._vex_changed())
        self._vex_changed()
        return vex, ranges

    def _vex_changed(self) -> None:
        """A justification belongs to not_affected alone."""
        not_affected = self.vex_combo.currentData() == "not_affected"
        self.justification_combo.setEnabled(not_affected and self.ctx.writable)
        if not not_affected:
            self.justification_combo.setCurrentIndex(0)

    # -- loading ---------------------------------------------------------------------------

    def _load(self, finding_id: int) -> None:
        self.ctx.vault.submit(
            lambda s: finding_view(s, finding_id), self._show, self.show_error, owner=self
        )

    def _show(self, loaded: FindingView) -> None:
        f = loaded.finding
        self.finding = f
        self.setWindowTitle(f"Finding {f.id} — revision {f.revision}")
        # After a save the same values come back: the caret stays where the user left it.
        keep_caret(self.title_edit, f.title)
        self.kind_combo.setCurrentText(f.kind)
        self.severity_combo.setCurrentText(f.severity)
        keep_caret(self.marking_edit, f.portion_marking)
        keep_caret(self.cvss_edit, f.cvss_vector or "")
        keep_caret(self.cwe_edit, f.cwe or "")
        keep_caret(self.vendor_edit, f.vendor)
        keep_caret(self.product_edit, f.product)
        keep_caret(self.versions_edit, f.versions)
        for edit, value in (
            (self.file_edit, f.file_path),
            (self.line_edit, f.start_line),
            (self.end_line_edit, f.end_line),
            (self.function_edit, f.function_name),
            (self.commit_edit, f.commit_id),
            (self.repository_edit, f.repository),
        ):
            keep_caret(edit, "" if value is None else str(value))
        self.vex_combo.setCurrentIndex(max(0, self.vex_combo.findData(f.vex_status or "")))
        self.justification_combo.setCurrentIndex(
            max(0, self.justification_combo.findData(f.justification or ""))
        )
        keep_caret(self.affected_edit, f.affected_versions)
        keep_caret(self.fixed_edit, f.fixed_versions)
        keep_caret(self.action_edit, f.action_statement)
        keep_caret(self.body_edit, f.body)
        self.update_preview()
        self.update_score()
        approved = f" by {f.approved_by}" if f.approved_by else ""
        self.status_label.setText(f"Status: {f.status}{approved}; author {f.author}")
        self.status_combo.clear()
        for target in service.TRANSITIONS[f.status]:
            self.status_combo.addItem(target, target)
        self.history.clear()
        for rev in reversed(loaded.history):
            item = QTreeWidgetItem(
                [str(rev["revision"]), rev["at"], rev["user"], describe_change(rev["changes"])]
            )
            item.setToolTip(3, plain_tip(json.dumps(rev["changes"], indent=1, sort_keys=True)))
            # One row per field: old → new, the whole values in the row's tooltip.
            for change in field_changes(rev, loaded.merged):
                row = QTreeWidgetItem(["", "", "", visible(change.line())])
                row.setToolTip(3, plain_tip(_old_and_new(change.old, change.new)))
                item.addChild(row)
            self.history.addTopLevelItem(item)
            item.setExpanded(True)
        self.paths = loaded.paths
        self.pending = [p for p in self.pending if not _holds(f.evidence, p)]
        self._saved_values = self.values()
        self._show_evidence()
        self._set_editable(self.ctx.writable)
        for widget in (self.status_combo, self.status_button, self.reason_edit):
            widget.setEnabled(self.ctx.writable)

    def _set_editable(self, editable: bool) -> None:
        for edit in (
            self.title_edit,
            self.marking_edit,
            self.cvss_edit,
            self.cwe_edit,
            self.vendor_edit,
            self.product_edit,
            self.versions_edit,
            self.file_edit,
            self.line_edit,
            self.end_line_edit,
            self.function_edit,
            self.commit_edit,
            self.repository_edit,
            self.affected_edit,
            self.fixed_edit,
            self.action_edit,
        ):
            edit.setReadOnly(not editable)
        self.body_edit.setReadOnly(not editable)
        self.vex_combo.setEnabled(editable)
        self.justification_combo.setEnabled(
            editable and self.vex_combo.currentData() == "not_affected"
        )
        self.kind_combo.setEnabled(editable)
        self.severity_combo.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.evidence_button.setEnabled(editable)

    # -- evidence --------------------------------------------------------------------------

    def _show_evidence(self) -> None:
        self.evidence_list.clear()
        saved = self.finding.evidence if self.finding is not None else []
        for ref in saved:
            self.evidence_list.addItem(describe(ref, self.paths))
        for ref in self.pending:
            self.evidence_list.addItem(f"{describe(ref, self.paths)}  (added when you save)")
        if not saved and not self.pending:
            self.evidence_list.addItem("No evidence yet.")

    def choose_evidence(self) -> None:
        picker = EvidencePicker(self.ctx, self.review_id, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.picked.connect(self.add_evidence)
        picker.open()

    def add_evidence(self, ref: EvidenceRef, path: str) -> None:
        """Kept until the next save, which resolves the reference on the vault thread."""
        known = self.finding.evidence if self.finding is not None else []
        if _holds(self.pending, ref) or _holds(known, ref):
            return
        self.pending.append(ref)
        self.paths.setdefault(ref.artifact_uid, path)
        self._show_evidence()

    # -- live feedback ---------------------------------------------------------------------

    def update_preview(self) -> None:
        self._preview_timer.stop()
        self.preview.set_markdown(self.body_edit.toPlainText())

    def update_score(self) -> None:
        text = self.cvss_edit.text().strip()
        if not text:
            self.cvss_score.setText("no score")
            mark_error(self.cvss_score, False)
            return
        try:
            score = score_cvss4(text)
        except InputError as exc:
            self.cvss_score.setText(str(exc))
            mark_error(self.cvss_score)
            return
        # A reviewer may rate a finding apart from its CVSS score, but should see that they did.
        # The comparison is with the most specific score (CVSS-BT/BE/BTE when the vector sets
        # threat or environmental metrics); every named score is shown, CVSS-B first.
        suggested = "info" if score.severity == "None" else score.severity.lower()
        chosen = self.severity_combo.currentText()
        differs = suggested != chosen
        self.cvss_score.setText(
            score.summary() + (f" (the severity chosen is {chosen})" if differs else "")
        )
        mark(self.cvss_score, "warning" if differs else "")

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    # -- saving ----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        return {
            "title": self.title_edit.text(),
            "kind": self.kind_combo.currentText(),
            "severity": self.severity_combo.currentText(),
            "portion_marking": self.marking_edit.text(),
            "cvss_vector": self.cvss_edit.text().strip(),
            "cwe": self.cwe_edit.text().strip(),
            "vendor": self.vendor_edit.text(),
            "product": self.product_edit.text(),
            "versions": self.versions_edit.text(),
            "file_path": self.file_edit.text().strip(),
            "start_line": self.line_edit.text().strip(),
            "end_line": self.end_line_edit.text().strip(),
            "function_name": self.function_edit.text().strip(),
            "commit_id": self.commit_edit.text().strip(),
            "repository": self.repository_edit.text().strip(),
            "vex_status": self.vex_combo.currentData() or "",
            "justification": self.justification_combo.currentData() or "",
            "affected_versions": self.affected_edit.text().strip(),
            "fixed_versions": self.fixed_edit.text().strip(),
            "action_statement": self.action_edit.text().strip(),
            "body": self.body_edit.toPlainText(),
        }

    def save(self) -> None:
        if not self.ctx.writable:
            return
        values = self.values()
        reason = self.reason_edit.text()
        review_id = self.review_id
        existing = self.finding.id if self.finding is not None else 0
        evidence = list(self.pending)

        def job(session: Session) -> FindingView:
            if existing:
                finding = service.update_finding(
                    session, existing, reason=reason, evidence=evidence, **values
                )
            else:
                new = dict(values)
                fields = {
                    k: v
                    for k, v in new.items()
                    if k
                    not in ("title", "severity", "kind", "body", "cvss_vector", "portion_marking")
                }
                finding = service.add_finding(
                    session,
                    review_id,
                    title=new["title"],
                    severity=new["severity"],
                    kind=new["kind"],
                    body=new["body"],
                    cvss_vector=new["cvss_vector"] or None,
                    portion_marking=new["portion_marking"] or None,
                    evidence=evidence,
                    **{k: v for k, v in fields.items() if v},
                )
            return finding_view(session, finding.id)

        self.save_button.setEnabled(False)
        self.ctx.vault.submit(job, self._on_saved, self._on_save_failed, owner=self)

    # -- closing -------------------------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        return self.ctx.writable and (bool(self.pending) or self.values() != self._saved_values)

    def reject(self) -> None:
        """Escape, Close and the window's close button: unsaved edits are not dropped unasked.

        Locking calls ``done()`` instead, which closes at once (the vault is going away).
        """
        if not self.has_unsaved_changes():
            super().reject()
            return
        if self._confirm is not None:
            return  # already asking
        confirm = ConfirmDialog(
            self.ctx.marking,
            "Unsaved changes",
            "Discard your changes to this finding?",
            "&Discard",
            self,
        )
        confirm.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        confirm.setMinimumWidth(380)
        # Enter keeps the edits; discarding them takes Alt+D or a click.
        for box in confirm.findChildren(QDialogButtonBox):
            cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
            if cancel is not None:
                cancel.setDefault(True)
                cancel.setFocus()
        confirm.accepted.connect(self._discard)
        confirm.finished.connect(self._forget_confirm)
        self._confirm = confirm
        confirm.open()

    def _discard(self) -> None:
        self._confirm = None  # answered; it is closing itself
        super().reject()

    def _forget_confirm(self) -> None:
        self._confirm = None

    def done(self, result: int) -> None:
        confirm, self._confirm = self._confirm, None
        if confirm is not None and confirm.isVisible():
            confirm.done(QDialog.DialogCode.Rejected.value)  # a lock closes the question too
        super().done(result)

    def _on_saved(self, loaded: FindingView) -> None:
        self.show_error("")
        self.reason_edit.clear()
        self.tabs.setTabEnabled(self.tabs.indexOf(self.history), True)
        self._show(loaded)
        self.saved.emit(loaded.finding)

    def _on_save_failed(self, message: str) -> None:
        self.save_button.setEnabled(self.ctx.writable)
        self.show_error(message)

    def change_status(self) -> None:
        if self.finding is None or not self.ctx.writable:
            return
        target = self.status_combo.currentData()
        if not isinstance(target, str):
            return
        finding_id, reason = self.finding.id, self.reason_edit.text()

        def job(session: Session) -> FindingView:
            service.set_status(session, finding_id, target, reason)
            return finding_view(session, finding_id)

        self.ctx.vault.submit(job, self._on_saved, self.show_error, owner=self)

    def copy_text(self) -> None:
        mark = f"({self.marking_edit.text()})" if self.marking_edit.text() else ""
        self.ctx.clipboard.copy(
            f"{mark} {self.title_edit.text()}\n\n{self.body_edit.toPlainText()}"
        )
        self.show_error("")
