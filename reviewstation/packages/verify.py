"""``package verify``: everything a receiver checks before trusting a byte of a package.

Needs no vault. The checks, in order: ZIP structure and limits; the required members;
``SHA384SUMS`` in canonical form; every member listed exactly once; the signer's keys are one
trusted, unrevoked card's keys; both signatures verify (AND); every member's hash; the
manifest's own consistency and its signed audit checkpoint; for the encrypted form, when a
recipient key is given, the same again for the decrypted inner package.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewstation.canonical import loads_bounded
from reviewstation.crypto.identity import PublicIdentity, unb64
from reviewstation.crypto.recipients import RecipientPrivateKey
from reviewstation.crypto.signing import HybridPublicKey, HybridSignature
from reviewstation.errors import CryptoError
from reviewstation.packages import members, payload, seal
from reviewstation.packages.sums import parse_sums
from reviewstation.packages.zipsafe import PackageRefused, SafeZip
from reviewstation.vault.audit import Checkpoint

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_MANIFEST = 1024 * 1024


@dataclass
class Verified:
    """A package that passed every check; ``zip`` reads its (inner, if decrypted) members."""

    path: Path
    manifest: dict[str, Any]
    signer: PublicIdentity
    sums_sha384: str
    encrypted: bool
    decrypted: bool
    zip: SafeZip
    checks: list[str] = field(default_factory=list)
    _outer: SafeZip | None = None
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

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": True,
            "package_id": self.manifest["package_id"],
            "sequence": self.manifest["sequence"],
            "created": self.manifest["created"],
            "marking": self.manifest["marking"],
            "encrypted": self.encrypted,
            "decrypted": self.decrypted,
            "signer": {
                "name": self.signer.name,
                "role": self.signer.role,
                "p384_fingerprint": self.signer.fingerprint,
                "mldsa87_fingerprint": self.signer.signing.mldsa87_fingerprint(),
            },
            "recipients": self.manifest.get("recipients", []),
            "sums_sha384": self.sums_sha384,
            "members": self.zip.names(),
            "checks": self.checks,
        }


def verify_package(
    path: Path,
    trusted: list[PublicIdentity],
    *,
    revoked: set[str] | None = None,
    recipient: RecipientPrivateKey | None = None,
) -> Verified:
    """Raise a ReviewStationError naming the first failed check; else the verified package."""
    outer = SafeZip(path)
    try:
        checks: list[str] = ["ZIP structure and limits"]
        manifest, signer, sums_hash, listed = _check_signed(
            outer, trusted, revoked or set(), checks
        )
        assert signer is not None  # a trust list was given: the signer is one of its cards
        encrypted = manifest.get("encrypted") is True
        if not encrypted:
            _require(outer, [members.FINDINGS, members.CHECKLISTS], "plaintext package")
            return Verified(
                path, manifest, signer, sums_hash, False, False, outer, checks, listed=listed
            )
        _require(outer, [members.PAYLOAD, members.RECIPIENTS], "encrypted package")
        if recipient is None:
            return Verified(
                path, manifest, signer, sums_hash, True, False, outer, checks, listed=listed
            )
        inner = _decrypt(outer, manifest, recipient)
        try:
            inner_checks: list[str] = []
            inner_manifest, inner_signer, _, inner_listed = _check_signed(
                inner, trusted, revoked or set(), inner_checks
            )
            for key in ("package_id", "sequence", "created", "signer", "checkpoint", "marking"):
                if inner_manifest.get(key) != manifest.get(key):
                    raise PackageRefused(
                        f"The inner package's {key} differs from the outer manifest."
                    )
            if inner_manifest.get("encrypted") is not False:
                raise PackageRefused("The decrypted inner package is not a plaintext package.")
            _require(inner, [members.FINDINGS, members.CHECKLISTS], "inner package")
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


def _require(archive: SafeZip, names: list[str], what: str) -> None:
    for name in names:
        if not archive.has(name):
            raise PackageRefused(f"The {what} lacks its {name} member.")


def _hash(archive: SafeZip, name: str) -> str:
    digest = hashlib.sha384()
    for chunk in archive.stream(name):
        digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class UnknownSigner:
    """A package that passed every check but one: no trusted card holds its signer's keys.
    It is never ``Verified`` (nothing can be imported from it); what it shows is the keys'
    fingerprints, for a person to compare with the sender's card, and the sender's claim."""

    manifest: dict[str, Any]
    p384_fingerprint: str
    mldsa87_fingerprint: str
    sums_sha384: str
    checks: list[str]

    def to_json(self) -> dict[str, Any]:
        claimed = self.manifest.get("signer")
        claim = claimed if isinstance(claimed, dict) else {}
        return {
            "valid": False,
            "signer_known": False,
            "signatures_valid": True,
            "reason": "No trusted identity card holds the signer's keys.",
            "package_id": self.manifest["package_id"],
            "sequence": self.manifest["sequence"],
            "created": self.manifest["created"],
            "marking": self.manifest["marking"],
            "encrypted": self.manifest["encrypted"],
            "signer": {
                "claimed_name": claim.get("name"),
                "claimed_role": claim.get("role"),
                "p384_fingerprint": self.p384_fingerprint,
                "mldsa87_fingerprint": self.mldsa87_fingerprint,
            },
            "recipients": self.manifest.get("recipients", []),
            "sums_sha384": self.sums_sha384,
            "checks": self.checks,
        }


def check_unknown_signer(path: Path) -> UnknownSigner:
    """Every check of ``verify_package`` except the signer's trust (the outer package only,
    as without a recipient key); raises the first failure like it."""
    with SafeZip(path) as outer:
        checks: list[str] = ["ZIP structure and limits"]
        manifest, _, sums_hash, _ = _check_signed(outer, None, set(), checks)
        encrypted = manifest.get("encrypted") is True
        if encrypted:
            _require(outer, [members.PAYLOAD, members.RECIPIENTS], "encrypted package")
        else:
            _require(outer, [members.FINDINGS, members.CHECKLISTS], "plaintext package")
        key = seal.load_signer(outer.read(seal.PEM_P384), outer.read(seal.PEM_MLDSA))
        return UnknownSigner(
            manifest, key.fingerprint(), key.mldsa87_fingerprint(), sums_hash, checks
        )


def _check_signed(
    archive: SafeZip, trusted: list[PublicIdentity] | None, revoked: set[str], checks: list[str]
) -> tuple[dict[str, Any], PublicIdentity | None, str, dict[str, str]]:
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


def _check_manifest(
    data: bytes, key: HybridPublicKey, signer: PublicIdentity | None
) -> dict[str, Any]:
    manifest = loads_bounded(data, "package manifest", MAX_MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != members.FORMAT:
        raise PackageRefused("The manifest is not a ReviewStation package manifest.")
    if type(manifest.get("version")) is not int or manifest["version"] != members.VERSION:
        raise PackageRefused(
            f"Package format version {manifest.get('version')!r} is not supported."
        )
    package_id = manifest.get("package_id")
    if not isinstance(package_id, str) or not UUID.match(package_id):
        raise PackageRefused("The manifest's package id is malformed.")
    sequence = manifest.get("sequence")
    if type(sequence) is not int or not 1 <= sequence < 2**53:
        raise PackageRefused("The manifest's sequence number is malformed.")
    for key_name in ("created", "marking", "source_vault"):
        if not isinstance(manifest.get(key_name), str) or not manifest[key_name]:
            raise PackageRefused(f"The manifest lacks its {key_name}.")
    if not isinstance(manifest.get("encrypted"), bool):
        raise PackageRefused("The manifest does not say whether the package is encrypted.")
    claimed = manifest.get("signer")
    if not isinstance(claimed, dict) or (
        claimed.get("p384_fingerprint"),
        claimed.get("mldsa87_fingerprint"),
    ) != (key.fingerprint(), key.mldsa87_fingerprint()):
        raise PackageRefused("The manifest names another signer than the one who signed it.")
    if not isinstance(manifest.get("recipients"), list):
        raise PackageRefused("The manifest's recipient list is malformed.")
    _check_checkpoint(manifest, key, signer)
    return manifest


def _check_checkpoint(
    manifest: dict[str, Any], key: HybridPublicKey, signer: PublicIdentity | None
) -> None:
    cp: Any = manifest.get("checkpoint")
    try:
        point = Checkpoint(
            int(cp["count"]),
            str(cp["head"]),
            str(cp["user"]),
            str(cp["at"]),
            HybridSignature(
                unb64(cp["sig_p384"], "checkpoint"), unb64(cp["sig_mldsa87"], "checkpoint")
            ),
        )
        vault_id = str(cp["vault_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PackageRefused("The manifest's audit checkpoint is malformed.") from exc
    # Without a trusted card, the name the manifest claims (the keys are checked above).
    name = signer.name if signer is not None else manifest["signer"].get("name")
    if vault_id != manifest["source_vault"] or point.user != name:
        raise PackageRefused("The manifest's audit checkpoint is for another vault or signer.")
    try:
        point.verify(vault_id, key)
    except CryptoError as exc:
        raise PackageRefused("The manifest's audit checkpoint signature does not verify.") from exc


def _decrypt(outer: SafeZip, manifest: dict[str, Any], recipient: RecipientPrivateKey) -> SafeZip:
    keys = loads_bounded(outer.read(members.RECIPIENTS), "recipient list", MAX_MANIFEST)
    mine = recipient.public_key().fingerprint()
    entries = keys.get("keys") if isinstance(keys, dict) else None
    if not isinstance(entries, list):
        raise PackageRefused("The package's recipient list is malformed.")
    entry = next((e for e in entries if isinstance(e, dict) and e.get("fingerprint") == mine), None)
    if entry is None:
        names = ", ".join(
            f"{e.get('name')} ({str(e.get('fingerprint'))[:12]})"
            for e in entries
            if isinstance(e, dict)
        )
        raise CryptoError(
            f"This package is encrypted for {names or 'nobody'}; your key ({mine[:12]}) is not"
            " among them."
        )
    package_id = str(manifest["package_id"])
    key = payload.unwrap_key(unb64(entry.get("hpke"), "wrapped key"), recipient, package_id)
    member = next(m for m in outer.members if m.name == members.PAYLOAD)
    reader = payload.DecryptingReader(
        outer.file, outer.data_offset(members.PAYLOAD), member.size, key, package_id
    )
    reader.verify_all()
    return SafeZip(reader, label="the decrypted inner package")  # type: ignore[arg-type]
