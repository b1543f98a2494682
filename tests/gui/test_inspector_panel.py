"""The Artifacts tab's detail panels (weights with a lying header, a pickle that would run a
command, an Inspect log and its transcripts, a text preview) and drag-and-drop import.

Set RS_GRAB_DIR to a folder to also save a picture of each panel for a look by eye.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QTableWidget, QWidget
from pytestqt.qtbot import QtBot
from support import artifact_files as craft

from reviewstation.artifacts.attest import verify_model_signature
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.demo import DEMO_PASSPHRASE
from reviewstation.gui.artifacts_view import ArtifactsPage
from reviewstation.gui.panel_parts import LOUD
from reviewstation.gui.progress import ProgressDialog
from reviewstation.gui.shell import Shell
from reviewstation.vault.session import Session, open_vault

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, open_main_window
from .test_artifacts import message, visible

TIMEOUT = 10_000
LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs"  # pinned copies
INSPECT_LOG = LOGS / "2024-11-05T13-32-37-05-00_input-task_hxs4q9azL3ySGkjJirypKZ.eval"


def lying_safetensors(path: Path) -> Path:
    """A header claiming a 1000x1000 F32 tensor (4 MB) over 16 bytes of data."""
    header = {
        "__metadata__": {"format": "pt", "source": "DEMO lab"},
        "embed.weight": {"dtype": "F32", "shape": [1000, 1000], "data_offsets": [0, 4_000_000]},
    }
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(16))
    return path


def system_pickle(path: Path) -> Path:
    """Opcodes written by hand (never unpickled): an OrderedDict, then os.system("echo")."""
    command = b"echo pwned"
    data = (
        b"\x80\x02"  # PROTO 2
        + b"ccollections\nOrderedDict\n"  # GLOBAL
        + b")R0"  # EMPTY_TUPLE, REDUCE, POP
        + b"cos\nsystem\n"  # GLOBAL os.system
        + b"X"  # BINUNICODE
        + struct.pack("<I", len(command))
        + command
        + b"\x85R."  # TUPLE1, REDUCE, STOP
    )
    path.write_bytes(data)
    return path


def add(vault: Path, *paths: Path) -> None:
    with open_vault(vault, DEMO_PASSPHRASE, user="demo") as session:
        add_artifacts(session, 1, list(paths))


def page_of(
    qtbot: QtBot, shell: Shell, vault: Path, user: str = "demo", secret: str = DEMO_PASSPHRASE
) -> ArtifactsPage:
    window = open_main_window(qtbot, shell, vault, user, secret)
    window.resize(1500, 950)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    page = window.workspace.artifacts
    window.workspace.setCurrentWidget(page)
    return page


def select(qtbot: QtBot, page: ArtifactsPage, name: str) -> None:
    def rows() -> list[int]:
        return [
            r
            for r in range(page.table.rowCount())
            if (item := page.table.item(r, 1)) is not None and item.text().endswith(name)
        ]

    qtbot.waitUntil(lambda: len(rows()) == 1, timeout=TIMEOUT)
    page.table.setCurrentCell(rows()[0], 1)
    qtbot.waitUntil(lambda: name in page.details.custody.plain_text(), timeout=TIMEOUT)


def labels(widget: QWidget) -> list[QLabel]:
    return [w for w in widget.findChildren(QLabel) if w.isVisibleTo(widget)]


def texts(widget: QWidget) -> str:
    return "\n".join(label.text() for label in labels(widget))


def loud(widget: QWidget) -> list[str]:
    return [label.text() for label in labels(widget) if LOUD[0] in label.styleSheet()]


def table_named(widget: QWidget, name: str) -> QTableWidget:
    (found,) = [t for t in widget.findChildren(QTableWidget) if t.accessibleName() == name]
    return found


def cells(widget: QTableWidget) -> list[list[str]]:
    return [
        [(item.text() if (item := widget.item(r, c)) else "") for c in range(widget.columnCount())]
        for r in range(widget.rowCount())
    ]


def grab(page: ArtifactsPage, name: str) -> None:
    folder = os.environ.get("RS_GRAB_DIR")
    if folder:
        QApplication.processEvents()  # layouts settle on the event loop
        page.window().grab().save(str(Path(folder) / f"{name}.png"))


def test_safetensors_with_a_lying_header_is_loud(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    add(demo_vault, lying_safetensors(tmp_path / "lying.safetensors"))
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "lying.safetensors")
    panel = page.details.inspector.content
    assert "safetensors weights" in texts(panel)
    (banner,) = loud(panel)
    assert banner.startswith("THE HEADER DOES NOT MATCH THE FILE")
    problems = cells(table_named(panel, "Header problems"))
    assert any("embed.weight" in row[0] and "4000000" in row[0] for row in problems)
    shown = texts(panel)
    assert "not trusted" in shown  # the parameter count is not taken from a lying header
    assert "1,000,000" not in shown
    metadata = cells(table_named(panel, "Metadata"))
    assert ["source", "DEMO lab"] in metadata
    grab(page, "safetensors-lying")

    # The demo's honest file: figures shown, no red line.
    select(qtbot, page, "orion-2-demo.safetensors")
    panel = page.details.inspector.content
    assert loud(panel) == []
    assert "Parameters:" in texts(panel)
    assert table_named(panel, "Tensors").rowCount() > 0


def test_pickle_warns_that_it_runs_code_and_ranks_os_system_first(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    add(demo_vault, system_pickle(tmp_path / "model.pkl"))
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "model.pkl")
    panel = page.details.inspector.content
    banners = loud(panel)
    assert banners[0].startswith("THIS FILE CAN RUN CODE WHEN LOADED")
    assert banners[1] == "DANGER: loading it would import os.system"
    listing = table_named(panel, "Imported callables")
    rows = cells(listing)
    assert rows[0][:2] == ["dangerous", "os.system"]
    assert rows[1][:2] == ["expected", "collections.OrderedDict"]
    first = listing.item(0, 0)
    assert first is not None and first.background().color().name() == LOUD[0]
    grab(page, "pickle")


def test_inspect_log_viewer_shows_a_transcript_on_request(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    add(demo_vault, INSPECT_LOG)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, INSPECT_LOG.name)
    viewer = page.details.inspector.log_viewer
    assert viewer is not None
    shown = texts(viewer)
    for expected in ("input_task", "openai/gpt-4o-mini", "input_solver, generate"):
        assert expected in shown
    assert "model_graded_fact accuracy 1" in shown
    assert cells(viewer.table)[0][:3] == ["1", "1", "C"]
    # Nothing was decrypted for viewing yet: no "viewed" custody event, no messages.
    assert "viewed" not in page.details.custody.plain_text()
    viewer.table.setCurrentCell(0, 0)
    assert "Yo, fam!" not in viewer.transcript.toPlainText()

    viewer.open_button.click()
    qtbot.waitUntil(lambda: viewer.detailed, timeout=TIMEOUT)
    viewer.table.setCurrentCell(-1, -1)
    viewer.table.setCurrentCell(0, 2)
    text = viewer.transcript.toPlainText()
    assert "[assistant]\nYo, fam! So, in February, International Falls" in text
    assert "[user]\nWhat is the average temperature in International Falls" in text
    assert "Score: C" in text
    assert "recorded in the audit trail" in viewer.status.text()
    # The view is in the custody record (and the audit trail) and the pane says so.
    qtbot.waitUntil(lambda: "viewed" in page.details.custody.plain_text(), timeout=TIMEOUT)
    assert page.details.inspector.log_viewer is viewer  # the transcript stays on screen
    grab(page, "inspect-log")


def test_inspect_log_viewer_shows_a_refusal_in_one_line(
    qtbot: QtBot, shell: Shell, demo_vault: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only session cannot record the view, so ``require_audited`` refuses it."""

    def read_only_view(session: Session, ref: int | str) -> object:
        session.read_only = True
        try:
            return view_artifact(session, ref)
        finally:
            session.read_only = False

    monkeypatch.setattr("reviewstation.gui.inspect_log_viewer.view_artifact", read_only_view)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "demo-ctf.json")
    viewer = page.details.inspector.log_viewer
    assert viewer is not None
    viewer.open_button.click()
    qtbot.waitUntil(lambda: viewer.open_button.isEnabled(), timeout=TIMEOUT)
    assert viewer.status.text().startswith("Cannot view an artifact's content: the vault is open")
    assert "\n" not in viewer.status.text()
    assert not viewer.detailed


