"""The inspection side of an artifact's details: one readable panel per kind of file.

The panel is built from the ``inspection`` summary stored at import (see
``reviewstation.artifacts.inspectors``): weights (safetensors, GGUF), pickles and PyTorch
checkpoints, Inspect logs, text previews, model-signing bundles, and a key/value listing for
anything else. Loud red lines are kept for what must not be missed: a header that lies, a
file that runs code when loaded, a failed signature.

The panels render typed summaries (``reviewstation.artifacts.inspection``): every field was
checked by the one constructor, ``parse_inspection``, when the row was read, and what it
refused is listed as a note. For evidence imported from a package the summary is this vault's
own; the sender's summary (``claim``) went through the same constructor and is shown apart,
labelled as the sender's claim, not checked here.
"""

from __future__ import annotations

from typing import Any

from reviewstation.artifacts.inspection import (
    SENDER_INSPECTION,
    GgufSummary,
    Inspection,
    InspectLog,
    ModelSignatureSummary,
    OtherSummary,
    PickleScan,
    SafetensorsSummary,
    TextPreview,
)
from reviewstation.artifacts.references import ReferenceCheck
from reviewstation.artifacts.signature_result import SignatureCheck
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.gui.pages.artifacts.inspect_log_viewer import InspectLogPanel
from reviewstation.gui.pages.artifacts.weights_panels import pickle_panel, weights_panel
from reviewstation.gui.qt import QPlainTextEdit, QPushButton, QVBoxLayout, QWidget, Signal
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.widgets import theme
from reviewstation.gui.widgets.dialogs import plain_label
from reviewstation.gui.widgets.panel_parts import (
    as_dicts,
    display,
    facts,
    fit_height,
    fixed_font,
    flatten,
    heading,
    key_values,
    one_line,
    show_notes,
    show_warnings,
    table,
    warning_label,
)
from reviewstation.gui.widgets.wording import counted
from reviewstation.vault.session import Session

