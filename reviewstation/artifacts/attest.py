"""Checking an OpenSSF model signature (``model.sig``) against what was actually taken in.

Offline: the reviewer supplies the developer's public key (EC or ML-DSA), or certificates the
bundle's certificate chain must lead to. The DSSE signature is verified, then every file (or
shard) the statement lists is compared with the imported artifact at the same relative path:
whole-file SHA-256 from the record; shards, BLAKE2b and BLAKE3 digests recomputed from the blob
(BLAKE3 only where the optional ``blake3`` package is installed: otherwise those files are
reported as not compared). Shards must cover each file exactly, as model_signing's own
verifier requires. Files in the signed folder that the statement does not list are reported
too. The outcome and the signer's key fingerprint go into the custody record of the signature
and of every artifact it covers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.blobstore import BlobReader
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.export import require_audited
from reviewstation.artifacts.inspectors import model_signing
from reviewstation.artifacts.inspectors.model_signing import Resource
from reviewstation.artifacts.signature_result import (
    Counts,
    FileCheck,
    SignatureResult,
    Signer,
    decide,
)
from reviewstation.errors import CryptoError, InputError
from reviewstation.progress import CancelFlag, Progress, ProgressCallback, check_cancel
from reviewstation.vault.session import Session

_BLOCK = 4 * 1024 * 1024
NO_BLAKE3 = "BLAKE3 manifest: cannot check digests without blake3 (pip install blake3)."


def _blake3() -> Callable[[], Any] | None:
    try:
        from blake3 import blake3  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return blake3  # type: ignore[no-any-return,unused-ignore]


def hasher(content: str) -> Callable[[], Any] | None:
    """A fresh hash object for a resource's content algorithm; None if not available here."""
    if content == "sha256":
        return hashlib.sha256
    if content == "blake2b":
        return hashlib.blake2b  # model_signing: hashlib.blake2b() defaults, 64-byte digest
    if content == "blake3":
        return _blake3()
    return None


def _find(by_path: dict[str, Artifact], base: str, name: str) -> Artifact | None:
    exact = by_path.get(f"{base}/{name}" if base else name)
    if exact is not None:
        return exact
    tails = [a for path, a in by_path.items() if path.endswith("/" + name) or path == name]
    return tails[0] if len(tails) == 1 else None


def _range_digest(
    session: Session,
    artifact: Artifact,
    start: int,
    end: int,
    new: Callable[[], Any],
    cancel: CancelFlag,
) -> str | None:
    if not 0 <= start <= end <= artifact.size:
        return None
    digest = new()
    with BlobReader(session.path, artifact.blob_ref(session.master, session.vault_id)) as reader:
        reader.seek(start)
        remaining = end - start
        while remaining:
            check_cancel(cancel, "signature check")
            block = reader.read(min(_BLOCK, remaining)) or b""
            if not block:
                return None
            digest.update(block)
            remaining -= len(block)
    return str(digest.hexdigest())


def _compare(session: Session, found: Artifact, resource: Resource, cancel: CancelFlag) -> str:
    new = hasher(resource.content)
    if new is None:
        return f"not compared ({resource.content[:20]})"
    if resource.start is None:
        if resource.content == "sha256":
            return "match" if found.sha256 == resource.digest else "mismatch"
        start, end = 0, found.size
    else:
        start, end = resource.start, resource.end or 0
    actual = _range_digest(session, found, start, end, new, cancel)
    return "match" if actual == resource.digest else "mismatch"


def shard_gaps(size: int, shards: list[Resource]) -> str | None:
    """Why ``shards`` do not tile the file exactly as model_signing cuts it, or None."""
    ordered = sorted(shards, key=lambda r: (r.start or 0, r.end or 0))
    shard_size = ordered[0].shard_size
    position = 0
    for shard in ordered:
        start, end = shard.start or 0, shard.end or 0
        if start != position:
            return (
                f"bytes {position}..{start} are not covered"
                if start > position
                else (f"shards overlap at byte {start}")
            )
        length = end - start
        if shard_size is not None and (
            length > shard_size or (length != shard_size and end != size)
        ):
            return f"shard {start}:{end} is not {shard_size} bytes long"
        position = end
    if position != size:
        return f"bytes {position}..{size} are not covered"
    return None


