"""Signing ``SHA384SUMS`` with the hybrid key, and checking a package's signer against trust.

The package carries the signer's public keys as PEM files so that anyone can run ``openssl``;
whether the signer is trusted is decided only by the receiver's own list of identity cards,
compared by fingerprint. Both signatures must verify under the same trusted card (AND).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa

from reviewstation.crypto.identity import PublicIdentity
from reviewstation.crypto.signing import Domain, HybridPublicKey, HybridSignature, HybridSigningKey
from reviewstation.errors import CryptoError, InputError
from reviewstation.ziparchive import PackageRefused

SUMS = "SHA384SUMS"
SIG_P384 = "SHA384SUMS.p384.sig"
SIG_MLDSA = "SHA384SUMS.mldsa87.sig"
PEM_P384 = "signer-p384.pem"
PEM_MLDSA = "signer-mldsa87.pem"
SIGNATURES = (SIG_P384, SIG_MLDSA)
MAX_PEM_BYTES = 16 * 1024
MAX_SIG_BYTES = 8 * 1024


def signer_pems(key: HybridPublicKey) -> dict[str, bytes]:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return {
        PEM_P384: key.p384.public_bytes(serialization.Encoding.PEM, spki),
        PEM_MLDSA: key.mldsa87.public_bytes(serialization.Encoding.PEM, spki),
    }


def sign_sums(key: HybridSigningKey, sums: bytes) -> dict[str, bytes]:
    signature = key.sign(Domain.PACKAGE, sums)
    return {SIG_P384: signature.p384_der, SIG_MLDSA: signature.mldsa87}


def load_signer(p384_pem: bytes, mldsa_pem: bytes) -> HybridPublicKey:
    if len(p384_pem) > MAX_PEM_BYTES or len(mldsa_pem) > MAX_PEM_BYTES:
        raise PackageRefused("A signer key file is too large.")
    try:
        p384 = serialization.load_pem_public_key(p384_pem)
        pq = serialization.load_pem_public_key(mldsa_pem)
    except (ValueError, TypeError) as exc:
        raise PackageRefused("A signer key file is not a valid PEM public key.") from exc
    if not isinstance(p384, ec.EllipticCurvePublicKey) or not isinstance(
        pq, mldsa.MLDSA87PublicKey
    ):
        raise PackageRefused("The signer keys are not an ECDSA P-384 and an ML-DSA-87 key.")
    try:
        return HybridPublicKey(p384, pq)
    except InputError as exc:
        raise PackageRefused(str(exc)) from exc


@dataclass(frozen=True)
class SignerCheck:
    key: HybridPublicKey
    card: PublicIdentity


def check_signer(
    sums: bytes, sigs: dict[str, bytes], key: HybridPublicKey, trusted: list[PublicIdentity]
) -> SignerCheck:
    """The package's keys must be one trusted card's keys, and both signatures must verify."""
    card = next(
        (
            c
            for c in trusted
            if c.signing.fingerprint() == key.fingerprint()
            and c.signing.mldsa87_raw() == key.mldsa87_raw()
        ),
        None,
    )
    if card is None:
        raise CryptoError(
            f"The package is signed by an untrusted key (P-384 fingerprint {key.fingerprint()});"
            " trust the signer's identity card if you know it is theirs (--trust on the command"
            " line, Add cards… in the app)."
        )
    check_signatures(sums, sigs, key)
    return SignerCheck(key, card)


def check_signatures(sums: bytes, sigs: dict[str, bytes], key: HybridPublicKey) -> None:
    """Both signatures over ``SHA384SUMS`` verify with ``key`` (which says nothing of whose
    key it is: ``check_signer`` also requires a trusted card)."""
    for name in SIGNATURES:
        if not sigs.get(name) or len(sigs[name]) > MAX_SIG_BYTES:
            raise CryptoError(f"The package's signature {name} is missing or malformed.")
    key.verify(Domain.PACKAGE, sums, HybridSignature(sigs[SIG_P384], sigs[SIG_MLDSA]))
