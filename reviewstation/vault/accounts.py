"""People and their key slots: add a user, change a passphrase, remove a user's slots.

A slot change rewrites the header atomically while the database transaction that records it
is still open: a crash leaves the old header (old passphrase works) or the new one (new
passphrase works), never neither. The user key inside the slot never changes, so the user's
wrapped signing identity in the database stays valid either way.
"""

from __future__ import annotations

import os

from reviewstation.crypto.identity import PrivateIdentity
from reviewstation.crypto.kdf import Argon2Params
from reviewstation.errors import InputError, PermissionDenied
from reviewstation.vault import audit, keyslots, two_person, users
from reviewstation.vault.header import KeySlot
from reviewstation.vault.keys import USER_KEY_BYTES
from reviewstation.vault.keyslots import (
    check_new_passphrase,
    default_kdf,
    encode_passphrase,
    make_slot,
)
from reviewstation.vault.session import Session
from reviewstation.vault.users import UserRecord, check_name, check_role


def _record_slot(session: Session, slot: KeySlot) -> None:
    keyslots.record(session.conn, slot, audit.now())


def require_lead(session: Session, what: str) -> None:
    """Managing people is a lead's; a refusal names the leads who can do it instead (an
    auditor included: the role is checked before the auditor's read-only rule)."""
    session.require_own_keys(what)
    if session.user.role != "lead":
        others = two_person.who_else(session.conn, apart_from=[], links=False)
        raise PermissionDenied(
            f"Cannot {what}: only a lead can, and {session.user.name} is"
            f" {'an' if session.user.role[0] in 'aeiou' else 'a'} {session.user.role};"
            f" {others}."
        )


def add_user(
    session: Session, name: str, role: str, passphrase: str, kdf: Argon2Params | None = None
) -> UserRecord:
    """A lead adds a person with their own passphrase slot and their own signing identity."""
    require_lead(session, "add a user")
    check_name(name)
    role_ = check_role(role)
    check_new_passphrase(passphrase)
    if (
        name in session.header.users()
        or session.conn.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
    ):
        raise InputError(f"A user named {name!r} already exists in this vault.")
    identity = PrivateIdentity.generate()
    user_key = os.urandom(USER_KEY_BYTES)
    slot = make_slot(
        session.vault_id,
        "passphrase",
        name,
        encode_passphrase(passphrase),
        session.master + user_key,
        kdf or default_kdf(),
    )
    wrapped = users.wrap_identity(identity, user_key, session.vault_id, name)
    with session.change("user.add", name, {"role": role_, "slot": slot.slot_id}) as conn:
        users.insert(conn, name, role_, audit.now(), identity, wrapped)
        _record_slot(session, slot)
        session.save_header(session.header.with_slots([*session.header.slots, slot]))
    return users.get(session.conn, name)


def change_passphrase(
    session: Session, new_passphrase: str, kdf: Argon2Params | None = None
) -> None:
    """Replace the unlocked user's passphrase slot(s) with one for the new passphrase."""
    session.require_own_keys("change the passphrase")
    check_new_passphrase(new_passphrase)
    name = session.user.name
    slot = make_slot(
        session.vault_id,
        "passphrase",
        name,
        encode_passphrase(new_passphrase),
        session.master + session.user_key,
        kdf or default_kdf(),
    )
    old = session.header.slots_for(name, "passphrase")
    kept = [s for s in session.header.slots if s not in old]
    with session.change(
        "slot.passphrase_changed",
        name,
        {"removed": [s.slot_id for s in old], "added": slot.slot_id},
    ) as conn:
        keyslots.forget(conn, list(old))
        _record_slot(session, slot)
        session.save_header(session.header.with_slots([*kept, slot]))


