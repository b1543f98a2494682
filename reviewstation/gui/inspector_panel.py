"""The inspection side of an artifact's details: one readable panel per kind of file.

The panel is built from the ``inspection`` summary stored at import (see
``reviewstation.artifacts.inspectors``): weights (safetensors, GGUF), pickles and PyTorch
checkpoints, Inspect logs, text previews, model-signing bundles, and a key/value listing for
anything else. Loud red lines are kept for what must not be missed: a header that lies, a
file that runs code when loaded, a failed signature.

For evidence imported from a package the summary is this vault's own; the sender's summary
rides along under ``sender_inspection`` and is shown apart, as the sender's claim, not checked
here. Every value is type-checked before it is formatted (see ``panel_parts``).
"""

from __future__ import annotations

from typing import Any

from reviewstation.artifacts.viewing import view_artifact
from reviewstation.gui import theme
from reviewstation.gui.context import Context
from reviewstation.gui.dialogs import plain_label
from reviewstation.gui.inspect_log_viewer import InspectLogPanel
from reviewstation.gui.panel_parts import (
    as_dicts,
    as_list,
    display,
    facts,
    fit_height,
    fixed_font,
    flatten,
    heading,
    key_values,
    one_line,
    show_warnings,
    table,
    warning_label,
)
from reviewstation.gui.qt import QPlainTextEdit, QPushButton, QVBoxLayout, QWidget, Signal
from reviewstation.gui.weights_panels import pickle_panel, weights_panel
from reviewstation.vault.session import Session

