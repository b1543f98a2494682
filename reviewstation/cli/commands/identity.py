"""identity export | show | trust | trusted | revoke | clearance | recipients"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reviewstation.app.identity import export_identity, read_card
from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options
from reviewstation.crypto.identity import MAX_CARD_BYTES
from reviewstation.errors import InputError
from reviewstation.packages import trust
from reviewstation.storage import read_bounded


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("identity", help="public identity cards")
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = cmds.add_parser(
        "export", parents=[unlock_options()], help="write the unlocked user's identity card"
    )
    export.add_argument("vault", metavar="VAULT")
    export.add_argument("--out", required=True, type=Path, metavar="CARD")
    export.set_defaults(run=_export)
    show = cmds.add_parser("show", help="names, roles and fingerprints of a card")
    show.add_argument("card", type=Path, metavar="CARD")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    unlock = unlock_options()
    add = cmds.add_parser("trust", parents=[unlock], help="trust a signer's card (leads)")
    add.add_argument("vault", metavar="VAULT")
    add.add_argument("card", type=Path, metavar="CARD")
    add.set_defaults(run=_trust)
    listing = cmds.add_parser("trusted", parents=[unlock], help="the vault's trusted signers")
    listing.add_argument("vault", metavar="VAULT")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_trusted)
    revoke = cmds.add_parser("revoke", parents=[unlock], help="stop trusting a signer (leads)")
    revoke.add_argument("vault", metavar="VAULT")
    revoke.add_argument("fingerprint", metavar="FINGERPRINT", help="at least 16 hex digits")
    revoke.set_defaults(run=_revoke)
    clearance = cmds.add_parser(
        "clearance",
        parents=[unlock],
        help="record a disclosure recipient's card and the highest marking it may receive (leads)",
    )
    clearance.add_argument("vault", metavar="VAULT")
    clearance.add_argument("card", type=Path, metavar="CARD")
    clearance.add_argument(
        "--highest", required=True, metavar="MARKING", help="e.g. CUI or SECRET//NOFORN"
    )
    clearance.set_defaults(run=_clearance)
    recipients = cmds.add_parser(
        "recipients", parents=[unlock], help="disclosure recipients and their clearances"
    )
    recipients.add_argument("vault", metavar="VAULT")
    recipients.add_argument("--json", action="store_true")
    recipients.set_defaults(run=_recipients)


def _export(args: argparse.Namespace) -> int:
    if args.out.exists():  # before the passphrase is asked for
        raise InputError(f"{args.out} already exists; choose another name.")
    with open_session(args, mode="read") as session:
        public = export_identity(session, args.out)
    output.line(
        f"{public.fingerprint} identity card of {public.name} ({public.role}) written to {args.out}"
    )
    return 0


def _show(args: argparse.Namespace) -> int:
    card = read_card(args.card)
    if args.json:
        output.emit_json(
            {
                "name": card.name,
                "role": card.role,
                "vault_id": card.vault_id,
                "fingerprints": card.fingerprints(),
            }
        )
        return 0
    prints = card.fingerprints()
    output.line(f"Name       {card.name}")
    output.line(f"Role       {card.role}")
    output.line(f"Vault      {card.vault_id}")
    output.line(f"P-384      {prints['p384']}")
    output.line(f"ML-DSA-87  {prints['mldsa87']}")
    output.line(f"Recipient  {prints['recipient']}")
    return 0


def _trust(args: argparse.Namespace) -> int:
    data = read_bounded(args.card, MAX_CARD_BYTES, "identity card")
    with open_session(args) as session:
        card = trust.add(session, data)
    output.line(f"{card.fingerprint} trusted: {card.name} ({card.role})")
    return 0


def _trusted(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        found = trust.entries(session.conn)
    rows: list[dict[str, Any]] = [
        {
            "name": e.card.name,
            "role": e.card.role,
            "fingerprint": e.card.fingerprint,
            "added": e.added,
            "added_by": e.added_by,
            "revoked_at": e.revoked_at,
        }
        for e in found
    ]
    if args.json:
        output.emit_json(rows)
    else:
        output.table(
            [[r["name"], r["role"], r["fingerprint"][:32], r["revoked_at"] or ""] for r in rows],
            ["NAME", "ROLE", "FINGERPRINT", "REVOKED"],
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        trust.revoke(session, args.fingerprint)
    output.line(f"{args.fingerprint} revoked")
    return 0


def _clearance(args: argparse.Namespace) -> int:
    from reviewstation.app.disclosures import record_clearance

    read_bounded(args.card, MAX_CARD_BYTES, "identity card")  # before the passphrase is asked
    with open_session(args) as session:
        recorded = record_clearance(session, args.card, args.highest)
    output.line(
        f"{recorded.card.fingerprint} {recorded.name} may receive disclosures up to"
        f" {recorded.clearance}"
    )
    return 0


def _recipients(args: argparse.Namespace) -> int:
    from reviewstation.app.disclosures import recipients

    with open_session(args, mode="read") as session:
        found = recipients(session)
    rows = [
        {
            "name": r.name,
            "fingerprint": r.card.fingerprint,
            "clearance": r.clearance,
            "set_by": r.set_by,
            "set_at": r.set_at,
        }
        for r in found
    ]
    if args.json:
        output.emit_json(rows)
    else:
        output.table(
            [[r["name"], r["clearance"], r["fingerprint"][:32]] for r in rows],
            ["NAME", "CLEARANCE", "FINGERPRINT"],
        )
    return 0