def remove_user(session: Session, name: str) -> None:
    """A lead removes a person: every slot of theirs goes; their record stays for the audit."""
    require_lead(session, "remove a user")
    target = users.get(session.conn, name)
    if target.name == session.user.name:
        others = two_person.who_else(
            session.conn, apart_from=[], besides=session.user.name, links=False
        )
        raise PermissionDenied(f"You cannot remove yourself; another lead must: {others}.")
    if not target.active:
        raise InputError(f"{name} was already removed.")
    doomed = [s for s in session.header.slots if s.user == name]
    with session.change("user.remove", name, {"slots": [s.slot_id for s in doomed]}) as conn:
        users.deactivate(conn, name)
        keyslots.forget(conn, list(doomed))
        session.save_header(
            session.header.with_slots([s for s in session.header.slots if s not in doomed])
        )


def reset_passphrase(
    session: Session, name: str, new_passphrase: str, kdf: Argon2Params | None = None
) -> UserRecord:
    """A lead gives another person a new passphrase (they forgot theirs).

    No one but the holder can open a person's signing identity, so the reset makes a new one:
    the old public keys are kept as retired (what they signed still verifies), every slot of
    the person's goes (passphrase and keyring), and one slot for the new passphrase comes. Until
    the person changes the passphrase the lead chose, the two are linked for the two-person
    rules (``two_person.creators``), as for an account the lead added."""
    require_lead(session, "reset another person's passphrase")
    target = users.get(session.conn, name)
    if target.name == session.user.name:
        raise PermissionDenied(
            "A reset is for someone else's passphrase; change your own with 'user passwd'"
            " (in the app: Users, Change my passphrase)."
        )
    if not target.active:
        raise InputError(f"{name} was removed; add them again instead of resetting.")
    check_new_passphrase(new_passphrase)
    identity = PrivateIdentity.generate()
    user_key = os.urandom(USER_KEY_BYTES)
    slot = make_slot(
        session.vault_id,
        "passphrase",
        name,
        encode_passphrase(new_passphrase),
        session.master + user_key,
        kdf or default_kdf(),
    )
    wrapped = users.wrap_identity(identity, user_key, session.vault_id, name)
    doomed = [s for s in session.header.slots if s.user == name]
    details = {
        "removed": [s.slot_id for s in doomed],
        "added": slot.slot_id,
        "retired": target.signing.fingerprint(),
        "fingerprint": identity.signing.public_key().fingerprint(),
    }
    with session.change("user.reset", name, details) as conn:
        users.replace_identity(conn, name, identity, wrapped, audit.now())
        keyslots.forget(conn, doomed)
        _record_slot(session, slot)
        kept = [s for s in session.header.slots if s not in doomed]
        session.save_header(session.header.with_slots([*kept, slot]))
    return users.get(session.conn, name)


def add_secret_slot(session: Session, kind: str, secret: bytes) -> KeySlot:
    """A slot for the unlocked user opened by a random 256-bit secret (OS keyring)."""
    session.require_own_keys("add a key slot")
    if kind != "keyring":
        raise InputError(f"Unknown slot kind {kind!r}.")
    name = session.user.name
    slot = make_slot(session.vault_id, "keyring", name, secret, session.master + session.user_key)
    old = session.header.slots_for(name, "keyring")
    kept = [s for s in session.header.slots if s not in old]
    with session.change("slot.add", slot.slot_id, {"kind": kind, "user": name}) as conn:
        keyslots.forget(conn, list(old))
        _record_slot(session, slot)
        session.save_header(session.header.with_slots([*kept, slot]))
    return slot


def remove_slots(session: Session, kind: str) -> int:
    """Remove the unlocked user's slots of one kind (not their last passphrase)."""
    session.require_own_keys("remove a key slot")
    name = session.user.name
    doomed = [s for s in session.header.slots if s.user == name and s.kind == kind]
    if kind == "passphrase":
        raise PermissionDenied(
            "Your passphrase slot cannot be removed; change the passphrase instead."
        )
    if not doomed:
        return 0
    with session.change(
        "slot.remove", name, {"kind": kind, "slots": [s.slot_id for s in doomed]}
    ) as conn:
        keyslots.forget(conn, list(doomed))
        session.save_header(
            session.header.with_slots([s for s in session.header.slots if s not in doomed])
        )
    return len(doomed)
