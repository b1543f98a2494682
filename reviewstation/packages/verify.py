"""``package verify``: everything a receiver checks before trusting a byte of a package.

Needs no vault. The checks, in order: ZIP structure and limits; the required members;
``SHA384SUMS`` in canonical form; every member listed exactly once; the signer's keys are one
trusted, unrevoked card's keys; both signatures verify (AND); every member's hash; the
manifest's own consistency and its signed audit checkpoint; for the encrypted form, when a
recipient key is given, the same again for the decrypted inner package.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewstation.canonical import loads_bounded
from reviewstation.crypto.identity import PublicIdentity, unb64
from reviewstation.crypto.recipients import RecipientPrivateKey
from reviewstation.crypto.signing import HybridPublicKey
from reviewstation.errors import CryptoError
from reviewstation.packages import members, payload, seal
from reviewstation.packages.manifest import MAX_MANIFEST, Manifest, parse_manifest
from reviewstation.packages.sums import parse_sums
from reviewstation.ziparchive import STRICT_INNER, HostileZip, PackageRefused


@dataclass
class Verified:
    """A package that passed every check; ``zip`` reads its (inner, if decrypted) members."""

    path: Path
    manifest: Manifest
    signer: PublicIdentity
    sums_sha384: str
    encrypted: bool
    decrypted: bool
    zip: HostileZip
    checks: list[str] = field(default_factory=list)
    _outer: HostileZip | None = None
    # The digests from the SHA384SUMS that was verified: later reads are checked against
    # these, never against a second read of the file (storage could answer differently).
    listed: dict[str, str] = field(default_factory=dict)

    def read_checked(self, name: str) -> bytes:
        data = self.zip.read(name)
        if hashlib.sha384(data).hexdigest() != self.listed.get(name):
            raise PackageRefused(f"The member {name!r} changed after it was verified.")
        return data

    def close(self) -> None:
        self.zip.close()
        if self._outer is not None:
            self._outer.close()

    def __enter__(self) -> Verified:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def report(self) -> VerifyReport:
        return VerifyReport(
            self.manifest,
            self.signer,
            self.sums_sha384,
            self.encrypted,
            self.decrypted,
            tuple(self.zip.names()),
            tuple(self.checks),
        )

    def to_json(self) -> dict[str, Any]:
        return self.report().to_json()


@dataclass(frozen=True)
class VerifyReport:
    """What ``verify`` found, as the front ends show it (a value: the file may be closed)."""

    manifest: Manifest
    signer: PublicIdentity  # the trusted card whose keys signed
    sums_sha384: str
    encrypted: bool
    decrypted: bool
    members: tuple[str, ...]
    checks: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": True,
            "package_id": self.manifest.package_id,
            "sequence": self.manifest.sequence,
            "created": self.manifest.created,
            "marking": self.manifest.marking,
            "encrypted": self.encrypted,
            "decrypted": self.decrypted,
            "signer": {
                "name": self.signer.name,
                "role": self.signer.role,
                "p384_fingerprint": self.signer.fingerprint,
                "mldsa87_fingerprint": self.signer.signing.mldsa87_fingerprint(),
            },
            "recipients": [r.to_json() for r in self.manifest.recipients],
            "sums_sha384": self.sums_sha384,
            "members": list(self.members),
            "checks": list(self.checks),
        }


def verify_package(
    path: Path,
    trusted: list[PublicIdentity],
    *,
    revoked: set[str] | None = None,
    recipient: RecipientPrivateKey | None = None,
) -> Verified:
    """Raise a ReviewStationError naming the first failed check; else the verified package."""
    outer = HostileZip(path)
    try:
        checks: list[str] = ["ZIP structure and limits"]
        manifest, signer, sums_hash, listed = _check_signed(
            outer, trusted, revoked or set(), checks
        )
        assert signer is not None  # a trust list was given: the signer is one of its cards
        if not manifest.encrypted:
            _require(outer, [members.FINDINGS, members.CHECKLISTS], "plaintext package")
            if manifest.recipients or outer.has(members.RECIPIENTS):
                raise PackageRefused("The plaintext package names recipients it is not sealed for.")
            _check_markings(outer, listed, manifest, checks)
            return Verified(
                path, manifest, signer, sums_hash, False, False, outer, checks, listed=listed
            )
        _require(outer, [members.PAYLOAD, members.RECIPIENTS], "encrypted package")
        wraps = _check_wraps(outer, manifest, listed)
        checks.append(
            f"key wrapped for exactly the {len(wraps)} recipient(s) the signed manifest names"
        )
        if recipient is None:
            return Verified(
                path, manifest, signer, sums_hash, True, False, outer, checks, listed=listed
            )
        inner = _decrypt(outer, manifest, wraps, recipient)
        try:
            inner_checks: list[str] = []
            inner_manifest, inner_signer, _, inner_listed = _check_signed(
                inner, trusted, revoked or set(), inner_checks
            )
            for key in (
                "package_id",
                "sequence",
                "created",
                "signer",
                "checkpoint",
                "marking",
                "recipients",
            ):
                if getattr(inner_manifest, key) != getattr(manifest, key):
                    raise PackageRefused(
                        f"The inner package's {key} differs from the outer manifest."
                    )
            if inner_manifest.encrypted:
                raise PackageRefused("The decrypted inner package is not a plaintext package.")
            _require(inner, [members.FINDINGS, members.CHECKLISTS], "inner package")
            _check_markings(inner, inner_listed, inner_manifest, inner_checks)
            checks += ["decrypted for this recipient"] + [f"inner: {c}" for c in inner_checks]
            del inner_signer
        except BaseException:
            inner.close()
            raise
        return Verified(
            path, inner_manifest, signer, sums_hash, True, True, inner, checks, outer, inner_listed
        )
    except BaseException:
        outer.close()
        raise


def _require(archive: HostileZip, names: list[str], what: str) -> None:
    for name in names:
        if not archive.has(name):
            raise PackageRefused(f"The {what} lacks its {name} member.")


def _hash(archive: HostileZip, name: str) -> str:
    digest = hashlib.sha384()
    for chunk in archive.stream(name):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class UnknownSigner:
    """A package that passed every check but one: no trusted card holds its signer's keys.
    It is never ``Verified`` (nothing can be imported from it); what it shows is the keys'
    fingerprints, for a person to compare with the sender's card, and the sender's claim."""

    manifest: Manifest
    p384_fingerprint: str
    mldsa87_fingerprint: str
    sums_sha384: str
    checks: list[str]

    def to_json(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "valid": False,
            "signer_known": False,
            "signatures_valid": True,
            "reason": "No trusted identity card holds the signer's keys.",
            "package_id": m.package_id,
            "sequence": m.sequence,
            "created": m.created,
            "marking": m.marking,
            "encrypted": m.encrypted,
            "signer": {
                "claimed_name": m.signer.name,
                "claimed_role": m.signer.role,
                "p384_fingerprint": self.p384_fingerprint,
                "mldsa87_fingerprint": self.mldsa87_fingerprint,
            },
            "recipients": [r.to_json() for r in m.recipients],
            "sums_sha384": self.sums_sha384,
            "checks": self.checks,
        }


def check_unknown_signer(path: Path) -> UnknownSigner:
    """Every check of ``verify_package`` except the signer's trust (the outer package only,
    as without a recipient key); raises the first failure like it."""
    with HostileZip(path) as outer:
        checks: list[str] = ["ZIP structure and limits"]
        manifest, _, sums_hash, listed = _check_signed(outer, None, set(), checks)
        if manifest.encrypted:
            _require(outer, [members.PAYLOAD, members.RECIPIENTS], "encrypted package")
            wraps = _check_wraps(outer, manifest, listed)
            checks.append(
                f"key wrapped for exactly the {len(wraps)} recipient(s) the signed manifest names"
            )
        else:
            _require(outer, [members.FINDINGS, members.CHECKLISTS], "plaintext package")
            if manifest.recipients or outer.has(members.RECIPIENTS):
                raise PackageRefused("The plaintext package names recipients it is not sealed for.")
            _check_markings(outer, listed, manifest, checks)
        key = seal.load_signer(outer.read(seal.PEM_P384), outer.read(seal.PEM_MLDSA))
        return UnknownSigner(
            manifest, key.fingerprint(), key.mldsa87_fingerprint(), sums_hash, checks
        )


def _check_signed(
    archive: HostileZip,
    trusted: list[PublicIdentity] | None,
    revoked: set[str],
    checks: list[str],
) -> tuple[Manifest, PublicIdentity | None, str, dict[str, str]]:
    """The signed package's checks; ``trusted`` None checks the signatures without asking
    whose key it is (``check_unknown_signer``), and returns no signer."""
    fixed = [seal.SUMS, *seal.SIGNATURES, seal.PEM_P384, seal.PEM_MLDSA, members.MANIFEST]
    _require(archive, fixed, "package")
    sums_bytes = archive.read(seal.SUMS)
    listed = parse_sums(sums_bytes)
    unlisted = set(archive.names()) - set(listed) - {seal.SUMS, *seal.SIGNATURES}
    if unlisted:
        raise PackageRefused(f"The member {sorted(unlisted)[0]!r} is not listed in SHA384SUMS.")
    missing = set(listed) - set(archive.names())
    if missing:
        raise PackageRefused(
            f"SHA384SUMS lists {sorted(missing)[0]!r}, which is not in the package."
        )
    checks.append("SHA384SUMS canonical; every member listed exactly once")
    key = seal.load_signer(archive.read(seal.PEM_P384), archive.read(seal.PEM_MLDSA))
    if key.fingerprint() in revoked:
        raise CryptoError(
            f"The package's signer (P-384 {key.fingerprint()}) has been revoked here."
        )
    sigs = {name: archive.read(name) for name in seal.SIGNATURES}
    signer = None if trusted is None else seal.check_signer(sums_bytes, sigs, key, trusted).card
    if signer is None:
        seal.check_signatures(sums_bytes, sigs, key)
        checks.append("ECDSA P-384 and ML-DSA-87 both verify; the signer is not trusted here")
    else:
        checks.append(
            f"signed by trusted {signer.name} ({signer.role});"
            " ECDSA P-384 and ML-DSA-87 both verify"
        )
    for name, expected in listed.items():
        if _hash(archive, name) != expected:
            raise PackageRefused(f"The member {name!r} does not match its SHA-384 in SHA384SUMS.")
    checks.append(f"all {len(listed)} member hashes match")
    manifest = _check_manifest(archive.read(members.MANIFEST), key, signer)
    checks.append("manifest consistent; audit checkpoint signed by the signer")
    return manifest, signer, hashlib.sha384(sums_bytes).hexdigest(), listed


def _check_markings(
    archive: HostileZip, listed: dict[str, str], manifest: Manifest, checks: list[str]
) -> None:
    """Every member that states an overall marking states the manifest's (members.py)."""

    def read(name: str) -> bytes:
        data = archive.read(name)
        if hashlib.sha384(data).hexdigest() != listed.get(name):
            raise PackageRefused(f"The member {name!r} changed after it was verified.")
        return data

    members.check_markings(listed, read, manifest.marking)
    checks.append("every member's marking is the manifest's")


