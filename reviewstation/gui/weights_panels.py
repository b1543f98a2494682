"""Panels for model weights: safetensors and GGUF summaries, and pickles (plain or inside a
PyTorch ZIP checkpoint), whose one big fact is that loading them can run code.

Every field is type-checked before use (see ``panel_parts``): a mistyped value is shown as text.
"""

from __future__ import annotations

from typing import Any

from reviewstation.gui.dialogs import plain_label
from reviewstation.gui.panel_parts import (
    CAUTION,
    LOUD,
    MAX_ROWS,
    PROBLEM,
    as_dicts,
    as_list,
    counts,
    display,
    facts,
    fit_height,
    heading,
    key_values,
    paint_row,
    show_warnings,
    table,
    warning_label,
)
from reviewstation.gui.qt import QTabWidget, QVBoxLayout, QWidget

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


def weights_panel(box: QWidget, column: QVBoxLayout, fmt: str, i: dict[str, Any]) -> None:
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
        quant = display(i.get("file_type"))
        if i.get("quantization_version") is not None:
            quant += f" (quantisation version {display(i.get('quantization_version'))})"
        rows = [
            ("Format", f"GGUF v{display(i.get('version'))}, {display(i.get('byte_order'))}-endian"),
            ("Architecture", i.get("architecture") or "—"),
            ("Model name", i.get("name")),
            ("Quantisation", quant),
            ("Tensors", i.get("tensor_count")),
            ("Parameters", parameters(i.get("parameter_count")) if trusted else untrusted),
            ("Tensor types", counts(i.get("tensor_types"))),
            ("Metadata entries", i.get("metadata_count")),
        ]
    column.addWidget(facts(box, rows))
    show_warnings(box, column, [] if not trusted else i.get("warnings"))
    tabs = QTabWidget(box)
    tabs.setDocumentMode(True)
    tensors = as_list(i.get("tensors"))
    if tensors:
        rows_t = [
            [display(t.get("name")), display(t.get("dtype")), display(t.get("shape"))]
            if isinstance(t, dict)
            else [display(t), "", ""]
            for t in tensors
        ]
        listed = i.get("tensor_count")
        shown = (
            f"&Tensors (first {len(rows_t):,})"
            if isinstance(listed, int) and len(rows_t) < listed
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


def pickle_panel(box: QWidget, column: QVBoxLayout, fmt: str, i: dict[str, Any]) -> None:
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
    imports = as_dicts(i.get("imports"))
    imports.sort(key=lambda x: (RISK_ORDER.get(str(x.get("risk")), 1), display(x.get("callable"))))
    dangerous = [display(x.get("callable")) for x in imports if x.get("risk") == "dangerous"]
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
    show_warnings(box, column, i.get("warnings"))
    rows: list[tuple[str, Any]] = [("Verdict", i.get("verdict") or "—")]
    if torch:
        scanned = as_dicts(i.get("pickles"))
        rows += [
            ("Members", i.get("members")),
            ("Tensor storages", i.get("storages")),
            ("Pickles scanned", display([p.get("member") for p in scanned])),
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
    column.addWidget(heading(f"Callables it would import ({len(imports):,})", box))
    listing = table(
        box,
        ("Risk", "Callable", "Times"),
        [[display(x.get(k)) for k in ("risk", "callable", "count")] for x in imports],
        "Imported callables",
        stretch=1,
    )
    for row, x in enumerate(imports[:MAX_ROWS]):
        if x.get("risk") == "dangerous":
            paint_row(listing, row, LOUD, bold=True)
        elif x.get("risk") == "unknown":
            paint_row(listing, row, CAUTION)
    listing.resizeColumnToContents(0)  # the bold "dangerous" is wider than the plain text
    column.addWidget(listing, 1)