TEXT_FORMATS = ("text", "markdown", "json", "jsonl", "csv")
SENDER = "sender_inspection"  # what the sending vault said about imported evidence: a claim
# Keys that differ between two honest inspections of the same bytes.
CLAIM_NOISE = ("inspector", SENDER)


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
        self.content.hide()  # at once: deletion waits for the event loop
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
        claim = inspection.get(SENDER)
        inspection = {k: v for k, v in inspection.items() if k != SENDER}
        fmt = display(inspection.get("format") or "unknown")
        self._text = "Inspection\n" + "\n".join(f"  {k}: {v}" for k, v in flatten(inspection))
        if isinstance(claim, dict):
            self._claimed_format(box, column, fmt, claim)
        if inspection.get("error") and fmt != "inspect-eval":
            self._fallback(box, column, fmt, inspection)
        elif fmt in ("safetensors", "gguf"):
            weights_panel(box, column, fmt, inspection)
        elif fmt in ("pickle", "pytorch-zip"):
            pickle_panel(box, column, fmt, inspection)
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
        if isinstance(claim, dict):
            self._claim(box, column, inspection, claim)

    # -- the sender's claim ----------------------------------------------------------------

    def _claimed_format(
        self, box: QWidget, column: QVBoxLayout, fmt: str, claim: dict[str, Any]
    ) -> None:
        said = display(claim.get("format") or "unknown")
        if said != fmt:
            column.addWidget(
                warning_label(
                    f"THE SENDER DESCRIBED THIS FILE AS {said!r}, BUT IT IS {fmt!r}:"
                    " the sender's summary does not match the file.",
                    box,
                    loud=True,
                )
            )

    def _claim(
        self, box: QWidget, column: QVBoxLayout, ours: dict[str, Any], claim: dict[str, Any]
    ) -> None:
        """The sender's summary, apart and labelled: it was not checked here."""
        column.addWidget(heading("The sender's claim, not checked here", box))
        same = {k: v for k, v in claim.items() if k not in CLAIM_NOISE} == {
            k: v for k, v in ours.items() if k not in CLAIM_NOISE
        }
        if same:
            column.addWidget(
                plain_label("The sender's summary agrees with this vault's inspection.", box)
            )
        else:
            column.addWidget(
                plain_label(
                    "The sending vault's summary differs from this vault's inspection above;"
                    " only the inspection above was made here.",
                    box,
                )
            )
            listing = key_values(box, claim, "The sender's claim")
            fit_height(listing, 180)
            column.addWidget(listing)
        lines = [f"  {k}: {v}" for k, v in flatten(claim)]
        self._text += "\nThe sender's claim, not checked here\n" + "\n".join(lines)

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
        column.addWidget(heading(f"{names[fmt]} · {display(i.get('kind', 'document'))}", box))
        show_warnings(box, column, i.get("warnings"))
        rows: list[tuple[str, Any]] = [("Lines", i.get("lines"))]
        info = i.get("json")
        if isinstance(info, dict):
            if info.get("parsed"):
                shape = display(info.get("type"))
                if "key_count" in info:
                    shape += f" with {display(info['key_count'])} keys: " + one_line(
                        display(as_list(info.get("keys"))), 200
                    )
                elif "length" in info:
                    shape += f" of {display(info['length'])} items"
                rows.append(("JSON", shape))
            else:
                rows.append(("JSON", f"not parsed ({display(info.get('reason'))})"))
        sheet = i.get("csv")
        if isinstance(sheet, dict) and sheet.get("parsed"):
            rows.append(
                (
                    "Columns",
                    f"{display(sheet.get('columns'))}: "
                    + one_line(display(as_list(sheet.get("header"))), 200),
                )
            )
        headings = as_list(i.get("headings"))
        if headings:
            rows.append(("Headings", one_line(" · ".join(display(h) for h in headings[:12]), 300)))
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
        shown = i.get("preview")
        preview.setPlainText(shown if isinstance(shown, str) else display(shown or ""))
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
            text = view.get("preview")
            preview.setPlainText(text if isinstance(text, str) else "")
            note.setText(
                "The whole file (this view was recorded in the audit trail):"
                if view.get("preview_complete")
                else "The first part of the file (this view was recorded in the audit trail):"
            )
            more.hide()
            self.viewed.emit(artifact_id)

        def refused(message: str) -> None:
            note.setText(one_line(message))
            theme.mark_error(note)
            more.setEnabled(True)

        def show_more() -> None:
            # One click, one decryption and one audit entry: a second click waits for the answer.
            more.setEnabled(False)
            theme.mark_error(note, False)
            self.ctx.vault.submit(job, done, refused, owner=preview)

        more.clicked.connect(show_more)

    # -- model signing ---------------------------------------------------------------------

    def _signing(
        self,
        box: QWidget,
        column: QVBoxLayout,
        i: dict[str, Any],
        events: list[dict[str, Any]],
    ) -> None:
        column.addWidget(heading("Model signature bundle (OpenSSF model signing)", box))
        checks = [
            e
            for e in as_dicts(events)
            if e.get("event") in ("signature_verified", "signature_failed")
        ]
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
                    f"SIGNATURE CHECK FAILED on {display(last.get('at'))}"
                    f" (by {display(last.get('user'))}): "
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
                f"Verified on {display(last.get('at'))} by {display(last.get('user'))}:"
                " the signature and every listed file match.",
                box,
            )
            theme.mark(ok, "ok")
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
        files = [[display(f)] for f in as_list(i.get("files"))]
        column.addWidget(table(box, ("Files the signature covers",), files, "Signed files"), 1)

    # -- anything else ---------------------------------------------------------------------

    def _fallback(self, box: QWidget, column: QVBoxLayout, fmt: str, i: dict[str, Any]) -> None:
        column.addWidget(heading(f"Format: {fmt}", box))
        if i.get("error"):
            column.addWidget(
                warning_label(
                    f"The inspector could not read this file: {display(i['error'])}", box, loud=True
                )
            )
        show_warnings(box, column, i.get("warnings"))
        # Kind and size are in the custody column already.
        skip = ("warnings", "error", "inspector", "format", "kind", "bytes")
        rest = {str(k).replace("_", " ").capitalize(): v for k, v in i.items() if k not in skip}
        if rest:
            column.addWidget(key_values(box, rest, "Inspection"), 1)
        else:
            column.addWidget(plain_label("Nothing more was inferred from the file.", box))
            column.addStretch(1)
