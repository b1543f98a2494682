"""Evidence pickers (finding editor, checklist walkthrough), checklist sign-off by a lead, and
the covered-model determination from the Overview tab."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import _eval_log
from reviewstation.artifacts.samples import digest
from reviewstation.gui.pages.checklists.evidence_picker import WHOLE, EvidencePicker
from reviewstation.gui.pages.findings.finding_editor import FindingEditor
from reviewstation.gui.pages.reviews.determination_dialog import DeterminationDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.dialogs import ConfirmDialog
from reviewstation.gui.windows.main_window import MainWindow

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, open_main_window

TIMEOUT = 10_000
W = TypeVar("W", bound=QWidget)


def visible(kind: type[W], qtbot: QtBot) -> W:
    def found() -> list[W]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]

    qtbot.waitUntil(lambda: len(found()) == 1, timeout=TIMEOUT)
    return found()[0]


def pick(qtbot: QtBot, path_suffix: str, sample: str | None) -> None:
    picker = visible(EvidencePicker, qtbot)
    assert picker.top_banner.text() == "UNCLASSIFIED"
    qtbot.waitUntil(lambda: picker.list.count() == 3, timeout=TIMEOUT)
    row = next(i for i, c in enumerate(picker.candidates) if c.path.endswith(path_suffix))
    picker.list.setCurrentRow(row)
    if sample is None:
        assert picker.sample_combo.currentText() in ("", WHOLE)
    else:
        assert picker.sample_combo.isEnabled()
        assert picker.sample_combo.findData(sample) >= 0  # the log's samples are offered
        picker.sample_combo.setCurrentIndex(picker.sample_combo.findData(sample))
    QTest.keyClick(picker.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=TIMEOUT)


def test_finding_evidence_names_one_log_sample_by_digest(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=TIMEOUT)
    page.table.setCurrentIndex(page.model.index(0, 2))
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    editor = visible(FindingEditor, qtbot)
    qtbot.waitUntil(lambda: editor.finding is not None, timeout=TIMEOUT)
    assert editor.finding is not None
    before = len(editor.finding.evidence)

    editor.evidence_button.click()
    pick(qtbot, "demo-ctf.json", "ctf-3@1")
    pending = editor.evidence_list.item(editor.evidence_list.count() - 1).text()
    assert pending.endswith("demo-ctf.json — sample ctf-3@1  (added when you save)")
    editor.save_button.click()
    qtbot.waitUntil(
        lambda: editor.finding is not None and len(editor.finding.evidence) == before + 1,
        timeout=TIMEOUT,
    )
    (ref,) = [e for e in editor.finding.evidence if e.sample_id]
    # The digest pins exactly that record of the log, computed by the core on save.
    record = next(s for s in json.loads(_eval_log())["samples"] if s["id"] == "ctf-3")
    assert ref.sample_digest == digest(record)
    assert not any(
        "added when you save" in editor.evidence_list.item(i).text()
        for i in range(editor.evidence_list.count())
    )
    history = editor.history.topLevelItem(0)
    assert history is not None and "evidence_added" in history.text(3)


def test_walkthrough_evidence_is_saved_with_the_answer(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.checklists
    window.workspace.setCurrentWidget(page)
    walk = page.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None, timeout=TIMEOUT)
    assert walk.evidence.text() == "Evidence: none"
    QTest.keyClick(walk, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    pick(qtbot, "model-card.md", None)
    qtbot.waitUntil(lambda: "model-card.md" in walk.evidence.text(), timeout=TIMEOUT)
    assert walk.run is not None
    (ref,) = walk.run.answers[walk.index].evidence
    assert ref.sample_id is None
    assert walk.evidence.text() == "Evidence: orion-2-submission/model-card.md"


def test_lead_signs_off_only_a_complete_run(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.checklists
    window.workspace.setCurrentWidget(page)
    walk = page.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None, timeout=TIMEOUT)
    assert page.sign_button.isEnabled()

    page.sign_button.click()
    confirm = visible(ConfirmDialog, qtbot)
    assert "36 item(s) are not reviewed yet" in confirm.text_label.text()
    confirm.ok_button.click()
    qtbot.waitUntil(page.message.isVisible, timeout=TIMEOUT)
    assert page.message.text().startswith("36 item(s) are not reviewed yet")

    window.activateWindow()  # offscreen, closing a dialog does not hand activation back
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    walk.next_button.setFocus()

    def answered() -> int:
        return walk.run.progress()["answered"] if walk.run is not None else 0

    while answered() < 38:
        before = answered()
        QTest.keyClick(walk.next_button, Qt.Key.Key_4)  # Not applicable, then the next item
        qtbot.waitUntil(lambda: answered() > before, timeout=TIMEOUT)  # noqa: B023
    page.sign_button.click()
    visible(ConfirmDialog, qtbot).ok_button.click()
    qtbot.waitUntil(lambda: "signed off by demo" in page.run_combo.currentText(), timeout=TIMEOUT)
    assert not page.sign_button.isEnabled()
    assert not any(b.isEnabled() for b in walk.status_buttons.values())  # the run is final
    assert not walk.evidence_button.isEnabled()


def test_determination_needs_a_rationale(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.overview
    qtbot.waitUntil(lambda: page.review is not None, timeout=TIMEOUT)
    assert page.values["determination"].text() == "pending"
    QTest.keyClick(page.determination_button, Qt.Key.Key_Space)
    dialog = visible(DeterminationDialog, qtbot)
    dialog.choice.setCurrentIndex(dialog.choice.findData("covered"))
    QTest.keyClicks(dialog.reference, "DEC-2026-17")
    dialog.record_button.click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=TIMEOUT)
    assert dialog.error.text() == "A determination needs a written rationale."
    QTest.keyClicks(dialog.rationale, "Meets the compute threshold.")
    dialog.record_button.click()
    qtbot.waitUntil(
        lambda: not any(isinstance(w, DeterminationDialog) for w in QApplication.topLevelWidgets()),
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(
        lambda: page.values["determination"].text().startswith("covered — by demo"),
        timeout=TIMEOUT,
    )
    assert "(ref. DEC-2026-17)" in page.values["determination"].text()
    assert page.values["rationale"].text() == "Meets the compute threshold."


def test_auditor_gets_no_edit_buttons(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    window = open_main_window(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    overview = window.workspace.overview
    qtbot.waitUntil(lambda: overview.review is not None, timeout=TIMEOUT)
    assert not overview.determination_button.isEnabled()
    window.workspace.setCurrentWidget(window.workspace.checklists)
    walk = window.workspace.checklists.walkthrough
    qtbot.waitUntil(lambda: walk.run is not None, timeout=TIMEOUT)
    assert not window.workspace.checklists.sign_button.isEnabled()
    assert not walk.evidence_button.isEnabled()
    assert walk.help.text().startswith("Read only:")  # keys 1-4 are not offered


def test_review_status_moves_from_the_overview(qtbot: QtBot, window: MainWindow) -> None:
    page = window.workspace.overview
    qtbot.waitUntil(lambda: page.review is not None, timeout=TIMEOUT)
    assert page.values["status"].text() == "in review"
    assert [page.status_combo.itemData(i) for i in range(page.status_combo.count())] == [
        "findings_drafted"
    ]
    page.status_button.click()
    qtbot.waitUntil(lambda: page.values["status"].text() == "findings drafted", timeout=TIMEOUT)
    page.status_combo.setCurrentIndex(page.status_combo.findData("approved"))
    page.status_button.click()
    qtbot.waitUntil(lambda: page.values["status"].text() == "approved", timeout=TIMEOUT)
    assert page.status_error.text() == ""


def test_auditor_cannot_move_a_review(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    window = open_main_window(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    page = window.workspace.overview
    qtbot.waitUntil(lambda: page.review is not None, timeout=TIMEOUT)
    assert not page.status_button.isEnabled() and not page.status_combo.isEnabled()
