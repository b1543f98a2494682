"""Argon2id and HKDF-SHA384 (reviewstation.crypto.kdf)."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import Any

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from reviewstation.crypto import kdf
from reviewstation.crypto.kdf import Argon2Params
from reviewstation.errors import InputError

MIB = 1024
SALT = bytes(range(16))

# --------------------------------------------------------------------------- Argon2id


def test_rfc9106_argon2id_vector() -> None:
    """RFC 9106 section 5.3 (Argon2id, version 0x13) through the primitive we build on."""
    tag = Argon2id(
        salt=b"\x02" * 16,
        length=32,
        iterations=3,
        lanes=4,
        memory_cost=32,
        ad=b"\x04" * 12,
        secret=b"\x03" * 8,
    ).derive(b"\x01" * 32)
    assert tag == bytes.fromhex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")


def _valid_json() -> dict[str, Any]:
    return {"alg": "argon2id", "m_kib": 64 * MIB, "t": 3, "p": 1, "salt": SALT.hex()}


def test_floor_constants() -> None:
    assert kdf.MIN_MEMORY_KIB == 64 * MIB
    assert kdf.MAX_MEMORY_KIB == MIB * MIB
    assert (kdf.MIN_ITERATIONS, kdf.MAX_ITERATIONS, kdf.MAX_LANES, kdf.SALT_BYTES) == (
        3,
        32,
        16,
        16,
    )


def test_json_round_trip() -> None:
    params = Argon2Params(128 * MIB, 4, 2, SALT)
    obj = params.to_json()
    assert obj == {"alg": "argon2id", "m_kib": 128 * MIB, "t": 4, "p": 2, "salt": SALT.hex()}
    assert Argon2Params.from_json(obj) == params


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("m_kib", 64 * MIB),
        ("m_kib", MIB * MIB),
        ("t", 3),
        ("t", 32),
        ("p", 1),
        ("p", 16),
    ],
)
def test_bounds_inclusive(field: str, value: int) -> None:
    obj = {**_valid_json(), field: value}
    params = Argon2Params.from_json(obj)
    assert params.to_json()[field] == value


BAD_VALUES: list[tuple[str, object]] = [
    ("m_kib", 64 * MIB - 1),
    ("m_kib", 32),
    ("m_kib", 0),
    ("m_kib", -1),
    ("m_kib", MIB * MIB + 1),
    ("m_kib", 2**40),
    ("t", 2),
    ("t", 1),
    ("t", 0),
    ("t", 33),
    ("t", 2**31),
    ("p", 0),
    ("p", -1),
    ("p", 17),
    ("p", 2**32),
    # Not integers: JSON true, 3.0 and "3" must never pass as numbers.
    ("m_kib", True),
    ("m_kib", 65536.0),
    ("m_kib", "65536"),
    ("m_kib", None),
    ("t", True),
    ("t", 3.0),
    ("t", "3"),
    ("t", [3]),
    ("p", True),
    ("p", 1.0),
    ("p", "1"),
    ("p", {"n": 1}),
    # Salt: wrong length, not hex, not a string.
    ("salt", ""),
    ("salt", bytes(15).hex()),
    ("salt", bytes(17).hex()),
    ("salt", bytes(32).hex()),
    ("salt", "zz" * 16),
    ("salt", 12345),
    ("salt", None),
    # Unknown or misspelt algorithm.
    ("alg", "argon2i"),
    ("alg", "argon2d"),
    ("alg", "ARGON2ID"),
    ("alg", "scrypt"),
    ("alg", None),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_from_json_refuses(field: str, value: object) -> None:
    with pytest.raises(InputError):
        Argon2Params.from_json({**_valid_json(), field: value})


@pytest.mark.parametrize("field", ["alg", "m_kib", "t", "p", "salt"])
def test_from_json_missing_field(field: str) -> None:
    obj = _valid_json()
    del obj[field]
    with pytest.raises(InputError):
        Argon2Params.from_json(obj)


@pytest.mark.parametrize("obj", [None, [], "argon2id", 3, [("alg", "argon2id")], True])
def test_from_json_not_an_object(obj: object) -> None:
    with pytest.raises(InputError):
        Argon2Params.from_json(obj)


@pytest.mark.parametrize(
    ("memory", "iterations", "lanes", "salt"),
    [
        (64 * MIB - 1, 3, 1, SALT),
        (MIB * MIB + 1, 3, 1, SALT),
        (64 * MIB, 2, 1, SALT),
        (64 * MIB, 33, 1, SALT),
        (64 * MIB, 3, 0, SALT),
        (64 * MIB, 3, 17, SALT),
        (64 * MIB, 3, 1, SALT[:15]),
        (64 * MIB, 3, 1, SALT + b"\x00"),
        (64 * MIB, 3, 1, b""),
    ],
)
def test_validate_refuses_out_of_bounds(
    memory: int, iterations: int, lanes: int, salt: bytes
) -> None:
    with pytest.raises(InputError):
        Argon2Params(memory, iterations, lanes, salt).validate()


@pytest.mark.parametrize(
    ("memory", "iterations", "lanes", "salt"),
    [
        pytest.param(True, 3, 1, SALT, id="memory-bool"),
        pytest.param(
            65536.0,
            3,
            1,
            SALT,
            id="memory-float",
        ),
        pytest.param(
            64 * MIB,
            3.0,
            1,
            SALT,
            id="iterations-float",
        ),
        pytest.param(
            64 * MIB,
            "3",
            1,
            SALT,
            id="iterations-str",
        ),
        pytest.param(
            64 * MIB,
            3,
            True,
            SALT,
            id="lanes-bool",
        ),
        pytest.param(
            64 * MIB,
            3,
            1,
            "x" * 16,
            id="salt-str",
        ),
    ],
)
def test_validate_refuses_non_int_types(
    memory: object, iterations: object, lanes: object, salt: object
) -> None:
    params = Argon2Params(memory, iterations, lanes, salt)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        params.validate()


def test_derive_refuses_hostile_params_before_allocating() -> None:
    # 8 GiB would exhaust memory if it reached the primitive; validation must come first.
    params = Argon2Params(8 * MIB * MIB, 3, 1, SALT)
    with pytest.raises(InputError):
        kdf.derive_argon2(b"secret", params, b"vault")
    with pytest.raises(InputError):
        kdf.derive_argon2(b"secret", Argon2Params(64 * MIB, 10_000, 1, SALT), b"vault")


@pytest.mark.parametrize("target", [0, 0.0, -1.0])
def test_calibrate_non_positive_gives_floor(target: float) -> None:
    params = kdf.calibrate(target)
    assert (params.memory_kib, params.iterations, params.lanes) == (64 * MIB, 3, 1)
    assert isinstance(params.salt, bytes)
    assert len(params.salt) == 16
    params.validate()


def test_floor_params_have_fresh_salts() -> None:
    salts = {kdf.floor_params().salt for _ in range(16)} | {kdf.calibrate(0).salt}
    assert len(salts) == 17
    kdf.floor_params().validate()


def test_derive_argon2_matches_primitive_and_binds_associated_data() -> None:
    """Three derives at the 64 MiB floor (~0.5 s): ours == primitive; other ad -> other key."""
    params = Argon2Params(64 * MIB, 3, 1, SALT)
    secret, ad = b"correct horse battery", b"vault-1/slot-0"
    ours = kdf.derive_argon2(secret, params, ad)
    assert len(ours) == 32
    direct = Argon2id(
        salt=SALT, length=32, iterations=3, lanes=1, memory_cost=64 * MIB, ad=ad
    ).derive(secret)
    assert ours == direct
    assert kdf.derive_argon2(secret, params, b"vault-1/slot-1") != ours


# --------------------------------------------------------------------------- HKDF-SHA384


def ref_hkdf(hash_name: str, ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 from scratch with hmac + hashlib: an independent implementation."""
    hash_len = hashlib.new(hash_name).digest_size
    prk = hmac.new(salt or bytes(hash_len), ikm, hash_name).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hash_name).digest()
        okm += block
        counter += 1
    return okm[:length]


