"""HPKE (RFC 9180) recipient keys: KEM ML-KEM-1024 + P-384, HKDF-SHA384, AES-256-GCM."""

from __future__ import annotations

from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mlkem

from reviewstation.crypto.hashing import sha384_hex
from reviewstation.errors import CryptoError, InputError

MLKEM1024_PUBLIC_BYTES = 1568
MLKEM1024_SEED_BYTES = 64
SUITE = hpke.Suite(hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM)


class RecipientPublicKey:
    def __init__(self, mlkem_key: mlkem.MLKEM1024PublicKey, p384: ec.EllipticCurvePublicKey):
        if not isinstance(p384.curve, ec.SECP384R1):
            raise InputError("The recipient's elliptic-curve key is not on P-384.")
        self.mlkem = mlkem_key
        self.p384 = p384

    @classmethod
    def from_bytes(cls, mlkem_raw: bytes, p384_spki_der: bytes) -> RecipientPublicKey:
        if len(mlkem_raw) != MLKEM1024_PUBLIC_BYTES:
            raise InputError("The recipient's ML-KEM-1024 key has the wrong length.")
        try:
            kem = mlkem.MLKEM1024PublicKey.from_public_bytes(mlkem_raw)
            p384 = serialization.load_der_public_key(p384_spki_der)
        except (ValueError, TypeError) as exc:
            raise InputError("The recipient's public key is malformed.") from exc
        if not isinstance(p384, ec.EllipticCurvePublicKey):
            raise InputError("The recipient's elliptic-curve key is not an EC key.")
        return cls(kem, p384)

    def mlkem_raw(self) -> bytes:
        return self.mlkem.public_bytes_raw()

    def p384_spki_der(self) -> bytes:
        return self.p384.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def fingerprint(self) -> str:
        return sha384_hex(self.mlkem_raw() + self.p384_spki_der())

    def encrypt(self, plaintext: bytes, info: bytes) -> bytes:
        return SUITE.encrypt(plaintext, hpke.MLKEM1024P384PublicKey(self.mlkem, self.p384), info)


class RecipientPrivateKey:
    def __init__(self, mlkem_key: mlkem.MLKEM1024PrivateKey, p384: ec.EllipticCurvePrivateKey):
        if not isinstance(p384.curve, ec.SECP384R1):
            raise InputError("The recipient's elliptic-curve key is not on P-384.")
        self.mlkem = mlkem_key
        self.p384 = p384

    @classmethod
    def generate(cls) -> RecipientPrivateKey:
        return cls(mlkem.MLKEM1024PrivateKey.generate(), ec.generate_private_key(ec.SECP384R1()))

    def public_key(self) -> RecipientPublicKey:
        return RecipientPublicKey(self.mlkem.public_key(), self.p384.public_key())

    def decrypt(self, ciphertext: bytes, info: bytes) -> bytes:
        try:
            return SUITE.decrypt(
                ciphertext, hpke.MLKEM1024P384PrivateKey(self.mlkem, self.p384), info
            )
        except Exception as exc:  # the binding raises a bare InvalidTag or ValueError
            raise CryptoError("The package could not be decrypted with this key.") from exc

    def private_parts(self) -> tuple[bytes, bytes]:
        p384 = self.p384.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return self.mlkem.private_bytes_raw(), p384

    @classmethod
    def from_private_parts(cls, mlkem_seed: bytes, p384_pkcs8: bytes) -> RecipientPrivateKey:
        if len(mlkem_seed) != MLKEM1024_SEED_BYTES:
            raise InputError("The stored ML-KEM-1024 seed has the wrong length.")
        try:
            kem = mlkem.MLKEM1024PrivateKey.from_seed_bytes(mlkem_seed)
            p384 = serialization.load_der_private_key(p384_pkcs8, password=None)
        except (ValueError, TypeError) as exc:
            raise InputError("The stored recipient key is malformed.") from exc
        if not isinstance(p384, ec.EllipticCurvePrivateKey):
            raise InputError("The stored recipient key is not an EC key.")
        return cls(kem, p384)
