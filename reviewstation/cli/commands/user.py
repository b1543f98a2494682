"""user add | list | passwd | reset | remove | keyring"""

from __future__ import annotations

import argparse
from typing import Any

from reviewstation.cli import output
from reviewstation.cli.context import open_session, secrets, unlock_options
from reviewstation.errors import UsageError
from reviewstation.vault import accounts, users


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="people, roles and key slots")
    cmds = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()

    add = cmds.add_parser("add", parents=[unlock], help="add a person (leads only)")
    add.add_argument("vault", metavar="VAULT")
    add.add_argument("new_user", metavar="NEW_USER")
    add.add_argument("--role", required=True, choices=list(users.ROLES))
    add.set_defaults(run=_add)

    listing = cmds.add_parser("list", parents=[unlock], help="users and roles")
    listing.add_argument("vault", metavar="VAULT")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    passwd = cmds.add_parser("passwd", parents=[unlock], help="change your passphrase")
    passwd.add_argument("vault", metavar="VAULT")
    passwd.set_defaults(run=_passwd)

    reset = cmds.add_parser(
        "reset", parents=[unlock], help="give a person a new passphrase (leads only)"
    )
    reset.add_argument("vault", metavar="VAULT")
    reset.add_argument("name", metavar="USER")
    reset.set_defaults(run=_reset)

    remove = cmds.add_parser("remove", parents=[unlock], help="remove a person's key slots")
    remove.add_argument("vault", metavar="VAULT")
    remove.add_argument("name", metavar="USER")
    remove.set_defaults(run=_remove)

    ring = cmds.add_parser("keyring", parents=[unlock], help="add or remove your OS-keyring slot")
    ring.add_argument("vault", metavar="VAULT")
    toggle = ring.add_mutually_exclusive_group(required=True)
    toggle.add_argument("--enable", action="store_true")
    toggle.add_argument("--disable", action="store_true")
    ring.set_defaults(run=_keyring)


def _add(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        passphrase = secrets(args).get(f"new passphrase for {args.new_user}", confirm=True)
        record = accounts.add_user(session, args.new_user, args.role, passphrase)
        output.line(
            f"{record.name} added as {record.role}; fingerprint {record.signing.fingerprint()}"
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    from reviewstation.app.people import people

    with open_session(args, mode="read") as session:
        found = people(session)
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "role": p.role,
            "active": p.active,
            "created": p.created,
            "fingerprint": p.fingerprint,
            "keyring": p.keyring,
            # who chose the passphrase in use, until its owner changes it (two-person rules)
            "passphrase_chosen_by": p.chosen_by or None,
        }
        for p in found
    ]
    if args.json:
        output.emit_json(rows)
    else:
        output.table(
            [[p.name, p.role, p.status, "yes" if p.keyring else "", p.created] for p in found],
            ["NAME", "ROLE", "PASSPHRASE", "KEYRING", "CREATED"],
        )
    return 0


def _passwd(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        new = secrets(args).get(f"new passphrase for {session.user.name}", confirm=True)
        accounts.change_passphrase(session, new)
        output.line(f"Passphrase changed for {session.user.name}.")
    return 0


def _reset(args: argparse.Namespace) -> int:
    from reviewstation.app.people import reset_passphrase

    with open_session(args) as session:
        new = secrets(args).get(f"new passphrase for {args.name}", confirm=True)
        person = reset_passphrase(session, args.name, new)
        output.line(
            f"Passphrase reset for {person.name}; new signing key {person.fingerprint} (their"
            " earlier checkpoints still verify; they should export a new identity card and"
            " change this passphrase with 'user passwd')."
        )
    return 0


def _remove(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        accounts.remove_user(session, args.name)
        output.line(f"{args.name} removed; their audit history stays.")
    return 0


def _keyring(args: argparse.Namespace) -> int:
    if args.keyring and args.enable:
        raise UsageError("Unlock with your passphrase to enable the keyring slot.")
    from reviewstation.app.people import forget_keyring, store_in_keyring

    with open_session(args) as session:
        if args.enable:
            slot = store_in_keyring(session)
            output.line(f"{slot.slot_id} keyring slot added for {session.user.name}")
        else:
            removed = forget_keyring(session)
            output.line(f"{removed} keyring slot(s) removed for {session.user.name}")
    return 0
