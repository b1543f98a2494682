"""Creating, unlocking and closing a vault. A ``Session`` is one unlocked vault in one process.

Every change runs inside ``Session.change()``: one ``BEGIN IMMEDIATE`` transaction whose first
statement appends the audit entry, so an action whose entry cannot be written never happens.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from reviewstation import markings
from reviewstation.crypto import selftest
from reviewstation.crypto.identity import PrivateIdentity
from reviewstation.crypto.kdf import Argon2Params, derive_argon2, floor_params
from reviewstation.errors import (
    CryptoError,
    InputError,
    NotFound,
    PermissionDenied,
    VaultCorrupt,
    VaultError,
    WrongPassphrase,
)
from reviewstation.storage import fsync_dir, make_private_dir
from reviewstation.vault import audit, folder, keyslots, meta, pending, users
from reviewstation.vault.database import Connection, DatabaseError, commit, open_database
from reviewstation.vault.header import (
    Header,
    HeaderCheckpoint,
    KeySlot,
    load_header,
    save_header,
)
from reviewstation.vault.keys import MASTER_KEY_BYTES, USER_KEY_BYTES, database_key
from reviewstation.vault.keyslots import (
    check_new_passphrase,
    default_kdf,
    encode_passphrase,
    make_slot,
    open_slot,
)
from reviewstation.vault.lock import WriterLock
from reviewstation.vault.migrations import LATEST, migrate, schema_version
from reviewstation.vault.recovery_key import generate as generate_recovery_key
from reviewstation.vault.recovery_key import parse as parse_recovery_key
from reviewstation.vault.users import Role, UserRecord, check_name, check_role

Mode = Literal["write", "read"]
Method = Literal["passphrase", "recovery", "keyring"]


@dataclass
class Session:
    path: Path
    header: Header
    user: UserRecord
    conn: Connection
    read_only: bool
    _master: bytearray = field(repr=False)
    _user_key: bytearray | None = field(repr=False)
    identity: PrivateIdentity | None = field(repr=False)
    _lock: WriterLock | None = field(repr=False)
    closed: bool = False
    # Why a session asked for writing was opened read-only (the database does not carry the
    # header's signed checkpoint: a rollback). Every write path refuses with this sentence.
    read_only_reason: str | None = None

    @property
    def vault_id(self) -> str:
        return self.header.vault_id

    @property
    def marking(self) -> str:
        return self.header.marking

    @property
    def recovery(self) -> bool:
        """Unlocked with the recovery key: the master key only, no user key or identity."""
        return self._user_key is None

    @property
    def master(self) -> bytes:
        self._require_open()
        return bytes(self._master)

    @property
    def user_key(self) -> bytes:
        self._require_open()
        if self._user_key is None:
            raise PermissionDenied(
                "This session was opened with the recovery key; it has no user key."
            )
        return bytes(self._user_key)

    def _require_open(self) -> None:
        if self.closed:
            raise VaultError("The vault is locked; unlock it again to continue.")

    def refuse_if_read_only(self, what: str) -> None:
        """PermissionDenied naming why, when nothing may be written in this session."""
        self._require_open()
        if self.read_only_reason is not None:
            raise PermissionDenied(f"Cannot {what}. {self.read_only_reason}")
        if self.read_only:
            raise PermissionDenied(f"Cannot {what}: the vault is open read-only.")

    def require_own_keys(self, what: str) -> None:
        """Writable, and unlocked by the user's own secret (not the recovery key)."""
        self._require_open()
        if self._user_key is None:
            raise PermissionDenied(
                f"Cannot {what}: a session opened with the recovery key only reads and verifies."
            )
        self.refuse_if_read_only(what)

    def require_writable(self, what: str) -> None:
        """For changes to the vault's content: own keys, and not an auditor."""
        self.require_own_keys(what)
        if self.user.role == "auditor":
            raise PermissionDenied(f"Cannot {what}: an auditor's session is read-only.")

    def require_role(self, what: str, *roles: Role) -> None:
        self._require_open()
        if self.user.role not in roles:
            raise PermissionDenied(
                f"Cannot {what}: that needs the role {' or '.join(roles)}, and {self.user.name} "
                f"is a {self.user.role}."
            )

    @contextlib.contextmanager
    def change(
        self, action: str, target: str = "", details: dict[str, Any] | None = None
    ) -> Iterator[Connection]:
        """A write transaction that commits only together with its audit entry."""
        self.refuse_if_read_only(action)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            # The entry goes first: if it cannot be written, the body never runs.
            audit.append(self.conn, self.vault_id, self.user.name, action, target, details)
            yield self.conn
            commit(self.conn, f"recording {action}")
        except BaseException:
            with contextlib.suppress(DatabaseError):
                self.conn.execute("ROLLBACK")
            raise

    def record(self, action: str, target: str = "", details: dict[str, Any] | None = None) -> None:
        """Audit an action that changes nothing else (a view, an export)."""
        if self.read_only:
            pending.record(
                self.path,
                self.user.name,
                "record.read_only",
                target,
                {"action": action, **(details or {})},
            )
            return
        with self.change(action, target, details):
            pass

    def save_header(self, header: Header) -> None:
        self.refuse_if_read_only("write the vault header")
        self.header = save_header(self.path, header, self.master)

    def checkpoint(self, reason: str) -> audit.Checkpoint:
        """Sign the chain head and record it (one transaction), then mirror it into the
        header after the commit (see ``mirror_checkpoint``)."""
        self._require_open()
        self.refuse_if_read_only("sign a checkpoint")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            point = self.sign_checkpoint(reason)
            commit(self.conn, "signing a checkpoint")
        except BaseException:
            with contextlib.suppress(DatabaseError):
                self.conn.execute("ROLLBACK")
            raise
        self.mirror_checkpoint(point)
        return point

    def sign_checkpoint(self, reason: str) -> audit.Checkpoint:
        """The one checkpoint function: sign the chain head and record the checkpoint, inside
        the write transaction already open (``checkpoint`` opens one; a package export calls
        this inside its ``change()``). The caller mirrors it into the header after its commit
        (``mirror_checkpoint``)."""
        if self.identity is None:
            raise PermissionDenied(
                "A checkpoint needs a user's signing key (unlock with a passphrase)."
            )
        self._require_open()
        self.refuse_if_read_only("sign a checkpoint")
        if not self.conn.in_transaction:
            raise VaultError("A checkpoint is signed inside a write transaction.")
        return audit.make_checkpoint(
            self.conn, self.vault_id, self.user.name, self.identity.signing, reason
        )

    def mirror_checkpoint(self, point: audit.Checkpoint) -> None:
        """Write a committed checkpoint into the header. After the commit, never before it: a
        crash in between leaves the header one checkpoint behind the database (named by the
        next unlock, which signs over it), never ahead of it, which is what a database put
        back from an older copy looks like (the vault would then open read-only for good)."""
        self.save_header(replace(self.header, checkpoint=header_checkpoint(point)))

    def close(self) -> None:
        """Checkpoint if anything was recorded, then drop keys and the lock."""
        if self.closed:
            return
        try:
            if not self.read_only and self.identity is not None:
                count, _ = audit.head(self.conn, self.vault_id)
                header_count = self.header.checkpoint.count if self.header.checkpoint else -1
                if count != header_count:
                    self.checkpoint("session end")
        finally:
            self.discard()

    def discard(self) -> None:
        """Drop connection, keys and lock without writing anything (also after a failure)."""
        self.closed = True
        self.conn.close()
        for secret in (self._master, self._user_key):
            if secret is not None:
                secret[:] = bytes(len(secret))  # best effort: Python copies keys elsewhere
        self.identity = None
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _NeedsUpgrade(Exception):
    """Internal: a read-only open found a schema older than this version's."""


