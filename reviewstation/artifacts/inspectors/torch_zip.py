"""PyTorch checkpoints in the ZIP layout (``torch.save`` since 1.6, TorchScript archives).

Every ``*.pkl`` member (``data.pkl``, TorchScript's ``constants.pkl``) is read into memory and
scanned statically; nothing is extracted or unpickled. TorchScript archives also carry
Python source under ``code/``, which ``torch.jit.load`` compiles and runs: flagged.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from typing import Any

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors import pickle_scan

MAX_PICKLE_MEMBERS = 16


def is_torch(names: list[str]) -> bool:
    return any(n.endswith(".pkl") for n in names)


def inspect(archive: zipfile.ZipFile) -> dict[str, Any]:
    infos = archive.infolist()
    pickles = [i for i in infos if i.filename.endswith(".pkl")][:MAX_PICKLE_MEMBERS]
    code = [
        i.filename for i in infos if "/code/" in f"/{i.filename}" and i.filename.endswith(".py")
    ]
    data = [i for i in infos if "/data/" in f"/{i.filename}" and not i.filename.endswith("/")]
    imports: Counter[str] = Counter()
    scanned = []
    warnings = ["Pickle-based checkpoint: loading it can run arbitrary code. It was not loaded."]
    for info in pickles:
        try:
            result = pickle_scan.scan_bytes(
                ziparchive.read_member(archive, info, pickle_scan.MAX_PICKLE_BYTES)
            )
        except Exception as exc:  # InputError, or anything a hostile member provokes
            scanned.append({"member": info.filename[:200], "error": str(exc)[:300]})
            warnings.append(f"{info.filename[:200]} could not be scanned; treat it as dangerous.")
            continue
        for item in result["imports"]:
            imports[item["callable"]] += item["count"]
        scanned.append(
            {
                "member": info.filename[:200],
                "verdict": result["verdict"],
                "opcodes": result["opcodes"],
            }
        )
        warnings.extend(w for w in result["warnings"][1:] if w not in warnings)
    listed = [
        {"callable": name, "count": n, "risk": pickle_scan.risk(name)}
        for name, n in sorted(imports.items())
    ]
    dangerous = any(i["risk"] == "dangerous" for i in listed) or any("error" in s for s in scanned)
    unknown = any(i["risk"] == "unknown" for i in listed)
    if code:
        warnings.append(
            f"TorchScript archive: {len(code)} Python source files that loading would compile"
            " and run."
        )
    return {
        "format": "pytorch-zip",
        "kind": "weights",
        "danger": "can-run-code",
        "verdict": "dangerous"
        if dangerous or code
        else ("unknown-imports" if unknown else "expected"),
        "pickles": scanned,
        "imports": listed[:200],
        "torchscript_code": [c[:200] for c in code[:50]],
        "storages": len(data),
        "members": len(infos),
        "warnings": warnings,
    }
