"""The pages of the export wizard. Each shows facts from an ``ExportPlan`` or collects one
choice; none of them touches the vault (the wizard runs every job on the vault thread)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewstation import markings
from reviewstation.app.identity import read_card
from reviewstation.artifacts.catalog import Artifact
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import ReviewStationError
from reviewstation.formats.common import TLP_LABELS
from reviewstation.gui.qt import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.banner import ClassificationBanner
from reviewstation.gui.widgets.dialogs import plain_label, plain_tip, private_file_dialog
from reviewstation.gui.widgets.wording import counted
from reviewstation.package_content import Designation
from reviewstation.packages.disclosure import DEFAULT_TLP, Choice
from reviewstation.packages.plan import ExportPlan
from reviewstation.text import people, person, visible


@dataclass(frozen=True)
class Card:
    path: Path
    identity: PublicIdentity


def size_text(size: int | None) -> str:
    if size is None:
        return ""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


class Page(QWidget):
    """A page: a heading, one line saying what to do, then the page's own widgets."""

    title = ""
    hint = ""
    changed = Signal()  # the page's answer changed: the wizard re-checks its buttons

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        heading = plain_label(self.title, self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        heading.setFont(font)
        self.layout_.addWidget(heading)
        if self.hint:
            self.layout_.addWidget(plain_label(self.hint, self))

    def complete(self) -> bool:
        return True

    def show_plan(self, plan: ExportPlan) -> None:
        """Called whenever a fresh plan arrives (pages that show none ignore it)."""


class ContentsPage(Page):
    title = "Contents"
    hint = "What the package will carry from this review."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = plain_label("Reading the review…", self)
        self.summary.setAccessibleName("Package contents")
        self.layout_.addWidget(self.summary)
        self.layout_.addStretch(1)

    def show_plan(self, plan: ExportPlan) -> None:
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(plan.findings_by_status.items()))
        total = sum(plan.findings_by_status.values())
        lines = [
            f"Review {plan.review_id}: {plan.review_title}",
            f"Determination: {plan.determination.replace('_', ' ')}",
            "",
            f"Findings: {total}" + (f" ({statuses})" if statuses else ""),
        ]
        if plan.withdrawn:
            lines.append(f"  {plan.withdrawn} withdrawn findings are left out.")
        lines.append(f"Checklist runs: {len(plan.runs)}")
        for run in plan.runs:
            state = f"signed off by {run.signed_off_by}" if run.signed_off_by else "in progress"
            lines.append(f"  {run.title}: {run.answered} of {run.total} answered, {state}")
        lines.append(f"Artifact records: {plan.artifacts} (hashes and custody, not content)")
        if plan.advisory:
            lines.append(f"Advisories: {plan.advisory}")
        lines.extend(f"Note: {note}" for note in plan.notes)
        lines.append("")
        lines.append("Next, choose which artifacts' content travels as evidence.")
        self.summary.setText("\n".join(lines))


