"""Checking an OpenSSF model signature (``model.sig``) against what was actually taken in.

Offline and key-based: the reviewer supplies the developer's public key. The DSSE signature is
verified, then every file the statement lists is compared with the imported artifact at the
same relative path (whole-file SHA-256 from the record; shard digests recomputed from the
blob). Files in the signed folder that the statement does not list are reported too. The
outcome and the signer's key fingerprint go into the custody record of the signature and of
every artifact it covers.
"""

from __future__ import annotations

import contextlib
import hashlib
import re

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.blobstore import BlobReader
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.export import require_audited
from reviewstation.artifacts.inspectors import model_signing
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

_SHARD = re.compile(r"^(.*):(\d+):(\d+)$")
_BLOCK = 4 * 1024 * 1024


def _find(by_path: dict[str, Artifact], base: str, name: str) -> Artifact | None:
    exact = by_path.get(f"{base}/{name}" if base else name)
    if exact is not None:
        return exact
    tails = [a for path, a in by_path.items() if path.endswith("/" + name) or path == name]
    return tails[0] if len(tails) == 1 else None


def _range_sha256(
    session: Session, artifact: Artifact, start: int, end: int, cancel: CancelFlag
) -> str | None:
    if not 0 <= start <= end <= artifact.size:
        return None
    digest = hashlib.sha256()
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
    return digest.hexdigest()


def verify_model_signature(
    session: Session,
    ref: int | str,
    public_key: bytes,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> SignatureResult:
    """Check the signature with ``public_key`` against the imported files; the outcome goes
    into the custody record of the signature and of every artifact it covers."""
    require_audited(session, "record a signature check")
    signature = catalog.get_artifact(session.conn, ref)
    key = model_signing.load_public_key(public_key)
    if signature.size > model_signing.MAX_BUNDLE:
        raise InputError(f"{signature.what} is too large to be a model signature bundle.")
    with BlobReader(session.path, signature.blob_ref(session.master, session.vault_id)) as reader:
        bundle = model_signing.parse_bundle(reader.read(signature.size) or b"")
    verified = None
    with contextlib.suppress(CryptoError):
        verified = model_signing.verify(bundle, key)
    listed, statement_problems = model_signing.resources(bundle)
    base = signature.path.rsplit("/", 1)[0] if "/" in signature.path else ""
    live = [a for a in catalog.list_artifacts(session.conn, signature.review_id) if not a.erased]
    by_path: dict[str, Artifact] = {}
    for artifact in live:
        by_path[artifact.path] = artifact  # the latest import of a path wins
    report = progress or (lambda _p: None)
    files: list[FileCheck] = []
    covered: set[int] = {signature.id}
    for index, resource in enumerate(listed):
        check_cancel(cancel, "signature check")
        report(Progress("signature", resource.name[:200], index, len(listed)))
        shard = _SHARD.match(resource.name)
        name = shard.group(1) if shard else resource.name
        found = _find(by_path, base, name)
        if found is None:
            result = "missing"
        else:
            covered.add(found.id)
            if resource.algorithm != "sha256":
                result = f"not compared ({resource.algorithm[:20]})"
            elif shard:
                actual = _range_sha256(
                    session, found, int(shard.group(2)), int(shard.group(3)), cancel
                )
                result = "match" if actual == resource.digest else "mismatch"
            else:
                result = "match" if found.sha256 == resource.digest else "mismatch"
        files.append(
            FileCheck(
                resource.name[:500],
                resource.algorithm,
                result,
                None if found is None else found.uid,
            )
        )
    prefix = f"{base}/" if base else ""
    unlisted = sorted(a.path for a in live if a.id not in covered and a.path.startswith(prefix))
    counts = Counts(
        match=sum(1 for f in files if f.result == "match"),
        mismatch=sum(1 for f in files if f.result == "mismatch"),
        missing=sum(1 for f in files if f.result == "missing"),
        listed=len(files),
        unlisted=len(unlisted),
    )
    hint_differs = bundle.key_hint is not None and bundle.key_hint != model_signing.key_hint(key)
    verdict, reasons = decide(
        verified=verified is not None,
        hint_names_another_key=hint_differs,
        statement_problems=statement_problems,
        files=files,
    )
    outcome = SignatureResult(
        signature=signature.uid,
        verdict=verdict,
        signature_verified=verified is not None,
        signer=Signer(
            fingerprint_sha256=model_signing.fingerprint(key),
            curve=key.curve.name,
            key_hint_matches=None if bundle.key_hint is None else not hint_differs,
            certificate_key_matches=verified.certificate_key_matches if verified else None,
            legacy_encoding=verified.legacy_encoding if verified else None,
        ),
        verification_material=bundle.material,
        predicate_type=bundle.predicate_type[:200],
        model_name=bundle.model_name(),
        files=tuple(files),
        unlisted=tuple(unlisted[:1000]),
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
