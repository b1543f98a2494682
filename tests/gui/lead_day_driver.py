"""The real app, in a real X window, with a helper for the lead's day (``test_real_window``).

``python lead_day_driver.py VAULT`` runs ``reviewstation.gui.app.run(VAULT)``, the desktop app
exactly as ``reviewstation VAULT`` starts it, and reads one command a line on standard input.
The test types with xdotool what a person types (passphrases, the custody details, checklist
keys 1-4, a finding's title, Ctrl+S, Ctrl+L, Escape); this helper does what would need a
mouse or a screen reader's eyes: it opens the page or dialog the next keys go to, gives it
the keyboard focus, clicks through the export wizard and the approval, and reads back what the
windows show. Each command answers one line on standard output, ``OK ...`` or ``FAIL ...``.
Anything the app prints (a traceback, a Qt warning) goes to standard error, which the test
requires to stay empty.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

import reviewstation.gui.app as gui_app
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.packages.disclosure_dialogs import (
    CheckProofDialog,
    ProveDialog,
    RecipientsDialog,
)
from reviewstation.gui.pages.packages.export_approvals import ApprovalDialog
from reviewstation.gui.pages.packages.export_wizard import ExportWizard
from reviewstation.gui.pages.packages.staging_dialog import STATUS, StagingDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.dialogs import MessageDialog
from reviewstation.gui.windows.main_window import MainWindow

TIMEOUT = 30.0
STEPS = ("Evidence", "Recipients", "Disclosure", "Marking check", "Manifest preview", "Approval")
Step = Iterator[None]


class Failed(Exception):
    pass


class Driver:
    def __init__(self) -> None:
        self.shell: Shell | None = None
        self.lines: queue.Queue[str] = queue.Queue()
        self.current: Iterator[None] | None = None
        self.name = ""
        threading.Thread(target=self._read, daemon=True).start()
        self.timer = QTimer()
        self.timer.setInterval(50)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def _read(self) -> None:
        for line in sys.stdin:
            self.lines.put(line.strip())

    def tick(self) -> None:
        if self.current is None:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                return
            command, _, argument = line.partition(" ")
            self.name = command
            handler: Callable[[str], Step] | None = getattr(
                self, "do_" + command.replace("-", "_"), None
            )
            if handler is None:
                self.answer(f"FAIL {command}: unknown command")
                return
            self.current = handler(argument)
        try:
            next(self.current)
        except StopIteration:
            self.current = None
        except Failed as exc:
            self.current = None
            self.answer(f"FAIL {self.name}: {exc}")
        except Exception:  # reported to the test as one line, never swallowed
            self.current = None
            self.answer(f"FAIL {self.name}: {traceback.format_exc().splitlines()[-1]}")

    def answer(self, text: str) -> None:
        sys.stdout.write(text.replace("\n", " | ") + "\n")
        sys.stdout.flush()

    # -- helpers --------------------------------------------------------------------------

    def until(self, condition: Callable[[], object], what: str) -> Step:
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                raise Failed(f"timed out waiting for {what}")
            yield

    def window(self) -> MainWindow:
        assert self.shell is not None
        if self.shell.main_window is None:
            raise Failed("no unlocked window")
        return self.shell.main_window

    @staticmethod
    def one(kind: type) -> QWidget | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        return found[0] if len(found) == 1 else None

    def focus(self, window: QWidget, widget: QWidget) -> Step:
        window.raise_()
        window.activateWindow()
        yield from self.until(window.isActiveWindow, "the window to be active")
        widget.setFocus()
        yield from self.until(widget.hasFocus, "the keyboard focus")

    # -- commands -------------------------------------------------------------------------

    def do_main(self, user: str) -> Step:
        """The main window of ``user``, with the review shown."""
        yield from self.until(
            lambda: (
                self.shell is not None
                and self.shell.main_window is not None
                and self.shell.main_window.info.user == user
                and self.shell.main_window.workspace.review_id != 0
            ),
            f"{user}'s window",
        )
        window = self.window()
        self.answer(f"OK {window.windowTitle()}")

    def do_user(self, user: str) -> Step:
        """In the unlock window: choose ``user``, the passphrase field takes the keys."""
        assert self.shell is not None
        dialog = self.shell.dialog
        yield from self.until(dialog.isVisible, "the unlock window")
        index = dialog.ui.userCombo.findText(user)
        if index < 0:
            raise Failed(f"{user} is not offered")
        dialog.ui.userCombo.setCurrentIndex(index)
        yield from self.focus(dialog, dialog.ui.secretEdit)
        self.answer(f"OK {user}")

    def do_import(self, path: str) -> Step:
        """Artifacts tab, import ``path``: the custody dialog takes the keys."""
        work = self.window().workspace
        work.setCurrentWidget(work.artifacts)
        dialog = work.artifacts.import_paths([Path(path)])
        if dialog is None:
            raise Failed("no custody dialog")
        yield from self.focus(dialog, dialog.fields.medium_edit)
        self.answer("OK custody asked")

    def do_imported(self, name: str) -> Step:
        yield from self.until(lambda: self.one(MessageDialog), "the import's result")
        box = self.one(MessageDialog)
        assert isinstance(box, MessageDialog)
        text = box.text_label.text()
        box.accept()
        page = self.window().workspace.artifacts

        def row_of() -> int:
            for row in range(page.table.rowCount()):
                item = page.table.item(row, 1)
                if item is not None and item.text() == name:
                    return row
            return -1

        yield from self.until(lambda: row_of() >= 0, "the new artifact")
        page.table.setCurrentCell(row_of(), 1)
        yield from self.until(lambda: name in page.details.custody.plain_text(), "its custody")
        self.answer(f"OK {text} {page.details.custody.plain_text()}")

    def do_checklist(self, _: str) -> Step:
        """Checklists tab: the walkthrough takes the keys 1-4."""
        window = self.window()
        work = window.workspace
        work.setCurrentWidget(work.checklists)
        walk = work.checklists.walkthrough
        yield from self.until(lambda: walk.run is not None, "the checklist run")
        yield from self.focus(window, walk)
        self.answer(f"OK item {walk.index + 1}")

    def do_answers(self, _: str) -> Step:
        walk = self.window().workspace.checklists.walkthrough
        yield from self.until(lambda: walk.run is not None, "the checklist run")
        assert walk.run is not None
        self.answer("OK " + " ".join(f"{a.item_id}={a.status}" for a in walk.run.answers))

    def do_finding(self, _: str) -> Step:
        """Findings tab, New finding: its title field takes the keys."""
        work = self.window().workspace
        work.setCurrentWidget(work.findings)
        work.findings.new_finding()
        yield from self.until(lambda: self.one(FindingEditor), "the finding editor")
        editor = self.one(FindingEditor)
        assert isinstance(editor, FindingEditor)
        yield from self.focus(editor, editor.title_edit)
        self.answer("OK editor")

    def do_saved(self, title: str) -> Step:
        editor = self.one(FindingEditor)
        if not isinstance(editor, FindingEditor):
            raise Failed("no finding editor")
        yield from self.until(
            lambda: editor.finding is not None and editor.finding.title == title, "the save"
        )
        assert editor.finding is not None
        number = editor.finding.id
        editor.reject()
        self.answer(f"OK finding {number} saved")

    def _wizard(self) -> Iterator[None]:
        work = self.window().workspace
        work.setCurrentWidget(work.packages)
        page = work.packages
        yield from self.until(page.export_button.isEnabled, "the export button")
        page.export_button.click()
        yield from self.until(lambda: self.one(ExportWizard), "the export wizard")

    def _walk(self, wizard: ExportWizard, titles: list[str]) -> Step:
        for title in titles:
            yield from self.until(wizard.next_button.isEnabled, f"Next before {title}")
            wizard.next_button.click()
            yield from self.until(lambda: wizard.page.title == title, title)  # noqa: B023
            yield from self.until(lambda: not wizard.busy, f"{title} to be read")
            if title == "Marking check":
                wizard.marking_page.confirm.setChecked(True)

    def do_request(self, _: str) -> Step:
        """Walk the export wizard to its Approval step and ask another lead to approve."""
        yield from self._wizard()
        wizard = self.one(ExportWizard)
        assert isinstance(wizard, ExportWizard)
        yield from self.until(wizard.next_button.isEnabled, "the wizard's contents")
        yield from self._walk(wizard, list(STEPS))
        wizard.approval.request_button.click()
        yield from self.until(
            lambda: "waits for another lead" in wizard.approval.state.text(), "the request"
        )
        state = wizard.approval.state.text()
        wizard.reject()
        self.answer(f"OK {state}")

    def do_approve(self, _: str) -> Step:
        work = self.window().workspace
        work.setCurrentWidget(work.packages)
        approvals = work.packages.approvals
        yield from self.until(approvals.approve_button.isEnabled, "an approvable request")
        approvals.approve_button.click()
        yield from self.until(lambda: self.one(ApprovalDialog), "the approval dialog")
        dialog = self.one(ApprovalDialog)
        assert isinstance(dialog, ApprovalDialog)
        asked = dialog.text_label.text()
        dialog.ok_button.click()

        def status() -> str:
            first = approvals.tree.topLevelItem(0)
            return first.text(5) if first is not None else ""

        yield from self.until(
            lambda: status() == "approved",
            "the approval",
        )
        self.answer(f"OK {asked}")

    def do_export(self, out: str) -> Step:
        yield from self._wizard()
        wizard = self.one(ExportWizard)
        assert isinstance(wizard, ExportWizard)
        yield from self.until(wizard.next_button.isEnabled, "the wizard's contents")
        yield from self._walk(wizard, list(STEPS))
        state = wizard.approval.state.text()
        yield from self._walk(wizard, ["Write the package"])
        wizard.output.edit.setText(out)
        yield from self.until(wizard.export_button.isEnabled, "the Export button")
        wizard.export_button.click()
        page = self.window().workspace.packages
        yield from self.until(
            lambda: "SHA384SUMS sha384" in page.export_result.toPlainText(), "the export"
        )
        self.answer(f"OK {state}")

    # The recipient's clearance, recorded in the app (File ▸ Disclosure recipients…, which the
    # test opens with Alt+F D and fills by keyboard); then what the dialog says, and close it.
    def do_recipients(self, _: str) -> Step:
        yield from self.until(lambda: self.one(RecipientsDialog), "the recipients dialog")
        dialog = self.one(RecipientsDialog)
        assert isinstance(dialog, RecipientsDialog)
        yield from self.focus(dialog, dialog.table)
        yield from self.until(lambda: dialog.message.text(), "the list to be read")
        self.answer(f"OK {dialog.message.text()}")

    def do_recorded(self, name: str) -> Step:
        dialog = self.one(RecipientsDialog)
        if not isinstance(dialog, RecipientsDialog):
            raise Failed("no recipients dialog")
        yield from self.until(lambda: any(r.name == name for r in dialog.found), name)
        text = dialog.message.text()
        dialog.reject()
        self.answer(f"OK {text}")

    # Proofs (Packages tab): the newest disclosure's ``item`` chosen, the file name typed by
    # the test, Alt+W; then the check of that proof against the package file.
    def do_prove(self, item: str) -> Step:
        work = self.window().workspace
        work.setCurrentWidget(work.packages)
        yield from self.until(work.packages.prove_button.isEnabled, "the prove button")
        work.packages.prove_button.click()
        yield from self.until(lambda: self.one(ProveDialog), "the prove dialog")
        dialog = self.one(ProveDialog)
        assert isinstance(dialog, ProveDialog)
        yield from self.until(lambda: dialog.items.count(), "the disclosure's items")
        labels = [dialog.items.item(i).text() for i in range(dialog.items.count())]
        wanted = next((i for i, text in enumerate(labels) if text.startswith(f"{item} (")), -1)
        if wanted < 0:
            raise Failed(f"{item} is not offered: {labels}")
        dialog.items.setCurrentRow(wanted)
        yield from self.focus(dialog, dialog.out_edit)
        self.answer(f"OK {dialog.package_combo.currentText()}: {labels[wanted]}")

    def do_proved(self, _: str) -> Step:
        dialog = self.one(ProveDialog)
        if not isinstance(dialog, ProveDialog):
            raise Failed("no prove dialog")
        yield from self.until(lambda: "written to" in dialog.message.text(), "the proof")
        text = dialog.message.text()
        dialog.reject()
        self.answer(f"OK {text}")

    def do_trust(self, card: str) -> Step:
        """Packages tab: also trust ``card`` (the file chooser is the mouse's)."""
        page = self.window().workspace.packages
        page.add_trust([Path(card)])
        yield
        self.answer(f"OK {page.trust_list.item(page.trust_list.count() - 1).text()}")

    def do_check(self, package: str) -> Step:
        work = self.window().workspace
        work.setCurrentWidget(work.packages)
        work.packages.package_edit.setText(package)
        work.packages.check_proof_button.click()
        yield from self.until(lambda: self.one(CheckProofDialog), "the check dialog")
        dialog = self.one(CheckProofDialog)
        assert isinstance(dialog, CheckProofDialog)
        yield from self.focus(dialog, dialog.proof_edit)
        self.answer("OK check")

    def do_verdict(self, _: str) -> Step:
        dialog = self.one(CheckProofDialog)
        if not isinstance(dialog, CheckProofDialog):
            raise Failed("no check dialog")
        yield from self.until(dialog.verdict.text, "the verdict")
        text = f"{dialog.verdict.text()} | {dialog.sentence.text()}"
        dialog.reject()
        self.answer(f"OK {text}")

    # A selective disclosure (test_real_window.py): the wizard up to its Disclosure step, where
    # the test types; then the policy's answer; then the rest of the way to the file.
    def do_disclosure(self, _: str) -> Step:
        yield from self._wizard()
        wizard = self.one(ExportWizard)
        assert isinstance(wizard, ExportWizard)
        yield from self.until(wizard.next_button.isEnabled, "the wizard's contents")
        yield from self._walk(wizard, ["Evidence", "Recipients", "Disclosure"])
        yield from self.until(lambda: wizard.disclosure.enable.isEnabled(), "the recipients")
        yield from self.focus(wizard, wizard.disclosure.enable)
        self.answer("OK disclosure")

    def do_policy(self, _: str) -> Step:
        wizard = self.one(ExportWizard)
        assert isinstance(wizard, ExportWizard)
        page = wizard.disclosure
        deadline = time.monotonic() + TIMEOUT
        while "Withheld:" not in page.policy.text():
            if time.monotonic() > deadline:
                raise Failed(
                    f"timed out waiting for the policy (selective {page.enable.isChecked()},"
                    f" vendor {page.vendor.text()!r}, policy {page.policy.text()!r})"
                )
            yield
        yield from self.until(lambda: not wizard.busy, "the plan")
        self.answer("OK " + page.policy.text().replace("\n", " | "))

    def do_finish(self, out: str) -> Step:
        wizard = self.one(ExportWizard)
        assert isinstance(wizard, ExportWizard)
        yield from self._walk(wizard, ["Marking check", "Manifest preview", "Write the package"])
        wizard.output.edit.setText(out)
        yield from self.until(wizard.export_button.isEnabled, "the Export button")
        wizard.export_button.click()
        page = self.window().workspace.packages
        yield from self.until(
            lambda: "SHA384SUMS sha384" in page.export_result.toPlainText(), "the export"
        )
        self.answer("OK exported")

    def do_merge(self, path: str) -> Step:
        """Packages tab: stage ``path`` against the review, merge what the dialog pre-ticks."""
        page = self.window().workspace.packages
        self.window().workspace.setCurrentWidget(page)
        page.package_edit.setText(path)
        yield from self.until(page.merge_button.isEnabled, "the merge button")
        page.merge_button.click()
        yield from self.until(lambda: self.one(StagingDialog), "the staging dialog")
        dialog = self.one(StagingDialog)
        assert isinstance(dialog, StagingDialog)
        offered = [dialog.rows[i.key].text(STATUS) for i in dialog.staging.items if i.offered]
        dialog.merge_button.click()
        yield from self.until(
            lambda: "merged into review" in page.verify_result.toPlainText(), "the merge"
        )
        self.answer(f"OK {' '.join(offered)}: {page.verify_result.toPlainText()}")


def main() -> int:
    vault = Path(sys.argv[1])
    gui_app.application()
    driver = Driver()

    class Recorded(Shell):
        def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
            super().__init__(settings, parent)
            driver.shell = self

    gui_app.Shell = Recorded  # type: ignore[attr-defined]
    return gui_app.run(vault)


if __name__ == "__main__":
    sys.exit(main())
