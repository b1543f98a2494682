"""The vault's trust store: identity cards of signers whose packages it accepts.

Adding or revoking trust is a lead's decision and is audited. A revoked signer's packages are
refused even when the same card is passed with ``--trust`` on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from reviewstation.crypto.identity import PublicIdentity, parse_card
from reviewstation.errors import InputError, NotFound
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session


@dataclass(frozen=True)
class TrustEntry:
    card: PublicIdentity
    added: str
    added_by: str
    revoked_at: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def entries(conn: Connection) -> list[TrustEntry]:
    return [
        TrustEntry(parse_card(card.encode(), stored=True), added, added_by, revoked_at)
        for card, added, added_by, revoked_at in conn.execute(
            "SELECT card, added, added_by, revoked_at FROM trusted_signers ORDER BY name"
        )
    ]


def trusted(conn: Connection) -> list[PublicIdentity]:
    return [e.card for e in entries(conn) if not e.revoked]


def revoked_fingerprints(conn: Connection) -> set[str]:
    return {
        str(r[0])
        for r in conn.execute(
            "SELECT fingerprint FROM trusted_signers WHERE revoked_at IS NOT NULL"
        )
    }


def add(session: Session, card_bytes: bytes) -> PublicIdentity:
    session.require_writable("trust a signer")
    session.require_role("trust a signer", "lead")
    card = parse_card(card_bytes)
    row = session.conn.execute(
        "SELECT revoked_at FROM trusted_signers WHERE fingerprint = ?", (card.fingerprint,)
    ).fetchone()
    if row is not None:
        state = "revoked" if row[0] else "already trusted"
        raise InputError(f"{card.name}'s card ({card.fingerprint[:16]}…) is {state} here.")
    details = {"name": card.name, "role": card.role, "vault": card.vault_id}
    with session.change("trust.add", card.fingerprint, details) as conn:
        conn.execute(
            "INSERT INTO trusted_signers (fingerprint, name, role, card, added, added_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                card.fingerprint,
                card.name,
                card.role,
                _card_text(card_bytes),
                audit.now(),
                session.user.name,
            ),
        )
    return card


def _card_text(card_bytes: bytes) -> str:
    return card_bytes.decode("utf-8").strip()


def revoke(session: Session, fingerprint: str) -> None:
    session.require_writable("revoke a signer")
    session.require_role("revoke a signer", "lead")
    matches = [
        e for e in entries(session.conn) if e.card.fingerprint.startswith(fingerprint.lower())
    ]
    if len(fingerprint) < 16 or len(matches) != 1:
        raise NotFound(f"No single trusted signer has a fingerprint starting {fingerprint!r}.")
    entry = matches[0]
    if entry.revoked:
        return
    with session.change("trust.revoke", entry.card.fingerprint, {"name": entry.card.name}) as conn:
        conn.execute(
            "UPDATE trusted_signers SET revoked_at = ?, revoked_by = ? WHERE fingerprint = ?",
            (audit.now(), session.user.name, entry.card.fingerprint),
        )
