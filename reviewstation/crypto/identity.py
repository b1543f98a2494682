"""A person's keys: a hybrid signing pair and an HPKE recipient pair, and the public card.

The identity card is what a receiving side puts on its trust list. It is self-signed (domain
``reviewstation/identity/v1``) to prove possession of the signing keys; trust itself comes only
from the receiver choosing the card, compared by fingerprint.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from reviewstation.canonical import canonical, loads_bounded
from reviewstation.crypto.recipients import RecipientPrivateKey, RecipientPublicKey
from reviewstation.crypto.signing import (
    Domain,
    HybridPublicKey,
    HybridSignature,
    HybridSigningKey,
)
from reviewstation.errors import CryptoError, InputError
from reviewstation.text import check_line

CARD_FORMAT = "reviewstation-identity"
CARD_VERSION = 1
MAX_CARD_BYTES = 64 * 1024


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise InputError(f"The {what} is not a base64 string.")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise InputError(f"The {what} is not valid base64.") from exc


@dataclass(frozen=True)
class PublicIdentity:
    name: str
    role: str
    vault_id: str
    signing: HybridPublicKey
    recipient: RecipientPublicKey

    @property
    def fingerprint(self) -> str:
        return self.signing.fingerprint()

    def _body(self) -> dict[str, Any]:
        return {
            "format": CARD_FORMAT,
            "version": CARD_VERSION,
            "name": self.name,
            "role": self.role,
            "vault_id": self.vault_id,
            "signing": {
                "p384_spki": b64(self.signing.p384_spki_der()),
                "mldsa87": b64(self.signing.mldsa87_raw()),
            },
            "recipient": {
                "mlkem1024": b64(self.recipient.mlkem_raw()),
                "p384_spki": b64(self.recipient.p384_spki_der()),
            },
        }

    def fingerprints(self) -> dict[str, str]:
        return {
            "p384": self.signing.fingerprint(),
            "mldsa87": self.signing.mldsa87_fingerprint(),
            "recipient": self.recipient.fingerprint(),
        }

    def to_json(self) -> dict[str, Any]:
        return {**self._body(), "fingerprints": self.fingerprints()}


@dataclass
class PrivateIdentity:
    signing: HybridSigningKey
    recipient: RecipientPrivateKey

    @classmethod
    def generate(cls) -> PrivateIdentity:
        return cls(HybridSigningKey.generate(), RecipientPrivateKey.generate())

    def to_bytes(self) -> bytes:
        sig_p384, sig_mldsa = self.signing.private_parts()
        kem_seed, rcpt_p384 = self.recipient.private_parts()
        return canonical(
            {
                "sig_p384": b64(sig_p384),
                "sig_mldsa87_seed": b64(sig_mldsa),
                "rcpt_mlkem1024_seed": b64(kem_seed),
                "rcpt_p384": b64(rcpt_p384),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> PrivateIdentity:
        obj = loads_bounded(data, "stored identity", MAX_CARD_BYTES)
        if not isinstance(obj, dict):
            raise InputError("The stored identity is malformed.")
        signing = HybridSigningKey.from_private_parts(
            unb64(obj.get("sig_p384"), "signing key"),
            unb64(obj.get("sig_mldsa87_seed"), "signing key"),
        )
        recipient = RecipientPrivateKey.from_private_parts(
            unb64(obj.get("rcpt_mlkem1024_seed"), "recipient key"),
            unb64(obj.get("rcpt_p384"), "recipient key"),
        )
        return cls(signing, recipient)

    def public(self, name: str, role: str, vault_id: str) -> PublicIdentity:
        return PublicIdentity(
            name, role, vault_id, self.signing.public_key(), self.recipient.public_key()
        )


def export_card(identity: PrivateIdentity, public: PublicIdentity) -> bytes:
    """The card as UTF-8 JSON, self-signed with the identity's own hybrid key."""
    body = public._body()
    signature = identity.signing.sign(Domain.IDENTITY, canonical(body))
    card = {
        **public.to_json(),
        "self_signature": {"p384": b64(signature.p384_der), "mldsa87": b64(signature.mldsa87)},
    }
    return canonical(card) + b"\n"


def parse_card(data: bytes, *, stored: bool = False) -> PublicIdentity:
    """Validate a card from outside: structure, one-line name, role and vault id (no newline,
    control or bidi character), key encodings, fingerprints, self-signature. ``stored``: a
    card read back from a trust store, accepted before the one-line rule existed."""
    obj = loads_bounded(data, "identity card", MAX_CARD_BYTES)
    if not isinstance(obj, dict) or obj.get("format") != CARD_FORMAT:
        raise InputError("This file is not a ReviewStation identity card.")
    if type(obj.get("version")) is not int or obj.get("version") != CARD_VERSION:
        raise InputError(f"Identity card version {obj.get('version')!r} is not supported.")
    try:
        name, role, vault_id = obj["name"], obj["role"], obj["vault_id"]
        signing_obj, recipient_obj = obj["signing"], obj["recipient"]
        sig_obj = obj["self_signature"]
        if not all(isinstance(v, str) for v in (name, role, vault_id)):
            raise InputError("The identity card's name, role or vault id is not text.")
        if not stored:  # a card already trusted stays readable; output escapes it
            for what, value in (("name", name), ("role", role), ("vault id", vault_id)):
                check_line(f"identity card's {what}", value)
        if not all(isinstance(v, dict) for v in (signing_obj, recipient_obj, sig_obj)):
            raise InputError("The identity card is malformed.")
    except KeyError as exc:
        raise InputError(f"The identity card lacks the field {exc.args[0]}.") from exc
    signing = HybridPublicKey.from_bytes(
        unb64(signing_obj.get("p384_spki"), "signing key"),
        unb64(signing_obj.get("mldsa87"), "signing key"),
    )
    recipient = RecipientPublicKey.from_bytes(
        unb64(recipient_obj.get("mlkem1024"), "recipient key"),
        unb64(recipient_obj.get("p384_spki"), "recipient key"),
    )
    identity = PublicIdentity(name, role, vault_id, signing, recipient)
    if obj.get("fingerprints") != identity.fingerprints():
        raise InputError("The identity card's fingerprints do not match its keys.")
    signature = HybridSignature(
        unb64(sig_obj.get("p384"), "self-signature"),
        unb64(sig_obj.get("mldsa87"), "self-signature"),
    )
    try:
        signing.verify(Domain.IDENTITY, canonical(identity._body()), signature)
    except CryptoError as exc:
        raise InputError("The identity card's self-signature does not verify.") from exc
    return identity
