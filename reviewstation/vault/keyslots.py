"""Making and opening key slots. Payload: master key, plus the user key for a person's slot."""

from __future__ import annotations

import os
import secrets
import unicodedata

from reviewstation.crypto import aead
from reviewstation.crypto.kdf import Argon2Params, calibrate, derive_argon2, hkdf
from reviewstation.errors import CryptoError, InputError
from reviewstation.vault.database import Connection
from reviewstation.vault.header import KeySlot, SlotKind
from reviewstation.vault.keys import MASTER_KEY_BYTES, USER_KEY_BYTES

MIN_PASSPHRASE_CHARS = 8
KDF_TARGET_ENV = "REVIEWSTATION_KDF_MS"
DEFAULT_KDF_MS = 750


def default_kdf() -> Argon2Params:
    """Argon2id calibrated to ~0.75 s here. ``REVIEWSTATION_KDF_MS`` changes the target (tests
    and slow machines); ``calibrate`` never goes below the floor, whatever it says."""
    try:
        target_ms = int(os.environ.get(KDF_TARGET_ENV, DEFAULT_KDF_MS))
    except ValueError:
        target_ms = DEFAULT_KDF_MS
    return calibrate(max(0, target_ms) / 1000)


def encode_passphrase(passphrase: str) -> bytes:
    # NFC so the same passphrase typed on another keyboard layout or OS derives the same key.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InputError(f"A passphrase needs at least {MIN_PASSPHRASE_CHARS} characters.")


def _new_id() -> str:
    return secrets.token_hex(8)


def _kek(slot: KeySlot, vault_id: str, secret: bytes) -> bytes:
    if slot.kind == "passphrase":
        assert slot.kdf is not None
        return derive_argon2(secret, slot.kdf, slot.associated_data(vault_id))
    # Recovery and keyring secrets are 256 random bits: no stretching needed.
    return hkdf(secret, b"reviewstation/vault/slot-kek/v1", slot.associated_data(vault_id))


def make_slot(
    vault_id: str,
    kind: SlotKind,
    user: str | None,
    secret: bytes,
    payload: bytes,
    kdf: Argon2Params | None = None,
) -> KeySlot:
    blank = KeySlot(_new_id(), kind, user, kdf, b"")
    kek = _kek(blank, vault_id, secret)
    return KeySlot(
        blank.slot_id, kind, user, kdf, aead.seal(kek, payload, blank.associated_data(vault_id))
    )


def open_slot(slot: KeySlot, vault_id: str, secret: bytes) -> tuple[bytes, bytes | None]:
    """(master key, user key or None). CryptoError when the secret is wrong."""
    payload = slot.unwrap(_kek(slot, vault_id, secret), vault_id)
    if slot.kind == "recovery":
        if len(payload) != MASTER_KEY_BYTES:
            raise CryptoError("The recovery slot's payload has the wrong length.")
        return payload, None
    if len(payload) != MASTER_KEY_BYTES + USER_KEY_BYTES:
        raise CryptoError("The key slot's payload has the wrong length.")
    return payload[:MASTER_KEY_BYTES], payload[MASTER_KEY_BYTES:]


# The ``key_slots`` table mirrors the header's slots (``vault verify`` compares them); this
# module is its one writer.


def record(conn: Connection, slot: KeySlot, created: str) -> None:
    conn.execute(
        "INSERT INTO key_slots (id, kind, user, created) VALUES (?, ?, ?, ?)",
        (slot.slot_id, slot.kind, slot.user, created),
    )


def forget(conn: Connection, slots: list[KeySlot]) -> None:
    conn.executemany("DELETE FROM key_slots WHERE id = ?", [(s.slot_id,) for s in slots])
