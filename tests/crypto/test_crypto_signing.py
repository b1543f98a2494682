"""Hybrid ECDSA P-384 + ML-DSA-87 signatures (reviewstation.crypto.signing)."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, mldsa

from reviewstation.crypto.hashing import sha384_hex
from reviewstation.crypto.signing import (
    MLDSA87_PUBLIC_BYTES,
    Domain,
    HybridPublicKey,
    HybridSignature,
    HybridSigningKey,
)
from reviewstation.errors import CryptoError, InputError

DOMAINS = list(Domain)
CROSS = [(a, b) for a, b in itertools.permutations(DOMAINS, 2)]
# Shaped like a SHA384SUMS file so that every domain, the package one too, accepts it.
MESSAGE = b"%s  findings.json\n" % (b"ab" * 48)
# What a package signature covers: a SHA384SUMS file.
SUMS = f"{sha384_hex(b'model weights')}  weights.safetensors\n".encode()


def _id(value: object) -> str:
    return value.name if isinstance(value, Domain) else str(value)


def _spki(key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(scope="module")
def key() -> HybridSigningKey:
    return HybridSigningKey.generate()


@pytest.fixture(scope="module")
def other() -> HybridSigningKey:
    return HybridSigningKey.generate()


def test_constants() -> None:
    assert MLDSA87_PUBLIC_BYTES == 2592
    assert {d.value for d in Domain} == {
        b"reviewstation/package/v1",
        b"reviewstation/checkpoint/v1",
        b"reviewstation/identity/v1",
    }


@pytest.mark.parametrize("domain", DOMAINS, ids=_id)
def test_round_trip(key: HybridSigningKey, domain: Domain) -> None:
    signature = key.sign(domain, MESSAGE)
    key.public_key().verify(domain, MESSAGE, signature)
    # Sizes: ML-DSA-87 signatures are 4627 bytes; DER ECDSA P-384 at most 104.
    assert len(signature.mldsa87) == 4627
    assert 8 <= len(signature.p384_der) <= 104


@pytest.mark.parametrize("domain", DOMAINS, ids=_id)
def test_round_trip_through_encoded_public_key(key: HybridSigningKey, domain: Domain) -> None:
    public = key.public_key()
    decoded = HybridPublicKey.from_bytes(public.p384_spki_der(), public.mldsa87_raw())
    assert decoded == public
    assert hash(decoded) == hash(public)
    assert decoded.fingerprint() == public.fingerprint()
    decoded.verify(domain, MESSAGE, key.sign(domain, MESSAGE))


@pytest.mark.parametrize("domain", DOMAINS, ids=_id)
def test_halves_are_what_the_module_documents(key: HybridSigningKey, domain: Domain) -> None:
    """ML-DSA: FIPS 204 context = domain label; ECDSA: label || 0x00 || message (not packages)."""
    signature = key.sign(domain, MESSAGE)
    public = key.public_key()
    public.mldsa87.verify(signature.mldsa87, MESSAGE, domain.value)
    ecdsa_message = MESSAGE if domain is Domain.PACKAGE else domain.value + b"\x00" + MESSAGE
    public.p384.verify(signature.p384_der, ecdsa_message, ec.ECDSA(hashes.SHA384()))
    with pytest.raises(InvalidSignature):
        public.mldsa87.verify(signature.mldsa87, MESSAGE)  # no context
    if domain is not Domain.PACKAGE:
        with pytest.raises(InvalidSignature):
            public.p384.verify(signature.p384_der, MESSAGE, ec.ECDSA(hashes.SHA384()))


@pytest.mark.parametrize(("signed_as", "checked_as"), CROSS, ids=_id)
def test_domain_separation_whole_signature(
    key: HybridSigningKey, signed_as: Domain, checked_as: Domain
) -> None:
    with pytest.raises(CryptoError):
        key.public_key().verify(checked_as, MESSAGE, key.sign(signed_as, MESSAGE))


@pytest.mark.parametrize(("signed_as", "checked_as"), CROSS, ids=_id)
def test_domain_separation_ecdsa_half(
    key: HybridSigningKey, signed_as: Domain, checked_as: Domain
) -> None:
    """The ECDSA half of another domain must fail even next to a valid ML-DSA half."""
    wrong = key.sign(signed_as, MESSAGE)
    right = key.sign(checked_as, MESSAGE)
    with pytest.raises(CryptoError, match="ECDSA"):
        key.public_key().verify(checked_as, MESSAGE, HybridSignature(wrong.p384_der, right.mldsa87))


@pytest.mark.parametrize(("signed_as", "checked_as"), CROSS, ids=_id)
def test_domain_separation_mldsa_half(
    key: HybridSigningKey, signed_as: Domain, checked_as: Domain
) -> None:
    """The ML-DSA half of another domain must fail even next to a valid ECDSA half."""
    wrong = key.sign(signed_as, MESSAGE)
    right = key.sign(checked_as, MESSAGE)
    with pytest.raises(CryptoError, match="ML-DSA"):
        key.public_key().verify(checked_as, MESSAGE, HybridSignature(right.p384_der, wrong.mldsa87))


@pytest.mark.parametrize("target", [Domain.CHECKPOINT, Domain.IDENTITY], ids=_id)
def test_package_domain_cannot_forge_other_domains_ecdsa_half(
    key: HybridSigningKey, target: Domain
) -> None:
    """The module says a SHA384SUMS file can never begin with a label; nothing enforces it.

    Either sign must refuse a package message of the form ``label || 0x00 || m``, or its
    ECDSA half must not pass as the ECDSA half of ``target`` over ``m``: otherwise the ECDSA
    half alone no longer separates domains (the hybrid is meant to survive a broken ML-DSA).
    """
    crafted = target.value + b"\x00" + MESSAGE
    try:
        package_signature = key.sign(Domain.PACKAGE, crafted)
    except (InputError, ValueError):
        return
    forged = HybridSignature(package_signature.p384_der, key.sign(target, MESSAGE).mldsa87)
    with pytest.raises(CryptoError):
        key.public_key().verify(target, MESSAGE, forged)


def test_tampered_message(key: HybridSigningKey) -> None:
    signature = key.sign(Domain.CHECKPOINT, MESSAGE)
    for message in (MESSAGE[:-1], MESSAGE + b"\x00", b"X" + MESSAGE[1:], b""):
        with pytest.raises(CryptoError):
            key.public_key().verify(Domain.CHECKPOINT, message, signature)


@pytest.mark.parametrize("domain", DOMAINS, ids=_id)
def test_stripped_or_swapped_halves(key: HybridSigningKey, domain: Domain) -> None:
    public = key.public_key()
    good = key.sign(domain, MESSAGE)
    bad = [
        HybridSignature(b"", good.mldsa87),
        HybridSignature(good.p384_der, b""),
        HybridSignature(b"", b""),
        HybridSignature(good.mldsa87, good.p384_der),
        HybridSignature(good.p384_der + b"\x00", good.mldsa87),
        HybridSignature(good.p384_der[:-1], good.mldsa87),
        HybridSignature(good.p384_der, good.mldsa87[:-1]),
        HybridSignature(good.p384_der, good.mldsa87 + b"\x00"),
        HybridSignature(good.p384_der, bytes(len(good.mldsa87))),
        HybridSignature(b"\x30\x00", good.mldsa87),
    ]
    for signature in bad:
        with pytest.raises(CryptoError):
            public.verify(domain, MESSAGE, signature)


@pytest.mark.parametrize("domain", DOMAINS, ids=_id)
def test_halves_from_another_message(key: HybridSigningKey, domain: Domain) -> None:
    good = key.sign(domain, MESSAGE)
    elsewhere = key.sign(domain, MESSAGE + b"!")
    for signature in (
        HybridSignature(elsewhere.p384_der, good.mldsa87),
        HybridSignature(good.p384_der, elsewhere.mldsa87),
    ):
        with pytest.raises(CryptoError):
            key.public_key().verify(domain, MESSAGE, signature)


@pytest.mark.parametrize("domain", DOMAINS, ids=_id)
def test_signature_by_another_key(
    key: HybridSigningKey, other: HybridSigningKey, domain: Domain
) -> None:
    mine, theirs = key.sign(domain, MESSAGE), other.sign(domain, MESSAGE)
    public = key.public_key()
    for signature in (
        theirs,
        HybridSignature(mine.p384_der, theirs.mldsa87),
        HybridSignature(theirs.p384_der, mine.mldsa87),
    ):
        with pytest.raises(CryptoError):
            public.verify(domain, MESSAGE, signature)


def test_mixed_key_pair_fails(key: HybridSigningKey, other: HybridSigningKey) -> None:
    """A public key whose halves come from different people verifies neither's signature."""
    mixed = HybridPublicKey(key.public_key().p384, other.public_key().mldsa87)
    for signer in (key, other):
        with pytest.raises(CryptoError):
            mixed.verify(Domain.CHECKPOINT, MESSAGE, signer.sign(Domain.CHECKPOINT, MESSAGE))
    assert mixed != key.public_key()


