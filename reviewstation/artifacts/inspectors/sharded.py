"""Sharded checkpoint indexes (``model.safetensors.index.json``, ``pytorch_model.bin.index.json``):
JSON that maps each tensor name to the shard file holding it (``weight_map``), with
``metadata.total_size``, the bytes of all tensors together.

Read here: the shards and how many tensors each holds, the declared total size, and shard
names a loader would follow out of the index's folder (absolute, ``..``, control
characters): those are problems (``trusted: false``). Whether the shards were taken in beside
the index, their sizes, tensor counts, the sum of their tensor bytes against ``total_size``,
and their SHA-256 are checked against the vault (``reviewstation.artifacts.references``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, BinaryIO

from reviewstation.artifacts.inspectors.common import clip, path_problem, read_at
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError

MAX_INDEX = 64 * 1024 * 1024
MAX_LISTED = 200  # shards listed (an index naming more is a problem)


def looks_like(name: str) -> bool:
    return name.lower().endswith(".index.json")


def inspect(stream: BinaryIO, size: int, name: str) -> dict[str, Any] | None:
    """The index's summary, or None when the JSON has no ``weight_map`` (not an index)."""
    if size > MAX_INDEX:
        raise InputError(f"The checkpoint index is larger than {MAX_INDEX:,} bytes.")
    try:
        index = loads_bounded(
            read_at(stream, 0, size, size, "index"), "checkpoint index", MAX_INDEX
        )
    except InputError:
        return None  # not JSON: the text inspector shows it
    if not isinstance(index, dict) or "weight_map" not in index:
        return None
    problems: list[str] = []
    weight_map = index["weight_map"]
    shards: Counter[str] = Counter()
    if not isinstance(weight_map, dict):
        problems.append("weight_map is not a mapping of tensor names to shard files")
        weight_map = {}
    for tensor, shard in weight_map.items():
        if not isinstance(shard, str):
            problems.append(f"tensor {tensor[:100]!r} maps to {type(shard).__name__}, not a file")
            continue
        shards[shard] += 1
    for shard in shards:
        why = path_problem(shard, "the index")
        if why:
            problems.append(f"shard {shard[:200]!r}: {why}")
    metadata = index.get("metadata")
    total: int | None = None
    if isinstance(metadata, dict):
        raw = metadata.get("total_size")
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw >= 0:
            total = int(raw)
            if raw != total:
                problems.append(f"metadata.total_size {raw!r} is not a whole number of bytes")
        elif raw is not None:
            problems.append("metadata.total_size is not a number of bytes")
    elif metadata is not None:
        problems.append("metadata is not a JSON object")
    if len(shards) > MAX_LISTED:
        problems.append(f"{len(shards):,} shards; only the first {MAX_LISTED} are listed")
    suffixes = {s.rsplit(".", 1)[-1].lower() for s in shards if "." in s}
    checkpoint = (
        "safetensors"
        if suffixes == {"safetensors"}
        else "pytorch"
        if suffixes and suffixes <= {"bin", "pt", "pth", "ckpt"}
        else "mixed or unknown"
    )
    warnings = [
        f"Sharded {checkpoint} checkpoint index: {len(shards):,} shards,"
        f" {sum(shards.values()):,} tensors. Shards are checked against the vault when the"
        " index is shown."
    ]
    if checkpoint != "safetensors" and shards:
        warnings.append(
            "The shards are not all safetensors: pickle shards can run code when loaded;"
            " each is scanned on its own when taken in."
        )
    if any(p.startswith("shard ") for p in problems):
        warnings.append(
            "SHARDS OUTSIDE THE INDEX'S FOLDER: a loader would open files the sender chose"
            " (see problems)."
        )
    extra = (
        {k: v for k, v in metadata.items() if k != "total_size"}
        if isinstance(metadata, dict)
        else {}
    )
    return {
        "format": "sharded-index",
        "kind": "config",
        "checkpoint": checkpoint,
        "shards": [
            {"name": shard[:400], "tensors": count}
            for shard, count in list(shards.items())[:MAX_LISTED]
        ],
        "shard_count": len(shards),
        "tensor_count": sum(shards.values()),
        "total_size": total,
        "metadata": clip(extra),
        "trusted": not problems,
        "problems": problems[:MAX_LISTED],
        "warnings": warnings,
    }
