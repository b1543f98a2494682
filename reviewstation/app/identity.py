"""Identity cards: the one place a card is written from a session or read from a file."""

from __future__ import annotations

from pathlib import Path

from reviewstation.crypto.identity import MAX_CARD_BYTES, PublicIdentity, export_card, parse_card
from reviewstation.errors import InputError, PermissionDenied
from reviewstation.storage import atomic_write, read_bounded
from reviewstation.vault.session import Session


def export_identity(session: Session, out: Path) -> PublicIdentity:
    """Write the unlocked user's public card to ``out`` (never replacing a file)."""
    if out.exists():
        raise InputError(f"{out} already exists; choose another name.")
    if session.identity is None:
        raise PermissionDenied("Exporting an identity card needs the user's passphrase.")
    public = session.user.public_identity(session.vault_id)
    atomic_write(out, export_card(session.identity, public), "identity card")
    return public


def read_card(path: Path) -> PublicIdentity:
    """A card file, size-bounded and self-signature checked."""
    return parse_card(read_bounded(path, MAX_CARD_BYTES, "identity card"))
