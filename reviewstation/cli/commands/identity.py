"""identity export | show"""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options
from reviewstation.crypto.identity import MAX_CARD_BYTES, export_card, parse_card
from reviewstation.errors import InputError, PermissionDenied
from reviewstation.storage import atomic_write, read_bounded


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


def _export(args: argparse.Namespace) -> int:
    if args.out.exists():
        raise InputError(f"{args.out} already exists; choose another name.")
    with open_session(args, mode="read") as session:
        if session.identity is None:
            raise PermissionDenied("Exporting an identity card needs the user's passphrase.")
        public = session.user.public_identity(session.vault_id)
        atomic_write(args.out, export_card(session.identity, public), "identity card")
    output.line(
        f"{public.fingerprint} identity card of {public.name} ({public.role}) written to {args.out}"
    )
    return 0


def _show(args: argparse.Namespace) -> int:
    card = parse_card(read_bounded(args.card, MAX_CARD_BYTES, "identity card"))
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
