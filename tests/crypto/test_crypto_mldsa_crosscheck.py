"""ML-DSA-87 cross-checked against dilithium-py, an independent pure-Python FIPS 204 code."""

from __future__ import annotations

import os
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import mldsa

from reviewstation.crypto.signing import Domain, HybridSignature, HybridSigningKey
from reviewstation.errors import CryptoError

_ml_dsa = pytest.importorskip("dilithium_py.ml_dsa")
ML_DSA_87: Any = _ml_dsa.ML_DSA_87

CTX = b"reviewstation/checkpoint/v1"
MESSAGE = b"%s  report.pdf\n" % (b"3f" * 48)
SEEDS = [bytes(32), bytes(range(32)), os.urandom(32)]


def test_context_is_the_checkpoint_label() -> None:
    assert Domain.CHECKPOINT.value == CTX


@pytest.fixture(scope="module")
def key() -> HybridSigningKey:
    return HybridSigningKey.generate()


def test_our_signature_verifies_under_dilithium_py(key: HybridSigningKey) -> None:
    signature = key.sign(Domain.CHECKPOINT, MESSAGE)
    raw = key.public_key().mldsa87_raw()
    assert ML_DSA_87.verify(raw, MESSAGE, signature.mldsa87, ctx=CTX) is True
    # Tampered message, other domains' contexts and no context all fail there too.
    assert ML_DSA_87.verify(raw, MESSAGE + b"x", signature.mldsa87, ctx=CTX) is False
    assert ML_DSA_87.verify(raw, MESSAGE, signature.mldsa87, ctx=Domain.PACKAGE.value) is False
    assert ML_DSA_87.verify(raw, MESSAGE, signature.mldsa87, ctx=Domain.IDENTITY.value) is False
    assert ML_DSA_87.verify(raw, MESSAGE, signature.mldsa87) is False


@pytest.mark.parametrize("domain", list(Domain), ids=lambda d: d.name)
def test_every_domain_uses_its_label_as_context(key: HybridSigningKey, domain: Domain) -> None:
    signature = key.sign(domain, MESSAGE)
    raw = key.public_key().mldsa87_raw()
    assert ML_DSA_87.verify(raw, MESSAGE, signature.mldsa87, ctx=domain.value) is True


@pytest.mark.parametrize("seed", SEEDS, ids=["zero", "counting", "random"])
def test_same_seed_same_public_key(seed: bytes) -> None:
    pk, _sk = ML_DSA_87.key_derive(seed)
    assert len(pk) == 2592
    ours = mldsa.MLDSA87PrivateKey.from_seed_bytes(seed)
    assert ours.public_key().public_bytes_raw() == pk
    assert ours.private_bytes_raw() == seed


@pytest.mark.parametrize("seed", SEEDS, ids=["zero", "counting", "random"])
def test_dilithium_py_signature_verifies_with_cryptography(seed: bytes) -> None:
    pk, sk = ML_DSA_87.key_derive(seed)
    for deterministic in (True, False):
        signature = ML_DSA_87.sign(sk, MESSAGE, ctx=CTX, deterministic=deterministic)
        public = mldsa.MLDSA87PublicKey.from_public_bytes(pk)
        public.verify(signature, MESSAGE, CTX)
        with pytest.raises(InvalidSignature):
            public.verify(signature, MESSAGE + b"x", CTX)
        with pytest.raises(InvalidSignature):
            public.verify(signature, MESSAGE, Domain.IDENTITY.value)


def test_dilithium_py_half_through_our_wrapper(key: HybridSigningKey) -> None:
    """Rebuild our key from its stored seed in dilithium-py; its ML-DSA half passes our verify."""
    p384_pkcs8, seed = key.private_parts()
    pk, sk = ML_DSA_87.key_derive(seed)
    restored = HybridSigningKey.from_private_parts(p384_pkcs8, seed)
    assert restored.public_key().mldsa87_raw() == pk == key.public_key().mldsa87_raw()

    ecdsa_half = key.sign(Domain.CHECKPOINT, MESSAGE).p384_der
    foreign = HybridSignature(ecdsa_half, ML_DSA_87.sign(sk, MESSAGE, ctx=CTX))
    key.public_key().verify(Domain.CHECKPOINT, MESSAGE, foreign)
    with pytest.raises(CryptoError):
        key.public_key().verify(Domain.CHECKPOINT, MESSAGE + b"x", foreign)
    # Same bytes, signed by dilithium-py under the identity context: refused as checkpoint.
    wrong_ctx = HybridSignature(ecdsa_half, ML_DSA_87.sign(sk, MESSAGE, ctx=Domain.IDENTITY.value))
    with pytest.raises(CryptoError):
        key.public_key().verify(Domain.CHECKPOINT, MESSAGE, wrong_ctx)


def test_tampered_signature_fails_in_both(key: HybridSigningKey) -> None:
    signature = key.sign(Domain.CHECKPOINT, MESSAGE).mldsa87
    raw = key.public_key().mldsa87_raw()
    for index in (0, 100, len(signature) - 1):
        tampered = bytearray(signature)
        tampered[index] ^= 0x01
        assert ML_DSA_87.verify(raw, MESSAGE, bytes(tampered), ctx=CTX) is False
        with pytest.raises(InvalidSignature):
            key.public_key().mldsa87.verify(bytes(tampered), MESSAGE, CTX)
