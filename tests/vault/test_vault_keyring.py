"""The optional OS-keyring slot, with an in-memory backend standing in for the desktop's."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.keyrings import MemoryKeyring, PlaintextKeyring
from support.vaults import PASS, make_vault

from reviewstation.errors import VaultError
from reviewstation.vault import accounts, keyring_slot
from reviewstation.vault.session import open_vault


def test_keyring_slot_unlocks_and_can_be_removed(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        secret = keyring_slot.store_new_secret(session.vault_id, "alice")
        accounts.add_secret_slot(session, "keyring", secret)
        vault_id = session.vault_id
    stored = keyring_slot.load_secret(vault_id, "alice")
    with open_vault(vault, stored, method="keyring") as session:
        assert session.identity is not None
        assert accounts.remove_slots(session, "keyring") == 1
    with pytest.raises(VaultError):
        open_vault(vault, stored, method="keyring")


def test_plaintext_backends_are_refused() -> None:
    with pytest.raises(VaultError, match="insecurely"):
        keyring_slot.check_backend(PlaintextKeyring())
    from keyring.backends import fail

    with pytest.raises(VaultError):
        keyring_slot.check_backend(fail.Keyring())  # type: ignore[no-untyped-call]
    keyring_slot.check_backend(MemoryKeyring())
