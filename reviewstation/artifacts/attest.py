"""Checking an OpenSSF model signature (``model.sig``) against what was actually taken in.

Offline and key-based: the reviewer supplies the developer's public key. The DSSE signature is
verified, then every file the statement lists is compared with the imported artifact at the
same relative path (whole-file SHA-256 from the record; shard digests recomputed from the
blob). Files in the signed folder that the statement does not list are reported too. The
outcome and the signer's key fingerprint go into the custody record of the signature and of
every artifact it covers.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.blobstore import BlobReader
from reviewstation.artifacts.catalog import Artifact
from reviewstation.artifacts.export import require_audited
from reviewstation.artifacts.inspectors import model_signing
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
) -> dict[str, Any]:
    require_audited(session, "record a signature check")
    signature = catalog.get_artifact(session.conn, ref)
    key = model_signing.load_public_key(public_key)
    if signature.size > model_signing.MAX_BUNDLE:
        raise InputError(f"{signature.what} is too large to be a model signature bundle.")
    with BlobReader(session.path, signature.blob_ref(session.master, session.vault_id)) as reader:
        bundle = model_signing.parse_bundle(reader.read(signature.size) or b"")
    problems: list[str] = []
    verified = None
    try:
        verified = model_signing.verify(bundle, key)
    except CryptoError as exc:
        problems.append(str(exc))
    listed, statement_problems = model_signing.resources(bundle)
    problems.extend(statement_problems)
    base = signature.path.rsplit("/", 1)[0] if "/" in signature.path else ""
    live = [a for a in catalog.list_artifacts(session.conn, signature.review_id) if not a.erased]
    by_path: dict[str, Artifact] = {}
    for artifact in live:
        by_path[artifact.path] = artifact  # the latest import of a path wins
    report = progress or (lambda _p: None)
    files: list[dict[str, Any]] = []
    covered: set[int] = {signature.id}
    for index, resource in enumerate(listed):
        check_cancel(cancel, "signature check")
        report(Progress("signature", resource.name[:200], index, len(listed)))
        shard = _SHARD.match(resource.name)
        name = shard.group(1) if shard else resource.name
        entry: dict[str, Any] = {"name": resource.name[:500], "algorithm": resource.algorithm}
        found = _find(by_path, base, name)
        if found is None:
            entry["result"] = "missing"
        else:
            entry["artifact"] = found.uid
            covered.add(found.id)
            if resource.algorithm != "sha256":
                entry["result"] = f"not compared ({resource.algorithm[:20]})"
            elif shard:
                actual = _range_sha256(
                    session, found, int(shard.group(2)), int(shard.group(3)), cancel
                )
                entry["result"] = "match" if actual == resource.digest else "mismatch"
            else:
                entry["result"] = "match" if found.sha256 == resource.digest else "mismatch"
        files.append(entry)
    prefix = f"{base}/" if base else ""
    unlisted = sorted(a.path for a in live if a.id not in covered and a.path.startswith(prefix))
    counts = {
        result: sum(1 for f in files if f["result"] == result)
        for result in ("match", "mismatch", "missing")
    }
    valid = (
        verified is not None
        and not problems
        and counts["mismatch"] == 0
        and counts["missing"] == 0
        and all(f["result"] == "match" for f in files)
    )
    outcome: dict[str, Any] = {
        "signature": signature.uid,
        "valid": valid,
        "signature_verified": verified is not None,
        "signer_fingerprint_sha256": verified.fingerprint
        if verified
        else model_signing.fingerprint(key),
        "curve": key.curve.name,
        "key_hint_matches": verified.hint_matches if verified else None,
        "certificate_key_matches": verified.certificate_key_matches if verified else None,
        "legacy_encoding": verified.legacy_encoding if verified else None,
        "verification_material": bundle.material,
        "predicate_type": bundle.predicate_type[:200],
        "model_name": bundle.model_name(),
        "counts": {**counts, "listed": len(files), "unlisted": len(unlisted)},
        "problems": problems,
        "files": files,
        "unlisted": unlisted[:1000],
        "offline_limits": "Transparency log and certificate chain not checked (offline).",
    }
    record = {
        "valid": valid,
        "signature_verified": verified is not None,
        "signer_fingerprint_sha256": outcome["signer_fingerprint_sha256"],
        "counts": outcome["counts"],
    }
    with session.change("artifact.signature_check", signature.uid, record) as conn:
        custody.add_event(
            conn,
            signature.id,
            session.user.name,
            "signature_verified" if valid else "signature_failed",
            {**record, "problems": problems[:20]},
        )
        for entry in files:
            if "artifact" not in entry:
                continue
            target = catalog.get_artifact(conn, entry["artifact"])
            custody.add_event(
                conn,
                target.id,
                session.user.name,
                "signature_checked",
                {
                    "signature": signature.uid,
                    "signature_verified": verified is not None,
                    "signer_fingerprint_sha256": outcome["signer_fingerprint_sha256"],
                    "result": entry["result"],
                },
            )
    return outcome
