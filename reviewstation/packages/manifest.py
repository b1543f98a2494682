"""A package's manifest as a typed value: ``parse_manifest`` is its one validating constructor.

Everything past this point (verify, import, the command line, the app) reads attributes, never
a dict. What needs the signer's key (the fingerprints equal the keys that signed, the
checkpoint's signature, its vault and user) is checked by ``packages/verify.py`` on the parsed
value; what the manifest must be on its own is checked here. The fields read only for display
(``review``, ``counts``, ``tool``, ``approval``, ``payload``) are not kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reviewstation.canonical import loads_bounded
from reviewstation.crypto.identity import unb64
from reviewstation.crypto.signing import HybridSignature
from reviewstation.errors import InputError
from reviewstation.packages import members
from reviewstation.vault.audit import Checkpoint
from reviewstation.ziparchive import PackageRefused

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
FINGERPRINT = re.compile(r"^[0-9a-f]{96}$")
MAX_MANIFEST = 1024 * 1024
MAX_RECIPIENTS = 64
KEYS = ("fingerprint", "signing")


@dataclass(frozen=True)
class ManifestSigner:
    """Who the manifest says signed it (``verify`` compares the fingerprints with the keys)."""

    name: str
    role: str
    p384_fingerprint: str
    mldsa87_fingerprint: str


@dataclass(frozen=True)
class Recipient:
    """A recipient the signed manifest names: the key the content key is wrapped for."""

    name: str
    fingerprint: str  # the recipient (HPKE) key's fingerprint
    signing: str  # their signing (P-384) fingerprint

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "fingerprint": self.fingerprint, "signing": self.signing}


@dataclass(frozen=True)
class PackageCheckpoint:
    """The signed audit checkpoint the export made, and the vault it is of."""

    vault_id: str
    point: Checkpoint

    def to_json(self) -> dict[str, Any]:
        return members.checkpoint_json(self.vault_id, self.point)


@dataclass(frozen=True)
class Manifest:
    package_id: str
    sequence: int
    created: str
    marking: str
    source_vault: str
    encrypted: bool
    signer: ManifestSigner
    recipients: tuple[Recipient, ...]
    checkpoint: PackageCheckpoint


def parse_manifest(data: bytes) -> Manifest:
    """The manifest in ``data``, or PackageRefused naming the first thing wrong with it."""
    obj = loads_bounded(data, "package manifest", MAX_MANIFEST)
    if not isinstance(obj, dict) or obj.get("format") != members.FORMAT:
        raise PackageRefused("The manifest is not a ReviewStation package manifest.")
    if type(obj.get("version")) is not int or obj["version"] != members.VERSION:
        raise PackageRefused(f"Package format version {obj.get('version')!r} is not supported.")
    package_id = obj.get("package_id")
    if not isinstance(package_id, str) or not UUID.match(package_id):
        raise PackageRefused("The manifest's package id is malformed.")
    sequence = obj.get("sequence")
    if type(sequence) is not int or not 1 <= sequence < 2**53:
        raise PackageRefused("The manifest's sequence number is malformed.")
    for key in ("created", "marking", "source_vault"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise PackageRefused(f"The manifest lacks its {key}.")
    encrypted = obj.get("encrypted")
    if not isinstance(encrypted, bool):
        raise PackageRefused("The manifest does not say whether the package is encrypted.")
    return Manifest(
        package_id,
        sequence,
        obj["created"],
        obj["marking"],
        obj["source_vault"],
        encrypted,
        _signer(obj.get("signer")),
        _recipients(obj.get("recipients"), encrypted),
        _checkpoint(obj.get("checkpoint")),
    )


def _signer(value: Any) -> ManifestSigner:
    fields = ("name", "role", "p384_fingerprint", "mldsa87_fingerprint")
    if not isinstance(value, dict) or not all(isinstance(value.get(f), str) for f in fields):
        raise PackageRefused("The manifest's signer is malformed.")
    return ManifestSigner(*(value[f] for f in fields))


def _recipients(value: Any, encrypted: bool) -> tuple[Recipient, ...]:
    """Each ``{name, fingerprint, signing}``, no key named twice; 1 to 64 when encrypted."""
    if not isinstance(value, list) or not all(
        isinstance(r, dict)
        and set(r) == {"name", "fingerprint", "signing"}
        and isinstance(r["name"], str)
        and r["name"]
        and all(
            isinstance(r[k], str) and FINGERPRINT.match(r[k]) for k in ("fingerprint", "signing")
        )
        for r in value
    ):
        raise PackageRefused("The manifest's recipient list is malformed.")
    out: list[Recipient] = []
    for r in value:
        if any(known.fingerprint == r["fingerprint"] for known in out):
            raise PackageRefused(
                f"The manifest names the recipient key {r['fingerprint'][:16]} twice."
            )
        out.append(Recipient(r["name"], r["fingerprint"], r["signing"]))
    if encrypted and not 1 <= len(out) <= MAX_RECIPIENTS:
        raise PackageRefused(
            f"An encrypted package must name 1 to {MAX_RECIPIENTS} recipients; this one names"
            f" {len(out)}."
        )
    return tuple(out)


def _checkpoint(cp: Any) -> PackageCheckpoint:
    try:
        point = Checkpoint(
            _int(cp["count"]),
            _str(cp["head"]),
            _str(cp["user"]),
            _str(cp["at"]),
            HybridSignature(
                unb64(cp["sig_p384"], "checkpoint"), unb64(cp["sig_mldsa87"], "checkpoint")
            ),
        )
        return PackageCheckpoint(_str(cp["vault_id"]), point)
    except (KeyError, TypeError, ValueError, InputError) as exc:
        raise PackageRefused("The manifest's audit checkpoint is malformed.") from exc


def _int(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("not a count")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value
