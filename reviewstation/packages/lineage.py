"""Revision lineage of a finding: the digest of every content state it went through.

A finding's *content* is its editable fields (``findings.service.EDITABLE``); the derived
CVSS score, its workflow state (status, approver) and its evidence and links are not content.
Its **content digest** is the hex SHA-384 of the canonical JSON of those fields. Its
**lineage** is the digest after each revision that changed content, oldest first, the last
being its state now, rebuilt from the revisions' ``{field: [old, new]}`` by undoing them one
by one from the current state.

A package carries each finding's lineage (``findings.json``, ``findings[].lineage``). A vault
that receives the finding holds it unchanged as its revision 1, so the sender's lineage and the
receiver's share the digest of the state that travelled: the **common ancestor** of two
versions is the newest state of one lineage that the other lineage holds too. Digests, not
revision numbers: each vault numbers its own revisions. Pure functions; no database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from reviewstation.canonical import canonical
from reviewstation.findings.service import EDITABLE

CONTENT = EDITABLE


def content(values: Mapping[str, Any]) -> dict[str, Any]:
    """The content fields of a finding (a ``Finding.to_json()`` or a package's finding);
    a field it lacks counts as empty."""
    return {name: values.get(name) for name in CONTENT}


def digest(values: Mapping[str, Any]) -> str:
    return hashlib.sha384(canonical(content(values))).hexdigest()


def lineage(
    current: Mapping[str, Any], revisions: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``[{"revision": n, "digest": d}, ...]``, oldest first: one entry per revision that
    changed content (revision 1 always), the last one the current state."""
    ordered = sorted(
        (r for r in revisions if isinstance(r, Mapping) and type(r.get("revision")) is int),
        key=lambda r: int(r["revision"]),
    )
    state = content(current)
    out: list[dict[str, Any]] = []
    for revision in reversed(ordered):
        changes = revision.get("changes")
        changed = {
            name: value
            for name, value in (changes.items() if isinstance(changes, Mapping) else ())
            if name in CONTENT and isinstance(value, list) and len(value) == 2
        }
        number = int(revision["revision"])
        if changed or number == 1:
            out.append({"revision": number, "digest": digest(state)})
        for name, (old, _new) in changed.items():
            state[name] = old
    out.reverse()
    return out or [{"revision": 0, "digest": digest(current)}]


def common_ancestor(
    ours: list[dict[str, Any]], theirs: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The newest entry of ``theirs`` whose digest ``ours`` holds as well (``{"revision":
    their number, "digest", "ours": our revision number}``), or None."""
    mine = {str(entry.get("digest")): entry.get("revision") for entry in ours}
    for entry in reversed(theirs):
        key = str(entry.get("digest"))
        if key in mine:
            return {"revision": entry.get("revision"), "digest": key, "ours": mine[key]}
    return None


def state_at(
    current: Mapping[str, Any], revisions: Iterable[Mapping[str, Any]], wanted: str
) -> dict[str, Any] | None:
    """The content state whose digest is ``wanted``, rebuilt from ``current`` backwards."""
    state = content(current)
    if digest(state) == wanted:
        return state
    ordered = sorted(
        (r for r in revisions if isinstance(r, Mapping) and type(r.get("revision")) is int),
        key=lambda r: int(r["revision"]),
        reverse=True,
    )
    for revision in ordered:
        changes = revision.get("changes")
        for name, value in changes.items() if isinstance(changes, Mapping) else ():
            if name in CONTENT and isinstance(value, list) and len(value) == 2:
                state[name] = value[0]
        if digest(state) == wanted:
            return state
    return None
