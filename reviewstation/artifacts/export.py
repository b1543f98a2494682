"""Export: an artifact's content streamed back out byte-exact, audited, never overwriting.

The content goes to a hidden temporary name beside the destination; only when every chunk has
been authenticated and written and fsynced, and the audit entry is committed, does it take its
final name. A failure or a cancel removes the temporary file, so nothing partial (and no
content that failed authentication) appears under the name the user chose.

An auditor checks the vault without taking content out of it: the export is refused to that
role (viewing stays open to it, audited). This export is not a package export: the vault's
export-approval policy does not cover it (docs/threat-model.md); its ``exported`` custody
event does void any approval of a package carrying the artifact.
"""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.background import BufferPool, SyncBehind, WriteBehind
from reviewstation.artifacts.blobstore import BlobRef, iter_plaintext_into
from reviewstation.artifacts.catalog import Artifact
from reviewstation.errors import InputError, PermissionDenied
from reviewstation.progress import CancelFlag, Progress, ProgressCallback, check_cancel
from reviewstation.storage import StreamFile, publish_no_clobber
from reviewstation.vault.session import Session


def require_audited(session: Session, what: str) -> None:
    """Viewing and exporting content must be recorded in the audit chain itself."""
    if session.read_only:
        raise PermissionDenied(
            f"Cannot {what}: the vault is open read-only, so the access could not be audited;"
            " open it for writing."
        )


def _buffers(chunk_size: int) -> int:
    """Chunks in flight between decryption and the writer: about 8 MiB, at least 3."""
    return max(3, min(WRITE_AHEAD_BYTES // chunk_size, 16))


WRITE_AHEAD_BYTES = 8 * 1024 * 1024


def _write_plaintext(
    vault: Path,
    blob: BlobRef,
    target: StreamFile,
    sync: SyncBehind,
    name: str,
    report: ProgressCallback,
    cancel: CancelFlag,
) -> None:
    """Decrypt on this thread into pooled buffers while a writer thread writes the previous
    chunks; only authenticated chunks are queued. Progress counts authenticated bytes handed
    to the writer (at most the pool's few MiB ahead of the disk); the file is whole only once
    ``close`` has returned."""

    def write(view: memoryview) -> None:
        target.write(view)
        sync.wrote(len(view))

    count = _buffers(blob.chunk_size)
    pool = BufferPool(blob.chunk_size, count)
    writer = WriteBehind(write, pool, depth=count - 2)
    try:
        done = 0
        report(Progress("export", name, 0, blob.size))
        for plain in iter_plaintext_into(vault, blob, pool, cancel):
            length = len(plain)
            writer.put(plain)  # the view is the writer's from here on
            done += length
            report(Progress("export", name, done, blob.size))
        writer.close()
    finally:
        writer.abort()


def export_artifact(
    session: Session,
    ref: int | str,
    out: Path,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> Artifact:
    require_audited(session, "export an artifact")
    if session.user.role == "auditor":
        raise PermissionDenied(
            "Cannot export an artifact: an auditor checks the vault but does not take content"
            " out of it."
        )
    artifact = catalog.get_artifact(session.conn, ref)
    if out.exists() or out.is_symlink():
        raise InputError(f"{out} already exists; export will not overwrite it.")
    if not out.parent.is_dir():
        raise InputError(f"The folder {out.parent} does not exist.")
    vault = session.path.resolve()
    if out.parent.resolve() == vault or vault in out.parent.resolve().parents:
        raise InputError("Export outside the vault folder: plaintext never goes inside it.")
    blob = artifact.blob_ref(session.master, session.vault_id)
    report = progress or (lambda _p: None)
    temp = out.with_name(f".{out.name}.{secrets.token_hex(6)}.partial")
    target = StreamFile(temp, "exported file", direct=True)
    try:
        sync = SyncBehind(target.sync_behind)
        try:
            _write_plaintext(session.path, blob, target, sync, artifact.path, report, cancel)
        finally:
            sync.close()
        target.finish()
        check_cancel(cancel, "export")
        details = {"to": str(out), "size": artifact.size, "sha256": artifact.sha256}
        with session.change("artifact.export", artifact.uid, details) as conn:
            custody.add_event(conn, artifact.id, session.user.name, "exported", details)
        publish_no_clobber(temp, out, "export")
    except BaseException:
        target.abort()
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return artifact