class EvidencePage(Page):
    title = "Evidence"
    hint = (
        "Tick the artifacts whose exact content should travel in the package. Content leaves"
        " the room only when it is ticked here."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = QLabel("Evi&dence to carry:", self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Evidence")
        label.setBuddy(self.list)
        self.layout_.addWidget(label)
        self.layout_.addWidget(self.list, 1)
        self.count = plain_label("", self)
        self.layout_.addWidget(self.count)
        self.list.itemChanged.connect(self._changed)

    def show_artifacts(self, artifacts: list[Artifact]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for artifact in artifacts:
            if artifact.erased:
                continue
            item = QListWidgetItem(
                f"{artifact.id}  {artifact.path}  ({size_text(artifact.size)})", self.list
            )
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, artifact.id)
            item.setToolTip(f"SHA-256 {artifact.sha256}")
        self.list.blockSignals(False)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._changed()

    def chosen(self) -> list[str]:
        return [
            str(self.list.item(row).data(Qt.ItemDataRole.UserRole))
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]

    def _changed(self) -> None:
        n = len(self.chosen())
        if not self.list.count():
            self.count.setText("This review has no artifacts to carry.")
        else:
            self.count.setText(f"{n} of {self.list.count()} ticked (Space ticks the selected one).")
        self.changed.emit()


class RecipientsPage(Page):
    title = "Recipients"
    hint = "Whose identity cards the package is encrypted for."

    def __init__(self, marking: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.marking = marking
        self.cards: list[Card] = []
        label = QLabel("&Recipients:", self)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Recipients")
        label.setBuddy(self.list)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add recipient &card…", self)
        self.remove_button = QPushButton("Re&move from list", self)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.form = plain_label("", self)
        self.form.setAccessibleName("Package form")
        # Above UNCLASSIFIED, plaintext is a decision of its own, never a default.
        parsed = markings.try_parse(marking)
        self.classified = parsed is None or parsed.level > markings.Level.UNCLASSIFIED
        self.plaintext_check = QCheckBox(
            f"Send it &unencrypted: anyone who holds the file can read this {marking} content",
            self,
        )
        self.plaintext_check.setAccessibleName("Send the package unencrypted")
        self.plaintext_check.toggled.connect(lambda _on: self.changed.emit())
        self.error = plain_label("", self)
        self.layout_.addWidget(label)
        self.layout_.addWidget(self.list, 1)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.form)
        self.layout_.addWidget(self.plaintext_check)
        self.layout_.addWidget(self.error)
        self.add_button.clicked.connect(self.choose)
        self.remove_button.clicked.connect(self.remove)
        self._describe()

    def choose(self) -> None:
        dialog = private_file_dialog(
            self, "Recipient identity cards", QFileDialog.FileMode.ExistingFiles
        )
        dialog.filesSelected.connect(lambda names: self.add([Path(n) for n in names]))
        dialog.open()

    def add(self, paths: list[Path]) -> None:
        self.error.clear()
        for path in paths:
            try:
                card = read_card(path)
            except ReviewStationError as exc:
                self.error.setText(visible(f"{path.name}: {exc}"))
                continue
            if any(c.identity.fingerprint == card.fingerprint for c in self.cards):
                continue
            self.cards.append(Card(path, card))
            item = QListWidgetItem(
                f"{person(card.name, card.fingerprint)} ({visible(card.role)})", self.list
            )
            item.setToolTip(plain_tip(f"{visible(path)}\nP-384 {card.fingerprint}"))
        self._describe()

    def remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.cards):
            del self.cards[row]
            self.list.takeItem(row)
        self._describe()

    def identities(self) -> list[PublicIdentity]:
        return [c.identity for c in self.cards]

    def plaintext_ok(self) -> bool:
        """The user chose, on purpose, to send a marked package unencrypted."""
        return not self.cards and self.plaintext_check.isChecked()

    def complete(self) -> bool:
        return bool(self.cards) or not self.classified or self.plaintext_check.isChecked()

    def _describe(self) -> None:
        self.plaintext_check.setVisible(self.classified and not self.cards)
        if not self.cards:
            self.form.setText(
                "No recipients: the package will be PLAINTEXT. It is signed, not secret:"
                " anyone who holds the file can read everything in it."
            )
            if self.classified:
                self.form.setText(
                    theme.alert(
                        f"No recipients: this {self.marking} package would leave UNENCRYPTED."
                        " Add the recipients' identity cards, or tick the box below to send"
                        " it in plaintext on purpose."
                    )
                )
                theme.mark_loud(self.form)
            else:
                theme.mark(self.form, "")
        else:
            theme.mark(self.form, "")
            names = ", ".join(c.identity.name for c in self.cards)
            self.form.setText(
                f"Encrypted for {len(self.cards)} recipient(s): {names}. Only they can read the"
                " contents; anyone can still check the signature and the marking."
            )
        self.remove_button.setEnabled(bool(self.cards))
        self.changed.emit()


@dataclass(frozen=True)
class Listed:
    """A finding or recipient as the Disclosure page lists it (read on the vault thread)."""

    key: str  # finding number, or recipient name
    text: str


class DisclosurePage(Page):
    title = "Disclosure"
    hint = (
        "Optionally, send one recorded recipient only their view: withhold findings, or keep"
        " only one vendor's. Each withheld item keeps a salted digest, so it can be proven later."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enable = QCheckBox("&Selective disclosure to one recipient", self)
        self.enable.setAccessibleName("Selective disclosure")
        form = QFormLayout()
        self.recipient = QComboBox(self)
        self.recipient.setAccessibleName("Disclosure recipient")
        self.tlp = QComboBox(self)
        self.tlp.setAccessibleName("TLP label")
        self.tlp.addItems(list(TLP_LABELS))
        self.tlp.setCurrentText(DEFAULT_TLP)
        self.vendor = QLineEdit(self)
        self.vendor.setAccessibleName("Only this vendor")
        self.vendor.setPlaceholderText("all vendors")
        form.addRow("Reci&pient:", self.recipient)
        form.addRow("&TLP 2.0 label:", self.tlp)
        form.addRow("Only &vendor:", self.vendor)
        label = QLabel("&Withhold these findings:", self)
        self.findings = QListWidget(self)
        self.findings.setAccessibleName("Findings to withhold")
        label.setBuddy(self.findings)
        self.policy = plain_label("", self)
        self.policy.setAccessibleName("Disclosure policy")
        self.layout_.addWidget(self.enable)
        self.layout_.addLayout(form)
        self.layout_.addWidget(label)
        self.layout_.addWidget(self.findings, 1)
        self.layout_.addWidget(self.policy)
        self.enable.toggled.connect(self._toggled)
        self.recipient.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.tlp.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.vendor.textChanged.connect(lambda _t: self.changed.emit())
        self.findings.itemChanged.connect(lambda _i: self.changed.emit())
        self._toggled(False)

    def show_choices(self, recipients: list[Listed], findings: list[Listed]) -> None:
        self.recipient.clear()
        for r in recipients:
            self.recipient.addItem(r.text, r.key)
        self.findings.blockSignals(True)
        self.findings.clear()
        for f in findings:
            item = QListWidgetItem(f.text, self.findings)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, f.key)
        self.findings.blockSignals(False)
        self.enable.setEnabled(bool(recipients))
        if not recipients:
            self.policy.setText(
                "No recipient is recorded for disclosures; a lead records one with its card"
                " and clearance (File ▸ Disclosure recipients…, or 'identity clearance')."
            )
        self.changed.emit()

    def _toggled(self, on: bool) -> None:
        for widget in (self.recipient, self.tlp, self.vendor, self.findings):
            widget.setEnabled(on)
        if not on:
            self.policy.setText("The whole package goes to everyone it is encrypted for.")
            theme.mark(self.policy, "")
        self.changed.emit()

    def choice(self) -> Choice | None:
        if not self.enable.isChecked() or self.recipient.currentIndex() < 0:
            return None
        withheld = tuple(
            f"finding:{self.findings.item(row).data(Qt.ItemDataRole.UserRole)}"
            for row in range(self.findings.count())
            if self.findings.item(row).checkState() == Qt.CheckState.Checked
        )
        return Choice(
            str(self.recipient.currentData()),
            withheld,
            self.vendor.text().strip(),
            self.tlp.currentText(),
        )

    def show_plan(self, plan: ExportPlan) -> None:
        if self.choice() is None:
            return
        if plan.policy:
            self.policy.setText(theme.alert(f"Refused: {plan.policy}"))
            theme.mark_loud(self.policy)
        else:
            self.policy.setText("\n".join(plan.disclosure))
            theme.mark(self.policy, "")


class MarkingPage(Page):
    title = "Marking check"
    hint = (
        "A package is marked with the highest of the vault's marking, the review's marking and"
        " every finding's portion marking. Check it before anything leaves the room."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.marking = ""
        self.facts = plain_label("Working out the marking…", self)
        self.facts.setAccessibleName("Markings")
        self.banner = ClassificationBanner(self, "UNCLASSIFIED")
        self.banner.setVisible(False)
        self.confirm = QCheckBox("", self)
        self.confirm.setEnabled(False)
        # The classification authority block (classified) or CUI designation (CUI), as the
        # report's cover and the manifest will carry it.
        self.level = markings.Level.UNCLASSIFIED
        self.designation_box = QWidget(self)
        form = QFormLayout(self.designation_box)
        form.setContentsMargins(0, 0, 0, 0)
        self.fields: dict[str, QLineEdit] = {}
        for name, label in Designation.LABELS.items():
            edit = QLineEdit(self.designation_box)
            edit.setAccessibleName(label)
            edit.setMaxLength(200)
            edit.textChanged.connect(lambda _: self.changed.emit())
            form.addRow(label, edit)
            self.fields[name] = edit
        self.designation_box.setVisible(False)
        self.layout_.addWidget(self.facts)
        self.layout_.addWidget(self.banner)
        self.layout_.addWidget(self.designation_box)
        self.layout_.addWidget(self.confirm)
        self.layout_.addStretch(1)
        self.confirm.toggled.connect(lambda _: self.changed.emit())

    def show_plan(self, plan: ExportPlan) -> None:
        if plan.package_marking != self.marking:
            self.confirm.setChecked(False)  # a new marking must be confirmed again
        self.marking = plan.package_marking
        highest = plan.highest_portion or "(no findings)"
        self.facts.setText(
            "\n".join(
                [
                    f"Vault marking: {plan.vault_marking}",
                    f"Review marking: {plan.review_marking}",
                    f"Highest portion marking in the package: {highest}",
                    "",
                    "The package, its manifest and every page of its report will be marked:",
                ]
            )
        )
        self.banner.set_marking(plan.package_marking)
        self.banner.setVisible(True)
        shown = plan.package_marking.replace("&", "&&")  # a literal "&", not a mnemonic
        self.confirm.setText(f"I have &checked that {shown} is the right marking for this package")
        self.confirm.setAccessibleName("Marking confirmed")
        self.confirm.setEnabled(True)
        parsed = markings.try_parse(plan.package_marking)
        self.level = parsed.level if parsed else markings.Level.TOP_SECRET
        shown_fields = self.wanted()
        form = self.designation_box.layout()
        assert isinstance(form, QFormLayout)
        for name, edit in self.fields.items():
            form.setRowVisible(edit, name in shown_fields)
        self.designation_box.setVisible(bool(shown_fields))

    def wanted(self) -> tuple[str, ...]:
        """The designation fields this package's marking asks for."""
        if self.level == markings.Level.UNCLASSIFIED:
            return ()
        return Designation.CUI if self.level == markings.Level.CUI else Designation.AUTHORITY

    def designation(self) -> Designation:
        """What was entered (InputError for a field that is not one line)."""
        wanted = self.wanted()
        return Designation(**{name: self.fields[name].text() for name in wanted})

    def complete(self) -> bool:
        if not self.confirm.isChecked():
            return False
        if self.level >= markings.Level.CONFIDENTIAL:
            return all(self.fields[name].text().strip() for name in Designation.AUTHORITY)
        return True


class ManifestPage(Page):
    title = "Manifest preview"
    hint = "Every member the package will hold, and what it contains. Nothing is written yet."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        label = QLabel("&Members:", self)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Package members")
        self.tree.setHeaderLabels(["Member", "Contains", "Size"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        # Evidence names can be long: elide them in the middle (the tooltip has the whole
        # name) so that the "Contains" column stays readable.
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self.tree.setColumnWidth(0, 250)
        # Sizes right-aligned in a column as wide as the widest ("1023 bytes") plus a margin,
        # so the last digit never touches the frame.
        self.tree.setColumnWidth(2, self.tree.fontMetrics().horizontalAdvance("1023 bytes") + 24)
        label.setBuddy(self.tree)
        self.note = plain_label("", self)
        self.layout_.addWidget(label)
        self.layout_.addWidget(self.tree, 1)
        self.layout_.addWidget(self.note)

    def show_plan(self, plan: ExportPlan) -> None:
        self.tree.clear()
        payload: QTreeWidgetItem | None = None
        for member in plan.members:
            row = [member.name, member.what, size_text(member.size)]
            parent = payload if member.inner and payload is not None else None
            item = QTreeWidgetItem(row) if parent is None else QTreeWidgetItem(parent, row)
            if parent is None:
                self.tree.addTopLevelItem(item)
            item.setToolTip(0, plain_tip(member.name))
            item.setToolTip(1, plain_tip(member.what))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if member.name == "payload.enc":
                payload = item
        if payload is not None:
            payload.setExpanded(True)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        outer = sum(1 for m in plan.members if not m.inner)
        inner = len(plan.members) - outer
        self.note.setText(
            (
                f"Encrypted: {counted(outer, 'member')} outside; payload.enc holds the"
                f" {counted(inner, 'member')} of"
                " the signed package."
                if plan.encrypted
                else f"Plaintext: {counted(outer, 'member')}."
            )
            + " Sizes left blank are known only once the package is sealed."
        )


class ApprovalPage(Page):
    title = "Approval"
    hint = "This vault requires a second person's approval of each export."
    request = Signal()
    recheck = Signal()

    def __init__(self, writable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.writable = writable
        self.ready = False
        self.state = plain_label("Checking for an approval…", self)
        self.state.setAccessibleName("Approval state")
        self.how = plain_label(
            "A lead other than you approves from their own session: request approval here,"
            " lock the vault (Ctrl+L); the lead unlocks, opens Packages and approves your"
            " request under 'Pending export approvals'. Then unlock again and export. Changing"
            " a finding, a checklist answer or an artifact afterwards voids the approval.",
            self,
        )
        buttons = QHBoxLayout()
        self.request_button = QPushButton("&Request approval", self)
        self.recheck_button = QPushButton("Check &again", self)
        buttons.addWidget(self.request_button)
        buttons.addWidget(self.recheck_button)
        buttons.addStretch(1)
        self.layout_.addWidget(self.state)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.how)
        self.layout_.addStretch(1)
        self.request_button.clicked.connect(self.request.emit)
        self.recheck_button.clicked.connect(self.recheck.emit)

    def show_plan(self, plan: ExportPlan) -> None:
        state = plan.approval
        self.ready = state.ready
        if state.approval is not None:
            done = state.approval
            self.state.setText(
                f"APPROVED by {done.approved_by} at {done.approved} (request {done.id}, asked"
                f" by {done.requested_by} at {done.requested}). This export will use it; the"
                f" audit trail and the manifest will name {done.approved_by}."
            )
        elif not state.required:
            self.state.setText("This vault does not require an approval; you may export.")
        elif state.waiting is not None:
            self.state.setText(
                f"NOT APPROVED YET: your request {state.waiting.id} waits for another lead's"
                " approval."
            )
        else:
            reason = state.reason[:1].upper() + state.reason[1:]
            self.state.setText(f"NOT APPROVED: {reason}. Request an approval for this export.")
        self.request_button.setEnabled(
            self.writable and state.required and not state.ready and state.waiting is None
        )
        self.changed.emit()

    def complete(self) -> bool:
        return self.ready


class OutputPage(Page):
    title = "Write the package"
    hint = "Choose where to write the package, then export. An existing file is never replaced."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout()
        label = QLabel("&Output file:", self)
        self.edit = QLineEdit(self)
        self.edit.setAccessibleName("Output file")
        self.edit.setPlaceholderText("where to write the package (.rspkg)")
        label.setBuddy(self.edit)
        self.browse_button = QPushButton("Bro&wse…", self)
        row.addWidget(label)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse_button)
        self.summary = plain_label("", self)
        self.summary.setAccessibleName("Export summary")
        self.status = plain_label("", self)
        self.status.setAccessibleName("Export status")
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.summary)
        self.layout_.addWidget(self.status)
        self.layout_.addStretch(1)
        self.browse_button.clicked.connect(self.choose)
        self.edit.textChanged.connect(self._edited)

    def _edited(self) -> None:
        self.status.clear()  # an earlier "Not exported" was about another file
        self.changed.emit()

    def choose(self) -> None:
        dialog = private_file_dialog(self, "Write the package to", QFileDialog.FileMode.AnyFile)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile("review.rspkg")
        dialog.fileSelected.connect(self.edit.setText)
        dialog.open()

    def show_plan(self, plan: ExportPlan) -> None:
        names = people(plan.recipients, plan.recipient_fingerprints)
        form = f"encrypted for {names}" if plan.encrypted else "plaintext"
        approved = (
            f"; approved by {plan.approval.approval.approved_by}"
            if plan.approval.approval is not None
            else ""
        )
        self.summary.setText(
            f"Review {plan.review_id}, marked {plan.package_marking}, {form},"
            f" {counted(len(plan.evidence), 'evidence file')},"
            f" {counted(len(plan.members), 'member')}{approved}."
        )

    def complete(self) -> bool:
        return bool(self.edit.text().strip())
