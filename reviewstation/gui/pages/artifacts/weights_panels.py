"""Panels for model weights: safetensors and GGUF summaries, and pickles (plain or inside a
PyTorch ZIP checkpoint), whose one big fact is that loading them can run code.

They render typed summaries (``reviewstation.artifacts.inspection``), checked when read.
"""

from __future__ import annotations

from typing import Any

from reviewstation.artifacts.inspection import GgufSummary, PickleScan, SafetensorsSummary
from reviewstation.gui.qt import QPlainTextEdit, QTabWidget, QVBoxLayout, QWidget
from reviewstation.gui.widgets.dialogs import plain_label
from reviewstation.gui.widgets.panel_parts import (
    CAUTION,
    LOUD,
    MAX_ROWS,
    PROBLEM,
    as_list,
    counts,
    display,
    facts,
    fit_height,
    fixed_font,
    heading,
    key_values,
    paint_row,
    show_warnings,
    table,
    warning_label,
)

RISK_ORDER = {"dangerous": 0, "unknown": 1, "expected": 2}


def parameters(count: Any) -> str:
    if not isinstance(count, int) or isinstance(count, bool):
        return display(count)
    for scale, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if count >= scale:
            return f"{count:,} ({count / scale:.1f} {unit})"
    return f"{count:,}"


def _problems(parent: QWidget, problems: Any) -> QWidget:
    if isinstance(problems, str):
        problems = [problems]
    rows = [[display(p)] for p in as_list(problems)]
    widget = table(parent, ("What does not match",), rows, "Header problems")
    for row in range(min(len(rows), MAX_ROWS)):
        paint_row(widget, row, PROBLEM)
    fit_height(widget, 160)
    return widget


def weights_panel(box: QWidget, column: QVBoxLayout, i: SafetensorsSummary | GgufSummary) -> None:
    safetensors = isinstance(i, SafetensorsSummary)
    trusted = i.trusted is not False
    column.addWidget(heading("safetensors weights" if safetensors else "GGUF weights", box))
    if not trusted:
        claim = "HEADER" if safetensors else "TENSOR LAYOUT"
        column.addWidget(
            warning_label(
                f"THE {claim} DOES NOT MATCH THE FILE: its figures are not trusted."
                " The file may have been altered or built to mislead.",
                box,
                loud=True,
            )
        )
        column.addWidget(_problems(box, list(i.problems or ())))
    untrusted = "not trusted (see above)"
    if isinstance(i, SafetensorsSummary):
        rows: list[tuple[str, Any]] = [
            ("Tensors in header", i.tensor_count),
            ("Parameters", parameters(i.parameter_count) if trusted else untrusted),
            ("Data types", counts(i.dtypes) if trusted else untrusted),
            ("Header", f"{display(i.header_bytes)} bytes"),
            ("Tensor data", f"{display(i.data_bytes)} bytes"),
        ]
        tensors = i.tensors or ()
    else:
        quant = display(i.file_type)
        if i.quantization_version is not None:
            quant += f" (quantisation version {display(i.quantization_version)})"
        rows = [
            ("Format", f"GGUF v{display(i.version)}, {display(i.byte_order)}-endian"),
            ("Architecture", i.architecture or "—"),
            ("Model name", i.name),
            ("Quantisation", quant),
            ("Tensors", i.tensor_count),
            ("Parameters", parameters(i.parameter_count) if trusted else untrusted),
            ("Tensor types", counts(i.tensor_types)),
            ("Metadata entries", i.metadata_count),
        ]
        tensors = ()
    column.addWidget(facts(box, rows))
    show_warnings(box, column, [] if not trusted else list(i.warnings))
    tabs = QTabWidget(box)
    tabs.setDocumentMode(True)
    if tensors:
        rows_t = [[t.name, t.dtype, display(list(t.shape))] for t in tensors]
        listed = i.tensor_count
        shown = (
            f"&Tensors (first {len(rows_t):,})"
            if listed is not None and len(rows_t) < listed
            else "&Tensors"
        )
        tabs.addTab(table(tabs, ("Name", "Type", "Shape"), rows_t, "Tensors", stretch=0), shown)
    if i.metadata:
        tabs.addTab(key_values(tabs, i.metadata, "Metadata"), "M&etadata")
    templates = i.chat_templates if isinstance(i, GgufSummary) else None
    for key, text in (templates or {}).items():
        # Shown whole, newlines kept (the inspector cut a huge one, with a warning).
        view = QPlainTextEdit(tabs)
        view.setReadOnly(True)
        view.setFont(fixed_font())
        view.setAccessibleName(f"Chat template {key}")
        view.setPlainText(text)
        suffix = key.removeprefix("tokenizer.chat_template").lstrip(".")
        tabs.addTab(view, f"&Chat template ({suffix})" if suffix else "&Chat template")
    if tabs.count():
        column.addWidget(tabs, 1)
    else:
        tabs.deleteLater()
        column.addWidget(plain_label("No metadata in the header.", box))
        column.addStretch(1)


