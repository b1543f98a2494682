"""One sample of an Inspect evaluation log inside an artifact, and its digest.

Evidence can point at a single sample (``ARTIFACT#SAMPLE``). The digest pins exactly which
record was meant: SHA-384 of the sample's *resolved* record in canonical JSON (defined in
``inspectors/inspect_records.py``: parts assembled, pooled messages and calls and
``attachment://`` references replaced by what they name, keys sorted, no whitespace). It
covers the sample's content, not the bytes of the log, so it does not depend on how the log
stored it: one ``.eval`` member, a folder of parts, pooled or not, or a ``.json`` list entry.
A sample id may carry an epoch, ``ID@EPOCH``; without one the first epoch is meant.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from reviewstation import ziparchive
from reviewstation.artifacts import catalog
from reviewstation.artifacts.blobstore import BlobReader
from reviewstation.artifacts.inspectors import inspect_records, json_stream
from reviewstation.artifacts.inspectors.inspect_eval import (
    MAX_HEADER,
    MAX_JSON_LOG_VIEW,
    looks_like_log,
    sample_order,
)
from reviewstation.artifacts.inspectors.inspect_records import MAX_SAMPLE
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError, NotFound
from reviewstation.vault.session import Session


def digest(sample: dict[str, Any]) -> str:
    """The evidence digest of a sample record as stored (resolved first)."""
    return inspect_records.sample_digest(sample)


def _matches(sample: dict[str, Any], wanted: str, epoch: int | None) -> bool:
    if str(sample.get("id")) != wanted:
        return False
    return epoch is None or sample.get("epoch") == epoch


def _key(sample_id: object, epoch: object) -> str | None:
    """``ID@EPOCH`` (``ID`` without an epoch), as evidence names a sample; None without an id."""
    if isinstance(sample_id, bool) or not isinstance(sample_id, (str, int)):
        return None
    return (
        f"{sample_id}@{epoch}"
        if isinstance(epoch, int) and not isinstance(epoch, bool)
        else (str(sample_id))
    )


def _json_samples(stream: BinaryIO, size: int, what: str) -> Iterator[dict[str, Any]]:
    """The sample records of a ``.json`` log: parsed whole when small, streamed otherwise."""
    stream.seek(0)
    if size <= MAX_JSON_LOG_VIEW:
        log = loads_bounded(stream.read(size), "evaluation log", MAX_JSON_LOG_VIEW)
        if not looks_like_log(log):
            raise InputError(f"{what} is not an Inspect evaluation log.")
        yield from (s for s in log.get("samples") or [] if isinstance(s, dict))
        return
    header: dict[str, Any] = {}
    for part in json_stream.read_object(
        stream, size, field_limit=MAX_HEADER, item_limit=MAX_SAMPLE, streamed="samples"
    ):
        if isinstance(part, json_stream.Field):
            if not part.too_large:
                header[part.key] = part.value
            continue
        if not looks_like_log(header):
            raise InputError(f"{what} is not an Inspect evaluation log.")
        if isinstance(part.value, dict):
            yield part.value
    if not looks_like_log(header):
        raise InputError(f"{what} is not an Inspect evaluation log.")


def sample_keys(session: Session, artifact_ref: int | str) -> list[str]:
    """Every sample of an Inspect log in an artifact, as ``ID@EPOCH``, in natural order.

    The import summary lists only the first few; this reads the whole list, for the evidence
    picker. A ``.eval`` ZIP is listed from its directory alone (nothing is decompressed); a
    ``.json`` log is parsed (streamed, one sample at a time, when large)."""
    artifact = catalog.get_artifact(session.conn, artifact_ref)
    with BlobReader(session.path, artifact.blob_ref(session.master, session.vault_id)) as stream:
        head = stream.read(4)
        stream.seek(0)
        if ziparchive.looks_like(head):
            archive = ziparchive.open_zip(stream, artifact.size)  # type: ignore[arg-type]
            names = [i.filename for i in archive.infolist()]
            return [s.key for s in inspect_records.stored_samples(names)]
        ids = [
            (sample_order(s), _key(s.get("id"), s.get("epoch")))
            for s in _json_samples(stream, artifact.size, artifact.what)  # type: ignore[arg-type]
        ]
    return [key for _, key in sorted(ids, key=lambda pair: pair[0]) if key is not None]


def find_sample(session: Session, artifact_ref: int | str, sample_ref: str) -> tuple[str, str]:
    """(artifact uid, digest) of the named sample; NotFound or InputError otherwise."""
    artifact = catalog.get_artifact(session.conn, artifact_ref)
    wanted, epoch = inspect_records.split_key(sample_ref)
    with BlobReader(session.path, artifact.blob_ref(session.master, session.vault_id)) as stream:
        head = stream.read(4)
        stream.seek(0)
        candidates: list[dict[str, Any]] = []
        if ziparchive.looks_like(head):
            archive = ziparchive.open_zip(stream, artifact.size)  # type: ignore[arg-type]
            names = [i.filename for i in archive.infolist()]
            for stored in inspect_records.stored_samples(names):
                # The names carry id and epoch; a record is read only when they could match.
                if stored.ident != wanted or (epoch is not None and stored.epoch != epoch):
                    continue
                record = inspect_records.read_stored(archive, stored)
                if _matches(record, wanted, epoch):
                    candidates.append(record)
        else:
            candidates = [
                s
                for s in _json_samples(stream, artifact.size, artifact.what)  # type: ignore[arg-type]
                if _matches(s, wanted, epoch)
            ]
    if not candidates:
        raise NotFound(f"{artifact.what} has no sample {sample_ref!r}.")
    candidates.sort(key=lambda s: int(s["epoch"]) if isinstance(s.get("epoch"), int) else 0)
    return artifact.uid, digest(candidates[0])