def test_reference_hkdf_against_rfc5869() -> None:
    """Pin the reference itself: RFC 5869 test cases 1 and 3 (SHA-256)."""
    ikm = b"\x0b" * 22
    assert ref_hkdf("sha256", ikm, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42) == bytes.fromhex(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )
    assert ref_hkdf("sha256", ikm, b"", b"", 42) == bytes.fromhex(
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )


@pytest.mark.parametrize(
    ("ikm", "salt", "info", "length"),
    [
        (bytes(32), b"", b"", 32),
        (b"\x0b" * 22, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42),
        (os.urandom(32), os.urandom(48), b"reviewstation/content-key", 32),
        (os.urandom(64), b"salt", b"info", 48),
        (os.urandom(64), b"salt", b"info", 49),
        (os.urandom(16), b"", b"x" * 300, 100),
        (os.urandom(32), b"s", b"max", 255 * 48),
    ],
)
def test_hkdf_sha384_matches_reference(ikm: bytes, salt: bytes, info: bytes, length: int) -> None:
    assert kdf.hkdf(ikm, info, salt, length) == ref_hkdf("sha384", ikm, salt, info, length)


def test_hkdf_default_length_and_hash() -> None:
    key = os.urandom(32)
    out = kdf.hkdf(key, b"purpose")
    assert len(out) == 32
    assert out == ref_hkdf("sha384", key, b"", b"purpose", 32)
    assert out != ref_hkdf("sha256", key, b"", b"purpose", 32)
    # An empty salt means HashLen zero bytes (RFC 5869 section 2.2).
    assert out == kdf.hkdf(key, b"purpose", bytes(48))


def test_hkdf_info_and_salt_separate_keys() -> None:
    key = os.urandom(32)
    outs = {
        kdf.hkdf(key, b"a"),
        kdf.hkdf(key, b"b"),
        kdf.hkdf(key, b"a", b"salt"),
        kdf.hkdf(os.urandom(32), b"a"),
    }
    assert len(outs) == 4


def test_hkdf_refuses_oversize_output() -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - cryptography's own limit, 255 * HashLen
        kdf.hkdf(bytes(32), b"x", length=255 * 48 + 1)
