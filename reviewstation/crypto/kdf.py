"""Key derivation: Argon2id for human secrets, HKDF-SHA384 for sub-keys of random keys."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from reviewstation.errors import InputError

# The floor the brief sets, and ceilings beyond which a header is hostile, not generous:
# refusing them up front stops a forged header from pinning the CPU or exhausting memory.
MIN_MEMORY_KIB = 64 * 1024
MAX_MEMORY_KIB = 1024 * 1024
MIN_ITERATIONS = 3
MAX_ITERATIONS = 32
MAX_LANES = 16
SALT_BYTES = 16


@dataclass(frozen=True)
class Argon2Params:
    memory_kib: int
    iterations: int
    lanes: int
    salt: bytes

    def validate(self) -> None:
        numbers = (self.memory_kib, self.iterations, self.lanes)
        if not all(type(v) is int for v in numbers) or not isinstance(self.salt, bytes):
            raise InputError("Key slot KDF parameters are not whole numbers and a byte salt.")
        if not MIN_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB:
            raise InputError(
                f"Key slot asks for Argon2id memory {self.memory_kib} KiB, outside the allowed "
                f"{MIN_MEMORY_KIB}-{MAX_MEMORY_KIB} KiB."
            )
        if not MIN_ITERATIONS <= self.iterations <= MAX_ITERATIONS:
            raise InputError(
                f"Key slot asks for {self.iterations} Argon2id passes, outside the allowed "
                f"{MIN_ITERATIONS}-{MAX_ITERATIONS}."
            )
        if not 1 <= self.lanes <= MAX_LANES:
            raise InputError(f"Key slot asks for {self.lanes} Argon2id lanes, outside 1-16.")
        if len(self.salt) != SALT_BYTES:
            raise InputError("Key slot has a salt of the wrong length.")

    def to_json(self) -> dict[str, Any]:
        return {
            "alg": "argon2id",
            "m_kib": self.memory_kib,
            "t": self.iterations,
            "p": self.lanes,
            "salt": self.salt.hex(),
        }

    @classmethod
    def from_json(cls, obj: Any) -> Argon2Params:
        try:
            if obj["alg"] != "argon2id":
                raise InputError("Key slot names an unknown KDF.")
            values = (obj["m_kib"], obj["t"], obj["p"])
            if not all(type(v) is int for v in values):
                raise InputError("Key slot KDF parameters are not integers.")
            params = cls(values[0], values[1], values[2], bytes.fromhex(obj["salt"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("Key slot KDF parameters are malformed.") from exc
        params.validate()
        return params


def floor_params() -> Argon2Params:
    return Argon2Params(MIN_MEMORY_KIB, MIN_ITERATIONS, 1, os.urandom(SALT_BYTES))


def derive_argon2(secret: bytes, params: Argon2Params, associated: bytes) -> bytes:
    """32-byte key; ``associated`` binds the result to the vault and slot (Argon2 ``ad``)."""
    params.validate()
    return Argon2id(
        salt=params.salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
        ad=associated,
    ).derive(secret)


def calibrate(target_seconds: float) -> Argon2Params:
    """Parameters that take about ``target_seconds`` here, never below the floor.

    Memory grows first (to 256 MiB, the better defence against GPUs), then passes.
    """
    params = floor_params()
    if target_seconds <= 0:
        return params
    probe = os.urandom(16)
    start = time.perf_counter()
    derive_argon2(probe, params, b"calibration")
    floor_cost = max(time.perf_counter() - start, 1e-3)
    scale = target_seconds / floor_cost
    memory = MIN_MEMORY_KIB
    while memory * 2 <= 256 * 1024 and scale >= 2:
        memory *= 2
        scale /= 2
    iterations = min(MAX_ITERATIONS, max(MIN_ITERATIONS, round(MIN_ITERATIONS * scale)))
    return Argon2Params(memory, iterations, 1, params.salt)


def hkdf(key: bytes, info: bytes, salt: bytes = b"", length: int = 32) -> bytes:
    """HKDF-SHA384; ``info`` names the purpose so sub-keys never coincide."""
    return HKDF(algorithm=hashes.SHA384(), length=length, salt=salt or None, info=info).derive(key)