def create_vault(
    path: Path,
    user: str,
    passphrase: str,
    *,
    role: str = "lead",
    marking: str = "UNCLASSIFIED",
    kdf: Argon2Params | None = None,
) -> tuple[str, str]:
    """Create a vault with its first user; return (vault id, recovery key text to show once).

    Built in a hidden sibling folder and renamed into place, so a crash leaves no half vault.
    """
    selftest.ensure()  # known answers first: never seal a vault with broken primitives
    check_name(user)
    role_ = check_role(role)
    marking = markings.normalise(marking)  # one full form; unknown or contradictory refused
    check_new_passphrase(passphrase)
    if path.exists():
        raise InputError(f"{path} already exists; choose a new folder for the vault.")
    if not path.parent.is_dir():
        raise InputError(f"The folder {path.parent} does not exist.")
    kdf = kdf or default_kdf()
    master = os.urandom(MASTER_KEY_BYTES)
    user_key = os.urandom(USER_KEY_BYTES)
    vault_id = str(uuid.uuid4())
    created = audit.now()
    identity = PrivateIdentity.generate()
    recovery_text, recovery_secret = generate_recovery_key()
    slots = [
        make_slot(
            vault_id, "passphrase", user, encode_passphrase(passphrase), master + user_key, kdf
        ),
        make_slot(vault_id, "recovery", None, recovery_secret, master),
    ]
    header = Header(vault_id, created, marking, tuple(slots))
    staging = path.with_name(f".{path.name}.creating-{uuid.uuid4().hex[:12]}")
    try:
        make_private_dir(staging)
        conn = open_database(staging, database_key(master, vault_id), create=True)
        try:
            migrate(conn)
            conn.execute("BEGIN IMMEDIATE")
            for key, value in (("vault_id", vault_id), ("marking", marking), ("created", created)):
                meta.write(conn, key, value)
            wrapped = users.wrap_identity(identity, user_key, vault_id, user)
            users.insert(conn, user, role_, created, identity, wrapped)
            for slot in slots:
                keyslots.record(conn, slot, created)
            audit.append(conn, vault_id, user, "vault.init", vault_id, {"marking": marking})
            audit.append(conn, vault_id, user, "user.add", user, {"role": role_})
            for slot in slots:
                audit.append(conn, vault_id, user, "slot.add", slot.slot_id, {"kind": slot.kind})
            point = audit.make_checkpoint(conn, vault_id, user, identity.signing, "vault created")
            conn.execute("COMMIT")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        header = replace(header, checkpoint=header_checkpoint(point))
        save_header(staging, header, master)
        os.rename(staging, path)
        fsync_dir(path.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return vault_id, recovery_text


def header_checkpoint(point: audit.Checkpoint) -> HeaderCheckpoint:
    """A signed checkpoint as the header mirrors it."""
    return HeaderCheckpoint(
        point.count,
        point.head,
        point.user,
        point.at,
        point.signature.p384_der,
        point.signature.mldsa87,
    )


def pick_user(header: Header, user: str | None) -> str:
    if user is not None:
        return user
    names = header.users()
    if len(names) == 1:
        return names[0]
    raise InputError("This vault has several users; say which one you are with --user NAME.")


def _decoy_kdf(header: Header, secret: bytes) -> None:
    """Spend the same KDF time as a real slot, so timing does not reveal which users exist."""
    slot = next((s for s in header.slots if s.kdf is not None), None)
    params = slot.kdf if slot and slot.kdf else floor_params()
    derive_argon2(secret, params, b"decoy")


def open_vault(
    path: Path,
    secret: str,
    *,
    user: str | None = None,
    mode: Mode = "write",
    method: Method = "passphrase",
    wait_seconds: float = 0.0,
) -> Session:
    """Unlock. Write mode takes the writer lock; read mode never writes the database."""
    selftest.ensure()  # known answers first: a broken primitive never touches a vault
    folder.refuse_links(path)  # before anything in the folder is opened
    header = load_header(path)
    name = pick_user(header, user)
    lock = WriterLock.acquire(path, name, wait_seconds) if mode == "write" else None
    try:
        return _unlock(path, header, name, secret, mode, method, lock)
    except _NeedsUpgrade:
        # A reader met an older schema: upgrade it once through a normal, audited writable
        # unlock, then open for reading as asked.
        open_vault(path, secret, user=name, method=method, wait_seconds=wait_seconds).close()
        return open_vault(path, secret, user=name, mode=mode, method=method)
    except BaseException:
        if lock is not None:
            lock.release()
        raise


def unlock_keys(
    path: Path,
    header: Header,
    name: str,
    secret: str,
    method: Method,
) -> tuple[bytes, bytes | None]:
    """Open a key slot: (master key, user key or None); WrongPassphrase, uniformly, if none."""
    vault_id = header.vault_id
    if method == "recovery":
        secret_bytes = parse_recovery_key(secret)
        candidates: list[KeySlot] = [s for s in header.slots if s.kind == "recovery"]
    elif method == "keyring":
        try:
            secret_bytes = bytes.fromhex(secret)
        except ValueError:
            secret_bytes = b""
        candidates = header.slots_for(name, "keyring")
    else:
        secret_bytes = encode_passphrase(secret)
        candidates = header.slots_for(name, "passphrase")
    if not candidates and method == "passphrase":
        _decoy_kdf(header, secret_bytes)
    for slot in candidates:
        try:
            return open_slot(slot, vault_id, secret_bytes)
        except CryptoError:
            continue
    pending.record(path, name, "vault.unlock_failed", method)
    what = {"passphrase": "passphrase", "recovery": "recovery key", "keyring": "keyring secret"}
    raise WrongPassphrase(
        f"The {what[method]} is wrong, or {name!r} has no key slot in this vault."
    )


def _unlock(
    path: Path,
    header: Header,
    name: str,
    secret: str,
    mode: Mode,
    method: Method,
    lock: WriterLock | None,
) -> Session:
    vault_id = header.vault_id
    master, user_key = unlock_keys(path, header, name, secret, method)
    if not header.mac_valid(master):
        raise VaultCorrupt(
            "The vault header has been altered since it was last written by ReviewStation."
        )
    conn = open_database(path, database_key(master, vault_id), read_only=mode == "read")
    try:
        # Before anything is written: a database that does not carry the header's signed
        # checkpoint never gets a new checkpoint signed over it (that would wash the rollback
        # away); the session opens read-only and says why.
        reason = history_problem(conn, header)
        if reason is not None and mode == "write":
            conn.close()
            conn = open_database(path, database_key(master, vault_id), read_only=True)
            if lock is not None:
                lock.release()  # nothing will be written: other writers are not kept out
            mode = "read"
        migrated = migrate(conn) if mode == "write" else []
        if schema_version(conn) < LATEST:
            if reason is not None:
                raise VaultCorrupt(f"{reason} (Its schema is also older; it is not upgraded.)")
            raise _NeedsUpgrade
        try:
            record = users.get(conn, name)
        except NotFound as exc:
            if method == "recovery":
                raise InputError(f"There is no user named {name!r}; name one with --user.") from exc
            raise VaultCorrupt(
                f"{name!r} has a key slot but no user record (an interrupted change?); "
                "run 'vault verify'."
            ) from exc
        except InputError as exc:
            raise VaultCorrupt(f"The user record of {name!r} is damaged ({exc})") from exc
        if not record.active:
            raise PermissionDenied(f"The user {name!r} has been removed from this vault.")
        identity = record.unwrap_identity(user_key, vault_id) if user_key else None
        session = Session(
            path=path,
            header=header,
            user=record,
            conn=conn,
            read_only=mode == "read",
            _master=bytearray(master),
            _user_key=bytearray(user_key) if user_key else None,
            identity=identity,
            _lock=lock if mode == "write" else None,
            read_only_reason=reason,
        )
    except BaseException:
        conn.close()
        raise
    try:
        if mode == "write":
            _fold_pending(session)
            details: dict[str, Any] = {"method": method}
            if migrated:
                details["migrated_to"] = migrated
            behind = header_behind(conn, header)
            if behind is not None:
                details["header_behind"] = behind
            session.record("vault.unlock", name, details)
        else:
            pending.record(
                path,
                name,
                "vault.open_read_only",
                method,
                {"refused": "rollback"} if reason else {},
            )
    except BaseException:
        session.discard()
        raise
    return session


def history_problem(conn: Connection, header: Header) -> str | None:
    """The sentence that keeps a vault read-only, or None when the database's audit chain
    contains the header's signed checkpoint.

    The header is authenticated (its MAC was checked), so its checkpoint says how far the
    history reached when it was last written. A database behind it, or whose chain differs at
    that entry, is an older or another copy of vault.db: signing a new checkpoint over it
    would make the loss invisible. Cheap (two indexed reads), so every unlock runs it.
    """
    cp = header.checkpoint
    advice = "restore the newer one and run 'vault verify'"
    if cp is None:
        return (
            "This vault is open read-only: its header carries no signed checkpoint, so the"
            " database's history cannot be checked against it; run 'vault verify'."
        )
    try:
        count, _ = audit.head(conn, header.vault_id)
        at = audit.hash_at(conn, cp.count, header.vault_id) if cp.count <= count else None
    except DatabaseError as exc:
        raise VaultCorrupt(
            f"The vault's audit trail cannot be read ({exc}); run 'vault verify'."
        ) from exc
    if cp.count > count:
        return (
            "This vault is open read-only: its database is behind its header (the header's"
            f" signed checkpoint covers {cp.count} audit entries, vault.db holds {count}), so"
            f" an older vault.db was put back; {advice}."
        )
    if at is None or at.hex() != cp.head:
        return (
            "This vault is open read-only: its database's audit trail does not contain the"
            f" header's signed checkpoint (entry {cp.count} differs from what was signed), so"
            f" vault.db was replaced by another copy; {advice}."
        )
    return None


def header_behind(conn: Connection, header: Header) -> dict[str, int] | None:
    """The header's checkpoint older than the newest one the database recorded: an older
    header was put back, or a crash fell between a commit and the header's update. Nothing of
    the history is lost (the database holds all of it); the unlock's audit entry names it."""
    newest = conn.execute("SELECT max(count) FROM checkpoints").fetchone()[0]
    ours = header.checkpoint.count if header.checkpoint else 0
    if newest is None or int(newest) <= ours:
        return None
    return {"header_checkpoint": ours, "newest_checkpoint": int(newest)}


def _fold_pending(session: Session) -> None:
    """Move events recorded while the database was unavailable into the audit chain.

    Each becomes ``unverified.<action>``: the side file is not authenticated.
    """
    session.refuse_if_read_only("fold the pending events into the audit trail")
    taken = pending.take(session.path)
    files = [*pending.leftovers(session.path)]
    if taken is not None and taken not in files:
        files.append(taken)
    events = [event for path in files for event in pending.read(session.path, path)]
    if not events:
        for path in files:
            pending.remove(path)
        return
    with session.change("audit.pending_folded", "", {"events": len(events)}) as conn:
        seen = {
            str(r[0])
            for r in conn.execute(
                "SELECT json_extract(details, '$.event') FROM audit"
                " WHERE json_extract(details, '$.event') IS NOT NULL"
            )
        }
        for event in events:
            if event["id"] in seen:
                continue
            seen.add(event["id"])
            action = str(event.get("action", ""))
            if action not in pending.ACCEPTED:
                action = "rejected"
            details = event.get("details")
            audit.append(
                conn,
                session.vault_id,
                str(event.get("user", "?"))[:200],
                f"unverified.{action}",
                str(event.get("reason", ""))[:200],
                {
                    "event": event["id"],
                    "at": str(event.get("at", ""))[:40],
                    "host": str(event.get("host", ""))[:200],
                    "pid": event.get("pid") if isinstance(event.get("pid"), int) else None,
                    "details": details if isinstance(details, dict) else {},
                    "claimed_action": str(event.get("action", ""))[:100],
                },
            )
    for path in files:
        pending.remove(path)
