"""AES-256-GCM (reviewstation.crypto.aead): published known answers and negative vectors."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reviewstation.crypto import aead
from reviewstation.errors import CryptoError


@dataclass(frozen=True)
class GcmVector:
    name: str
    key: bytes
    iv: bytes
    plaintext: bytes
    aad: bytes
    ciphertext: bytes
    tag: bytes


_K_FEFFE = bytes.fromhex("feffe9928665731c6d6a8f9467308308" * 2)
_IV_CAFE = bytes.fromhex("cafebabefacedbaddecaf888")
_P_D931 = bytes.fromhex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
)
_C_522D = bytes.fromhex(
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad"
)

# McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", the test cases for 256-bit keys
# and 96-bit IVs (also in NIST's GCM validation material): cases 13, 14, 15 and 16.
VECTORS = [
    GcmVector(
        "gcm-spec-13",
        bytes(32),
        bytes(12),
        b"",
        b"",
        b"",
        bytes.fromhex("530f8afbc74536b9a963b4f1c4cb738b"),
    ),
    GcmVector(
        "gcm-spec-14",
        bytes(32),
        bytes(12),
        bytes(16),
        b"",
        bytes.fromhex("cea7403d4d606b6e074ec5d3baf39d18"),
        bytes.fromhex("d0d1c8a799996bf0265b98b5d48ab919"),
    ),
    GcmVector(
        "gcm-spec-15",
        _K_FEFFE,
        _IV_CAFE,
        _P_D931,
        b"",
        _C_522D,
        bytes.fromhex("b094dac5d93471bdec1a502270e3cc6c"),
    ),
    GcmVector(
        "gcm-spec-16",
        _K_FEFFE,
        _IV_CAFE,
        _P_D931[:60],
        bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
        _C_522D[:60],
        bytes.fromhex("76fc6ece0f4e1768cddf8853bb2d551b"),
    ),
]


def _sealed(v: GcmVector) -> bytes:
    """The published vector laid out in our seal format: nonce || ciphertext || tag."""
    return v.iv + v.ciphertext + v.tag


def _flip(data: bytes, index: int, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[index] ^= 1 << bit
    return bytes(out)


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: v.name)
def test_known_answer_primitive(v: GcmVector) -> None:
    assert AESGCM(v.key).encrypt(v.iv, v.plaintext, v.aad) == v.ciphertext + v.tag


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: v.name)
def test_known_answer_open_sealed(v: GcmVector) -> None:
    assert aead.open_sealed(v.key, _sealed(v), v.aad) == v.plaintext


def test_constants_match_the_format() -> None:
    assert (aead.KEY_BYTES, aead.NONCE_BYTES, aead.TAG_BYTES) == (32, 12, 16)


def test_seal_layout_and_round_trip() -> None:
    key, aad, plaintext = os.urandom(32), b"vault/record/7", b"the secret finding"
    sealed = aead.seal(key, plaintext, aad)
    assert len(sealed) == 12 + len(plaintext) + 16
    # The layout is nonce || AES-256-GCM(ciphertext || tag), decryptable by the bare primitive.
    assert AESGCM(key).decrypt(sealed[:12], sealed[12:], aad) == plaintext
    assert aead.open_sealed(key, sealed, aad) == plaintext


def test_seal_empty_plaintext_round_trip() -> None:
    key = os.urandom(32)
    sealed = aead.seal(key, b"", b"")
    assert len(sealed) == 28
    assert aead.open_sealed(key, sealed, b"") == b""


def test_seal_uses_fresh_nonces() -> None:
    key = os.urandom(32)
    nonces = {aead.seal(key, b"same", b"same")[:12] for _ in range(64)}
    assert len(nonces) == 64


@pytest.mark.parametrize("bad_len", [0, 16, 24, 31, 33, 64])
def test_key_of_wrong_length_is_refused(bad_len: int) -> None:
    # AESGCM itself would accept 16 or 24 bytes (AES-128/192); the wrapper must not.
    with pytest.raises(ValueError, match="32-byte"):
        aead.seal(bytes(bad_len), b"x", b"")
    with pytest.raises(ValueError, match="32-byte"):
        aead.open_sealed(bytes(bad_len), bytes(40), b"")


V16 = VECTORS[3]


@pytest.mark.parametrize("index", [0, 5, 11])
@pytest.mark.parametrize("bit", [0, 7])
def test_flipped_nonce_bit(index: int, bit: int) -> None:
    with pytest.raises(CryptoError):
        aead.open_sealed(V16.key, _flip(_sealed(V16), index, bit), V16.aad)


@pytest.mark.parametrize("index", [12, 12 + 30, 12 + 59])
@pytest.mark.parametrize("bit", [0, 7])
def test_flipped_ciphertext_bit(index: int, bit: int) -> None:
    with pytest.raises(CryptoError):
        aead.open_sealed(V16.key, _flip(_sealed(V16), index, bit), V16.aad)


@pytest.mark.parametrize("from_end", [1, 8, 16])
@pytest.mark.parametrize("bit", [0, 7])
def test_flipped_tag_bit(from_end: int, bit: int) -> None:
    sealed = _sealed(V16)
    with pytest.raises(CryptoError):
        aead.open_sealed(V16.key, _flip(sealed, len(sealed) - from_end, bit), V16.aad)


@pytest.mark.parametrize(
    "aad",
    [b"", V16.aad[:-1], V16.aad + b"\x00", _flip(V16.aad, 0)],
    ids=["empty", "shortened", "extended", "flipped"],
)
def test_wrong_aad(aad: bytes) -> None:
    with pytest.raises(CryptoError):
        aead.open_sealed(V16.key, _sealed(V16), aad)


def test_aad_is_bound_in_our_own_seal() -> None:
    key = os.urandom(32)
    sealed = aead.seal(key, b"payload", b"slot-1")
    with pytest.raises(CryptoError):
        aead.open_sealed(key, sealed, b"slot-2")


@pytest.mark.parametrize("length", [0, 1, 12, 27])
def test_truncated_below_minimum(length: int) -> None:
    with pytest.raises(CryptoError):
        aead.open_sealed(V16.key, _sealed(V16)[:length], V16.aad)


@pytest.mark.parametrize("cut", [1, 15, 16, 17])
def test_truncated_valid_input(cut: int) -> None:
    with pytest.raises(CryptoError):
        aead.open_sealed(V16.key, _sealed(V16)[:-cut], V16.aad)


def test_extended_input() -> None:
    with pytest.raises(CryptoError):
        aead.open_sealed(V16.key, _sealed(V16) + b"\x00", V16.aad)


def test_empty_plaintext_vector_with_empty_ciphertext_truncated() -> None:
    # Exactly nonce || tag is valid (case 13); one byte less must fail closed.
    v = VECTORS[0]
    assert aead.open_sealed(v.key, _sealed(v), b"") == b""
    with pytest.raises(CryptoError):
        aead.open_sealed(v.key, _sealed(v)[:-1], b"")


@pytest.mark.parametrize(
    "key",
    [bytes(32), _flip(_K_FEFFE, 31), os.urandom(32)],
    ids=["zero", "one-bit-off", "random"],
)
def test_wrong_key(key: bytes) -> None:
    with pytest.raises(CryptoError):
        aead.open_sealed(key, _sealed(V16), V16.aad)