def test_text_preview_is_plain_text(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\n\n<b>not bold</b> and <img src='x'>\n", encoding="utf-8")
    add(demo_vault, notes)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "notes.md")
    inspector = page.details.inspector
    assert inspector.preview is not None
    assert inspector.preview.toPlainText() == notes.read_text(encoding="utf-8")
    assert "The whole file:" in texts(inspector.content)
    assert "Headings:" in texts(inspector.content)
    grab(page, "text")


def test_gguf_summary_names_architecture_quantisation_and_metadata(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    tokens = ["<s>", "</s>", *"abcdefgh"]
    model = tmp_path / "demo.gguf"
    model.write_bytes(
        craft.gguf(
            [
                ("general.architecture", 8, "llama"),
                ("general.name", 8, "Demo-7B"),
                ("general.file_type", 4, 7),
                ("general.quantization_version", 4, 2),
                ("tokenizer.ggml.tokens", 9, (8, tokens)),
            ],
            [("tok.weight", [4, 8], 0, 0)],
            data=bytes(128),
        )
    )
    add(demo_vault, model)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "demo.gguf")
    panel = page.details.inspector.content
    shown = texts(panel)
    for expected in ("GGUF weights", "GGUF v3, little-endian", "llama", "Demo-7B"):
        assert expected in shown
    assert "MOSTLY_Q8_0 (quantisation version 2)" in shown
    assert "F32: 1" in shown
    assert loud(panel) == []
    metadata = dict((k, v) for k, v in cells(table_named(panel, "Metadata")))
    assert metadata["tokenizer.ggml.tokens"].startswith("10 items of string: <s>, </s>, a")
    grab(page, "gguf")


