"""The audit trail: an append-only SHA-384 hash chain inside the encrypted database.

entry.hash = SHA-384(prev_hash || canonical JSON of (seq, at, user, action, target, details)).
The first ``prev`` is SHA-384 of a label and the vault id, so a chain cannot be moved between
vaults. Checkpoints sign (vault id, count, head hash); the latest is also kept in the header.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from reviewstation.canonical import canonical
from reviewstation.crypto.hashing import sha384
from reviewstation.crypto.signing import Domain, HybridPublicKey, HybridSignature, HybridSigningKey
from reviewstation.errors import AuditWriteError, CryptoError
from reviewstation.vault.database import Connection, DatabaseError


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def genesis(vault_id: str) -> bytes:
    return sha384(b"reviewstation/audit/v1\x00" + vault_id.encode())


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    user: str
    action: str
    target: str
    details: dict[str, Any]
    prev: bytes
    hash: bytes

    def expected_hash(self) -> bytes:
        return entry_hash(
            self.prev, self.seq, self.at, self.user, self.action, self.target, self.details
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "user": self.user,
            "action": self.action,
            "target": self.target,
            "details": self.details,
            "prev": self.prev.hex(),
            "hash": self.hash.hex(),
        }


def _body(seq: int, at: str, user: str, action: str, target: str, details_text: str) -> bytes:
    """Canonical JSON of the entry, assembled directly (the chain walk is hot for big vaults).

    Equal to ``canonical({"seq", "at", "user", "action", "target", "details"})`` when
    ``details_text`` is ``canonical(details)``: keys in sorted order, no whitespace, UTF-8.
    """
    text = encode_basestring  # what json.dumps(ensure_ascii=False) uses for a str, in C
    return (
        f'{{"action":{text(action)},"at":{text(at)},"details":{details_text},'
        f'"seq":{seq},"target":{text(target)},"user":{text(user)}}}'
    ).encode()


def entry_hash(
    prev: bytes, seq: int, at: str, user: str, action: str, target: str, details: dict[str, Any]
) -> bytes:
    return sha384(prev + _body(seq, at, user, action, target, canonical(details).decode()))


def head(conn: Connection, vault_id: str) -> tuple[int, bytes]:
    row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return 0, genesis(vault_id)
    return int(row[0]), bytes(row[1])


def append(
    conn: Connection,
    vault_id: str,
    user: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    at: str | None = None,
) -> Entry:
    """Append inside the caller's transaction; AuditWriteError if it cannot be written."""
    details = details or {}
    at = at or now()
    try:
        seq, prev = head(conn, vault_id)
        seq += 1
        digest = entry_hash(prev, seq, at, user, action, target, details)
        conn.execute(
            "INSERT INTO audit (seq, at, user, action, target, details, prev, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, user, action, target, canonical(details).decode(), prev, digest),
        )
    except DatabaseError as exc:
        raise AuditWriteError(
            f"The audit entry for {action} could not be written ({exc}); the action was not taken."
        ) from exc
    return Entry(seq, at, user, action, target, details, prev, digest)


def _row_to_entry(row: Any) -> Entry:
    try:
        details = json.loads(row[5])
    except ValueError:
        details = {"unparseable": str(row[5])}
    return Entry(int(row[0]), row[1], row[2], row[3], row[4], details, bytes(row[6]), bytes(row[7]))


def entries(conn: Connection, after: int = 0) -> Iterator[Entry]:
    cursor = conn.execute(
        "SELECT seq, at, user, action, target, details, prev, hash FROM audit"
        " WHERE seq > ? ORDER BY seq",
        (after,),
    )
    for row in cursor:
        yield _row_to_entry(row)


def verify_chain(conn: Connection, vault_id: str) -> tuple[int, bytes, list[str]]:
    """Walk the whole chain: (count, head hash, problems naming the first bad entry).

    The stored details text is hashed as it is, so any edit to it breaks the chain.
    """
    prev = genesis(vault_id)
    expected_seq = 1
    cursor = conn.execute(
        "SELECT seq, action, at, user, target, details, prev, hash FROM audit ORDER BY seq"
    )
    while rows := cursor.fetchmany(10_000):
        for seq, action, at, user, target, details, stored_prev, stored_hash in rows:
            if seq != expected_seq:
                return (
                    expected_seq - 1,
                    prev,
                    [f"Audit trail: entry {expected_seq} is missing (the next entry is {seq})."],
                )
            if stored_prev != prev:
                return (
                    expected_seq - 1,
                    prev,
                    [f"Audit trail: entry {seq} does not link to entry {seq - 1}."],
                )
            digest = sha384(prev + _body(seq, at, user, action, target, details))
            if digest != stored_hash:
                return (
                    expected_seq - 1,
                    prev,
                    [f"Audit trail: entry {seq} ({action}) was altered after it was written."],
                )
            prev = digest
            expected_seq += 1
    return expected_seq - 1, prev, []


def hash_at(conn: Connection, count: int, vault_id: str) -> bytes | None:
    if count == 0:
        return genesis(vault_id)
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (count,)).fetchone()
    return None if row is None else bytes(row[0])


def checkpoint_message(vault_id: str, count: int, head_hex: str, user: str, at: str) -> bytes:
    return canonical(
        {"vault_id": vault_id, "count": count, "head": head_hex, "user": user, "at": at}
    )


@dataclass(frozen=True)
class Checkpoint:
    count: int
    head: str
    user: str
    at: str
    signature: HybridSignature

    def verify(self, vault_id: str, key: HybridPublicKey) -> None:
        key.verify(
            Domain.CHECKPOINT,
            checkpoint_message(vault_id, self.count, self.head, self.user, self.at),
            self.signature,
        )

    def valid(self, vault_id: str, key: HybridPublicKey) -> bool:
        try:
            self.verify(vault_id, key)
        except CryptoError:
            return False
        return True


def make_checkpoint(
    conn: Connection, vault_id: str, user: str, key: HybridSigningKey, reason: str
) -> Checkpoint:
    """Sign the current head and record it in the checkpoints table (caller's transaction)."""
    count, digest = head(conn, vault_id)
    at = now()
    signature = key.sign(
        Domain.CHECKPOINT, checkpoint_message(vault_id, count, digest.hex(), user, at)
    )
    conn.execute(
        "INSERT OR IGNORE INTO checkpoints (count, head, user, at, reason, sig_p384, sig_mldsa87)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (count, digest.hex(), user, at, reason, signature.p384_der, signature.mldsa87),
    )
    return Checkpoint(count, digest.hex(), user, at, signature)


def checkpoints(conn: Connection) -> list[Checkpoint]:
    rows = conn.execute(
        "SELECT count, head, user, at, sig_p384, sig_mldsa87 FROM checkpoints ORDER BY count"
    ).fetchall()
    return [
        Checkpoint(int(r[0]), r[1], r[2], r[3], HybridSignature(bytes(r[4]), bytes(r[5])))
        for r in rows
    ]
