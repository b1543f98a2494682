"""Every window and dialog of the app, in each state that changes what it shows.

One row per state: a name and an opener that shows it over an unlocked demo vault's main
window and returns the top-level widget, ready. The mnemonic table and the accessibility
walks (``test_a11y_walk.py``) go through the same rows, so a new dialog is one more row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from reviewstation.app.custody import CustodyForm
from reviewstation.gui.pages.artifacts.compare_dialog import CompareDialog
from reviewstation.gui.pages.checklists.evidence_picker import EvidencePicker
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.packages.disclosure_dialogs import (
    CheckProofDialog,
    ProveDialog,
    RecipientsDialog,
)
from reviewstation.gui.pages.packages.export_approvals import ApprovalDialog
from reviewstation.gui.pages.packages.export_wizard import ExportWizard
from reviewstation.gui.pages.packages.staging_dialog import StagingDialog
from reviewstation.gui.pages.reviews.capability_areas import AreaDialog
from reviewstation.gui.pages.reviews.determination_dialog import DeterminationDialog
from reviewstation.gui.pages.reviews.review_dialog import NewReviewDialog
from reviewstation.gui.runtime.progress import JobProgress, ProgressDialog
from reviewstation.gui.widgets.custody_fields import CustodyDialog
from reviewstation.gui.widgets.dialogs import ConfirmDialog, MessageDialog, PassphraseDialog
from reviewstation.gui.windows.create_vault_wizard import CreateVaultWizard
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.settings_dialog import SettingsDialog
from reviewstation.gui.windows.unlock_dialog import UnlockDialog
from reviewstation.gui.windows.users_dialog import (
    AddPersonDialog,
    PassphraseChangeDialog,
    UsersDialog,
)
from reviewstation.gui.windows.vault_settings_dialog import VaultSettingsDialog
from reviewstation.packages.staging import FieldDiff, Item, Staging

TIMEOUT = 10_000
Opener = Callable[[QtBot, MainWindow], QWidget]


def shown(qtbot: QtBot, widget: QWidget) -> QWidget:
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(30)
    return widget


def main_tab(index: int) -> Opener:
    def open_(qtbot: QtBot, window: MainWindow) -> QWidget:
        window.workspace.setCurrentIndex(index)
        page = window.workspace.currentWidget()
        work = window.workspace
        ready: dict[QWidget, Callable[[], object]] = {
            work.checklists: lambda: work.checklists.walkthrough.run,
            work.findings: lambda: work.findings.model.rowCount(),
            work.audit: lambda: work.audit.model.rowCount(),
            work.artifacts: lambda: work.artifacts.table.rowCount(),
        }
        if page in ready:
            check = ready[page]
            qtbot.waitUntil(lambda: bool(check()), timeout=TIMEOUT)
        qtbot.wait(200)  # the page's buttons enabled by what it shows
        return window

    return open_


def unlock(recovery: bool) -> Opener:
    def open_(qtbot: QtBot, window: MainWindow) -> QWidget:
        dialog = UnlockDialog(clipboard=window.ctx.clipboard)
        shown(qtbot, dialog)
        dialog.ui.recoveryCheck.setChecked(recovery)
        return dialog

    return open_


def new_vault(step: int) -> Opener:
    def open_(qtbot: QtBot, window: MainWindow) -> QWidget:
        wizard = CreateVaultWizard(window.ctx.clipboard, Path.home(), None)
        wizard._show_page(step)
        return shown(qtbot, wizard)

    return open_


def finding_editor(finding_id: int, tab: int) -> Opener:
    def open_(qtbot: QtBot, window: MainWindow) -> QWidget:
        editor = FindingEditor(window.ctx, window.workspace.review_id, finding_id, window)
        shown(qtbot, editor)
        if finding_id:
            qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
        editor.tabs.setCurrentIndex(tab)
        qtbot.wait(30)
        return editor

    return open_


def export_wizard(steps: int) -> Opener:
    def open_(qtbot: QtBot, window: MainWindow) -> QWidget:
        wizard = ExportWizard(window.ctx, window.workspace.review_id, window)
        shown(qtbot, wizard)
        for _ in range(steps):
            qtbot.waitUntil(lambda: not wizard.busy, timeout=TIMEOUT)
            if wizard.page is wizard.marking_page:
                wizard.marking_page.confirm.setChecked(True)
            qtbot.waitUntil(wizard.next_button.isEnabled, timeout=TIMEOUT)
            wizard.next_button.click()
        qtbot.waitUntil(lambda: not wizard.busy, timeout=TIMEOUT)
        qtbot.wait(30)
        return wizard

    return open_


def simple(make: Callable[[MainWindow], QWidget]) -> Opener:
    return lambda qtbot, window: shown(qtbot, make(window))


def _staging(window: MainWindow) -> QWidget:
    """A staging with one item of each look: a conflict, a new finding, an identical answer."""
    uid = "0e6c1b0a-2f0e-4c8e-9a57-4d3c2b1a0f9e"
    items = [
        Item(
            f"finding/{uid}",
            "finding",
            "conflicting",
            "Heap overflow",
            (FieldDiff("severity", "critical", "medium", "high", True, "both", "carol@1f2e", ""),),
        ),
        Item("finding/new", "finding", "new", "Prompt leak", (FieldDiff("title", None, "x"),)),
        Item("answer/run/item", "answer", "identical", "Intake item"),
    ]
    staging = Staging("pkg", "sums", "carol", "1f2e" * 24, 2, 1, "Review", "chosen", items)
    return StagingDialog(window.ctx.marking, staging, window)


def _determination(window: MainWindow) -> QWidget:
    review = window.workspace.overview.review
    assert review is not None
    return DeterminationDialog(window.ctx, review, window)


STATES: list[tuple[str, Opener]] = [
    ("Unlock", unlock(False)),
    ("Unlock, recovery key", unlock(True)),
    *[(f"New vault, step {n + 1}", new_vault(n)) for n in range(3)],
    *[
        (f"Main window, {name} tab", main_tab(i))
        for i, name in enumerate(
            ("Overview", "Artifacts", "Checklists", "Findings", "Audit", "Packages")
        )
    ],
    *[(f"New finding, tab {t + 1}", finding_editor(0, t)) for t in range(2)],
    *[(f"Finding 1, tab {t + 1}", finding_editor(1, t)) for t in range(3)],
    *[(f"Export wizard, step {n + 1}", export_wizard(n)) for n in range(6)],
    ("New review", simple(lambda w: NewReviewDialog(w.ctx, w))),
    ("Determination", simple(_determination)),
    ("Evidence picker", simple(lambda w: EvidencePicker(w.ctx, w.workspace.review_id, w))),
    ("Settings", simple(lambda w: SettingsDialog(w.ctx.marking, QSettings(), w))),
    ("Vault settings", simple(lambda w: VaultSettingsDialog(w.ctx, w))),
    ("Compare runs", simple(lambda w: CompareDialog(w.ctx, 1, w))),
    ("Capability area", simple(lambda w: AreaDialog(w.ctx, w.workspace.review_id, None, w))),
    ("Merge staging", simple(_staging)),
    ("Disclosure recipients", simple(lambda w: RecipientsDialog(w.ctx, w))),
    ("Prove a disclosed item", simple(lambda w: ProveDialog(w.ctx, w))),
    ("Check a proof", simple(lambda w: CheckProofDialog(w.ctx, [], w))),
    (
        "Message",
        simple(lambda w: MessageDialog(w.ctx.marking, "Result", "Done.", "details", w)),
    ),
    (
        "Confirm",
        simple(lambda w: ConfirmDialog(w.ctx.marking, "Close", "Close the review?", "&Close", w)),
    ),
    (
        "Approval",
        simple(
            lambda w: ApprovalDialog(w.ctx.marking, "Approve", "Approve?", "&Approve", ["a"], w)
        ),
    ),
    ("Passphrase", simple(lambda w: PassphraseDialog(w.ctx.marking, "demo", "Again.", w))),
    ("Progress", simple(lambda w: ProgressDialog(w.ctx.marking, "Working…", JobProgress(), w))),
    ("Users", simple(lambda w: UsersDialog(w.ctx, w))),
    ("Add a person", simple(lambda w: AddPersonDialog(w.ctx.marking, w))),
    (
        "Change a passphrase",
        simple(lambda w: PassphraseChangeDialog(w.ctx.marking, "Passphrase", "demo", True, w)),
    ),
    (
        "Custody",
        simple(
            lambda w: CustodyDialog(
                w.ctx.marking, "Custody", "2 files", CustodyForm(), "&Import", w
            )
        ),
    ),
]


# Every dialog class the rows above open (test_a11y_walk checks no class of the app is left
# out); the bases and Qt's own file dialog are not windows of their own.
COVERED = {
    UnlockDialog,
    CreateVaultWizard,
    FindingEditor,
    ExportWizard,
    NewReviewDialog,
    DeterminationDialog,
    EvidencePicker,
    SettingsDialog,
    VaultSettingsDialog,
    CompareDialog,
    AreaDialog,
    StagingDialog,
    RecipientsDialog,
    ProveDialog,
    CheckProofDialog,
    MessageDialog,
    ConfirmDialog,
    ApprovalDialog,
    PassphraseDialog,
    ProgressDialog,
    UsersDialog,
    AddPersonDialog,
    PassphraseChangeDialog,
    CustodyDialog,
}
NOT_WINDOWS = {"MarkedDialog", "_FramedChooser", "_FormDialog"}


def close(widget: QWidget, window: MainWindow) -> None:
    if widget is window:
        return
    widget.hide()
    widget.deleteLater()
    for top in QApplication.topLevelWidgets():  # anything the state opened on top
        if top is not window and top.isVisible() and top is not widget:
            top.hide()