def test_model_signature_shows_the_check_and_signer_fingerprint(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    files = {"w.bin": b"weights"}
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "w.bin").write_bytes(files["w.bin"])
    (folder / "model.sig").write_bytes(craft.model_signature(files, key, model="demo-model"))
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        added = add_artifacts(session, 1, [folder]).added
        signature = next(a for a in added if a.path.endswith("model.sig"))
        outcome = verify_model_signature(session, signature.id, craft.public_pem(key))
    assert outcome["valid"] is True
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "model/model.sig")
    panel = page.details.inspector.content
    shown = texts(panel)
    assert "Verified on" in shown
    assert outcome["signer_fingerprint_sha256"] in shown
    assert "demo-model" in shown
    assert cells(table_named(panel, "Signed files")) == [["w.bin"]]
    assert loud(panel) == []
    grab(page, "signature")


def test_unknown_kinds_get_a_key_value_listing(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "extras.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("notes/a.txt", "a")
        out.writestr("b.bin", "bb")
    add(demo_vault, archive)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "extras.zip")
    panel = page.details.inspector.content
    assert "Format: zip" in texts(panel)
    rows = dict((k, v) for k, v in cells(table_named(panel, "Inspection")))
    assert rows["Members"] == "2"
    assert rows["Names"] == "notes/a.txt, b.bin"
    assert not any("{" in v for v in rows.values())


def drag(page: ArtifactsPage, mime: QMimeData) -> tuple[bool, bool]:
    enter = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, enter)
    drop = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(page, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_drop_files_and_folders_imports_them(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "card.md").write_text("# card\n", encoding="utf-8")
    (folder / "config.json").write_text("{}", encoding="utf-8")
    log = shutil.copy(LOGS / "log_formats.eval", tmp_path / "run.eval")
    page = page_of(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=TIMEOUT)
    assert page.acceptDrops()

    web = QMimeData()
    web.setUrls([QUrl.fromLocalFile(str(log)), QUrl("https://example.invalid/weights.bin")])
    assert drag(page, web) == (True, False)
    box = message(qtbot)
    assert box.text_label.text().startswith("Nothing was imported: only files and folders")
    assert "https://example.invalid/weights.bin" in box.text_label.text()
    box.accept()
    assert page.table.rowCount() == 3

    page.medium_edit.setText("USB #12")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(log)), QUrl.fromLocalFile(str(folder))])
    assert drag(page, mime) == (True, True)
    assert len(visible(ProgressDialog)) == 1
    box = message(qtbot)
    assert box.text_label.text() == "3 artifact(s) imported."
    box.accept()
    qtbot.waitUntil(lambda: page.table.rowCount() == 6, timeout=TIMEOUT)
    select(qtbot, page, "run.eval")
    assert "medium: USB #12" in page.details.custody.plain_text()


def test_drop_is_refused_for_an_auditor(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    dropped = tmp_path / "x.txt"
    dropped.write_text("x", encoding="utf-8")
    page = page_of(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=TIMEOUT)
    assert not page.acceptDrops()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    assert drag(page, mime) == (False, False)
    qtbot.wait(200)
    assert not visible(ProgressDialog)
    assert page.table.rowCount() == 3
