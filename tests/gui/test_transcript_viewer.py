"""The Inspect transcript viewer once "Show transcripts" has loaded: the chosen sample's
messages at once, and the samples table still filling its width."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QHeaderView
from pytestqt.qtbot import QtBot

from reviewstation.artifacts.inspection import EvalSample
from reviewstation.gui.pages.artifacts.inspect_log_viewer import InspectLogPanel
from reviewstation.gui.shell import Shell

from .test_inspector_panel import INSPECT_LOG, LOGS, TIMEOUT, add, page_of, select

INPUT = 3  # the samples table's Input column


def open_viewer(qtbot: QtBot, shell: Shell, vault: Path, log: Path | None) -> InspectLogPanel:
    if log is not None:
        add(vault, log)
    page = page_of(qtbot, shell, vault)
    select(qtbot, page, log.name if log is not None else "demo-ctf.json")
    viewer = page.details.inspector.log_viewer
    assert viewer is not None
    return viewer


def input_reaches_the_edge(viewer: InspectLogPanel) -> bool:
    header = viewer.table.horizontalHeader()
    end = header.sectionViewportPosition(INPUT) + header.sectionSize(INPUT)
    return end >= viewer.table.viewport().width() - 1


def test_the_chosen_sample_shows_its_messages_as_soon_as_the_view_arrives(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    viewer = open_viewer(qtbot, shell, demo_vault, INSPECT_LOG)
    viewer.table.setCurrentCell(0, 0)
    assert "press Show transcripts" in viewer.transcript.toPlainText()

    viewer.open_button.click()
    qtbot.waitUntil(lambda: viewer.detailed, timeout=TIMEOUT)
    # No reselection: the sample already chosen is shown in full.
    assert viewer.table.currentRow() == 0
    text = viewer.transcript.toPlainText()
    assert "press Show transcripts" not in text
    assert "[assistant]\nYo, fam! So, in February, International Falls" in text
    # The digest evidence would record for this sample, and what it covers.
    sample = viewer.samples[0]
    assert isinstance(sample, EvalSample) and sample.digest
    assert f"SHA-384 {sample.digest} of this sample's resolved record" in text


def test_the_chosen_sample_stays_chosen_among_the_full_list(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    viewer = open_viewer(qtbot, shell, demo_vault, None)  # the demo log: 5 summarised
    viewer.table.setCurrentCell(2, 0)
    chosen = viewer.transcript.toPlainText().splitlines()[0]
    assert chosen.startswith("Sample ")
    viewer.open_button.click()
    qtbot.waitUntil(lambda: viewer.detailed, timeout=TIMEOUT)
    text = viewer.transcript.toPlainText()
    assert text.splitlines()[0] == chosen
    assert "Messages (" in text and "press Show transcripts" not in text
    row = viewer.table.currentRow()
    sample = viewer.samples[row]
    assert isinstance(sample, EvalSample)
    assert f"Sample {sample.id} · " in chosen  # the table's row, too


@pytest.mark.parametrize("log", [None, LOGS / "log_tool_call_error.json"], ids=["demo", "tool"])
def test_input_column_keeps_stretching_after_the_reload(
    qtbot: QtBot, shell: Shell, demo_vault: Path, log: Path | None
) -> None:
    viewer = open_viewer(qtbot, shell, demo_vault, log)
    qtbot.waitUntil(lambda: input_reaches_the_edge(viewer), timeout=TIMEOUT)
    viewer.open_button.click()
    qtbot.waitUntil(lambda: viewer.detailed, timeout=TIMEOUT)
    header = viewer.table.horizontalHeader()
    assert header.sectionResizeMode(INPUT) == QHeaderView.ResizeMode.Stretch
    qtbot.waitUntil(lambda: input_reaches_the_edge(viewer), timeout=TIMEOUT)


def test_label_a_message_in_the_log_viewer(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    """Once the transcripts are shown, the chosen sample (or one of its messages) can be
    labelled there; the author cannot confirm their own label."""
    viewer = open_viewer(qtbot, shell, demo_vault, None)
    assert viewer.triage.isHidden()
    viewer.table.setCurrentCell(1, 0)
    viewer.open_button.click()
    qtbot.waitUntil(lambda: viewer.detailed, timeout=TIMEOUT)
    panel = viewer.triage
    assert not panel.isHidden() and not panel.run.isEnabled()
    sample = viewer.samples[viewer.table.currentRow()]
    assert isinstance(sample, EvalSample) and sample.messages
    key = f"{sample.id}@{sample.epoch or 1}"
    qtbot.waitUntil(lambda: key in panel.status.text(), timeout=TIMEOUT)
    assert panel.part.count() == 1 + len(sample.messages)
    panel.part.setCurrentIndex(panel.part.findData("message:1"))
    panel.kind.setCurrentIndex(panel.kind.findData("sandbox-escape-attempt"))
    panel.note.setText("tried to reach the host network")
    panel.add_button.click()
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=TIMEOUT)
    text = panel.list.item(0).text()
    assert f"Log {key} message:1  sandbox-escape-attempt  [open]  (demo)" in text
    panel.list.setCurrentRow(0)
    panel.dispute_button.click()
    qtbot.waitUntil(lambda: "you wrote it" in panel.status.text(), timeout=TIMEOUT)
