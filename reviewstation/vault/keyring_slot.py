"""The optional OS-keyring slot: a random secret kept by the desktop's keyring service.

Backends that keep secrets in plain files (keyrings.alt's PlaintextKeyring and friends), the
null and fail backends, are refused: they would turn the slot into a key on disk.
"""

from __future__ import annotations

import os
from typing import Any

from reviewstation.errors import VaultError

SERVICE = "ReviewStation vault"
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")
_REFUSED_NAMES = ("Plaintext", "Unencrypted", "Null", "Fail")


def _backends(backend: Any) -> list[Any]:
    inner = getattr(backend, "backends", None)
    return list(inner) if inner else [backend]


def check_backend(backend: Any) -> None:
    for item in _backends(backend):
        module = type(item).__module__
        name = type(item).__name__
        if module.startswith(_REFUSED_MODULES) or any(bad in name for bad in _REFUSED_NAMES):
            raise VaultError(
                f"The OS keyring backend {module}.{name} stores secrets insecurely or not at all;"
                " the keyring slot is not available on this machine."
            )


def _keyring() -> Any:
    import keyring  # imported late: it probes D-Bus and desktop services

    backend = keyring.get_keyring()
    check_backend(backend)
    return backend


def account(vault_id: str, user: str) -> str:
    return f"{vault_id}/{user}"


def store_new_secret(vault_id: str, user: str) -> bytes:
    secret = os.urandom(32)
    try:
        _keyring().set_password(SERVICE, account(vault_id, user), secret.hex())
    except VaultError:
        raise
    except Exception as exc:
        raise VaultError(f"The OS keyring refused to store the secret ({exc}).") from exc
    return secret


def load_secret(vault_id: str, user: str) -> str:
    try:
        value = _keyring().get_password(SERVICE, account(vault_id, user))
    except VaultError:
        raise
    except Exception as exc:
        raise VaultError(f"The OS keyring could not be read ({exc}).") from exc
    if not value:
        raise VaultError(f"The OS keyring holds no secret for {user!r} in this vault.")
    return str(value)


def forget_secret(vault_id: str, user: str) -> None:
    try:
        _keyring().delete_password(SERVICE, account(vault_id, user))
    except VaultError:
        raise
    except Exception:  # already gone
        return
