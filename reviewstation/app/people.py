"""People and their keys, for both front ends: who is in the vault, add, remove, reset a
forgotten passphrase (leads), change my passphrase, store or forget my OS-keyring secret.

The vault layer (``vault.accounts``) checks every permission and records every change in the
audit trail (``user.add``, ``user.remove``, ``user.reset``, ``slot.passphrase_changed``,
``slot.add``, ``slot.remove``); each refusal names who can do it instead. This module adds what
a front end needs around it: a listing with each person's keyring and two-person state, the
check of the current passphrase before changing it, and the pairing of the keyring slot with
the secret in the OS keyring.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewstation.crypto.kdf import Argon2Params
from reviewstation.errors import CryptoError, PermissionDenied
from reviewstation.vault import accounts, keyring_slot, keyslots, two_person, users
from reviewstation.vault.header import KeySlot
from reviewstation.vault.session import Session


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    active: bool
    created: str
    fingerprint: str  # P-384 of the signing key
    keyring: bool  # has an OS-keyring slot
    chosen_by: str  # who chose the passphrase in use ("" once the person changed it)

    @property
    def status(self) -> str:
        if not self.active:
            return "removed"
        if self.chosen_by:
            return f"passphrase chosen by {self.chosen_by}"
        return "own passphrase"


def people(session: Session) -> list[Person]:
    """Everyone the vault has known, removed people included (their history stays)."""
    made = two_person.creators(session.conn)
    header = session.header
    return [
        Person(
            name=r.name,
            role=r.role,
            active=r.active,
            created=r.created,
            fingerprint=r.signing.fingerprint(),
            keyring=bool(header.slots_for(r.name, "keyring")),
            chosen_by=made.get(r.name, "") if r.active else "",
        )
        for r in users.all_users(session.conn)
    ]


def add_person(
    session: Session, name: str, role: str, passphrase: str, kdf: Argon2Params | None = None
) -> Person:
    accounts.add_user(session, name, role, passphrase, kdf)
    return _person(session, name)


def remove_person(session: Session, name: str) -> None:
    accounts.remove_user(session, name)


def reset_passphrase(
    session: Session, name: str, passphrase: str, kdf: Argon2Params | None = None
) -> Person:
    accounts.reset_passphrase(session, name, passphrase, kdf)
    return _person(session, name)


def change_my_passphrase(
    session: Session, current: str, new: str, kdf: Argon2Params | None = None
) -> None:
    """The current passphrase is asked again (an unlocked, unattended screen must not be
    enough to take over the account); wrong, it changes nothing."""
    session.require_own_keys("change the passphrase")
    mine = session.header.slots_for(session.user.name, "passphrase")
    secret = keyslots.encode_passphrase(current)
    for slot in mine:
        try:
            keyslots.open_slot(slot, session.vault_id, secret)
        except CryptoError:
            continue
        accounts.change_passphrase(session, new, kdf)
        return
    raise PermissionDenied("The current passphrase is wrong; the passphrase was not changed.")


def store_in_keyring(session: Session) -> KeySlot:
    """A keyring slot for me, its secret in the OS keyring (a refused or missing keyring
    service changes nothing)."""
    session.require_own_keys("add a key slot")
    secret = keyring_slot.store_new_secret(session.vault_id, session.user.name)
    try:
        return accounts.add_secret_slot(session, "keyring", secret)
    except BaseException:
        keyring_slot.forget_secret(session.vault_id, session.user.name)
        raise


def forget_keyring(session: Session) -> int:
    """Remove my keyring slots and the secret in the OS keyring; how many slots went."""
    removed = accounts.remove_slots(session, "keyring")
    keyring_slot.forget_secret(session.vault_id, session.user.name)
    return removed


def _person(session: Session, name: str) -> Person:
    return next(p for p in people(session) if p.name == name)
