"""The vault header file: format version, vault id, marking, key slots, latest checkpoint.

Each key slot wraps the master key (and, for a person's slot, that person's user key) with
AES-256-GCM under a key-encryption key. The slot's own description (kind, user, KDF
parameters) is the AEAD's associated data and Argon2's ``ad``, so lowering the parameters by
editing the file makes the slot fail to open rather than weaker. The whole header also carries
an HMAC-SHA384 under a sub-key of the master key, checked after unlock.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from reviewstation.canonical import canonical, loads_bounded
from reviewstation.crypto import aead
from reviewstation.crypto.identity import b64, unb64
from reviewstation.crypto.kdf import Argon2Params
from reviewstation.errors import InputError, VaultCorrupt
from reviewstation.storage import atomic_write, read_bounded, refuse_link
from reviewstation.text import check_line
from reviewstation.vault.keys import header_mac_key

HEADER_NAME = "vault.header"
FORMAT = "reviewstation-vault"
VERSION = 1
MAX_HEADER_BYTES = 1024 * 1024
MAX_SLOTS = 256
SlotKind = Literal["passphrase", "recovery", "keyring"]
SLOT_KINDS: tuple[SlotKind, ...] = ("passphrase", "recovery", "keyring")


@dataclass(frozen=True)
class KeySlot:
    slot_id: str
    kind: SlotKind
    user: str | None
    kdf: Argon2Params | None
    wrapped: bytes

    def associated_data(self, vault_id: str) -> bytes:
        """What the wrap authenticates: everything about the slot except the ciphertext."""
        return canonical(
            {
                "vault_id": vault_id,
                "slot": self.slot_id,
                "kind": self.kind,
                "user": self.user,
                "kdf": self.kdf.to_json() if self.kdf else None,
            }
        )

    def unwrap(self, kek: bytes, vault_id: str) -> bytes:
        """CryptoError when the key-encryption key is wrong or the slot was edited."""
        return aead.open_sealed(kek, self.wrapped, self.associated_data(vault_id))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.slot_id,
            "kind": self.kind,
            "user": self.user,
            "kdf": self.kdf.to_json() if self.kdf else None,
            "wrapped": b64(self.wrapped),
        }

    @classmethod
    def from_json(cls, obj: Any) -> KeySlot:
        if not isinstance(obj, dict):
            raise InputError("A key slot in the vault header is malformed.")
        kind, user, slot_id = obj.get("kind"), obj.get("user"), obj.get("id")
        if kind not in SLOT_KINDS:
            raise InputError(f"The vault header has a key slot of unknown kind {kind!r}.")
        if not isinstance(slot_id, str) or not slot_id:
            raise InputError("A key slot in the vault header has no id.")
        if kind == "recovery":
            if user is not None:
                raise InputError("The recovery slot in the vault header names a user.")
        elif not isinstance(user, str) or not user:
            raise InputError("A key slot in the vault header names no user.")
        else:  # shown at unlock and by `vault info`: never a newline or escape sequence
            check_line("user name in a key slot of the vault header", user)
        kdf_obj = obj.get("kdf")
        kdf = None
        if kind == "passphrase":
            kdf = Argon2Params.from_json(kdf_obj)
        elif kdf_obj is not None:
            raise InputError("A key slot without a passphrase carries KDF parameters.")
        return cls(slot_id, kind, user, kdf, unb64(obj.get("wrapped"), "wrapped key"))


@dataclass(frozen=True)
class HeaderCheckpoint:
    count: int
    head: str
    user: str
    at: str
    sig_p384: bytes
    sig_mldsa87: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "head": self.head,
            "user": self.user,
            "at": self.at,
            "sig_p384": b64(self.sig_p384),
            "sig_mldsa87": b64(self.sig_mldsa87),
        }

    @classmethod
    def from_json(cls, obj: Any) -> HeaderCheckpoint:
        try:
            count, head, user, at = obj["count"], obj["head"], obj["user"], obj["at"]
            if type(count) is not int or count < 0:
                raise InputError("The header checkpoint's entry count is invalid.")
            if not all(isinstance(v, str) for v in (head, user, at)):
                raise InputError("The header checkpoint is malformed.")
            check_line("user name of the header checkpoint", user)
            return cls(
                count,
                head,
                user,
                at,
                unb64(obj["sig_p384"], "checkpoint signature"),
                unb64(obj["sig_mldsa87"], "checkpoint signature"),
            )
        except (KeyError, TypeError) as exc:
            raise InputError("The header checkpoint is malformed.") from exc


@dataclass(frozen=True)
class Header:
    vault_id: str
    created: str
    marking: str
    slots: tuple[KeySlot, ...] = ()
    checkpoint: HeaderCheckpoint | None = None
    mac: bytes = field(default=b"", compare=False)

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "vault_id": self.vault_id,
            "created": self.created,
            "marking": self.marking,
            "slots": [s.to_json() for s in self.slots],
            "checkpoint": self.checkpoint.to_json() if self.checkpoint else None,
        }

    def compute_mac(self, master: bytes) -> bytes:
        key = header_mac_key(master, self.vault_id)
        return hmac.new(key, canonical(self.body()), "sha384").digest()

    def mac_valid(self, master: bytes) -> bool:
        return hmac.compare_digest(self.mac, self.compute_mac(master))

    def sealed(self, master: bytes) -> Header:
        return replace(self, mac=self.compute_mac(master))

    def slots_for(self, user: str, kind: SlotKind) -> list[KeySlot]:
        return [s for s in self.slots if s.user == user and s.kind == kind]

    def users(self) -> list[str]:
        return sorted({s.user for s in self.slots if s.user and s.kind == "passphrase"})

    def with_slots(self, slots: list[KeySlot]) -> Header:
        return replace(self, slots=tuple(slots), mac=b"")

    def to_bytes(self) -> bytes:
        return canonical({**self.body(), "mac": self.mac.hex()}) + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> Header:
        obj = loads_bounded(data, "vault header", MAX_HEADER_BYTES)
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise InputError("This is not a ReviewStation vault header.")
        if type(obj.get("version")) is not int or obj.get("version") != VERSION:
            raise InputError(
                f"Vault format version {obj.get('version')!r} is not supported by this version."
            )
        slots_obj = obj.get("slots")
        if not isinstance(slots_obj, list) or len(slots_obj) > MAX_SLOTS:
            raise InputError("The vault header's key slots are malformed.")
        vault_id, created, marking = obj.get("vault_id"), obj.get("created"), obj.get("marking")
        if not all(isinstance(v, str) for v in (vault_id, created, marking)):
            raise InputError("The vault header lacks its id, creation time or marking.")
        assert isinstance(vault_id, str) and isinstance(created, str) and isinstance(marking, str)
        for what, value in (("id", vault_id), ("creation time", created), ("marking", marking)):
            check_line(f"vault header's {what}", value)  # printed before any MAC is checked
        slots = tuple(KeySlot.from_json(s) for s in slots_obj)
        if len({s.slot_id for s in slots}) != len(slots):
            raise InputError("The vault header has two key slots with the same id.")
        # One Argon2id run per unlock at most: a forged header cannot multiply the cost.
        owners = [s.user for s in slots if s.kind == "passphrase"]
        if len(set(owners)) != len(owners):
            raise InputError("The vault header has two passphrase slots for one user.")
        if sum(1 for s in slots if s.kind == "recovery") > 1:
            raise InputError("The vault header has more than one recovery slot.")
        checkpoint_obj = obj.get("checkpoint")
        checkpoint = None if checkpoint_obj is None else HeaderCheckpoint.from_json(checkpoint_obj)
        mac_hex = obj.get("mac")
        try:
            mac = bytes.fromhex(mac_hex) if isinstance(mac_hex, str) else b""
        except ValueError:
            mac = b""
        return cls(vault_id, created, marking, slots, checkpoint, mac)


def header_path(vault: Path) -> Path:
    return vault / HEADER_NAME


def load_header(vault: Path) -> Header:
    path = header_path(vault)
    if not vault.is_dir():
        raise InputError(f"{vault} is not a vault folder.")
    refuse_link(path, "vault header")
    if not path.exists():
        raise InputError(f"{vault} is not a ReviewStation vault (it has no {HEADER_NAME}).")
    try:
        return Header.from_bytes(read_bounded(path, MAX_HEADER_BYTES, "vault header", follow=False))
    except InputError as exc:
        raise VaultCorrupt(f"The vault header is unreadable: {exc}") from exc


def save_header(vault: Path, header: Header, master: bytes) -> Header:
    sealed = header.sealed(master)
    atomic_write(header_path(vault), sealed.to_bytes(), "vault header")
    return sealed
