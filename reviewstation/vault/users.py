"""User records in the database: role, public keys and the identity wrapped under the user key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from reviewstation.crypto import aead
from reviewstation.crypto.identity import PrivateIdentity, PublicIdentity
from reviewstation.crypto.recipients import RecipientPublicKey
from reviewstation.crypto.signing import HybridPublicKey
from reviewstation.errors import InputError, NotFound, VaultCorrupt
from reviewstation.vault.database import Connection
from reviewstation.vault.keys import identity_wrap_key

Role = Literal["reviewer", "lead", "auditor"]
ROLES: tuple[Role, ...] = ("reviewer", "lead", "auditor")
MAX_NAME = 64
MAX_FOREIGN = 183  # a foreign name with its suffix stays within the features' 200 characters
# ``name@<16 hex>``: the form of a name from another vault (``foreign_name``).
FOREIGN = re.compile(r".*@[0-9a-f]{16}", re.DOTALL)


def check_name(name: str) -> str:
    if not name or len(name) > MAX_NAME or not name.isprintable() or name != name.strip():
        raise InputError(
            f"A user name must be 1-{MAX_NAME} printable characters without surrounding spaces."
        )
    if FOREIGN.fullmatch(name):
        raise InputError(
            f"The user name {name!r} has the form of a name from another vault (name@ and 16"
            " hex digits); choose another."
        )
    return name


def foreign_name(name: object, fingerprint: str) -> str:
    """A person named in another vault's records (a package's author, approver or signer of a
    checklist), attributed to the package's signer: ``name@<first 16 hex of the signer's
    fingerprint>``. No user here can have that form (``check_name``), so an imported record is
    never credited to a local person, whatever name it carries."""
    if (
        not isinstance(name, str)
        or not name
        or len(name) > MAX_FOREIGN
        or not name.isprintable()
        or name != name.strip()
    ):
        raise InputError(
            f"A person's name from another vault must be 1-{MAX_FOREIGN} printable characters."
        )
    return f"{name}@{fingerprint[:16]}"


def check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise InputError(f"Unknown role {role!r}; choose reviewer, lead or auditor.")


FIRST_ROLE: Role = "lead"


def check_first_role(role: str) -> Role:
    """A new vault's first user is a lead: only a lead adds users, so without one no one could."""
    role_ = check_role(role)
    if role_ != FIRST_ROLE:
        raise InputError(
            f"The first user of a vault is always a lead (only a lead can add users); create the "
            f"vault as a lead, then add the {role_} with 'reviewstation user add'."
        )
    return role_


@dataclass(frozen=True)
class UserRecord:
    name: str
    role: Role
    created: str
    active: bool
    signing: HybridPublicKey
    recipient: RecipientPublicKey
    wrapped_identity: bytes

    def public_identity(self, vault_id: str) -> PublicIdentity:
        return PublicIdentity(self.name, self.role, vault_id, self.signing, self.recipient)

    def unwrap_identity(self, user_key: bytes, vault_id: str) -> PrivateIdentity:
        aad = f"reviewstation/identity\x00{vault_id}\x00{self.name}".encode()
        key = identity_wrap_key(user_key, vault_id, self.name)
        identity = PrivateIdentity.from_bytes(aead.open_sealed(key, self.wrapped_identity, aad))
        if (
            identity.signing.public_key() != self.signing
            or identity.recipient.public_key().fingerprint() != self.recipient.fingerprint()
        ):
            raise VaultCorrupt(f"The stored keys of {self.name!r} do not match their public keys.")
        return identity


def wrap_identity(identity: PrivateIdentity, user_key: bytes, vault_id: str, name: str) -> bytes:
    aad = f"reviewstation/identity\x00{vault_id}\x00{name}".encode()
    return aead.seal(identity_wrap_key(user_key, vault_id, name), identity.to_bytes(), aad)


_COLUMNS = (
    "name, role, created, active, sig_p384_spki, sig_mldsa87, rcpt_mlkem1024, rcpt_p384_spki,"
    " wrapped_identity"
)


def _row(row: Any) -> UserRecord:
    return UserRecord(
        name=str(row[0]),
        role=check_role(str(row[1])),
        created=str(row[2]),
        active=bool(row[3]),
        signing=HybridPublicKey.from_bytes(bytes(row[4]), bytes(row[5])),
        recipient=RecipientPublicKey.from_bytes(bytes(row[6]), bytes(row[7])),
        wrapped_identity=bytes(row[8]),
    )


def get(conn: Connection, name: str) -> UserRecord:
    query = f"SELECT {_COLUMNS} FROM users WHERE name = ?"  # noqa: S608 (constant columns)
    row = conn.execute(query, (name,)).fetchone()
    if row is None:
        raise NotFound(f"There is no user named {name!r} in this vault.")
    return _row(row)


def all_users(conn: Connection) -> list[UserRecord]:
    return [_row(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name")]  # noqa: S608


def insert(
    conn: Connection, name: str, role: Role, created: str, identity: PrivateIdentity, wrapped: bytes
) -> None:
    public = identity.public(name, role, "")
    conn.execute(
        f"INSERT INTO users ({_COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",  # noqa: S608
        (
            name,
            role,
            created,
            public.signing.p384_spki_der(),
            public.signing.mldsa87_raw(),
            public.recipient.mlkem_raw(),
            public.recipient.p384_spki_der(),
            wrapped,
        ),
    )


def replace_identity(
    conn: Connection, name: str, identity: PrivateIdentity, wrapped: bytes, at: str
) -> None:
    """A new signing identity for ``name`` (a lead's passphrase reset: no one else can open
    the old one). The old public keys go to ``retired_keys``, so what they signed (the
    checkpoints) still verifies."""
    old = get(conn, name)
    conn.execute(
        "INSERT INTO retired_keys (name, sig_p384_spki, sig_mldsa87, retired) VALUES (?, ?, ?, ?)",
        (name, old.signing.p384_spki_der(), old.signing.mldsa87_raw(), at),
    )
    public = identity.public(name, old.role, "")
    conn.execute(
        "UPDATE users SET sig_p384_spki = ?, sig_mldsa87 = ?, rcpt_mlkem1024 = ?,"
        " rcpt_p384_spki = ?, wrapped_identity = ? WHERE name = ?",
        (
            public.signing.p384_spki_der(),
            public.signing.mldsa87_raw(),
            public.recipient.mlkem_raw(),
            public.recipient.p384_spki_der(),
            wrapped,
            name,
        ),
    )


def signing_keys(conn: Connection) -> dict[str, list[HybridPublicKey]]:
    """Every user's signing keys: the current one first, then the retired ones, oldest
    first (a vault not yet migrated has no retired keys)."""
    keys = {u.name: [u.signing] for u in all_users(conn)}
    has_retired = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'retired_keys'"
    ).fetchone()
    if has_retired:
        for name, p384, mldsa in conn.execute(
            "SELECT name, sig_p384_spki, sig_mldsa87 FROM retired_keys ORDER BY rowid"
        ):
            keys.setdefault(str(name), []).append(
                HybridPublicKey.from_bytes(bytes(p384), bytes(mldsa))
            )
    return keys


def deactivate(conn: Connection, name: str) -> None:
    """The record stays (for the audit trail); the person can no longer be assigned."""
    conn.execute("UPDATE users SET active = 0 WHERE name = ?", (name,))
