"""The evidence picker: samples listed readably, and a typed sample looked for in the log
before the picker closes (a wrong one is said inside the picker)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from reviewstation.evidence import EvidenceRef
from reviewstation.gui.pages.checklists.evidence_picker import WHOLE, EvidencePicker, sample_label
from reviewstation.gui.windows.main_window import MainWindow

TIMEOUT = 10_000


def open_picker(qtbot: QtBot, window: MainWindow) -> tuple[EvidencePicker, list[EvidenceRef]]:
    picker = EvidencePicker(window.ctx, 1, window)
    picked: list[EvidenceRef] = []
    picker.picked.connect(lambda ref, _path: picked.append(ref))
    picker.open()
    qtbot.waitExposed(picker)
    qtbot.waitUntil(lambda: picker.list.count() == 3, timeout=TIMEOUT)
    row = next(i for i, c in enumerate(picker.candidates) if c.path.endswith("demo-ctf.json"))
    picker.list.setCurrentRow(row)
    return picker, picked


def type_sample(picker: EvidencePicker, text: str) -> None:
    picker.sample_combo.setFocus()
    picker.sample_combo.clearEditText()
    QTest.keyClicks(picker.sample_combo, text)


def test_sample_labels_read_as_id_and_epoch() -> None:
    assert sample_label("ctf-1@1") == "ctf-1 · epoch 1"
    assert sample_label("a@b@2") == "a@b · epoch 2"
    assert sample_label("ctf-1") == "ctf-1"
    assert sample_label("x@") == "x@"


def test_listed_samples_are_readable_and_keep_their_reference(
    qtbot: QtBot, window: MainWindow
) -> None:
    picker, picked = open_picker(qtbot, window)
    combo = picker.sample_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0] == WHOLE
    assert "ctf-1 · epoch 1" in labels
    assert not any("@" in label for label in labels)
    combo.setCurrentIndex(combo.findText("ctf-2 · epoch 1"))
    picker.add_button.click()
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=TIMEOUT)
    assert [r.sample_id for r in picked] == ["ctf-2@1"]  # the stored form


def test_a_typed_sample_missing_from_the_log_is_refused_inside_the_picker(
    qtbot: QtBot, window: MainWindow
) -> None:
    picker, picked = open_picker(qtbot, window)
    type_sample(picker, "99@7")
    QTest.keyClick(picker.sample_combo, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "99@7" in picker.status.text(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: picker.add_button.isEnabled(), timeout=TIMEOUT)
    assert "has no sample '99@7'" in picker.status.text()
    assert picker.status.property("role") == "error"
    assert picker.isVisible() and picked == []
    assert picker.sample_combo.currentText() == "99@7"  # kept, to be corrected
    assert picker.sample_combo.findText("99@7") < 0  # and not made an item

    # One in the log though not listed (no epoch: the first) is found and picked as typed.
    picker.sample_combo.setEditText("ctf-4")  # as typed, past the inline completion
    picker.add_button.click()
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=TIMEOUT)
    assert [r.sample_id for r in picked] == ["ctf-4"]


def test_every_sample_of_the_log_is_listed_not_only_the_summarys_first_few(
    qtbot: QtBot, window: MainWindow
) -> None:
    picker, picked = open_picker(qtbot, window)
    combo = picker.sample_combo
    # The demo log has 6 samples; the import summary names the first 5.
    qtbot.waitUntil(lambda: combo.count() == 1 + 6, timeout=TIMEOUT)
    labels = [combo.itemText(i) for i in range(1, combo.count())]
    assert labels == [f"ctf-{n} · epoch 1" for n in range(1, 7)]
    combo.setCurrentIndex(combo.findText("ctf-6 · epoch 1"))
    picker.add_button.click()
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=TIMEOUT)
    assert [r.sample_id for r in picked] == ["ctf-6@1"]


def test_a_part_of_the_sample_is_resolved_before_the_picker_closes(
    qtbot: QtBot, window: MainWindow
) -> None:
    """``message:N`` (or event, or a triage label) narrows the sample; a part the log lacks is
    said inside the picker; a good one is picked with the sample's digest."""
    picker, picked = open_picker(qtbot, window)
    combo = picker.sample_combo
    combo.setCurrentIndex(combo.findText("ctf-2 · epoch 1"))
    picker.part_edit.setText("message:99")
    picker.add_button.click()
    qtbot.waitUntil(lambda: "no message 99" in picker.status.text(), timeout=TIMEOUT)
    assert picker.status.property("role") == "error" and picked == []
    picker.part_edit.setText("bogus")
    picker.add_button.click()
    assert picker.status.text() == "Type the part as message:N, event:N or triage:LABEL."
    picker.part_edit.setText("message:1")
    picker.add_button.click()
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=TIMEOUT)
    assert [r.sample_id for r in picked] == ["ctf-2@1/message:1"]
    assert picked[0].sample_digest is not None and len(picked[0].sample_digest) == 96
