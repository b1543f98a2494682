"""The Artifacts tab: the table, a loud declared-hash mismatch, import with progress and
Cancel, details, export after confirmation."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from reviewstation.app.custody import CustodyForm
from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.gui.pages.artifacts.artifacts_view import ArtifactsPage
from reviewstation.gui.runtime.progress import ProgressDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.dialogs import ConfirmDialog, MessageDialog
from reviewstation.vault.session import open_vault

from .conftest import open_main_window

TIMEOUT = 10_000


def visible(kind: type) -> list[object]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def message(qtbot: QtBot) -> MessageDialog:
    qtbot.waitUntil(lambda: len(visible(MessageDialog)) == 1, timeout=TIMEOUT)
    (box,) = visible(MessageDialog)
    assert isinstance(box, MessageDialog)
    return box


def page_of(qtbot: QtBot, shell: Shell, vault: Path) -> ArtifactsPage:
    window = open_main_window(qtbot, shell, vault)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    page = window.workspace.artifacts
    window.workspace.setCurrentWidget(page)
    return page


def test_mismatch_is_loud_and_import_adds_with_progress(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    odd = tmp_path / "weights.bin"
    odd.write_bytes(b"not what was declared")
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        add_artifacts(session, 1, [odd], declared_sha256="0" * 64)
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: page.table.rowCount() == 4, timeout=TIMEOUT)
    assert "1 DO NOT MATCH THEIR DECLARED SHA-256" in page.summary.text()
    row = next(r for r in range(4) if page.table.item(r, 1).text() == "weights.bin")  # type: ignore[union-attr]
    assert page.table.item(row, 6).text().startswith("MISMATCH")  # type: ignore[union-attr]
    page.table.setCurrentCell(row, 1)
    qtbot.waitUntil(lambda: "weights.bin" in page.details.toPlainText(), timeout=TIMEOUT)
    assert "Custody" in page.details.toPlainText()

    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "card.md").write_text("# card\n", encoding="utf-8")
    (folder / "eval.json").write_text("{}", encoding="utf-8")
    page.import_with([folder], CustodyForm("USB #9"))
    assert len(visible(ProgressDialog)) == 1
    box = message(qtbot)
    assert box.text_label.text() == "2 artifacts imported."
    assert box.top_banner.text() == "UNCLASSIFIED"
    box.accept()
    qtbot.waitUntil(lambda: page.table.rowCount() == 6, timeout=TIMEOUT)
    assert not visible(ProgressDialog)


def test_import_cancel_changes_nothing(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=TIMEOUT)
    big = tmp_path / "big.bin"
    with big.open("wb") as out:
        out.truncate(64 * 1024 * 1024)
    page.import_with([big], CustodyForm())
    (progress,) = visible(ProgressDialog)
    assert isinstance(progress, ProgressDialog)
    progress.cancel_button.click()
    box = message(qtbot)
    assert "cancelled" in box.text_label.text()
    box.accept()
    qtbot.wait(100)
    assert page.table.rowCount() == 3


def test_export_asks_first_then_writes(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=TIMEOUT)
    row = next(r for r in range(3) if page.table.item(r, 1).text().endswith("model-card.md"))  # type: ignore[union-attr]
    page.table.setCurrentCell(row, 1)
    artifact = page.current()
    assert artifact is not None
    out = tmp_path / "out.md"
    page.confirm_export(artifact, out)
    (confirm,) = visible(ConfirmDialog)
    assert isinstance(confirm, ConfirmDialog)
    assert "audit trail" in confirm.text_label.text()
    assert not out.exists()
    confirm.ok_button.click()
    box = message(qtbot)
    assert box.text_label.text().endswith(f"was written to {out}.")
    assert out.read_text(encoding="utf-8").startswith("# Orion-2 (DEMO)")
    box.accept()

    page.copy_button.click()
    assert QApplication.clipboard().text() == artifact.sha256
    QApplication.clipboard().clear()


def test_import_asks_for_custody_and_records_every_field(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=TIMEOUT)
    weights = tmp_path / "weights-2.bin"
    weights.write_bytes(b"weights")
    dialog = page.import_paths([weights])
    assert dialog is not None and "weights-2.bin" in dialog.summary.text()
    fields = dialog.fields
    fields.medium_edit.setText("USB stick #4 (SN 1234)")
    fields.from_edit.setText("Courier K. Ng")
    fields.at_edit.setText("23/11/2026")
    fields.declared_edit.setPlainText("a" * 64)
    dialog.ok_button.click()
    # A malformed field is named in the dialog, which stays open; nothing is imported.
    assert dialog.isVisible() and "is not like 2026-11-23" in dialog.error.text()
    assert not visible(ProgressDialog)
    fields.at_edit.setText("2026-11-23T14:05")
    dialog.ok_button.click()
    box = message(qtbot)
    assert box.text_label.text() == "1 artifact imported. 1 DO NOT MATCH their declared SHA-256."
    box.accept()
    qtbot.waitUntil(lambda: page.table.rowCount() == 4, timeout=TIMEOUT)
    row = next(r for r in range(4) if page.table.item(r, 1).text() == "weights-2.bin")  # type: ignore[union-attr]
    page.table.setCurrentCell(row, 1)
    qtbot.waitUntil(lambda: "weights-2.bin" in page.details.toPlainText(), timeout=TIMEOUT)
    text = page.details.custody.plain_text()
    for expected in ("USB stick #4 (SN 1234)", "Courier K. Ng", "2026-11-23T14:05", "a" * 64):
        assert expected in text, text
    # The next import starts from the same medium and courier, never the same hashes.
    again = page.import_paths([weights])
    assert again is not None
    assert again.fields.medium_edit.text() == "USB stick #4 (SN 1234)"
    assert again.fields.declared_edit.toPlainText() == ""
    again.reject()
