"""Verify a package the way a vault sees it, and import it: the one home of both use cases.

Verifying inside a vault trusts the vault's trust store (minus revoked cards) plus any cards
the user names for this once, and decrypts with the unlocked user's own recipient key, so an
encrypted package addressed to this user is checked all the way down. ``package verify``
without a vault (the receiving side's first look) stays in ``packages.verify``.
"""

from __future__ import annotations

from pathlib import Path

from reviewstation.app.identity import read_card
from reviewstation.packages import trust
from reviewstation.packages.importer import ImportResult, import_package
from reviewstation.packages.verify import VerifyReport, verify_package
from reviewstation.progress import CancelFlag
from reviewstation.vault.session import Session


def verify_in_vault(session: Session, path: Path, extra_cards: list[Path]) -> VerifyReport:
    """The verified package's report; raises a ReviewStationError naming the failed check."""
    cards = trust.trusted(session.conn) + [read_card(p) for p in extra_cards]
    revoked = trust.revoked_fingerprints(session.conn)
    recipient = session.identity.recipient if session.identity is not None else None
    with verify_package(path, cards, revoked=revoked, recipient=recipient) as package:
        return package.report()


def import_into_vault(
    session: Session, path: Path, extra_cards: list[Path], *, cancel: CancelFlag = None
) -> ImportResult:
    """Verify (trust store plus ``extra_cards``) and import in one transaction."""
    return import_package(session, path, [read_card(p) for p in extra_cards], cancel=cancel)
