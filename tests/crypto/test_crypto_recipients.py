"""HPKE with ML-KEM-1024 + P-384 (reviewstation.crypto.recipients), cross-checked with kyber-py."""

from __future__ import annotations

import os
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mlkem

from reviewstation.crypto.recipients import (
    MLKEM1024_PUBLIC_BYTES,
    MLKEM1024_SEED_BYTES,
    SUITE,
    RecipientPrivateKey,
    RecipientPublicKey,
)
from reviewstation.errors import CryptoError, InputError

INFO = b"reviewstation/package/v1 content-key for package 7c1d"
CONTENT_KEY = bytes(range(32))
# HPKE enc for MLKEM1024-P384: ML-KEM-1024 ciphertext (1568) + uncompressed P-384 point (97).
ENC_BYTES = 1568 + 97


def _spki(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _pkcs8(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="module")
def alice() -> RecipientPrivateKey:
    return RecipientPrivateKey.generate()


@pytest.fixture(scope="module")
def bob() -> RecipientPrivateKey:
    return RecipientPrivateKey.generate()


def test_suite_is_the_cnsa_profile(alice: RecipientPrivateKey) -> None:
    """Ciphertexts interoperate with an independently built MLKEM1024_P384/SHA384/AES-256 suite,
    and not with neighbouring suites."""
    assert (MLKEM1024_PUBLIC_BYTES, MLKEM1024_SEED_BYTES) == (1568, 64)
    assert isinstance(SUITE, hpke.Suite)
    expected = hpke.Suite(hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM)
    private = hpke.MLKEM1024P384PrivateKey(alice.mlkem, alice.p384)
    ciphertext = alice.public_key().encrypt(CONTENT_KEY, INFO)
    assert expected.decrypt(ciphertext, private, INFO) == CONTENT_KEY
    public = alice.public_key()
    theirs = expected.encrypt(
        CONTENT_KEY, hpke.MLKEM1024P384PublicKey(public.mlkem, public.p384), INFO
    )
    assert alice.decrypt(theirs, INFO) == CONTENT_KEY
    for kdf, aead in (
        (hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM),
        (hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_128_GCM),
    ):
        with pytest.raises(InvalidTag):
            hpke.Suite(hpke.KEM.MLKEM1024_P384, kdf, aead).decrypt(ciphertext, private, INFO)


@pytest.mark.parametrize("plaintext", [b"", CONTENT_KEY, os.urandom(5000)], ids=len)
def test_round_trip(alice: RecipientPrivateKey, plaintext: bytes) -> None:
    ciphertext = alice.public_key().encrypt(plaintext, INFO)
    assert len(ciphertext) == ENC_BYTES + len(plaintext) + 16
    assert alice.decrypt(ciphertext, INFO) == plaintext


def test_encryption_is_randomised(alice: RecipientPrivateKey) -> None:
    public = alice.public_key()
    assert public.encrypt(CONTENT_KEY, INFO) != public.encrypt(CONTENT_KEY, INFO)


def test_round_trip_through_encoded_public_key(alice: RecipientPrivateKey) -> None:
    public = alice.public_key()
    decoded = RecipientPublicKey.from_bytes(public.mlkem_raw(), public.p384_spki_der())
    assert decoded.fingerprint() == public.fingerprint()
    assert alice.decrypt(decoded.encrypt(CONTENT_KEY, INFO), INFO) == CONTENT_KEY


def test_fingerprint_covers_both_keys(alice: RecipientPrivateKey, bob: RecipientPrivateKey) -> None:
    a, b = alice.public_key(), bob.public_key()
    mixed_1 = RecipientPublicKey(a.mlkem, b.p384)
    mixed_2 = RecipientPublicKey(b.mlkem, a.p384)
    assert (
        len({a.fingerprint(), b.fingerprint(), mixed_1.fingerprint(), mixed_2.fingerprint()}) == 4
    )


@pytest.mark.parametrize("info", [b"", INFO[:-1], INFO + b"\x00", b"reviewstation/other"])
def test_wrong_info(alice: RecipientPrivateKey, info: bytes) -> None:
    ciphertext = alice.public_key().encrypt(CONTENT_KEY, INFO)
    with pytest.raises(CryptoError):
        alice.decrypt(ciphertext, info)


def test_another_recipients_key(alice: RecipientPrivateKey, bob: RecipientPrivateKey) -> None:
    ciphertext = alice.public_key().encrypt(CONTENT_KEY, INFO)
    with pytest.raises(CryptoError):
        bob.decrypt(ciphertext, INFO)


def test_hybrid_kem_needs_both_private_halves(
    alice: RecipientPrivateKey, bob: RecipientPrivateKey
) -> None:
    ciphertext = alice.public_key().encrypt(CONTENT_KEY, INFO)
    for half_right in (
        RecipientPrivateKey(alice.mlkem, bob.p384),
        RecipientPrivateKey(bob.mlkem, alice.p384),
    ):
        with pytest.raises(CryptoError):
            half_right.decrypt(ciphertext, INFO)


@pytest.mark.parametrize(
    "index",
    [0, 800, 1567, 1568, 1568 + 50, ENC_BYTES - 1, ENC_BYTES, ENC_BYTES + 20, -1],
    ids=lambda i: f"byte{i}",
)
def test_flipped_ciphertext_byte(alice: RecipientPrivateKey, index: int) -> None:
    tampered = bytearray(alice.public_key().encrypt(CONTENT_KEY, INFO))
    tampered[index] ^= 0x01
    with pytest.raises(CryptoError):
        alice.decrypt(bytes(tampered), INFO)


@pytest.mark.parametrize("length", [0, 1, 1568, ENC_BYTES, ENC_BYTES + 15, ENC_BYTES + 47])
def test_truncated_ciphertext(alice: RecipientPrivateKey, length: int) -> None:
    ciphertext = alice.public_key().encrypt(CONTENT_KEY, INFO)
    with pytest.raises(CryptoError):
        alice.decrypt(ciphertext[:length], INFO)


def test_extended_ciphertext(alice: RecipientPrivateKey) -> None:
    ciphertext = alice.public_key().encrypt(CONTENT_KEY, INFO)
    with pytest.raises(CryptoError):
        alice.decrypt(ciphertext + b"\x00", INFO)


# --------------------------------------------------------------------------- key decoding

_P384_SPKI = _spki(ec.generate_private_key(ec.SECP384R1()).public_key())
_MLKEM_RAW = mlkem.MLKEM1024PrivateKey.generate().public_key().public_bytes_raw()


@pytest.mark.parametrize("length", [0, 1, 800, 1184, 1567, 1569, 3136])
def test_from_bytes_wrong_mlkem_length(length: int) -> None:
    with pytest.raises(InputError):
        RecipientPublicKey.from_bytes((_MLKEM_RAW * 2)[:length], _P384_SPKI)


def test_from_bytes_mlkem_modulus_check() -> None:
    """FIPS 203 encapsulation-key check: 12-bit coefficients must be below q = 3329."""
    with pytest.raises(InputError):
        RecipientPublicKey.from_bytes(b"\xff" * 1568, _P384_SPKI)
    # First coefficient = 0xFFF (low byte 0xFF, low nibble of byte 1 = 0xF): one bad value.
    one_bad = bytearray(_MLKEM_RAW)
    one_bad[0] = 0xFF
    one_bad[1] |= 0x0F
    with pytest.raises(InputError):
        RecipientPublicKey.from_bytes(bytes(one_bad), _P384_SPKI)


BAD_SPKIS = {
    "empty": b"",
    "garbage": os.urandom(120),
    "truncated": _P384_SPKI[:-1],
    "off-curve": _P384_SPKI[:-1] + bytes([_P384_SPKI[-1] ^ 1]),
    "p256": _spki(ec.generate_private_key(ec.SECP256R1()).public_key()),
    "p521": _spki(ec.generate_private_key(ec.SECP521R1()).public_key()),
    "ed25519": _spki(ed25519.Ed25519PrivateKey.generate().public_key()),
}


@pytest.mark.parametrize("name", BAD_SPKIS)
def test_from_bytes_refuses_bad_spki(name: str) -> None:
    with pytest.raises(InputError):
        RecipientPublicKey.from_bytes(_MLKEM_RAW, BAD_SPKIS[name])


def test_private_parts_round_trip(alice: RecipientPrivateKey) -> None:
    seed, p384_pkcs8 = alice.private_parts()
    assert len(seed) == 64
    restored = RecipientPrivateKey.from_private_parts(seed, p384_pkcs8)
    assert restored.public_key().fingerprint() == alice.public_key().fingerprint()
    assert restored.decrypt(alice.public_key().encrypt(CONTENT_KEY, INFO), INFO) == CONTENT_KEY


@pytest.mark.parametrize(
    ("seed", "p384"),
    [
        (b"", None),
        (bytes(32), None),
        (bytes(63), None),
        (bytes(65), None),
        (None, b""),
        (None, b"\x30\x00"),
        (None, os.urandom(185)),
    ],
)
def test_from_private_parts_refuses(
    alice: RecipientPrivateKey, seed: bytes | None, p384: bytes | None
) -> None:
    good_seed, good_p384 = alice.private_parts()
    with pytest.raises(InputError):
        RecipientPrivateKey.from_private_parts(
            good_seed if seed is None else seed, good_p384 if p384 is None else p384
        )


def test_from_private_parts_refuses_p256(alice: RecipientPrivateKey) -> None:
    seed, _ = alice.private_parts()
    with pytest.raises(InputError):
        RecipientPrivateKey.from_private_parts(
            seed, _pkcs8(ec.generate_private_key(ec.SECP256R1()))
        )


def test_decrypt_with_p256_stored_key_fails_closed(alice: RecipientPrivateKey) -> None:
    """Whatever loading does, a P-256 recipient key must never decrypt or escape untyped."""
    seed, _ = alice.private_parts()
    try:
        odd = RecipientPrivateKey.from_private_parts(
            seed, _pkcs8(ec.generate_private_key(ec.SECP256R1()))
        )
    except InputError:
        return
    with pytest.raises(CryptoError):
        odd.decrypt(alice.public_key().encrypt(CONTENT_KEY, INFO), INFO)


# --------------------------------------------------------------------------- kyber-py


@pytest.fixture(scope="module")
def kyber() -> Any:
    return pytest.importorskip("kyber_py.ml_kem").ML_KEM_1024


SEEDS = [bytes(64), bytes(range(64)), os.urandom(64)]


@pytest.mark.parametrize("seed", SEEDS, ids=["zero", "counting", "random"])
def test_kyber_py_same_seed_same_public_key(kyber: Any, seed: bytes) -> None:
    ek, _dk = kyber.key_derive(seed)
    assert len(ek) == 1568
    assert mlkem.MLKEM1024PrivateKey.from_seed_bytes(seed).public_key().public_bytes_raw() == ek
    # Through our wrapper: the stored seed restores exactly the key kyber-py derives.
    restored = RecipientPrivateKey.from_private_parts(
        seed, _pkcs8(ec.generate_private_key(ec.SECP384R1()))
    )
    assert restored.public_key().mlkem_raw() == ek
    assert restored.private_parts()[0] == seed


@pytest.mark.parametrize("seed", SEEDS, ids=["zero", "counting", "random"])
def test_kyber_py_encapsulation_decapsulates_here(kyber: Any, seed: bytes) -> None:
    ek, dk = kyber.key_derive(seed)
    ours = mlkem.MLKEM1024PrivateKey.from_seed_bytes(seed)
    shared, ciphertext = kyber.encaps(ek)
    assert len(shared) == 32
    assert ours.decapsulate(ciphertext) == shared
    # And the other way round.
    shared_2, ciphertext_2 = ours.public_key().encapsulate()
    assert kyber.decaps(dk, ciphertext_2) == shared_2
    # Implicit rejection (FIPS 203): a tampered ciphertext yields the same pseudo-random key in
    # both implementations, and not the real one.
    tampered = bytearray(ciphertext)
    tampered[17] ^= 0x40
    rejected = ours.decapsulate(bytes(tampered))
    assert rejected != shared
    assert kyber.decaps(dk, bytes(tampered)) == rejected
