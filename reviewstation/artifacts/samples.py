"""One sample of an Inspect evaluation log inside an artifact, and its digest.

Evidence can point at a single sample (``ARTIFACT#SAMPLE``). The digest pins exactly which
record was meant: SHA-384 of the sample's JSON with keys sorted and no whitespace, so it
does not depend on how the log was packed (``.eval`` ZIP member or ``.json`` list entry).
A sample id may carry an epoch, ``ID@EPOCH``; without one the first epoch is meant.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from reviewstation import ziparchive
from reviewstation.artifacts import catalog
from reviewstation.artifacts.blobstore import BlobReader
from reviewstation.artifacts.inspectors.inspect_eval import (
    _SAMPLE_NAME,
    MAX_JSON_LOG_VIEW,
    MAX_SAMPLE,
    _json_member,
    looks_like_log,
)
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError, NotFound
from reviewstation.vault.session import Session


def digest(sample: dict[str, Any]) -> str:
    text = json.dumps(sample, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode("utf-8", "surrogatepass")).hexdigest()


def _matches(sample: dict[str, Any], wanted: str, epoch: int | None) -> bool:
    if str(sample.get("id")) != wanted:
        return False
    return epoch is None or sample.get("epoch") == epoch


def find_sample(session: Session, artifact_ref: int | str, sample_ref: str) -> tuple[str, str]:
    """(artifact uid, digest) of the named sample; NotFound or InputError otherwise."""
    artifact = catalog.get_artifact(session.conn, artifact_ref)
    wanted, _, epoch_text = sample_ref.partition("@")
    epoch = int(epoch_text) if epoch_text.isdigit() else None
    with BlobReader(session.path, artifact.blob_ref(session.master, session.vault_id)) as stream:
        head = stream.read(4)
        stream.seek(0)
        candidates: list[dict[str, Any]] = []
        if ziparchive.looks_like(head):
            archive = ziparchive.open_zip(stream, artifact.size)  # type: ignore[arg-type]
            for info in archive.infolist():
                if _SAMPLE_NAME.match(info.filename):
                    record = _json_member(archive, info.filename, MAX_SAMPLE)
                    if isinstance(record, dict) and _matches(record, wanted, epoch):
                        candidates.append(record)
        else:
            if artifact.size > MAX_JSON_LOG_VIEW:
                raise InputError(f"{artifact.what} is too large to pick one sample out of.")
            log = loads_bounded(stream.read(artifact.size), "evaluation log", MAX_JSON_LOG_VIEW)
            if not looks_like_log(log):
                raise InputError(f"{artifact.what} is not an Inspect evaluation log.")
            samples = log.get("samples") if isinstance(log, dict) else None
            candidates = [
                s for s in samples or [] if isinstance(s, dict) and _matches(s, wanted, epoch)
            ]
    if not candidates:
        raise NotFound(f"{artifact.what} has no sample {sample_ref!r}.")
    candidates.sort(key=lambda s: int(s["epoch"]) if isinstance(s.get("epoch"), int) else 0)
    return artifact.uid, digest(candidates[0])