def test_private_parts_round_trip(key: HybridSigningKey) -> None:
    p384_pkcs8, seed = key.private_parts()
    assert len(seed) == 32
    restored = HybridSigningKey.from_private_parts(p384_pkcs8, seed)
    assert restored.public_key() == key.public_key()
    key.public_key().verify(Domain.IDENTITY, MESSAGE, restored.sign(Domain.IDENTITY, MESSAGE))


def _p256_pkcs8() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.mark.parametrize(
    ("which", "value"),
    [
        ("seed", b""),
        ("seed", bytes(31)),
        ("seed", bytes(33)),
        ("seed", bytes(64)),
        ("p384", b""),
        ("p384", b"\x30\x03\x02\x01\x00"),
        ("p384", os.urandom(185)),
        ("p384", _p256_pkcs8()),
    ],
)
def test_from_private_parts_refuses(key: HybridSigningKey, which: str, value: bytes) -> None:
    p384_pkcs8, seed = key.private_parts()
    if which == "seed":
        seed = value
    else:
        p384_pkcs8 = value
    with pytest.raises(InputError):
        HybridSigningKey.from_private_parts(p384_pkcs8, seed)


# --------------------------------------------------------------------------- key decoding


def _off_curve(spki: bytes) -> bytes:
    """Flip the last bit of y in an uncompressed point: (x, y ^ 1) is not on the curve."""
    assert spki[-97] == 0x04
    return spki[:-1] + bytes([spki[-1] ^ 1])