def verify_model_signature(
    session: Session,
    ref: int | str,
    public_key: bytes,
    *,
    ignore: Sequence[str] = (),
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> SignatureResult:
    """Check the signature with ``public_key`` (a public key, or certificates the bundle's
    chain must lead to) against the imported files; the outcome goes into the custody record
    of the signature and of every artifact it covers. ``ignore``: paths in the model's folder
    the reviewer leaves out on purpose (upstream's ``--ignore-paths``); any other file beside
    the signed ones that the signature does not cover makes the verdict INCOMPLETE."""
    require_audited(session, "record a signature check")
    signature = catalog.get_artifact(session.conn, ref)
    supplied = model_signing.load_supplied(public_key)
    if signature.size > model_signing.MAX_BUNDLE:
        raise InputError(f"{signature.what} is too large to be a model signature bundle.")
    with BlobReader(session.path, signature.blob_ref(session.master, session.vault_id)) as reader:
        bundle = model_signing.parse_bundle(reader.read(signature.size) or b"")
    verified = None
    failure = None
    key: model_signing.PublicKey | None = None
    try:
        if isinstance(supplied, model_signing.Anchors):
            key, verified = model_signing.verify_chain(bundle, supplied)
        else:
            key = supplied
            verified = model_signing.verify(bundle, key)
    except CryptoError as exc:
        failure = str(exc)
    listed, statement_problems = model_signing.resources(bundle)
    base = signature.path.rsplit("/", 1)[0] if "/" in signature.path else ""
    live = [a for a in catalog.list_artifacts(session.conn, signature.review_id) if not a.erased]
    by_path: dict[str, Artifact] = {}
    for artifact in live:
        by_path[artifact.path] = artifact  # the latest import of a path wins
    report = progress or (lambda _p: None)
    files: list[FileCheck] = []
    covered: set[int] = {signature.id}
    shards: dict[int, tuple[Artifact, list[Resource]]] = {}
    for index, resource in enumerate(listed):
        check_cancel(cancel, "signature check")
        report(Progress("signature", resource.shown[:200], index, len(listed)))
        found = _find(by_path, base, resource.path)
        if found is None:
            result = "missing"
        else:
            covered.add(found.id)
            result = _compare(session, found, resource, cancel)
            if resource.start is not None:
                shards.setdefault(found.id, (found, []))[1].append(resource)
        files.append(
            FileCheck(
                resource.shown[:500],
                resource.algorithm,
                result,
                None if found is None else found.uid,
            )
        )
    for artifact, pieces in shards.values():
        gap = shard_gaps(artifact.size, pieces)
        if gap is not None:
            statement_problems.append(
                f"{artifact.path[:200]}: its shards do not cover the file exactly ({gap})."
            )
    blake3_missing = any(f.result == "not compared (blake3)" for f in files)
    statement_notes = [NO_BLAKE3] if blake3_missing else []
    prefix = f"{base}/" if base else ""
    unlisted = sorted(a.path for a in live if a.id not in covered and a.path.startswith(prefix))
    skipped = model_signing.ignored_paths(bundle)
    excluded = tuple(
        path
        for path in unlisted
        if any(path[len(prefix) :] == p or path[len(prefix) :].startswith(p + "/") for p in skipped)
    )
    wanted = [p.strip("/") for p in ignore if p.strip("/")]
    ignored = {
        path
        for path in unlisted
        if any(path[len(prefix) :] == p or path[len(prefix) :].startswith(p + "/") for p in wanted)
    }
    counts = Counts(
        match=sum(1 for f in files if f.result == "match"),
        mismatch=sum(1 for f in files if f.result == "mismatch"),
        missing=sum(1 for f in files if f.result == "missing"),
        listed=len(files),
        unlisted=len(unlisted),
    )
    hint_differs = (
        key is not None
        and bundle.key_hint is not None
        and bundle.key_hint != model_signing.key_hint(key)
    )
    verdict, reasons = decide(
        verified=verified is not None,
        hint_names_another_key=hint_differs,
        statement_problems=statement_problems,
        files=files,
        failure=failure,
        notes=statement_notes,
        uncovered=[
            p for p in unlisted if p not in excluded and p not in ignored and p != signature.path
        ],
    )
    outcome = SignatureResult(
        signature=signature.uid,
        verdict=verdict,
        signature_verified=verified is not None,
        signer=Signer(
            fingerprint_sha256=None if key is None else model_signing.fingerprint(key),
            curve=None if key is None else model_signing.key_name(key),
            key_hint_matches=None if bundle.key_hint is None or key is None else not hint_differs,
            certificate_key_matches=verified.certificate_key_matches if verified else None,
            legacy_encoding=verified.legacy_encoding if verified else None,
            certificate_subject=verified.certificate_subject if verified else None,
            trust_anchor=verified.trust_anchor if verified else None,
        ),
        verification_material=bundle.material,
        predicate_type=bundle.predicate_type[:200],
        model_name=bundle.model_name(),
        files=tuple(files),
        unlisted=tuple(unlisted[:1000]),
        excluded_by_signer=excluded[:1000],
        counts=counts,
        reasons=tuple(reasons),
    )
    record = outcome.record().to_json()
    audited = {k: v for k, v in record.items() if k != "problems"}
    with session.change("artifact.signature_check", signature.uid, audited) as conn:
        custody.add_event(
            conn,
            signature.id,
            session.user.name,
            "signature_verified" if outcome.valid else "signature_failed",
            record,
        )
        for entry in files:
            if entry.artifact is None:
                continue
            target = catalog.get_artifact(conn, entry.artifact)
            custody.add_event(
                conn,
                target.id,
                session.user.name,
                "signature_checked",
                {
                    "signature": signature.uid,
                    "signature_verified": outcome.signature_verified,
                    "signer_fingerprint_sha256": outcome.signer.fingerprint_sha256,
                    "result": entry.result,
                },
            )
    return outcome