def _check_manifest(data: bytes, key: HybridPublicKey, signer: PublicIdentity | None) -> Manifest:
    """The manifest parsed, then held against the keys that signed the package."""
    manifest = parse_manifest(data)
    claimed = manifest.signer
    if (claimed.p384_fingerprint, claimed.mldsa87_fingerprint) != (
        key.fingerprint(),
        key.mldsa87_fingerprint(),
    ):
        raise PackageRefused("The manifest names another signer than the one who signed it.")
    checkpoint = manifest.checkpoint
    # Without a trusted card, the name the manifest claims (its keys are checked above).
    name = signer.name if signer is not None else claimed.name
    if checkpoint.vault_id != manifest.source_vault or checkpoint.point.user != name:
        raise PackageRefused("The manifest's audit checkpoint is for another vault or signer.")
    try:
        checkpoint.point.verify(checkpoint.vault_id, key)
    except CryptoError as exc:
        raise PackageRefused("The manifest's audit checkpoint signature does not verify.") from exc
    return manifest


def _check_wraps(
    outer: HostileZip, manifest: Manifest, listed: dict[str, str]
) -> list[dict[str, str]]:
    """``recipients.json`` holds one key wrap for each recipient the signed manifest names, under
    the same name, and no other: the list verify shows is the set of people who can decrypt."""
    data = outer.read(members.RECIPIENTS)
    if hashlib.sha384(data).hexdigest() != listed.get(members.RECIPIENTS):
        raise PackageRefused(f"The member {members.RECIPIENTS!r} changed after it was verified.")
    keys = loads_bounded(data, "recipient list", MAX_MANIFEST)
    wraps = keys.get("keys") if isinstance(keys, dict) else None
    if (
        not isinstance(keys, dict)
        or set(keys) != {"keys", "suite"}
        or not isinstance(wraps, list)
        or not all(
            isinstance(w, dict)
            and set(w) == {"name", "fingerprint", "hpke"}
            and all(isinstance(w[k], str) for k in w)
            for w in wraps
        )
    ):
        raise PackageRefused("The package's recipient list is malformed.")
    if keys["suite"] != payload.SUITE_NAME:
        raise PackageRefused(
            "The package's key wraps name a cipher suite this reader does not use."
        )
    named = {r.fingerprint: r.name for r in manifest.recipients}
    seen: set[str] = set()
    for wrap in wraps:
        fingerprint, name = wrap["fingerprint"], wrap["name"]
        if fingerprint in seen:
            raise PackageRefused(
                f"The package wraps its key twice for the recipient key {fingerprint[:16]}."
            )
        seen.add(fingerprint)
        if fingerprint not in named:
            raise PackageRefused(
                f"The package's key is wrapped for a recipient the signed manifest does not"
                f" name ({name!r}, key {fingerprint[:16]})."
            )
        if named[fingerprint] != name:
            raise PackageRefused(
                f"The key wrap for {named[fingerprint]!r} (key {fingerprint[:16]}) is labelled"
                f" {name!r}."
            )
    missing = [fp for fp in named if fp not in seen]
    if missing:
        raise PackageRefused(
            f"The manifest names {named[missing[0]]!r} (key {missing[0][:16]}) as a recipient,"
            " but the package holds no key for them."
        )
    return wraps


def _decrypt(
    outer: HostileZip,
    manifest: Manifest,
    entries: list[dict[str, str]],
    recipient: RecipientPrivateKey,
) -> HostileZip:
    mine = recipient.public_key().fingerprint()
    entry = next((e for e in entries if e["fingerprint"] == mine), None)
    if entry is None:
        names = ", ".join(f"{e['name']} ({e['fingerprint'][:12]})" for e in entries)
        raise CryptoError(
            f"This package is encrypted for {names or 'nobody'}; your key ({mine[:12]}) is not"
            " among them."
        )
    package_id = manifest.package_id
    key = payload.unwrap_key(unb64(entry["hpke"], "wrapped key"), recipient, package_id)
    member = next(m for m in outer.members if m.name == members.PAYLOAD)
    reader = payload.DecryptingReader(
        outer.file, outer.data_offset(members.PAYLOAD), member.size, key, package_id
    )
    reader.verify_all()
    return HostileZip(reader, STRICT_INNER, label="the decrypted inner package")  # type: ignore[arg-type]
