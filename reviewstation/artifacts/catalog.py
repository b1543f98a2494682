"""Artifact records: reading rows, and the shape ``artifact list|show --json`` prints."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reviewstation.artifacts.blobstore import BlobRef, unwrap_key
from reviewstation.artifacts.inspection import KINDS as KINDS  # re-exported: the kinds
from reviewstation.artifacts.inspection import Inspection, parse_inspection, unreadable
from reviewstation.errors import InputError, NotFound
from reviewstation.vault.database import Connection

_COLUMNS = (
    "id",
    "uid",
    "review_id",
    "batch",
    "path",
    "kind",
    "size",
    "sha256",
    "sha384",
    "blob",
    "chunk_size",
    "wrapped_key",
    "medium",
    "received_from",
    "received_at",
    "imported_at",
    "imported_by",
    "declared_sha256",
    "declared_match",
    "duplicate_of",
    "inspection",
    "erased_at",
    "erased_by",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM artifacts"  # noqa: S608


@dataclass(frozen=True)
class Artifact:
    id: int
    uid: str
    review_id: int
    batch: str
    path: str
    kind: str
    size: int
    sha256: str
    sha384: str
    blob: str | None
    chunk_size: int
    wrapped_key: bytes | None = field(repr=False)
    medium: str
    received_from: str
    received_at: str
    imported_at: str
    imported_by: str
    declared_sha256: str | None
    declared_match: bool | None
    duplicate_of: str | None
    inspection: Inspection  # checked by parse_inspection when the row is read
    erased_at: str | None
    erased_by: str | None

    @property
    def erased(self) -> bool:
        return self.blob is None

    @property
    def what(self) -> str:
        return f"Artifact {self.id} ({self.path})"

    @property
    def declared_mismatch(self) -> bool:
        return self.declared_match is False

    def blob_ref(self, master: bytes, vault_id: str) -> BlobRef:
        if self.blob is None or self.wrapped_key is None:
            raise InputError(
                f"{self.what} was erased on {self.erased_at} by {self.erased_by}; its content"
                " no longer exists."
            )
        key = unwrap_key(master, vault_id, self.uid, self.wrapped_key, self.what)
        return BlobRef(vault_id, self.uid, self.blob, self.size, self.chunk_size, key, self.what)

    def to_json(self, *, custody: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The stable JSON form (docs/formats/artifacts.md); never includes key material."""
        out: dict[str, Any] = {
            "id": self.id,
            "uid": self.uid,
            "review_id": self.review_id,
            "batch": self.batch,
            "path": self.path,
            "kind": self.kind,
            "size": self.size,
            "sha256": self.sha256,
            "sha384": self.sha384,
            "erased": self.erased,
            "erased_at": self.erased_at,
            "erased_by": self.erased_by,
            "duplicate_of": self.duplicate_of,
            "custody": {
                "medium": self.medium,
                "received_from": self.received_from,
                "received_at": self.received_at,
                "imported_at": self.imported_at,
                "imported_by": self.imported_by,
                "declared_sha256": self.declared_sha256,
                "declared_sha256_match": self.declared_match,
            },
            "inspection": self.inspection.to_json(),
        }
        if custody is not None:
            out["custody"]["events"] = custody
        return out


def _row(row: Any) -> Artifact:
    values = dict(zip(_COLUMNS, row, strict=True))
    try:
        values["inspection"] = parse_inspection(json.loads(values["inspection"]))
    except (ValueError, RecursionError):
        values["inspection"] = unreadable("the stored summary is unreadable")
    match = values["declared_match"]
    values["declared_match"] = None if match is None else bool(match)
    wrapped = values["wrapped_key"]
    values["wrapped_key"] = None if wrapped is None else bytes(wrapped)
    return Artifact(**values)


def get_artifact(conn: Connection, ref: int | str) -> Artifact:
    """By number or uid; NotFound otherwise."""
    key = str(ref).strip()
    if key.isdigit():
        row = conn.execute(f"{_SELECT} WHERE id = ?", (int(key),)).fetchone()
    else:
        row = conn.execute(f"{_SELECT} WHERE uid = ?", (key,)).fetchone()
    if row is None:
        raise NotFound(f"There is no artifact {key[:80]!s} in this vault.")
    return _row(row)


def list_artifacts(conn: Connection, review_id: int | None = None) -> list[Artifact]:
    if review_id is None:
        rows = conn.execute(f"{_SELECT} ORDER BY id").fetchall()
    else:
        rows = conn.execute(f"{_SELECT} WHERE review_id = ? ORDER BY id", (review_id,)).fetchall()
    return [_row(r) for r in rows]


def find_by_sha256(conn: Connection, review_id: int, sha256: str) -> Artifact | None:
    row = conn.execute(
        f"{_SELECT} WHERE review_id = ? AND sha256 = ? AND blob IS NOT NULL ORDER BY id LIMIT 1",
        (review_id, sha256),
    ).fetchone()
    return None if row is None else _row(row)


def insert(conn: Connection, values: dict[str, Any]) -> int:
    names = [c for c in _COLUMNS if c != "id"]
    row = [values[c] for c in names]
    cursor = conn.execute(
        f"INSERT INTO artifacts ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",  # noqa: S608
        row,
    )
    return int(cursor.lastrowid)


def mark_erased(conn: Connection, artifact_id: int, at: str, by: str) -> None:
    """The record stays; its key and blob name go (the blob file is removed afterwards)."""
    conn.execute(
        "UPDATE artifacts SET wrapped_key = NULL, blob = NULL, erased_at = ?, erased_by = ?"
        " WHERE id = ?",
        (at, by, artifact_id),
    )
