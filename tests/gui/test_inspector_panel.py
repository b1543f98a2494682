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
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot
from support import artifact_files as craft

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.artifacts.attest import verify_model_signature
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.inspection import parse_inspection
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.gui.pages.artifacts.artifacts_view import ArtifactsPage
from reviewstation.gui.runtime.progress import ProgressDialog
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.panel_parts import LOUD
from reviewstation.gui.widgets.theme import ICON
from reviewstation.gui.windows.main_window import MainWindow
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
    # A loud line is the theme's danger box, led by the warning icon (the icon is dropped here).
    return [
        label.text().removeprefix(f"{ICON} ")
        for label in labels(widget)
        if label.property("role") == "danger"
    ]


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


@pytest.mark.parametrize(
    ("content", "banner"),
    [
        (
            b"\x80\x02csklearn.svm\nSVC\n)R.",
            "CAN RUN CODE: it imports callables outside the tensor-rebuild allow-list:"
            " sklearn.svm.SVC",
        ),
        (b"\x80\x02ccollections\nOrderedDict\n)R.\xffjunk", "NOT FULLY SCANNED: "),
    ],
    ids=["unknown import", "not fully scanned"],
)
def test_a_pickle_that_is_not_plainly_expected_is_loud(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path, content: bytes, banner: str
) -> None:
    (tmp_path / "model.pkl").write_bytes(content)
    add(demo_vault, tmp_path / "model.pkl")
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "model.pkl")
    banners = loud(page.details.inspector.content)
    assert banners[0].startswith("THIS FILE CAN RUN CODE WHEN LOADED")
    assert any(b.startswith(banner) for b in banners[1:]), banners
    grab(page, "pickle-" + banner.split(":")[0].lower().replace(" ", "-"))


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

    monkeypatch.setattr(
        "reviewstation.gui.pages.artifacts.inspect_log_viewer.view_artifact", read_only_view
    )
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
                ("tokenizer.chat_template", 8, TEMPLATE),
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
    # The chat template: whole, its newlines kept, in its own tab.
    (template,) = [
        w for w in panel.findChildren(QPlainTextEdit) if "Chat template" in w.accessibleName()
    ]
    assert template.toPlainText() == TEMPLATE
    grab(page, "gguf")


TEMPLATE = "".join(
    f"{{% if messages[{n}] %}}\n<|user|>\n{{{{ messages[{n}]['content'] }}}}\n{{% endif %}}\n"
    for n in range(100)
)


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
    assert outcome.valid
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "model/model.sig")
    panel = page.details.inspector.content
    shown = texts(panel)
    assert "Verified on" in shown
    assert outcome.signer.fingerprint_sha256 and outcome.signer.fingerprint_sha256 in shown
    assert "Verdict:\nVALID" in shown or "VALID" in shown
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
    assert box.text_label.text() == "3 artifacts imported."
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


# -- hostile summaries -----------------------------------------------------------------------

HOSTILE = "<b>x</b><img src='/etc/hostname'>"
LONG = f"{HOSTILE}\n{HOSTILE}"  # long and multi-line: table cells give it a tooltip
FORMATS = (
    "safetensors",
    "gguf",
    "pickle",
    "pytorch-zip",
    "inspect-eval",
    "text",
    "markdown",
    "json",
    "jsonl",
    "csv",
    "model-signing",
    "zip",
    "onnx",
    "keras",
    "npz",
    "sharded-index",
    HOSTILE,
)
# Every top-level field a panel reads.
FIELDS = [
    "kind",
    "warnings",
    "danger",
    "trusted",
    "problems",
    "tensor_count",
    "parameter_count",
    "dtypes",
    "header_bytes",
    "data_bytes",
    "file_type",
    "quantization_version",
    "version",
    "byte_order",
    "architecture",
    "name",
    "tensors",
    "tensor_types",
    "metadata_count",
    "metadata",
    "imports",
    "verdict",
    "pickles",
    "members",
    "storages",
    "torchscript_code",
    "protocol",
    "opcodes",
    "calls",
    "danger",
    "samples",
    "sample_count",
    "dataset",
    "task",
    "task_version",
    "started_at",
    "completed_at",
    "model",
    "solvers",
    "scorers",
    "status",
    "metrics",
    "inspect_version",
    "lines",
    "json",
    "csv",
    "headings",
    "preview_complete",
    "preview",
    "files",
    "model_name",
    "predicate_type",
    "serialization",
    "verification_material",
    "key_hint",
    "resources",
    "sender_inspection",
]


