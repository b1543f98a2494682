"""Hybrid signatures: ECDSA P-384/SHA-384 and ML-DSA-87; valid only when both verify.

Domain separation. ML-DSA takes the domain as its FIPS 204 context string. ECDSA has no
context, so for every domain except packages the signed bytes are ``label || 0x00 || message``.
Package signatures stay over the exact bytes of ``SHA384SUMS`` so that ``openssl dgst`` can check
them; a ``SHA384SUMS`` file must start with 96 hex digits, so it can never begin with a
``reviewstation/`` label and the two kinds cannot be confused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa

from reviewstation.crypto.hashing import sha384_hex
from reviewstation.errors import CryptoError, InputError

_SUMS_LINE = re.compile(rb"[0-9a-f]{96}  [^\n]+\n")
MLDSA87_PUBLIC_BYTES = 2592
MLDSA87_SEED_BYTES = 32


class Domain(Enum):
    PACKAGE = b"reviewstation/package/v1"
    CHECKPOINT = b"reviewstation/checkpoint/v1"
    IDENTITY = b"reviewstation/identity/v1"

    @property
    def label(self) -> bytes:
        return bytes(self.value)

    def ecdsa_message(self, message: bytes) -> bytes:
        if self is Domain.PACKAGE:
            # Enforce the grammar the separation argument rests on (see the module docstring).
            if not _SUMS_LINE.match(message):
                raise InputError("A package signature must cover a SHA384SUMS file.")
            return message
        return self.label + b"\x00" + message


@dataclass(frozen=True)
class HybridSignature:
    p384_der: bytes
    mldsa87: bytes


class HybridPublicKey:
    """The pair of verification keys; built only from validated encodings."""

    def __init__(self, p384: ec.EllipticCurvePublicKey, mldsa87: mldsa.MLDSA87PublicKey) -> None:
        if not isinstance(p384.curve, ec.SECP384R1):
            raise InputError("The ECDSA key is not on curve P-384.")
        self.p384 = p384
        self.mldsa87 = mldsa87

    @classmethod
    def from_bytes(cls, p384_spki_der: bytes, mldsa87_raw: bytes) -> HybridPublicKey:
        try:
            p384 = serialization.load_der_public_key(p384_spki_der)
        except (ValueError, TypeError) as exc:
            raise InputError("The ECDSA P-384 public key is malformed.") from exc
        if not isinstance(p384, ec.EllipticCurvePublicKey):
            raise InputError("The ECDSA public key is not an elliptic-curve key.")
        if len(mldsa87_raw) != MLDSA87_PUBLIC_BYTES:
            raise InputError("The ML-DSA-87 public key has the wrong length.")
        try:
            pq = mldsa.MLDSA87PublicKey.from_public_bytes(mldsa87_raw)
        except ValueError as exc:
            raise InputError("The ML-DSA-87 public key is malformed.") from exc
        return cls(p384, pq)

    def p384_spki_der(self) -> bytes:
        return self.p384.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def mldsa87_raw(self) -> bytes:
        return self.mldsa87.public_bytes_raw()

    def fingerprint(self) -> str:
        """Hex SHA-384 of the P-384 SubjectPublicKeyInfo (``openssl pkey ... | sha384sum``)."""
        return sha384_hex(self.p384_spki_der())

    def mldsa87_fingerprint(self) -> str:
        return sha384_hex(self.mldsa87_raw())

    def verify(self, domain: Domain, message: bytes, signature: HybridSignature) -> None:
        """CryptoError unless both signatures verify."""
        try:
            self.p384.verify(
                signature.p384_der, domain.ecdsa_message(message), ec.ECDSA(hashes.SHA384())
            )
        except (InvalidSignature, InputError) as exc:
            raise CryptoError("The ECDSA P-384 signature does not verify.") from exc
        try:
            self.mldsa87.verify(signature.mldsa87, message, domain.label)
        except InvalidSignature as exc:
            raise CryptoError("The ML-DSA-87 signature does not verify.") from exc

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, HybridPublicKey)
            and self.p384_spki_der() == other.p384_spki_der()
            and self.mldsa87_raw() == other.mldsa87_raw()
        )

    def __hash__(self) -> int:
        return hash(self.fingerprint())


class HybridSigningKey:
    def __init__(self, p384: ec.EllipticCurvePrivateKey, mldsa87: mldsa.MLDSA87PrivateKey) -> None:
        self.p384 = p384
        self.mldsa87 = mldsa87

    @classmethod
    def generate(cls) -> HybridSigningKey:
        return cls(ec.generate_private_key(ec.SECP384R1()), mldsa.MLDSA87PrivateKey.generate())

    def public_key(self) -> HybridPublicKey:
        return HybridPublicKey(self.p384.public_key(), self.mldsa87.public_key())

    def sign(self, domain: Domain, message: bytes) -> HybridSignature:
        return HybridSignature(
            p384_der=self.p384.sign(domain.ecdsa_message(message), ec.ECDSA(hashes.SHA384())),
            mldsa87=self.mldsa87.sign(message, domain.label),
        )

    def private_parts(self) -> tuple[bytes, bytes]:
        """(PKCS#8 DER of the P-384 key, 32-byte ML-DSA-87 seed): for wrapping only."""
        p384 = self.p384.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return p384, self.mldsa87.private_bytes_raw()

    @classmethod
    def from_private_parts(cls, p384_pkcs8: bytes, mldsa87_seed: bytes) -> HybridSigningKey:
        try:
            p384 = serialization.load_der_private_key(p384_pkcs8, password=None)
            if not isinstance(p384, ec.EllipticCurvePrivateKey) or not isinstance(
                p384.curve, ec.SECP384R1
            ):
                raise InputError("The stored signing key is not a P-384 key.")
            if len(mldsa87_seed) != MLDSA87_SEED_BYTES:
                raise InputError("The stored ML-DSA-87 seed has the wrong length.")
            pq = mldsa.MLDSA87PrivateKey.from_seed_bytes(mldsa87_seed)
        except (ValueError, TypeError) as exc:
            raise InputError("The stored signing key is malformed.") from exc
        return cls(p384, pq)