@pytest.fixture(scope="module")
def encodings(key: HybridSigningKey) -> tuple[bytes, bytes]:
    public = key.public_key()
    return public.p384_spki_der(), public.mldsa87_raw()


@pytest.mark.parametrize("length", [0, 1, 1312, 2591, 2593, 4896])
def test_from_bytes_wrong_mldsa_length(encodings: tuple[bytes, bytes], length: int) -> None:
    spki, raw = encodings
    with pytest.raises(InputError):
        HybridPublicKey.from_bytes(spki, (raw * 2)[:length])


_P384_SPKI = _spki(ec.generate_private_key(ec.SECP384R1()).public_key())
BAD_SPKIS = {
    "empty": b"",
    "garbage": os.urandom(120),
    "asn1-empty-seq": b"\x30\x00",
    "truncated": _P384_SPKI[:-1],
    "extended": _P384_SPKI + b"\x00",
    "raw-point": _P384_SPKI[-97:],
    "off-curve": _off_curve(_P384_SPKI),
    "p256": _spki(ec.generate_private_key(ec.SECP256R1()).public_key()),
    "p521": _spki(ec.generate_private_key(ec.SECP521R1()).public_key()),
    "secp256k1": _spki(ec.generate_private_key(ec.SECP256K1()).public_key()),
    "ed25519": _spki(ed25519.Ed25519PrivateKey.generate().public_key()),
}


