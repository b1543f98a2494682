"""The staging diff of a package against this review: one row per item (finding, checklist
answer, checklist run, evidence link, triage label) with its status, and under it one row per
field that differs (this vault's value, the package's, the common ancestor's, who changed it there).

Each offered item has an Accept and a Reject box. New and changed items start accepted;
a conflict (both sides changed a field since the common ancestor), a change to a finding
approved here, a decision on a triage label decided here and an item decided at an earlier
merge start with neither, so nothing of that
kind is taken without the lead ticking it. Conflicts are tinted and led by the warning icon.
Every value comes from a package and is shown made visible (``text.visible``), never as markup.
"""

from __future__ import annotations

from reviewstation.app.history import short
from reviewstation.app.merge import Item, Staging
from reviewstation.gui.qt import (
    QBrush,
    QColor,
    QDialogButtonBox,
    QHeaderView,
    Qt,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
    Signal,
)
from reviewstation.gui.widgets.dialogs import MarkedDialog, plain_label, plain_tip
from reviewstation.gui.widgets.theme import CAUTION_FILL, ICON
from reviewstation.text import person, visible

ACCEPT, REJECT, STATUS, ITEM, OURS, THEIRS, BASE, WHO = range(8)
HEADINGS = ["Accept", "Reject", "Status", "Item", "This vault", "Package", "Ancestor", "Changed by"]
ID_ROLE = Qt.ItemDataRole.UserRole


def preaccepted(item: Item) -> bool:
    """New and changed items start accepted; conflicts, approved findings and items decided
    before do not."""
    return (
        item.offered
        and item.status != "conflicting"
        and not item.approved
        and not item.decided
        and not item.decided_here
    )


def status_text(item: Item) -> str:
    warn = (item.approved or bool(item.decided_here)) and item.offered
    parts: list[str] = [item.status]
    if item.approved and item.offered:
        parts.append("approved here: accepting resets the approval")
    if item.decided_here and item.offered:
        parts.append(f"{item.decided_here} here: accepting replaces that decision")
    if item.decided:
        parts.append(f"{item.decided} before")
    text = "; ".join(parts)
    return f"{ICON} {text}" if item.status == "conflicting" or warn else text


class StagingDialog(MarkedDialog):
    """Choose what of the package to merge; ``decided`` carries the accepted and rejected ids."""

    decided = Signal(list, list)

    def __init__(self, marking: str, staging: Staging, parent: QWidget | None = None) -> None:
        super().__init__(marking, "Merge a package into this review", parent)
        self.staging = staging
        counts = ", ".join(f"{n} {status}" for status, n in staging.counts().items() if n)
        self.summary = plain_label(
            f"Package {staging.package_id} from"
            f" {person(staging.signer, staging.signer_fingerprint)} (sequence"
            f" {staging.sequence}), against review {staging.review_id}"
            f" “{visible(staging.review_title)}” ({staging.matched_by}): {counts or 'no items'}."
            " Only the items ticked Accept are merged; each decision is audited.",
            self,
        )
        self.body.addWidget(self.summary)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Staged items")
        self.tree.setColumnCount(len(HEADINGS))
        self.tree.setHeaderLabels(HEADINGS)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.rows: dict[str, QTreeWidgetItem] = {}
        self._filling = True
        for item in staging.items:
            self.tree.addTopLevelItem(self._row(item))
        self._filling = False
        for column in (ACCEPT, REJECT, STATUS):
            self.tree.resizeColumnToContents(column)
        self.tree.setColumnWidth(ITEM, 260)
        self.tree.itemChanged.connect(self._changed)
        self.body.addWidget(self.tree, 1)
        if staging.notes:
            self.body.addWidget(plain_label("\n".join(visible(n) for n in staging.notes), self))
        buttons = QDialogButtonBox(self)
        self.merge_button = buttons.addButton(
            "&Merge accepted items", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._merge)
        buttons.rejected.connect(self.reject)
        self.body.addWidget(buttons)
        self.resize(1100, 620)

    def _row(self, item: Item) -> QTreeWidgetItem:
        row = QTreeWidgetItem()
        row.setData(ITEM, ID_ROLE, item.key)  # keys are unique; ids could collide
        row.setText(STATUS, status_text(item))
        row.setText(ITEM, f"{item.kind}: {visible(item.title)}")
        row.setToolTip(ITEM, plain_tip(f"{item.id}  {item.key}\n{item.ancestor}\n{item.note}"))
        if item.offered:
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(ACCEPT, _state(preaccepted(item)))
            row.setCheckState(REJECT, _state(False))
        else:
            row.setFlags(row.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
        if item.status == "conflicting":
            _tint(row)
        for diff in item.fields:
            child = QTreeWidgetItem(
                [
                    "",
                    "",
                    f"{ICON} conflict" if diff.conflict else diff.side,
                    diff.field,
                    visible(short(diff.ours)),
                    visible(short(diff.theirs)),
                    visible(short(diff.base)) if diff.base_known else "(unknown)",
                    visible(f"{diff.changed_by} {diff.changed_at}".strip()),
                ]
            )
            child.setFlags(child.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
            for column, value in ((OURS, diff.ours), (THEIRS, diff.theirs), (BASE, diff.base)):
                child.setToolTip(column, plain_tip("" if value is None else str(value)))
            if diff.conflict:
                _tint(child)
            row.addChild(child)
        row.setExpanded(item.offered)
        self.rows[item.key] = row
        return row

    def _changed(self, row: QTreeWidgetItem, column: int) -> None:
        """Accept and Reject exclude each other."""
        if self._filling or column not in (ACCEPT, REJECT):
            return
        other = REJECT if column == ACCEPT else ACCEPT
        if row.checkState(column) == Qt.CheckState.Checked:
            self._filling = True
            row.setCheckState(other, Qt.CheckState.Unchecked)
            self._filling = False

    def chosen(self, column: int) -> list[str]:
        return [
            str(row.data(ITEM, ID_ROLE))
            for row in self.rows.values()
            if row.flags() & Qt.ItemFlag.ItemIsUserCheckable
            and row.checkState(column) == Qt.CheckState.Checked
        ]

    def accepted_ids(self) -> list[str]:
        return self.chosen(ACCEPT)

    def rejected_ids(self) -> list[str]:
        return self.chosen(REJECT)

    def set_choice(self, key: str, accept: bool | None) -> None:
        """Tick Accept (True), Reject (False) or neither (None) for one item (by its key)."""
        row = self.rows[key]
        row.setCheckState(ACCEPT, _state(accept is True))
        row.setCheckState(REJECT, _state(accept is False))

    def _merge(self) -> None:
        self.decided.emit(self.accepted_ids(), self.rejected_ids())
        self.accept()


def _state(checked: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked


def _tint(row: QTreeWidgetItem) -> None:
    fill, text = QBrush(QColor(CAUTION_FILL[0])), QBrush(QColor(CAUTION_FILL[1]))
    for column in range(len(HEADINGS)):
        row.setBackground(column, fill)
        row.setForeground(column, text)