# Keys that differ between two honest inspections of the same bytes.
CLAIM_NOISE = ("inspector", SENDER_INSPECTION)


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

    def show_references(self, check: ReferenceCheck | None) -> None:
        """Below the inspection: the shards or external-data files the artifact names, as
        found in the vault (``reviewstation.artifacts.references``)."""
        column = self.content.layout()
        if check is None or not isinstance(column, QVBoxLayout):
            return
        box = self.content
        title = "Shards" if check.what == "shards" else "External data files"
        column.addWidget(heading(title, box))
        if not check.complete:
            column.addWidget(
                warning_label(
                    f"{title.upper()} DO NOT CHECK OUT: "
                    + "; ".join(check.problems[:5] or ("some are missing",)),
                    box,
                    loud=True,
                )
            )
        rows = [
            [
                r.name,
                r.status,
                r.path or "",
                "" if r.size is None else f"{r.size:,}",
                r.sha256 or "",
            ]
            for r in check.references
        ]
        column.addWidget(
            table(box, ("Named", "Status", "In the vault as", "Bytes", "SHA-256"), rows, title), 1
        )
        self._text += f"\n{title}\n" + "\n".join(f"  {r[0]}: {r[1]}" for r in rows)
        self._text += "".join(f"\n  PROBLEM: {p}" for p in check.problems)

    def show_inspection(
        self, artifact_id: int, inspection: Inspection, events: list[dict[str, Any]]
    ) -> None:
        box = QWidget(self)
        self._set(box)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        claim = inspection.claim
        ours = _without_claim(inspection.to_json())
        self._text = "Inspection\n" + "\n".join(f"  {k}: {v}" for k, v in flatten(ours))
        if claim is not None and claim.format != inspection.format:
            column.addWidget(
                warning_label(
                    f"THE SENDER DESCRIBED THIS FILE AS {display(claim.format)!r}, BUT IT IS"
                    f" {display(inspection.format)!r}: the sender's summary does not match the"
                    " file.",
                    box,
                    loud=True,
                )
            )
        match inspection:
            case SafetensorsSummary() | GgufSummary():
                weights_panel(box, column, inspection)
            case PickleScan():
                pickle_panel(box, column, inspection)
            case InspectLog():
                column.addWidget(heading("Inspect evaluation log", box))
                self.log_viewer = InspectLogPanel(self.ctx, artifact_id, inspection, box)
                self.log_viewer.viewed.connect(self.viewed)
                column.addWidget(self.log_viewer, 1)
            case TextPreview():
                self._preview(box, column, artifact_id, inspection)
            case ModelSignatureSummary():
                self._signing(box, column, inspection, events)
            case OtherSummary():
                self._fallback(box, column, inspection)
        show_notes(box, column, inspection.notes)
        if claim is not None:
            said = inspection.claim_json if inspection.claim_json is not None else claim.to_json()
            self._claim(box, column, ours, claim, said)

    # -- the sender's claim ----------------------------------------------------------------

    def _claim(
        self,
        box: QWidget,
        column: QVBoxLayout,
        ours: dict[str, Any],
        claim: Inspection,
        said: dict[str, Any],
    ) -> None:
        """The sender's summary, apart and labelled: it was not checked here. Agreement is
        judged on the checked forms; the listing shows what the sender said."""
        column.addWidget(heading("The sender's claim, not checked here", box))
        if _comparable(claim.to_json()) == _comparable(ours):
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
            stated = {k: v for k, v in said.items() if v is not None}
            listing = key_values(box, stated, "The sender's claim")
            fit_height(listing, 180)
            column.addWidget(listing)
        show_notes(box, column, claim.notes, "The sender's summary")
        lines = [f"  {k}: {v}" for k, v in flatten(said)]
        self._text += "\nThe sender's claim, not checked here\n" + "\n".join(lines)

    # -- text ------------------------------------------------------------------------------

    def _preview(self, box: QWidget, column: QVBoxLayout, artifact_id: int, i: TextPreview) -> None:
        names = {
            "text": "Text",
            "markdown": "Markdown",
            "json": "JSON",
            "jsonl": "JSON Lines",
            "csv": "CSV",
        }
        column.addWidget(heading(f"{names[i.format]} · {display(i.kind or 'document')}", box))
        show_warnings(box, column, i.warnings)
        rows: list[tuple[str, Any]] = [("Lines", i.lines)]
        info = i.json_shape
        if info is not None:
            if info.parsed:
                shape = display(info.type)
                if info.key_count is not None:
                    shape += f" with {counted(info.key_count, 'key')}: " + one_line(
                        display(list(info.keys or ())), 200
                    )
                elif info.length is not None:
                    shape += f" of {counted(info.length, 'item')}"
                rows.append(("JSON", shape))
            else:
                rows.append(("JSON", f"not parsed ({display(info.reason)})"))
        sheet = i.csv_shape
        if sheet is not None and sheet.parsed:
            rows.append(
                (
                    "Columns",
                    f"{display(sheet.columns)}: " + one_line(display(list(sheet.header)), 200),
                )
            )
        if i.headings:
            rows.append(("Headings", one_line(" · ".join(i.headings[:12]), 300)))
        column.addWidget(facts(box, rows))
        complete = i.preview_complete
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
        preview.setPlainText(i.preview)
        if i.format in ("json", "jsonl", "csv"):
            preview.setFont(fixed_font())
        self.preview = preview
        column.addWidget(preview, 1)
        if complete:
            return
        more = QPushButton("Show a longer p&review", box)
        more.setToolTip("Decrypt up to 1 MiB in memory; the view is recorded in the audit trail.")
        column.addWidget(more)

        def job(session: Session) -> Inspection:
            return view_artifact(session, artifact_id)

        def done(view: Inspection) -> None:
            whole = isinstance(view, TextPreview) and view.preview_complete
            preview.setPlainText(view.preview if isinstance(view, TextPreview) else "")
            note.setText(
                "The whole file (this view was recorded in the audit trail):"
                if whole
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
        i: ModelSignatureSummary,
        events: list[dict[str, Any]],
    ) -> None:
        column.addWidget(heading("Model signature bundle (OpenSSF model signing)", box))
        checks = [
            e
            for e in as_dicts(events)
            if e.get("event") in ("signature_verified", "signature_failed")
        ]
        last = checks[-1] if checks else None
        check = SignatureCheck.from_json(last.get("details")) if last else None
        if last is None or check is None:
            column.addWidget(
                warning_label(
                    "Not verified yet: check it with 'artifact verify-signature' and the"
                    " developer's public key.",
                    box,
                    loud=False,
                )
            )
        elif last.get("event") == "signature_failed" or not check.valid:
            column.addWidget(
                warning_label(
                    f"SIGNATURE CHECK FAILED ({check.verdict}) on {display(last.get('at'))}"
                    f" (by {display(last.get('user'))}): "
                    + (
                        "the signature verified but the files do not all match."
                        if check.signature_verified
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
        if check is not None:
            show_notes(box, column, check.notes, "The recorded check")
        if i.problems:
            column.addWidget(
                warning_label(
                    "The bundle has problems: " + display(list(i.problems)), box, loud=True
                )
            )
        counts = check.counts if check else None
        rows: list[tuple[str, Any]] = [
            ("Verdict", check.verdict.value if check else None),
            (
                "Signer key fingerprint",
                (check.signer_fingerprint_sha256 or "not recorded") if check else None,
            ),
            ("File counts", display(counts.to_json()) if counts else None),
            ("Model", i.model_name or "—"),
            ("Predicate", i.predicate_type),
            ("Serialisation", i.serialization),
            ("Verification material", i.verification_material),
            ("Key hint", i.key_hint),
            ("Files listed", i.resources),
        ]
        column.addWidget(facts(box, rows))
        files = [[f] for f in i.files]
        column.addWidget(table(box, ("Files the signature covers",), files, "Signed files"), 1)

    # -- anything else ---------------------------------------------------------------------

    def _fallback(self, box: QWidget, column: QVBoxLayout, i: OtherSummary) -> None:
        column.addWidget(heading(f"Format: {i.format}", box))
        if i.error:
            column.addWidget(
                warning_label(f"The inspector could not read this file: {i.error}", box, loud=True)
            )
        if i.can_run_code:
            why = (
                "it is a pickle or a checkpoint that could not be scanned at all"
                if i.error
                else "see the warnings below"
            )
            column.addWidget(
                warning_label(
                    f"THIS FILE CAN RUN CODE WHEN LOADED: {why}. It was not loaded here.",
                    box,
                    loud=True,
                )
            )
        # A warning led by capitals ("CAN RUN CODE:", "EXTERNAL DATA OUTSIDE ...:") is loud.
        urgent = [w for w in i.warnings if w.split(":", 1)[0].isupper()]
        for text in urgent[:10]:
            column.addWidget(warning_label(one_line(display(text), 500), box, loud=True))
        show_warnings(box, column, [w for w in i.warnings if w not in urgent])
        # Kind and size are in the custody column already.
        rest = {k.replace("_", " ").capitalize(): v for k, v in i.fields.items()}
        if rest:
            column.addWidget(key_values(box, rest, "Inspection"), 1)
        else:
            column.addWidget(plain_label("Nothing more was inferred from the file.", box))
            column.addStretch(1)


def _without_claim(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != SENDER_INSPECTION}


def _comparable(summary: dict[str, Any]) -> dict[str, Any]:
    """What two honest inspections of the same bytes agree on."""
    return {k: v for k, v in summary.items() if k not in CLAIM_NOISE}