def test_off_curve_helper_really_is_off_curve() -> None:
    serialization.load_der_public_key(_P384_SPKI)
    with pytest.raises(ValueError):  # noqa: PT011 - cryptography's own point check
        serialization.load_der_public_key(_off_curve(_P384_SPKI))


@pytest.mark.parametrize("name", BAD_SPKIS)
def test_from_bytes_refuses_bad_spki(encodings: tuple[bytes, bytes], name: str) -> None:
    with pytest.raises(InputError):
        HybridPublicKey.from_bytes(BAD_SPKIS[name], encodings[1])


def test_constructor_refuses_other_curves() -> None:
    pq = mldsa.MLDSA87PrivateKey.generate().public_key()
    with pytest.raises(InputError):
        HybridPublicKey(ec.generate_private_key(ec.SECP256R1()).public_key(), pq)


# --------------------------------------------------------------------------- openssl


OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not on PATH")


def _pem(public: HybridPublicKey) -> bytes:
    return public.p384.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_package_ecdsa_half_is_plain_ecdsa_over_exact_bytes(key: HybridSigningKey) -> None:
    signature = key.sign(Domain.PACKAGE, SUMS)
    key.public_key().p384.verify(signature.p384_der, SUMS, ec.ECDSA(hashes.SHA384()))


@needs_openssl
def test_openssl_dgst_verifies_package_signature(key: HybridSigningKey, tmp_path: Path) -> None:
    assert OPENSSL is not None
    signature = key.sign(Domain.PACKAGE, SUMS)
    (tmp_path / "pub.pem").write_bytes(_pem(key.public_key()))
    (tmp_path / "sig.der").write_bytes(signature.p384_der)
    (tmp_path / "SHA384SUMS").write_bytes(SUMS)
    (tmp_path / "tampered").write_bytes(SUMS.replace(b"weights", b"weighs!"))

    def dgst(message: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [OPENSSL, "dgst", "-sha384", "-verify", "pub.pem", "-signature", "sig.der", message],
            cwd=tmp_path,
            capture_output=True,
            check=False,
            timeout=30,
        )

    ok = dgst("SHA384SUMS")
    assert ok.returncode == 0, ok.stderr
    assert b"Verified OK" in ok.stdout
    bad = dgst("tampered")
    assert bad.returncode != 0
    assert b"Verified OK" not in bad.stdout
    # A checkpoint signature is not a plain signature over the message, so openssl refuses it.
    (tmp_path / "sig.der").write_bytes(key.sign(Domain.CHECKPOINT, SUMS).p384_der)
    assert dgst("SHA384SUMS").returncode != 0


@needs_openssl
@pytest.mark.skipif(shutil.which("sha384sum") is None, reason="sha384sum is not on PATH")
def test_fingerprint_matches_openssl_pkey_sha384sum(key: HybridSigningKey, tmp_path: Path) -> None:
    assert OPENSSL is not None
    sha384sum = shutil.which("sha384sum")
    assert sha384sum is not None
    (tmp_path / "pub.pem").write_bytes(_pem(key.public_key()))
    der = subprocess.run(
        [OPENSSL, "pkey", "-pubin", "-inform", "PEM", "-outform", "DER", "-in", "pub.pem"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    digest = (
        subprocess.run([sha384sum], input=der, capture_output=True, check=True, timeout=30)
        .stdout.split()[0]
        .decode("ascii")
    )
    assert len(digest) == 96
    assert key.public_key().fingerprint() == digest
    assert key.public_key().mldsa87_fingerprint() != digest


@pytest.mark.parametrize(
    "message",
    [b"", b"reviewstation/checkpoint/v1\x00m", b"ab" * 48 + b" one-space\n", b"AB" * 48 + b"  x\n"],
)
def test_package_domain_only_signs_sha384sums_text(key: HybridSigningKey, message: bytes) -> None:
    with pytest.raises(InputError, match="SHA384SUMS"):
        key.sign(Domain.PACKAGE, message)
