"""Taking in a submission: files and folders, streamed once through both hashes and the cipher.

One ``add_artifacts`` call is one batch and is all or nothing: every file's blob is written
and fsynced first, then all rows and their audit entries commit in one transaction. A crash
leaves at worst orphan blobs (reported by ``vault verify``, removed at the next writable
unlock); a cancel or an error removes what this batch wrote. Memory stays constant: a few
chunks in flight, whatever the file size.

Every byte that enters the blob store goes through ``seal_blocks``: a file here
(``encrypt_file``), and an evidence member of a package (``seal_stream``, called by the
package importer). ``artifact_row`` builds the catalog row for both.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewstation.artifacts import catalog, inspectors
from reviewstation.artifacts.background import HashBehind, ReadAhead
from reviewstation.artifacts.blobstore import BlobRef, BlobWriter, new_key, wrap_key
from reviewstation.artifacts.catalog import KINDS, Artifact
from reviewstation.artifacts.custody import Custody, parse_sha256
from reviewstation.artifacts.stream import DEFAULT_CHUNK, check_chunk_size
from reviewstation.canonical import canonical
from reviewstation.errors import Cancelled, InputError
from reviewstation.progress import CancelFlag, Progress, ProgressCallback, check_cancel
from reviewstation.reviews.service import require_review
from reviewstation.storage import remove_file
from reviewstation.vault import audit
from reviewstation.vault.session import Session

MAX_FILES = 100_000
MAX_PATH = 1024


@dataclass(frozen=True)
class Planned:
    source: Path
    path: str
    size: int


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str
    duplicate_of: str | None = None
    sha256: str | None = None


@dataclass
class IntakeResult:
    batch: str
    added: list[Artifact] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    declared_not_received: list[str] = field(default_factory=list)

    @property
    def mismatches(self) -> list[Artifact]:
        return [a for a in self.added if a.declared_mismatch]


def _check_part(part: str, source: Path) -> str:
    if part in ("", ".", "..") or "/" in part or "\\" in part or not part.isprintable():
        raise InputError(f"{source} has a name that cannot be recorded safely ({part[:60]!r}).")
    return part


def check_record_path(path: str, source: str) -> str:
    """A path as recorded for an artifact (``a/b/file``), e.g. one named by a package."""
    return _record_path(path.split("/"), Path(source))


def _record_path(parts: Sequence[str], source: Path) -> str:
    path = "/".join(_check_part(p, source) for p in parts)
    if len(path) > MAX_PATH:
        raise InputError(f"The path of {source} is longer than {MAX_PATH} characters.")
    return path


def plan(
    sources: Sequence[Path], *, follow_links: bool = False
) -> tuple[list[Planned], list[Skipped]]:
    """What a batch will take in: regular files; folders walked with relative paths kept.

    A file named directly may be a link (it is recorded under the link's name). Inside
    folders, special files are skipped and reported; so are links, unless ``follow_links``
    (links to regular files are then taken in under the link's path, as in a Hugging Face
    cache snapshot; links to folders are never followed).
    """
    planned: list[Planned] = []
    skipped: list[Skipped] = []
    if not sources:
        raise InputError("Name at least one file or folder to add.")
    for source in sources:
        try:
            info = source.stat()
        except FileNotFoundError as exc:
            raise InputError(f"{source} does not exist.") from exc
        except OSError as exc:
            raise InputError(f"Cannot read {source} ({exc.strerror or exc}).") from exc
        resolved = source.resolve()
        name = source.name or resolved.name
        if stat.S_ISREG(info.st_mode):
            planned.append(Planned(resolved, _record_path([name], source), info.st_size))
        elif stat.S_ISDIR(info.st_mode):
            _walk(resolved, name, planned, skipped, follow_links)
        else:
            raise InputError(f"{source} is neither a regular file nor a folder.")
        if len(planned) > MAX_FILES:
            raise InputError(f"More than {MAX_FILES} files in one batch; add them in parts.")
    if not planned:
        links = sum(1 for skip in skipped if "link" in skip.reason)
        hint = (
            f" ({links} links skipped; --follow-links takes in what they point to)" if links else ""
        )
        raise InputError(f"There is nothing to add: no regular files were found{hint}.")
    return planned, skipped


def _walk(
    root: Path, top: str, planned: list[Planned], skipped: list[Skipped], follow_links: bool
) -> None:
    def fail(exc: OSError) -> None:
        raise InputError(f"Cannot read the folder {exc.filename} ({exc.strerror or exc}).")

    for folder, dirs, files in os.walk(root, onerror=fail, followlinks=False):
        dirs.sort()
        here = Path(folder)
        rel = [top, *here.relative_to(root).parts]
        for name in [*sorted(files), *[d for d in dirs if (here / d).is_symlink()]]:
            full = here / name
            path = _record_path([*rel, name], full)
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                target = _link_target(full) if follow_links else None
                if target is None:
                    why = "a link to a folder or a special file" if follow_links else "a link"
                    skipped.append(Skipped(path, f"{why} (not followed)"))
                else:
                    planned.append(Planned(target[0], path, target[1]))
            elif not stat.S_ISREG(info.st_mode):
                skipped.append(Skipped(path, "not a regular file"))
            else:
                planned.append(Planned(full, path, info.st_size))
                if len(planned) > MAX_FILES:
                    raise InputError(
                        f"More than {MAX_FILES} files in one batch; add them in parts."
                    )


def _link_target(link: Path) -> tuple[Path, int] | None:
    """A link's final target if it is a regular file, else None (folders, devices, broken)."""
    try:
        target = link.resolve(strict=True)
        info = target.stat()
    except (OSError, RuntimeError):
        return None
    return (target, info.st_size) if stat.S_ISREG(info.st_mode) else None


def _declared_for(item: Planned, sums: dict[str, str]) -> str | None:
    """Match a sums-file name against the recorded path, with or without the top folder."""
    if item.path in sums:
        return sums[item.path]
    tail = item.path.split("/", 1)[1] if "/" in item.path else item.path
    return sums.get(tail)


def _declared_names(item: Planned) -> set[str]:
    tail = item.path.split("/", 1)[1] if "/" in item.path else item.path
    return {item.path, tail}


def seal_blocks(
    blocks: Iterable[tuple[bytes, bool]],
    writer: BlobWriter,
    on_bytes: Callable[[int], None],
    cancel: CancelFlag,
) -> tuple[int, str, str]:
    """Stream blocks (with a flag on the last) through SHA-256, SHA-384 and the cipher;
    (size, sha256, sha384). SHA-384 (the most expensive step) and SHA-256 each run on a thread
    of their own, fed through a bounded queue, while this thread encrypts and writes."""
    size = 0
    with HashBehind("sha384") as sha384, HashBehind("sha256") as sha256:
        for block, last in blocks:
            check_cancel(cancel, "import")
            sha384.update(block)
            sha256.update(block)
            writer.write_chunk(block, last)
            size += len(block)
            on_bytes(len(block))
        return size, sha256.hexdigest(), sha384.hexdigest()


def rechunk(chunks: Iterable[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """Fixed-size blocks with a flag on the last (an empty stream is one empty last block)."""
    buffer = bytearray()
    pending: bytes | None = None
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            if pending is not None:
                yield pending, False
            pending = bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        if pending is not None:
            yield pending, False
        yield bytes(buffer), True
    else:
        yield (pending if pending is not None else b""), True


@dataclass
class Sealed:
    """One stream encrypted into the blob store: written and synced, not yet in the catalog
    (``abort`` removes it)."""

    uid: str
    writer: BlobWriter
    key: bytes
    size: int
    sha256: str
    sha384: str
    chunk_size: int

    def ref(self, vault_id: str, path: str) -> BlobRef:
        return BlobRef(
            vault_id, self.uid, self.writer.name, self.size, self.chunk_size, self.key, path
        )

    def abort(self) -> None:
        self.writer.abort()


def seal_stream(
    session: Session,
    uid: str,
    chunks: Iterable[bytes],
    *,
    chunk_size: int = DEFAULT_CHUNK,
    cancel: CancelFlag = None,
) -> Sealed:
    """Take in a stream of bytes (an evidence member of a package) under a new blob key."""
    check_chunk_size(chunk_size)
    key = new_key()
    writer = BlobWriter(session.path, session.vault_id, uid, key, chunk_size)
    try:
        size, sha256, sha384 = seal_blocks(
            rechunk(chunks, chunk_size), writer, lambda _n: None, cancel
        )
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    return Sealed(uid, writer, key, size, sha256, sha384, chunk_size)


def artifact_row(
    session: Session,
    sealed: Sealed,
    *,
    review_id: int,
    batch: str,
    path: str,
    kind: str,
    facts: Custody,
    inspection: dict[str, object],
    declared: str | None = None,
    duplicate_of: str | None = None,
) -> dict[str, object]:
    """The catalog row of a sealed blob, by this vault's rules (path, kind, custody labels)."""
    if kind not in KINDS:
        raise InputError(f"Unknown artifact kind {kind!r}; choose one of {', '.join(KINDS)}.")
    facts = facts.checked()
    return {
        "uid": sealed.uid,
        "review_id": review_id,
        "batch": batch,
        "path": check_record_path(path, path[:80]),
        "kind": kind,
        "size": sealed.size,
        "sha256": sealed.sha256,
        "sha384": sealed.sha384,
        "blob": sealed.writer.name,
        "chunk_size": sealed.chunk_size,
        "wrapped_key": wrap_key(session.master, session.vault_id, sealed.uid, sealed.key),
        "medium": facts.medium,
        "received_from": facts.received_from,
        "received_at": facts.received_at,
        "imported_at": audit.now(),
        "imported_by": session.user.name,
        "declared_sha256": declared,
        "declared_match": None if declared is None else int(declared == sealed.sha256),
        "duplicate_of": duplicate_of,
        "inspection": canonical(inspection).decode(),
        "erased_at": None,
        "erased_by": None,
    }


def encrypt_file(
    source: Path,
    writer: BlobWriter,
    chunk_size: int,
    on_bytes: Callable[[int], None],
    cancel: CancelFlag,
) -> tuple[int, str, str]:
    """Stream one file through ``seal_blocks``; (size, sha256, sha384). A read-ahead thread
    reads while the blocks are hashed and encrypted."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError as exc:
        raise InputError(f"Cannot open {source} ({exc.strerror or exc}).") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{source} is not a regular file.")
        reader = ReadAhead(fd, chunk_size)
        try:
            size, sha256, sha384 = seal_blocks(reader, writer, on_bytes, cancel)
        finally:
            reader.close()
        after = os.fstat(fd)
        if size != info.st_size or (after.st_size, after.st_mtime_ns) != (
            info.st_size,
            info.st_mtime_ns,
        ):
            raise InputError(
                f"{source} changed while it was read ({info.st_size} bytes at the start,"
                f" {after.st_size} at the end); take it in again from a stable copy."
            )
        return size, sha256, sha384
    finally:
        os.close(fd)


def add_artifacts(
    session: Session,
    review_id: int | str,
    sources: Sequence[Path],
    *,
    kind: str | None = None,
    custody: Custody | None = None,
    declared_sha256: str | None = None,
    declared_sums: dict[str, str] | None = None,
    allow_duplicates: bool = False,
    follow_links: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> IntakeResult:
    """Take in files and folders as one batch; see the module docstring for the guarantees."""
    session.require_writable("add artifacts")
    review = require_review(session, review_id)
    if kind is not None and kind not in KINDS:
        raise InputError(f"Unknown artifact kind {kind!r}; choose one of {', '.join(KINDS)}.")
    check_chunk_size(chunk_size)
    facts = (custody or Custody()).checked()
    planned, skipped = plan(sources, follow_links=follow_links)
    if declared_sha256 is not None:
        if len(planned) != 1:
            raise InputError(
                "A declared SHA-256 applies to exactly one file; for several, give a list of"
                " declared hashes (sha256sum format)."
            )
        declared_single: str | None = parse_sha256(declared_sha256)
    else:
        declared_single = None
    sums = {name: parse_sha256(value) for name, value in (declared_sums or {}).items()}
    total = sum(item.size for item in planned)
    report = progress or (lambda _p: None)
    batch = str(uuid.uuid4())
    result = IntakeResult(batch)
    result.skipped.extend(skipped)
    received = {name for item in planned for name in _declared_names(item)}
    result.declared_not_received = sorted(name for name in sums if name not in received)

    created: list[Path] = []
    rows: list[dict[str, object]] = []
    duplicates: list[Skipped] = []
    seen: dict[str, str] = {}
    done = 0
    try:
        for item in planned:
            check_cancel(cancel, "import")
            report(Progress("import", item.path, done, total))
            uid = str(uuid.uuid4())
            key = new_key()
            writer = BlobWriter(session.path, session.vault_id, uid, key, chunk_size)
            created.append(writer.path)

            def advance(count: int, path: str = item.path) -> None:
                nonlocal done
                done += count
                report(Progress("import", path, done, total))

            try:
                size, sha256, sha384 = encrypt_file(
                    item.source, writer, chunk_size, advance, cancel
                )
                writer.finish()
            except BaseException:
                writer.abort()
                raise
            check_cancel(cancel, "import")
            earlier = catalog.find_by_sha256(session.conn, review.id, sha256)
            duplicate_of = earlier.uid if earlier is not None else seen.get(sha256)
            if duplicate_of is not None and not allow_duplicates:
                remove_file(writer.path, "duplicate blob")
                created.remove(writer.path)
                duplicates.append(
                    Skipped(
                        item.path,
                        "same content as an artifact already taken in",
                        duplicate_of,
                        sha256,
                    )
                )
                continue
            seen.setdefault(sha256, uid)
            sealed = Sealed(uid, writer, key, size, sha256, sha384, chunk_size)
            summary = inspectors.summarize(
                session.path, sealed.ref(session.vault_id, item.path), item.path
            )
            declared = declared_single or _declared_for(item, sums)
            rows.append(
                artifact_row(
                    session,
                    sealed,
                    review_id=review.id,
                    batch=batch,
                    path=item.path,
                    kind=kind or summary.kind or "other",
                    facts=facts,
                    inspection=summary.to_json(),
                    declared=declared,
                    duplicate_of=duplicate_of,
                )
            )
        check_cancel(cancel, "import")
        _commit(session, review.uid, batch, facts, rows, duplicates, result, total)
    except BaseException as exc:
        for path in created:
            # Left behind on failure: an orphan, which verify reports and unlock removes.
            with contextlib.suppress(Exception):
                remove_file(path, "unfinished blob")
        if isinstance(exc, KeyboardInterrupt):
            raise Cancelled("The import was interrupted; nothing was added.") from exc
        raise
    result.skipped.extend(duplicates)
    result.added = [catalog.get_artifact(session.conn, str(row["uid"])) for row in rows]
    return result


def _commit(
    session: Session,
    review_uid: str,
    batch: str,
    facts: Custody,
    rows: list[dict[str, object]],
    duplicates: list[Skipped],
    result: IntakeResult,
    total: int,
) -> None:
    details = {
        "review": review_uid,
        "files": len(rows),
        "bytes": sum(int(str(r["size"])) for r in rows),
        "duplicates_skipped": len(duplicates),
        "other_skipped": len(result.skipped),
        "declared_not_received": result.declared_not_received[:100],
        "medium": facts.medium,
        "received_from": facts.received_from,
        "received_at": facts.received_at,
        "bytes_read": total,
    }
    with session.change("artifact.intake", batch, details) as conn:
        for row in rows:
            audit.append(
                conn,
                session.vault_id,
                session.user.name,
                "artifact.add",
                str(row["uid"]),
                {
                    "review": review_uid,
                    "batch": batch,
                    "path": row["path"],
                    "kind": row["kind"],
                    "size": row["size"],
                    "sha256": row["sha256"],
                    "sha384": row["sha384"],
                    "declared_sha256": row["declared_sha256"],
                    "declared_sha256_match": None
                    if row["declared_match"] is None
                    else bool(row["declared_match"]),
                    "duplicate_of": row["duplicate_of"],
                },
            )
            catalog.insert(conn, row)
        for skip in duplicates:
            audit.append(
                conn,
                session.vault_id,
                session.user.name,
                "artifact.duplicate_skipped",
                skip.duplicate_of or "",
                {"review": review_uid, "batch": batch, "path": skip.path, "sha256": skip.sha256},
            )
