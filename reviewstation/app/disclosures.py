"""Selective disclosure's use cases, one home for both front ends: the recipients and their
clearance, the disclosure packages this vault wrote, a proof of one of their items, and the
check of a proof against a received package.

The construction and the policy live in ``packages.disclosure``; this module reads the files
(size-bounded), verifies a package the way the vault sees it (its trust store, minus revoked
cards, plus cards named for this once; decrypted with the unlocked user's key) and writes a
proof without ever replacing a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewstation import markings
from reviewstation.app.identity import read_card
from reviewstation.crypto.identity import MAX_CARD_BYTES, PublicIdentity
from reviewstation.crypto.recipients import RecipientPrivateKey
from reviewstation.errors import InputError, NotFound
from reviewstation.packages import disclosure, members, trust
from reviewstation.packages.disclosure import ProofResult, Recipient
from reviewstation.packages.verify import Verified, verify_package
from reviewstation.storage import atomic_write, read_bounded
from reviewstation.text import counted, visible
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session

# -- recipients -----------------------------------------------------------------------------


def recipients(session: Session) -> list[Recipient]:
    return disclosure.recipients(session.conn)


def record_clearance(session: Session, card: Path, clearance: str) -> Recipient:
    """Record (or change) the recipient whose card is the file ``card`` and the highest
    marking it may receive (a lead; audited)."""
    data = read_bounded(card, MAX_CARD_BYTES, "identity card")
    return disclosure.set_clearance(session, data, clearance)


def change_clearance(session: Session, name: str, clearance: str) -> Recipient:
    """Change a recorded recipient's clearance, with the card recorded for it (a lead;
    audited as a new record)."""
    row = session.conn.execute(
        "SELECT card FROM disclosure_recipients WHERE name = ?", (name,)
    ).fetchone()
    if row is None:
        raise NotFound(f"No recipient {visible(name)!r} is recorded for disclosures.")
    return disclosure.set_clearance(session, str(row[0]).encode("utf-8"), clearance)


def clearance_choices(vault_marking: str) -> list[str]:
    """The clearances a front end offers: the standard levels up to the vault's marking,
    then the vault's marking itself (its caveats); any other marking may still be typed."""
    ceiling = markings.try_parse(vault_marking)
    offered = [
        m
        for m in markings.STANDARD
        if ceiling is None or not markings.exceeds(markings.parse(m), ceiling)
    ]
    if ceiling is not None and ceiling.text not in offered:
        offered.append(ceiling.text)
    return offered


# -- disclosure packages this vault wrote ---------------------------------------------------


@dataclass(frozen=True)
class DisclosureItem:
    label: str  # "finding 3", "finding 3 body", "artifact 1", ...
    kind: str
    state: str  # disclosed, partial, withheld


@dataclass(frozen=True)
class DisclosureExport:
    package_id: str
    review_id: int
    review_title: str
    created: str
    recipient: str  # the recipient's name as recorded at the export ("" if not found)
    items: tuple[DisclosureItem, ...]

    def describe(self) -> str:
        withheld = sum(i.state == "withheld" for i in self.items)
        who = f" for {self.recipient}" if self.recipient else ""
        return (
            f"{self.package_id}{who}, review {self.review_id}, {self.created[:16]}"
            f" ({counted(len(self.items), 'item')}, {withheld} withheld)"
        )


def disclosure_exports(conn: Connection) -> list[DisclosureExport]:
    """Every written disclosure package of this vault, newest first, with its items."""
    names = {r.card.fingerprint: r.name for r in disclosure.recipients(conn)}
    audited: dict[str, str] = {}
    for target, details in conn.execute(
        "SELECT target, json_extract(details, '$.disclosure.recipient') FROM audit"
        " WHERE action = 'package.export' AND json_extract(details, '$.disclosure') IS NOT NULL"
    ):
        audited[str(target)] = names.get(str(details), "")
    rows = conn.execute(
        "SELECT p.package_id, p.review_id, r.title, p.created FROM package_exports p"
        " JOIN reviews r ON r.id = p.review_id WHERE p.written IS NOT NULL AND EXISTS"
        " (SELECT 1 FROM disclosure_items d WHERE d.package_id = p.package_id)"
        " ORDER BY p.created DESC, p.sequence DESC"
    ).fetchall()
    found = []
    for package_id, review_id, title, created in rows:
        items = tuple(
            DisclosureItem(str(label), str(kind), str(state))
            for label, kind, state in conn.execute(
                "SELECT item, kind, state FROM disclosure_items WHERE package_id = ?"
                " ORDER BY rowid",
                (package_id,),
            )
        )
        found.append(
            DisclosureExport(
                str(package_id),
                int(review_id),
                str(title),
                str(created),
                audited.get(str(package_id), ""),
                items,
            )
        )
    return found


def write_proof(session: Session, package_id: str, item: str, out: Path) -> Path:
    """Write the proof of ``item`` of the disclosure package ``package_id`` (made by this
    vault) to ``out``, never replacing a file; audited."""
    if out.exists():
        raise InputError(f"{out} already exists; choose another name.")
    atomic_write(out, disclosure.prove(session, package_id, item), "proof")
    return out


# -- checking a proof against a received package ----------------------------------------------


@dataclass(frozen=True)
class Proven:
    package_id: str
    result: ProofResult

    def sentence(self) -> str:
        r = self.result
        return (
            f"PROVEN: {r.item} ({r.kind}, {r.state} in package {self.package_id}) is the item"
            f" whose digest the package lists (sha384 {r.digest})"
        )


def open_disclosure(
    path: Path,
    cards: list[PublicIdentity],
    *,
    revoked: set[str] | None = None,
    recipient: RecipientPrivateKey | None = None,
) -> Verified:
    """The package at ``path`` verified (decrypted with ``recipient``'s key when it is for
    them); refused unless it is a selective disclosure. Close it (a context manager)."""
    opened = verify_package(path, cards, revoked=revoked, recipient=recipient)
    if opened.encrypted and not opened.decrypted:
        opened.close()
        raise InputError(
            "The package is encrypted and not for this user: open it with the vault of one"
            " of its recipients."
        )
    if not opened.zip.has(members.DISCLOSURE):
        opened.close()
        raise InputError(f"{path.name} is not a selective disclosure (no disclosure.json).")
    return opened


def read_proof(path: Path) -> bytes:
    return read_bounded(path, disclosure.MAX_PROOF, "proof")


def check_proof_file(opened: Verified, data: bytes) -> Proven:
    """Whether the proof ``data`` opens an item the (opened, verified) package digested;
    PackageRefused (one sentence) when it does not."""
    listing = opened.read_checked(members.DISCLOSURE)
    package_id = opened.manifest.package_id
    return Proven(package_id, disclosure.check_proof(listing, package_id, data))


def check_proof_in_vault(
    session: Session, package: Path, proof: Path, extra_cards: list[Path]
) -> Proven:
    """``check_proof_file`` with the package verified the way this vault sees it."""
    cards = trust.trusted(session.conn) + [read_card(p) for p in extra_cards]
    revoked = trust.revoked_fingerprints(session.conn)
    key = session.identity.recipient if session.identity is not None else None
    data = read_proof(proof)
    with open_disclosure(package, cards, revoked=revoked, recipient=key) as opened:
        return check_proof_file(opened, data)


def not_proven(reason: str) -> str:
    """The sentence a front end shows for a refused proof."""
    text = reason.splitlines()[0] if reason else "unknown reason"
    return text if text.startswith("NOT PROVEN") else f"NOT PROVEN: {text}"
