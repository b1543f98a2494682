"""ZIP archives that hold pickles: PyTorch checkpoints (``torch.save`` since 1.6, TorchScript
archives), NumPy ``.npz``, Keras ``.keras`` and any other archive.

Every member is sniffed by content and every pickle in it scanned (``containers``); there is
no cap on how many, only a bound on total work, and what that bound leaves out is listed in
``not_scanned`` ("not scanned: N members"), which makes the verdict "incomplete" at best.
Nothing is extracted or unpickled. TorchScript archives also carry Python source under
``code/``, which ``torch.jit.load`` compiles and runs: flagged.
"""

from __future__ import annotations

import zipfile
from typing import Any, BinaryIO

from reviewstation.artifacts.inspectors import containers, pickle_scan

is_torch = containers.is_torch


def inspect(archive: zipfile.ZipFile) -> dict[str, Any]:
    """A PyTorch checkpoint (an archive with ``*.pkl`` members)."""
    infos = archive.infolist()
    result = containers.ArchiveScan()
    containers.scan_archive(archive, result, torch=True)
    code = [
        i.filename for i in infos if "/code/" in f"/{i.filename}" and i.filename.endswith(".py")
    ]
    data = [i for i in infos if "/data/" in f"/{i.filename}" and not i.filename.endswith("/")]
    summary = summarize(result, "pytorch-zip", len(infos))
    summary["warnings"][0] = (
        "Pickle-based checkpoint: loading it can run arbitrary code. It was not loaded."
    )
    if code:
        summary["verdict"] = "dangerous"
        summary["warnings"].append(
            f"TorchScript archive: {len(code)} Python source files that loading would compile"
            " and run."
        )
    summary["torchscript_code"] = [c[:200] for c in code[:50]]
    summary["storages"] = len(data)
    return summary


def inspect_other(archive: zipfile.ZipFile) -> dict[str, Any] | None:
    """Any other archive: a summary if it holds pickles (or could not be fully sniffed),
    else None (a plain archive)."""
    infos = archive.infolist()
    result = containers.ArchiveScan()
    containers.scan_archive(archive, result, torch=False)
    if not result.members and not result.scan.not_scanned:
        return None
    summary = summarize(result, "zip-with-pickles", len(infos))
    summary["warnings"][0] = (
        "An archive with pickles inside (as in NumPy .npz or Keras files): loading them can"
        " run arbitrary code. Nothing was loaded."
    )
    return summary


def inspect_tar(stream: BinaryIO, size: int) -> dict[str, Any] | None:
    """A tar archive (the oldest ``torch.save`` format keeps its pickles as tar members): a
    summary if it holds pickles or could not be walked whole, else None."""
    result = containers.ArchiveScan()
    containers.scan_tar(stream, size, result)
    if not result.members and not result.scan.not_scanned:
        return None
    summary = summarize(result, "tar-with-pickles", result.sniffed)
    summary["warnings"][0] = (
        "A tar archive with pickles inside (as in the oldest torch.save format): loading them"
        " can run arbitrary code. Nothing was loaded."
    )
    return summary


def summarize(result: containers.ArchiveScan, fmt: str, members: int) -> dict[str, Any]:
    scan = result.scan
    imports = scan.listing()
    summary: dict[str, Any] = {
        "format": fmt,
        "kind": "weights",
        "danger": "can-run-code",
        "verdict": scan.verdict(),
        "pickles": result.members[:200],
        "imports": imports[:200],
        "not_scanned": scan.not_scanned[:50],
        "members": members,
        "warnings": pickle_scan.warnings_for(imports, scan),
    }
    if scan.containers:
        summary["container"] = ", ".join(scan.containers)[:300]
    return summary