def hostile_values() -> list[object]:
    deep: object = LONG
    for _ in range(40):
        deep = {LONG: [deep]}
    return [
        LONG,
        7,
        -3,
        2.5,
        True,
        None,
        [LONG, 1, {"k": LONG}],
        {LONG: LONG, "n": [1, {"d": LONG}]},
        deep,
        [{"name": LONG, "callable": LONG, "risk": "dangerous", "id": LONG}] * 5000 + [LONG] * 5000,
    ]


def nested(v: object) -> dict[str, object]:
    """Well-shaped containers whose every leaf is ``v``: the paths one level down."""
    message = {"role": v, "function": v, "content": v, "error": {"type": v, "message": v}}
    message["tool_calls"] = [{"function": v, "arguments": v}, v]
    sample = {k: v for k in ("id", "epoch", "target", "scores", "input", "error", "metadata")} | {
        "messages": [message, v],
        "score_details": {LONG: {"value": v, "answer": v, "explanation": v}, "x": v},
    }
    return {
        "tensors": [{"name": v, "dtype": v, "shape": v}, v],
        "imports": [{"risk": "dangerous", "callable": v, "count": v}, {"risk": v}, v],
        "samples": [sample, {"member": v, "error": v}, v],
        "json": {"parsed": True, "type": v, "key_count": v, "keys": v},
        "csv": {"parsed": True, "columns": v, "header": v},
        "dataset": {"name": v, "location": v, "samples": v},
        "metrics": [{"scorer": v, "metric": v, "value": v}, v],
        "metadata": {LONG: {"array_of": v, "length": v, "first": v}, "k": v},
        "dtypes": {LONG: v},
        "sender_inspection": {"format": v, "kind": v, LONG: v},
    }


def hostile_inspections() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for fmt in FORMATS:
        for v in hostile_values():
            out.append({"format": fmt} | {field: v for field in FIELDS})
            out.append({"format": fmt, "preview": LONG} | nested(v))
        out.append({"format": fmt, "error": LONG, "warnings": [LONG]})
        out.append({"format": fmt, "sample_count": 2, "samples": "not a list", "json": [1]})
    out += [{"format": v} for v in hostile_values()]
    return out


def rendered_tips(widget: QWidget) -> list[str]:
    tips = [w.toolTip() for w in [widget, *widget.findChildren(QWidget)]]
    for table_widget in widget.findChildren(QTableWidget):
        for r in range(table_widget.rowCount()):
            for c in range(table_widget.columnCount()):
                if (item := table_widget.item(r, c)) is not None:
                    tips.append(item.toolTip())
    for tabs in widget.findChildren(QTabWidget):
        tips += [tabs.tabToolTip(i) for i in range(tabs.count())]
    return [t for t in tips if t]


def assert_plain(widget: QWidget) -> None:
    for label in labels(widget):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    for tip in rendered_tips(widget):
        # What Qt does with a tooltip: rich text when it looks like it. Any markup must then
        # be our escaped wrapper, never the artifact's own.
        if GuiQt.mightBeRichText(tip):
            assert "<img" not in tip and "<b>" not in tip, tip
            document = QTextDocument()
            document.setHtml(tip)
            if "&lt;img" in tip:
                assert HOSTILE in document.toPlainText()


