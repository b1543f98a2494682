"""The artifact part of ``vault verify``: quick (files present, right size, keys open, no
orphans) or full (every blob decrypted, its chunk structure and both hashes checked)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from reviewstation.artifacts import catalog, orphans
from reviewstation.artifacts.blobstore import blob_path, iter_plaintext
from reviewstation.artifacts.stream import BlobCorrupt
from reviewstation.errors import VaultError
from reviewstation.progress import CancelFlag, Progress, ProgressCallback, check_cancel
from reviewstation.vault.database import Connection, DatabaseError


@dataclass
class ArtifactCheck:
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    artifacts: int = 0
    bytes_checked: int = 0


def check_artifacts(
    vault: Path,
    conn: Connection,
    master: bytes,
    vault_id: str,
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> ArtifactCheck:
    result = ArtifactCheck()
    report = progress or (lambda _p: None)
    try:
        artifacts = catalog.list_artifacts(conn)
    except DatabaseError as exc:
        if "no such table" in str(exc):
            return result  # schema before artifacts: migrated at the next unlock
        result.problems.append(f"Artifacts: their records cannot be read ({exc}).")
        return result
    live = [a for a in artifacts if not a.erased]
    result.artifacts = len(live)
    result.checks.append(
        "artifact content: every blob decrypted and both hashes compared"
        if full
        else "artifact blobs: present, of the recorded size, keys open"
    )
    total = sum(a.size for a in live) if full else len(live)
    done = 0
    for artifact in live:
        check_cancel(cancel, "verification")
        report(Progress("verify", artifact.path, done, total))
        try:
            ref = artifact.blob_ref(master, vault_id)
            if not full:
                path = blob_path(vault, ref.name)
                if not path.exists():
                    raise BlobCorrupt(
                        f"{artifact.what}: its blob {ref.name} is missing.", "missing"
                    )
                actual = path.stat().st_size
                if actual != ref.sealed_size:
                    raise BlobCorrupt(
                        f"{artifact.what}: its blob has {actual} bytes, {ref.sealed_size}"
                        " recorded (truncated or extended).",
                        "truncated" if actual < ref.sealed_size else "extended",
                    )
                done += 1
                continue
            sha256 = hashlib.sha256()
            sha384 = hashlib.sha384()
            for plain in iter_plaintext(vault, ref, cancel):
                sha256.update(plain)
                sha384.update(plain)
                done += len(plain)
                report(Progress("verify", artifact.path, done, total))
            if sha256.hexdigest() != artifact.sha256 or sha384.hexdigest() != artifact.sha384:
                raise BlobCorrupt(
                    f"{artifact.what}: its content decrypts but does not match its recorded"
                    " hashes.",
                    "hash",
                )
            result.bytes_checked += artifact.size
        except BlobCorrupt as exc:
            result.problems.append(f"{exc} [{exc.reason}]")
        except (VaultError, OSError) as exc:
            result.problems.append(f"{artifact.what}: its blob cannot be read ({exc}).")
    for artifact in artifacts:
        if artifact.declared_mismatch:
            result.notes.append(
                f"{artifact.what}: its SHA-256 differs from the one declared at intake"
                f" ({artifact.declared_sha256}); recorded at import."
            )
    result.checks.append("orphan blobs")
    found, strangers = orphans.scan(vault, conn)
    result.orphans = found
    for name in found:
        result.notes.append(
            f"Orphan blob blobs/{name}: no artifact refers to it (an interrupted import or"
            " erase); it is removed at the next writable unlock."
        )
    for name in strangers:
        result.problems.append(f"Unexpected file blobs/{name[:100]} in the blob folder.")
    return result