_HEADINGS = {
    "pytorch-zip": "PyTorch checkpoint (ZIP with pickles)",
    "zip-with-pickles": "Archive with pickles inside (NumPy .npz, Keras, ZIP)",
    "tar-with-pickles": "Tar archive with pickles inside (oldest torch.save format, tar)",
}


def pickle_panel(box: QWidget, column: QVBoxLayout, i: PickleScan) -> None:
    heading_text = _HEADINGS.get(i.format, "Python pickle")
    if i.container:
        heading_text += f" ({i.container})"
    column.addWidget(heading(heading_text, box))
    column.addWidget(
        warning_label(
            "THIS FILE CAN RUN CODE WHEN LOADED. It was not loaded here; load it only on an"
            " isolated machine, if at all.",
            box,
            loud=True,
        )
    )
    imports = sorted(i.imports, key=lambda x: (RISK_ORDER.get(x.risk, 1), x.callable))
    dangerous = [x.callable for x in imports if x.risk == "dangerous"]
    unknown = [x.callable for x in imports if x.risk == "unknown"]
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
    if unknown:
        # Allow-list first: anything but the tensor-rebuild helpers is code that would run.
        column.addWidget(
            warning_label(
                "CAN RUN CODE: it imports callables outside the tensor-rebuild allow-list: "
                + ", ".join(unknown[:10])
                + ("…" if len(unknown) > 10 else ""),
                box,
                loud=True,
            )
        )
    if i.incomplete:
        column.addWidget(
            warning_label(
                "NOT FULLY SCANNED: what was not read may run code. Not scanned: "
                + "; ".join((i.not_scanned or ())[:5])
                + ("…" if len(i.not_scanned or ()) > 5 else ""),
                box,
                loud=True,
            )
        )
    # The boxes above already say these, loudly; the rest of the warnings follow as they are.
    said = ("NOT SCANNED:", "CAN RUN CODE:")
    show_warnings(box, column, [w for w in i.warnings if not w.startswith(said)])
    rows: list[tuple[str, Any]] = [("Verdict", i.verdict), ("Container", i.container)]
    if i.is_zip:
        scanned = i.members_scanned or ()
        rows += [
            ("Members", i.members),
            ("Tensor storages", i.storages),
            ("Pickles scanned", display([p.member for p in scanned])),
            ("Not scanned", display(list(i.not_scanned)) if i.not_scanned else None),
            (
                "TorchScript code",
                display(list(i.torchscript_code)) if i.torchscript_code else None,
            ),
        ]
    else:
        rows += [
            ("Protocol", i.protocol),
            ("Pickles", i.pickle_count),
            ("Opcodes", i.opcodes),
            ("Calls", i.calls),
            ("Not scanned", display(list(i.not_scanned)) if i.not_scanned else None),
        ]
    column.addWidget(facts(box, rows))
    column.addWidget(heading(f"Callables it would import ({len(imports):,})", box))
    listing = table(
        box,
        ("Risk", "Callable", "Times"),
        [[x.risk, x.callable, display(x.count)] for x in imports],
        "Imported callables",
        stretch=1,
    )
    for row, x in enumerate(imports[:MAX_ROWS]):
        if x.risk == "dangerous":
            paint_row(listing, row, LOUD, bold=True)
        elif x.risk == "unknown":
            paint_row(listing, row, CAUTION)
    listing.resizeColumnToContents(0)  # the bold "dangerous" is wider than the plain text
    column.addWidget(listing, 1)
