"""Files that a model file names beside itself, checked against what the vault took in.

A sharded checkpoint index names its shards; an ONNX model names its external-data files.
Loaders open those paths relative to the file's folder, so the reviewer needs to know
whether each one was taken in beside it, and whether it is what the naming file says. The
check reads only the catalog (paths, sizes, SHA-256 and the stored inspections), never a
blob, so it is run whenever the artifact is shown and sees shards taken in later too.

- Index shards: present at ``<index folder>/<shard>``; for safetensors shards, the number of
  tensors the index assigns to each shard equals the shard's own count, and the shards'
  tensor bytes add up to ``metadata.total_size``; other shards in the folder that look like
  part of the same set (``<prefix>-NNNNN-of-NNNNN<suffix>``) but are not listed are named.
  The index carries no hashes: each shard's SHA-256 from the vault is listed, to compare with
  a signature or the sender's list.
- ONNX external data: each file present, and each tensor's ``offset + length`` inside it.

Names that escape the folder were already refused by the inspector (its ``problems``); they
are listed here as "unsafe" and never looked up.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.inspection import ModelFileSummary, SafetensorsSummary
from reviewstation.artifacts.inspectors.common import path_problem

FORMATS = ("sharded-index", "onnx")  # the summaries that name files beside themselves
_SET = re.compile(r"^(.*)-(\d{5})-of-(\d{5})(\.[A-Za-z0-9.]+)$")


@dataclass(frozen=True)
class Reference:
    name: str  # as the naming file wrote it
    status: str  # "present", "missing" or "unsafe"
    path: str | None = None  # where it was looked for in the vault
    artifact_id: int | None = None
    size: int | None = None
    sha256: str | None = None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReferenceCheck:
    what: str  # "shards" or "external data"
    references: tuple[Reference, ...]
    problems: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.problems and all(r.status == "present" for r in self.references)

    def to_json(self) -> dict[str, Any]:
        """As ``artifact show --json`` prints it."""
        return {
            "what": self.what,
            "complete": self.complete,
            "files": [
                {
                    "name": r.name,
                    "status": r.status,
                    "path": r.path,
                    "artifact": r.artifact_id,
                    "size": r.size,
                    "sha256": r.sha256,
                    "problems": list(r.problems),
                }
                for r in self.references
            ],
            "problems": list(self.problems),
        }


def check_references(artifacts: Sequence[Artifact], artifact: Artifact) -> ReferenceCheck | None:
    """The check for ``artifact`` against the other artifacts of its review, or None when it
    names no files."""
    summary = artifact.inspection
    if not isinstance(summary, ModelFileSummary) or summary.error:
        return None
    folder = posixpath.dirname(artifact.path)
    by_path = {
        a.path: a
        for a in artifacts
        if a.review_id == artifact.review_id and not a.erased and a.id != artifact.id
    }
    if summary.format == "sharded-index":
        return _shards(summary, folder, by_path)
    if summary.format == "onnx":
        return _external(summary, folder, by_path)
    return None


def _look_up(name: str, folder: str, by_path: dict[str, Artifact]) -> Reference:
    why = path_problem(name, "the file")
    if why:
        return Reference(name, "unsafe", problems=(why,))
    path = posixpath.normpath(posixpath.join(folder, name)) if folder else posixpath.normpath(name)
    found = by_path.get(path)
    if found is None:
        return Reference(name, "missing", path, problems=("not taken in beside it",))
    return Reference(name, "present", path, found.id, found.size, found.sha256)


def _shards(summary: ModelFileSummary, folder: str, by_path: dict[str, Artifact]) -> ReferenceCheck:
    listed = summary.fields.get("shards")
    entries = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    references: list[Reference] = []
    problems: list[str] = []
    data_bytes: int | None = 0
    for entry in entries:
        name, tensors = entry.get("name"), entry.get("tensors")
        if not isinstance(name, str):
            continue
        ref = _look_up(name, folder, by_path)
        found = by_path.get(ref.path) if ref.status == "present" and ref.path else None
        shard = found.inspection if found is not None else None
        if isinstance(shard, SafetensorsSummary) and shard.header_trusted:
            extra = []
            if isinstance(tensors, int) and shard.tensor_count not in (None, tensors):
                extra.append(
                    f"the index assigns {tensors:,} tensors to it; it holds {shard.tensor_count:,}"
                )
            if data_bytes is not None and shard.data_bytes is not None:
                data_bytes += shard.data_bytes
            ref = replace(ref, problems=ref.problems + tuple(extra))
        else:
            data_bytes = None  # not every shard's tensor bytes are known
            if found is not None and name.endswith(".safetensors"):
                ref = replace(
                    ref, problems=(f"not a readable safetensors file ({_format(found)})",)
                )
        references.append(ref)
    total = summary.fields.get("total_size")
    if isinstance(total, int) and data_bytes is not None and references and data_bytes != total:
        problems.append(f"metadata.total_size says {total:,} bytes; the shards hold {data_bytes:,}")
    listed_names = {r.path for r in references if r.path}
    sets = {m.group(1, 3, 4) for r in references if (m := _SET.match(posixpath.basename(r.name)))}
    for path in sorted(by_path):
        if posixpath.dirname(path) != folder or path in listed_names:
            continue
        match = _SET.match(posixpath.basename(path))
        if match and match.group(1, 3, 4) in sets:
            problems.append(
                f"{path!r} looks like a shard of this set but the index does not list it"
            )
    for ref in references:
        problems.extend(f"shard {ref.name!r}: {p}" for p in ref.problems)
    return ReferenceCheck("shards", tuple(references), tuple(problems[:200]))


def _format(artifact: Artifact) -> str:
    return artifact.inspection.format if artifact.inspection.error is None else "unreadable"


def _external(
    summary: ModelFileSummary, folder: str, by_path: dict[str, Artifact]
) -> ReferenceCheck | None:
    listed = summary.fields.get("external_data")
    entries = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    if not entries:
        return None
    references: dict[str, Reference] = {}
    problems: list[str] = []
    for entry in entries:
        name = entry.get("location")
        if not isinstance(name, str):
            continue
        if name not in references:
            references[name] = _look_up(name, folder, by_path)
        ref = references[name]
        if ref.status != "present" or ref.size is None:
            continue
        try:
            # no length: to the end of the file, so only the offset can be checked
            end = int(str(entry.get("offset", "0"))) + int(str(entry.get("length", "0")))
        except ValueError:
            problems.append(f"tensor {entry.get('tensor')!r}: offset or length is not a number")
            continue
        if end > ref.size:
            problems.append(
                f"tensor {entry.get('tensor')!r}: its data ends at byte {end:,}, past the end of"
                f" {name!r} ({ref.size:,} bytes)"
            )
    for ref in references.values():
        problems.extend(f"{ref.name!r}: {p}" for p in ref.problems)
    return ReferenceCheck("external data", tuple(references.values()), tuple(problems[:200]))
