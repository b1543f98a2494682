"""The inspection side of an artifact's details: one readable panel per kind of file.

The panel is built from the ``inspection`` summary stored at import (see
``reviewstation.artifacts.inspectors``): weights (safetensors, GGUF), pickles and PyTorch
checkpoints, Inspect logs, text previews, model-signing bundles, and a key/value listing for
anything else. Loud red lines are kept for what must not be missed: a header that lies, a
file that runs code when loaded, a failed signature.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget

from reviewstation.artifacts.viewing import view_artifact
from reviewstation.gui.context import Context
from reviewstation.gui.dialogs import plain_label
from reviewstation.gui.inspect_log_viewer import InspectLogPanel
from reviewstation.gui.panel_parts import (
    CAUTION,
    LOUD,
    counts,
    display,
    facts,
    fixed_font,
    flatten,
    heading,
    key_values,
    one_line,
    paint_row,
    table,
    warning_label,
)
from reviewstation.vault.session import Session

TEXT_FORMATS = ("text", "markdown", "json", "jsonl", "csv")
RISK_ORDER = {"dangerous": 0, "unknown": 1, "expected": 2}
_KNOWN_WARNINGS = ("Pickle", "DANGER:", "Not verified yet")  # shown by the panels themselves


def parameters(count: Any) -> str:
    if not isinstance(count, int):
        return "—"
    for scale, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if count >= scale:
            return f"{count:,} ({count / scale:.1f} {unit})"
    return f"{count:,}"


def _problems(parent: QWidget, problems: Any) -> QWidget:
    rows = [[str(p)] for p in problems] if isinstance(problems, list) else []
    widget = table(parent, ("What does not match",), rows, "Header problems")
    for row in range(len(rows)):
        paint_row(widget, row, ("#fde7ea", "#5c0010"))
    widget.setMaximumHeight(150)
    return widget


class InspectorPanel(QWidget):
    viewed = Signal(int)  # an audited view of the artifact's content was recorded

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName("Inspection")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 0, 0, 0)
        self.content: QWidget = QWidget(self)
        self._layout.addWidget(self.content)
        self.log_viewer: InspectLogPanel | None = None
        self.preview: QPlainTextEdit | None = None
        self._text = ""

    def plain_text(self) -> str:
        return self._text

    def clear(self) -> None:
        self._set(QWidget(self))
        self._text = ""

    def _set(self, content: QWidget) -> None:
        self._layout.removeWidget(self.content)
        self.content.deleteLater()
        self.content = content
        self.log_viewer = None
        self.preview = None
        self._layout.addWidget(content)

    def show_inspection(
        self, artifact_id: int, inspection: dict[str, Any], events: list[dict[str, Any]]
    ) -> None:
        box = QWidget(self)
        self._set(box)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        fmt = str(inspection.get("format") or "unknown")
        self._text = "Inspection\n" + "\n".join(f"  {k}: {v}" for k, v in flatten(inspection))
        if inspection.get("error") and fmt != "inspect-eval":
            self._fallback(box, column, fmt, inspection)
        elif fmt in ("safetensors", "gguf"):
            self._weights(box, column, fmt, inspection)
        elif fmt in ("pickle", "pytorch-zip"):
            self._pickle(box, column, fmt, inspection)
        elif fmt == "inspect-eval":
            column.addWidget(heading("Inspect evaluation log", box))
            self.log_viewer = InspectLogPanel(self.ctx, artifact_id, inspection, box)
            self.log_viewer.viewed.connect(self.viewed)
            column.addWidget(self.log_viewer, 1)
        elif fmt in TEXT_FORMATS:
            self._preview(box, column, fmt, artifact_id, inspection)
        elif fmt == "model-signing":
            self._signing(box, column, inspection, events)
        else:
            self._fallback(box, column, fmt, inspection)

    @staticmethod
    def _warnings(box: QWidget, column: QVBoxLayout, inspection: dict[str, Any]) -> None:
        for warning in inspection.get("warnings") or []:
            if not str(warning).startswith(_KNOWN_WARNINGS):
                column.addWidget(warning_label(str(warning), box, loud=False))

    # -- weights ---------------------------------------------------------------------------

    def _weights(self, box: QWidget, column: QVBoxLayout, fmt: str, i: dict[str, Any]) -> None:
        trusted = i.get("trusted") is not False
        column.addWidget(
            heading("safetensors weights" if fmt == "safetensors" else "GGUF weights", box)
        )
        if not trusted:
            claim = "HEADER" if fmt == "safetensors" else "TENSOR LAYOUT"
            column.addWidget(
                warning_label(
                    f"THE {claim} DOES NOT MATCH THE FILE: its figures are not trusted."
                    " The file may have been altered or built to mislead.",
                    box,
                    loud=True,
                )
            )
            column.addWidget(_problems(box, i.get("problems")))
        untrusted = "not trusted (see above)"
        if fmt == "safetensors":
            rows: list[tuple[str, Any]] = [
                ("Tensors in header", i.get("tensor_count")),
                ("Parameters", parameters(i.get("parameter_count")) if trusted else untrusted),
                ("Data types", counts(i.get("dtypes")) if trusted else untrusted),
                ("Header", f"{display(i.get('header_bytes'))} bytes"),
                ("Tensor data", f"{display(i.get('data_bytes'))} bytes"),
            ]
        else:
            quant = i.get("file_type") or "—"
            if i.get("quantization_version") is not None:
                quant += f" (quantisation version {display(i.get('quantization_version'))})"
            rows = [
                ("Format", f"GGUF v{display(i.get('version'))}, {i.get('byte_order')}-endian"),
                ("Architecture", i.get("architecture") or "—"),
                ("Model name", i.get("name")),
                ("Quantisation", quant),
                ("Tensors", i.get("tensor_count")),
                ("Parameters", parameters(i.get("parameter_count")) if trusted else untrusted),
                ("Tensor types", counts(i.get("tensor_types"))),
                ("Metadata entries", i.get("metadata_count")),
            ]
        column.addWidget(facts(box, rows))
        self._warnings(box, column, {"warnings": [] if not trusted else i.get("warnings")})
        tabs = QTabWidget(box)
        tabs.setDocumentMode(True)
        tensors = i.get("tensors")
        if isinstance(tensors, list) and tensors:
            rows_t = [
                [str(t.get("name")), str(t.get("dtype")), display(t.get("shape"))] for t in tensors
            ]
            shown = (
                f"&Tensors (first {len(rows_t)})"
                if len(rows_t) < (i.get("tensor_count") or 0)
                else "&Tensors"
            )
            tabs.addTab(table(tabs, ("Name", "Type", "Shape"), rows_t, "Tensors", stretch=0), shown)
        metadata = i.get("metadata")
        if isinstance(metadata, dict) and metadata:
            tabs.addTab(key_values(tabs, metadata, "Metadata"), "M&etadata")
        if tabs.count():
            column.addWidget(tabs, 1)
        else:
            tabs.deleteLater()
            column.addWidget(plain_label("No metadata in the header.", box))
            column.addStretch(1)

    # -- pickles ---------------------------------------------------------------------------

    def _pickle(self, box: QWidget, column: QVBoxLayout, fmt: str, i: dict[str, Any]) -> None:
        torch = fmt == "pytorch-zip"
        column.addWidget(
            heading("PyTorch checkpoint (ZIP with pickles)" if torch else "Python pickle", box)
        )
        column.addWidget(
            warning_label(
                "THIS FILE CAN RUN CODE WHEN LOADED. It was not loaded here; load it only on an"
                " isolated machine, if at all.",
                box,
                loud=True,
            )
        )
        imports = [x for x in i.get("imports") or [] if isinstance(x, dict)]
        imports.sort(key=lambda x: (RISK_ORDER.get(str(x.get("risk")), 1), str(x.get("callable"))))
        dangerous = [str(x.get("callable")) for x in imports if x.get("risk") == "dangerous"]
        if dangerous:
            column.addWidget(
                warning_label(
                    "DANGER: loading it would import "
                    + ", ".join(dangerous[:10])
                    + ("…" if len(dangerous) > 10 else ""),
                    box,
                    loud=True,
                )
            )
        elif i.get("verdict") == "unknown-imports":
            column.addWidget(
                warning_label(
                    "It imports callables other than the usual tensor-rebuild helpers; review them"
                    " below.",
                    box,
                    loud=False,
                )
            )
        self._warnings(box, column, {"warnings": (i.get("warnings") or [])})
        rows: list[tuple[str, Any]] = [("Verdict", str(i.get("verdict") or "—"))]
        if torch:
            scanned = [p for p in i.get("pickles") or [] if isinstance(p, dict)]
            rows += [
                ("Members", i.get("members")),
                ("Tensor storages", i.get("storages")),
                ("Pickles scanned", ", ".join(str(p.get("member")) for p in scanned) or "none"),
                (
                    "TorchScript code",
                    display(i.get("torchscript_code")) if i.get("torchscript_code") else None,
                ),
            ]
        else:
            rows += [
                ("Protocol", i.get("protocol")),
                ("Pickles", i.get("pickles")),
                ("Opcodes", i.get("opcodes")),
                ("Calls", i.get("calls")),
            ]
        column.addWidget(facts(box, rows))
        column.addWidget(heading(f"Callables it would import ({len(imports)})", box))
        listing = table(
            box,
            ("Risk", "Callable", "Times"),
            [
                [str(x.get("risk")), str(x.get("callable")), display(x.get("count"))]
                for x in imports
            ],
            "Imported callables",
            stretch=1,
        )
        for row, x in enumerate(imports):
            if x.get("risk") == "dangerous":
                paint_row(listing, row, LOUD, bold=True)
            elif x.get("risk") == "unknown":
                paint_row(listing, row, CAUTION)
        column.addWidget(listing, 1)

    # -- text ------------------------------------------------------------------------------

    def _preview(
        self, box: QWidget, column: QVBoxLayout, fmt: str, artifact_id: int, i: dict[str, Any]
    ) -> None:
        names = {
            "text": "Text",
            "markdown": "Markdown",
            "json": "JSON",
            "jsonl": "JSON Lines",
            "csv": "CSV",
        }
        column.addWidget(heading(f"{names[fmt]} · {i.get('kind', 'document')}", box))
        self._warnings(box, column, i)
        rows: list[tuple[str, Any]] = [("Lines", i.get("lines"))]
        info = i.get("json")
        if isinstance(info, dict):
            if info.get("parsed"):
                shape = str(info.get("type"))
                if "key_count" in info:
                    shape += f" with {info['key_count']:,} keys: " + one_line(
                        ", ".join(info.get("keys") or []), 200
                    )
                elif "length" in info:
                    shape += f" of {info['length']:,} items"
                rows.append(("JSON", shape))
            else:
                rows.append(("JSON", f"not parsed ({info.get('reason')})"))
        sheet = i.get("csv")
        if isinstance(sheet, dict) and sheet.get("parsed"):
            rows.append(
                (
                    "Columns",
                    f"{sheet.get('columns')}: "
                    + one_line(", ".join(sheet.get("header") or []), 200),
                )
            )
        if i.get("headings"):
            rows.append(("Headings", one_line(" · ".join(i["headings"][:12]), 300)))
        column.addWidget(facts(box, rows))
        complete = bool(i.get("preview_complete"))
        note = plain_label(
            "The whole file:"
            if complete
            else "The beginning of the file (preview stored at import):",
            box,
        )
        column.addWidget(note)
        preview = QPlainTextEdit(box)
        preview.setReadOnly(True)
        preview.setAccessibleName("Preview")
        preview.setPlainText(str(i.get("preview") or ""))
        if fmt in ("json", "jsonl", "csv"):
            preview.setFont(fixed_font())
        self.preview = preview
        column.addWidget(preview, 1)
        if complete:
            return
        more = QPushButton("Show a longer p&review", box)
        more.setToolTip("Decrypt up to 1 MiB in memory; the view is recorded in the audit trail.")
        column.addWidget(more)

        def job(session: Session) -> dict[str, Any]:
            return view_artifact(session, artifact_id)

        def done(view: dict[str, Any]) -> None:
            preview.setPlainText(str(view.get("preview") or ""))
            note.setText(
                "The whole file (this view was recorded in the audit trail):"
                if view.get("preview_complete")
                else "The first part of the file (this view was recorded in the audit trail):"
            )
            more.hide()
            self.viewed.emit(artifact_id)

        def refused(message: str) -> None:
            note.setText(one_line(message))
            note.setStyleSheet("color: #b00020; font-weight: bold;")

        more.clicked.connect(lambda: self.ctx.vault.submit(job, done, refused, owner=preview))

    # -- model signing ---------------------------------------------------------------------

    def _signing(
        self,
        box: QWidget,
        column: QVBoxLayout,
        i: dict[str, Any],
        events: list[dict[str, Any]],
    ) -> None:
        column.addWidget(heading("Model signature bundle (OpenSSF model signing)", box))
        checks = [e for e in events if e.get("event") in ("signature_verified", "signature_failed")]
        last = checks[-1] if checks else None
        details = last["details"] if last and isinstance(last.get("details"), dict) else {}
        fingerprint = details.get("signer_fingerprint_sha256")
        if last is None:
            column.addWidget(
                warning_label(
                    "Not verified yet: check it with 'artifact verify-signature' and the"
                    " developer's public key.",
                    box,
                    loud=False,
                )
            )
        elif last["event"] == "signature_failed":
            column.addWidget(
                warning_label(
                    f"SIGNATURE CHECK FAILED on {last['at']} (by {last['user']}): "
                    + (
                        "the signature verified but the files do not all match."
                        if details.get("signature_verified")
                        else "the signature does not verify with the key supplied."
                    ),
                    box,
                    loud=True,
                )
            )
        else:
            ok = plain_label(
                f"Verified on {last['at']} by {last['user']}:"
                " the signature and every listed file match.",
                box,
            )
            ok.setStyleSheet("font-weight: bold; color: #0b6e2e;")
            column.addWidget(ok)
        if i.get("problems"):
            column.addWidget(
                warning_label("The bundle has problems: " + display(i["problems"]), box, loud=True)
            )
        rows: list[tuple[str, Any]] = [
            (
                "Signer key fingerprint",
                fingerprint if fingerprint else ("not recorded" if last else None),
            ),
            ("File counts", display(details.get("counts")) if details.get("counts") else None),
            ("Model", i.get("model_name") or "—"),
            ("Predicate", i.get("predicate_type")),
            ("Serialisation", i.get("serialization")),
            ("Verification material", i.get("verification_material")),
            ("Key hint", i.get("key_hint")),
            ("Files listed", i.get("resources")),
        ]
        column.addWidget(facts(box, rows))
        files = [[str(f)] for f in i.get("files") or []]
        column.addWidget(table(box, ("Files the signature covers",), files, "Signed files"), 1)

    # -- anything else ---------------------------------------------------------------------

    def _fallback(self, box: QWidget, column: QVBoxLayout, fmt: str, i: dict[str, Any]) -> None:
        column.addWidget(heading(f"Format: {fmt}", box))
        if i.get("error"):
            column.addWidget(
                warning_label(
                    f"The inspector could not read this file: {i['error']}", box, loud=True
                )
            )
        self._warnings(box, column, i)
        rest = {k: v for k, v in i.items() if k not in ("warnings", "error", "inspector", "format")}
        column.addWidget(key_values(box, rest, "Inspection"), 1)