def test_hostile_inspections_never_raise_and_stay_plain_text(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Any JSON in any field of any format (HTML in strings, wrong types, forged formats, deep
    nesting, huge lists): every panel is built whole, shows it as plain text, and a pickle
    always carries its red warning."""
    window.resize(1500, 950)
    page = window.workspace.artifacts
    window.workspace.setCurrentWidget(page)
    inspector = page.details.inspector
    events = [{"event": "signature_failed", "at": LONG, "user": LONG, "details": LONG}]
    shown_hostile = tipped = False
    for inspection in hostile_inspections():
        inspector.show_inspection(1, parse_inspection(inspection), events)
        panel = inspector.content
        assert_plain(panel)
        shown_hostile |= any(HOSTILE in label.text() for label in labels(panel))
        tipped |= any("&lt;img" in tip for tip in rendered_tips(panel))
        if inspection["format"] in ("pickle", "pytorch-zip") and "error" not in inspection:
            assert any(b.startswith("THIS FILE CAN RUN CODE") for b in loud(panel))
        viewer = inspector.log_viewer
        if viewer is not None:
            for row in range(min(viewer.table.rowCount(), 4)):
                viewer.table.setCurrentCell(row, 0)
            view = {"format": "inspect-eval", "samples": inspection.get("samples")}
            viewer._show_view(parse_inspection(view | {"warnings": [LONG]}))
            for row in range(min(viewer.table.rowCount(), 4)):
                viewer.table.setCurrentCell(row, 0)
            assert_plain(viewer)
        assert inspector.plain_text()
    assert shown_hostile and tipped  # the check above is not vacuous


def test_hostile_custody_is_plain_text(qtbot: QtBot, window: MainWindow) -> None:
    custody = window.workspace.artifacts.details.custody
    for artifact, details in (
        (hostile_artifact(), {LONG: LONG, "source_custody": nested(LONG)}),
        (hostile_artifact(declared_match=True), {"n": hostile_values()[-1]}),
    ):
        events = [{"at": LONG, "user": LONG, "event": LONG, "details": details}]
        custody.show_artifact(artifact, events)
        assert_plain(custody)
        assert HOSTILE in custody.plain_text()
        assert any("&lt;img" in tip for tip in rendered_tips(custody))


def hostile_artifact(declared_match: bool = False) -> Artifact:
    return Artifact(
        id=1,
        uid=LONG,
        review_id=1,
        batch=LONG,
        path=LONG,
        kind=LONG,
        size=12,
        sha256="0" * 64,
        sha384="0" * 96,
        blob="b",
        chunk_size=65536,
        wrapped_key=None,
        medium=LONG,
        received_from=LONG,
        received_at=LONG,
        imported_at=LONG,
        imported_by=LONG,
        declared_sha256="1" * 64,
        declared_match=declared_match,
        duplicate_of=LONG,
        inspection=parse_inspection({}),
        erased_at=None,
        erased_by=None,
    )


def test_the_senders_claim_is_shown_apart_and_a_lie_about_the_format_is_loud(
    qtbot: QtBot, window: MainWindow
) -> None:
    inspector = window.workspace.artifacts.details.inspector
    ours = {"format": "pickle", "kind": "weights", "verdict": "dangerous", "warnings": []}
    claim = {"format": "safetensors", "kind": "weights", "tensor_count": 1}
    inspector.show_inspection(1, parse_inspection({**ours, "sender_inspection": claim}), [])
    panel = inspector.content
    banners = loud(panel)
    assert banners[0].startswith("THE SENDER DESCRIBED THIS FILE AS 'safetensors', BUT IT IS")
    assert any(b.startswith("THIS FILE CAN RUN CODE") for b in banners)
    assert "The sender's claim, not checked here" in texts(panel)
    assert ["Tensor count", "1"] in cells(table_named(panel, "The sender's claim")) or [
        "tensor_count",
        "1",
    ] in cells(table_named(panel, "The sender's claim"))
    assert "The sender's claim, not checked here" in inspector.plain_text()

    # An honest sender: the same summary, one quiet line, no table.
    honest = {**ours, "sender_inspection": {**ours, "inspector": 0}}
    inspector.show_inspection(1, parse_inspection(honest), [])
    panel = inspector.content
    assert "agrees with this vault's inspection" in texts(panel)
    assert not [t for t in panel.findChildren(QTableWidget) if "sender" in t.accessibleName()]
    assert not any(b.startswith("THE SENDER") for b in loud(panel))


def test_a_longer_preview_is_decrypted_once_however_often_it_is_clicked(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int | str] = []
    refuse = [True]

    def counted(session: Session, ref: int | str) -> object:
        calls.append(ref)
        session.read_only = refuse[0]  # a read-only session cannot record the view: refused
        try:
            return view_artifact(session, ref)
        finally:
            session.read_only = False

    monkeypatch.setattr("reviewstation.gui.pages.artifacts.inspector_panel.view_artifact", counted)
    long_notes = tmp_path / "long.txt"
    long_notes.write_text("a line of notes\n" * 20_000, encoding="utf-8")
    add(demo_vault, long_notes)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "long.txt")
    (more,) = [
        b
        for b in page.details.inspector.content.findChildren(QPushButton)
        if "p&review" in b.text()
    ]
    more.click()
    assert not more.isEnabled()
    more.click()  # ignored while the first request is under way
    qtbot.waitUntil(more.isEnabled, timeout=TIMEOUT)  # refused: offered again
    assert len(calls) == 1
    (note,) = [lb for lb in labels(page.details.inspector.content) if lb.property("role")]
    assert note.property("role") == "error"
    assert note.text().startswith("Cannot view an artifact's content")

    refuse[0] = False
    more.click()
    more.click()
    qtbot.waitUntil(lambda: not more.isVisibleTo(page), timeout=TIMEOUT)
    assert len(calls) == 2
    assert note.property("role") in (None, "")
    assert "recorded in the audit trail" in note.text()


def test_what_the_constructor_refused_is_said_in_one_amber_line(
    qtbot: QtBot, window: MainWindow
) -> None:
    inspector = window.workspace.artifacts.details.inspector
    stored = {"format": "safetensors", "trusted": True, "tensor_count": -3, "dtypes": "F32"}
    inspector.show_inspection(1, parse_inspection(stored), [])
    panel = inspector.content
    (line,) = [lb for lb in labels(panel) if lb.accessibleName() == "Malformed summary"]
    assert line.text().startswith(f"{ICON} The stored summary is partly malformed: 'tensor_count'")
    assert "-3" not in texts(panel)  # the refused value is not shown as a count
    assert loud(panel) == []


MODEL_FILES = Path(__file__).resolve().parents[1] / "corpus" / "formats"


def test_a_keras_lambda_is_loud_and_a_missing_shard_is_named(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    shutil.copy(MODEL_FILES / "keras_lambda.keras", tmp_path / "lambda.keras")
    model = tmp_path / "sharded"
    shutil.copytree(MODEL_FILES / "sharded", model)
    (model / "model-00002-of-00002.safetensors").unlink()
    add(demo_vault, tmp_path / "lambda.keras", model)
    page = page_of(qtbot, shell, demo_vault)

    select(qtbot, page, "lambda.keras")
    banners = loud(page.details.inspector.content)
    assert banners[0].startswith("THIS FILE CAN RUN CODE WHEN LOADED: see the warnings")
    assert any("Lambda layer '/with_lambda/lambda'" in b for b in banners[1:]), banners

    select(qtbot, page, "model.safetensors.index.json")
    panel = page.details.inspector.content
    (banner,) = loud(panel)
    assert banner.startswith("SHARDS DO NOT CHECK OUT")
    assert "model-00002-of-00002.safetensors': not taken in beside it" in banner
    rows = cells(table_named(panel, "Shards"))
    assert [r[:2] for r in rows] == [
        ["model-00001-of-00002.safetensors", "present"],
        ["model-00002-of-00002.safetensors", "missing"],
    ]
    assert "PROBLEM: shard 'model-00002" in page.details.inspector.plain_text()
    grab(page, "sharded-missing")
