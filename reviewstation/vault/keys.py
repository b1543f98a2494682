"""Sub-keys of the vault master key, each named by its purpose (HKDF-SHA384 ``info``)."""

from __future__ import annotations

from reviewstation.crypto.kdf import hkdf

MASTER_KEY_BYTES = 32
USER_KEY_BYTES = 32


def database_key(master: bytes, vault_id: str) -> bytes:
    return hkdf(master, b"reviewstation/vault/sqlcipher-key/v1", salt=vault_id.encode())


def header_mac_key(master: bytes, vault_id: str) -> bytes:
    return hkdf(master, b"reviewstation/vault/header-mac/v1", salt=vault_id.encode(), length=48)


def identity_wrap_key(user_key: bytes, vault_id: str, user: str) -> bytes:
    return hkdf(
        user_key, b"reviewstation/vault/identity-wrap/v1\x00" + user.encode(), vault_id.encode()
    )
