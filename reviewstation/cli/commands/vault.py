"""vault init | info | status | verify | policy | settings"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from reviewstation.cli import output
from reviewstation.cli.context import open_session, resolve_unlock, secrets, unlock_options
from reviewstation.cli.progress import Meter
from reviewstation.crypto.identity import MAX_CARD_BYTES, parse_card
from reviewstation.errors import InputError
from reviewstation.storage import read_bounded
from reviewstation.text import counted
from reviewstation.vault import policy, publisher
from reviewstation.vault.header import load_header
from reviewstation.vault.keyslots import check_new_passphrase
from reviewstation.vault.permissions import permissions
from reviewstation.vault.session import create_vault
from reviewstation.vault.users import check_first_role


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    vault = sub.add_parser("vault", help="create, describe and verify vaults")
    cmds = vault.add_subparsers(dest="action", required=True, metavar="ACTION")

    init = cmds.add_parser("init", help="create a vault with its first user")
    init.add_argument("vault", metavar="VAULT")
    init.add_argument("--user", required=True, help="the first user's name")
    init.add_argument(
        "--role",
        default="lead",
        metavar="lead",
        help="always lead: only a lead can add users, so a vault whose first user is not one "
        "could never be administered; add reviewers and auditors later with 'user add'",
    )
    init.add_argument("--marking", default="UNCLASSIFIED", help="classification of the vault")
    init.add_argument("--passphrase-file", type=Path)
    init.set_defaults(run=_init)

    info = cmds.add_parser("info", help="what the header says (no passphrase needed)")
    info.add_argument("vault", metavar="VAULT")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=_info)

    status = cmds.add_parser(
        "status",
        parents=[unlock_options()],
        help="unlock and say what this session may do (and why not)",
    )
    status.add_argument("vault", metavar="VAULT")
    status.add_argument(
        "--read-only", action="store_true", help="open without the writer lock, as a reader"
    )
    status.add_argument("--json", action="store_true")
    status.set_defaults(run=_status)

    verify = cmds.add_parser(
        "verify",
        parents=[unlock_options()],
        help="the auditor's integrity check (exit 0 intact, 1 problems, 2 cannot check)",
    )
    verify.add_argument("vault", metavar="VAULT")
    verify.add_argument(
        "--trust",
        action="append",
        type=Path,
        default=None,
        metavar="CARD",
        help="identity card whose key may sign checkpoints (repeat; default: keys in the vault)",
    )
    verify.add_argument(
        "--full",
        action="store_true",
        help="also decrypt every artifact and compare its hashes (reads all content)",
    )
    verify.add_argument(
        "--package",
        action="append",
        type=Path,
        default=None,
        metavar="FILE",
        help="an exported package whose checkpoint the vault must still contain (repeat)",
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=_verify)

    pol = cmds.add_parser(
        "policy", parents=[unlock_options()], help="show or change the vault's policies (leads)"
    )
    pol.add_argument("vault", metavar="VAULT")
    pol.add_argument(
        "--export-approval",
        choices=list(policy.EXPORT_APPROVAL_VALUES),
        help="required: every package export needs a second lead's approval (default: off);"
        " one lead turns it on, turning it off takes two (the first one's 'off' is a proposal)",
    )
    pol.add_argument("--json", action="store_true")
    pol.set_defaults(run=_policy)

    settings = cmds.add_parser(
        "settings",
        parents=[unlock_options()],
        help="show or change the vault's publisher of advisories (leads change it)",
    )
    settings.add_argument("vault", metavar="VAULT")
    settings.add_argument("--publisher-name", metavar="ORG", help="organisation issuing advisories")
    settings.add_argument(
        "--publisher-namespace",
        metavar="URI",
        help="your organisation's https URL or a URN (CSAF publisher namespace); '' clears it",
    )
    settings.add_argument("--publisher-contact", metavar="TEXT", help="how to reach it")
    settings.add_argument("--publisher-category", choices=publisher.CATEGORIES)
    settings.add_argument("--json", action="store_true")
    settings.set_defaults(run=_settings)


def _init(args: argparse.Namespace) -> int:
    check_first_role(args.role)  # before any passphrase is asked for
    passphrase = secrets(args).get(f"new passphrase for {args.user}", confirm=True)
    check_new_passphrase(passphrase)
    vault_id, recovery = create_vault(
        Path(args.vault), args.user, passphrase, role=args.role, marking=args.marking
    )
    output.line(f"{vault_id} vault created at {args.vault} for {args.user} ({args.role})")
    output.line(f"Recovery key (shown once; store it offline, apart from the vault): {recovery}")
    return 0


def _info(args: argparse.Namespace) -> int:
    header = load_header(Path(args.vault))
    checkpoint = header.checkpoint
    info = {
        "vault": str(args.vault),
        "vault_id": header.vault_id,
        "created": header.created,
        "marking": header.marking,
        "users": header.users(),
        "slots": [
            {
                "id": s.slot_id,
                "kind": s.kind,
                "user": s.user,
                "kdf": s.kdf.to_json() if s.kdf else None,
            }
            for s in header.slots
        ],
        "checkpoint": None
        if checkpoint is None
        else {
            "count": checkpoint.count,
            "head": checkpoint.head,
            "user": checkpoint.user,
            "at": checkpoint.at,
        },
    }
    if args.json:
        output.emit_json(info)
        return 0
    output.line(f"Vault      {args.vault}")
    output.line(f"Id         {header.vault_id}")
    output.line(f"Marking    {header.marking}")
    output.line(f"Created    {header.created}")
    output.line(f"Users      {', '.join(header.users())}")
    for slot in header.slots:
        kdf = f"argon2id m={slot.kdf.memory_kib} KiB t={slot.kdf.iterations}" if slot.kdf else ""
        output.line(
            f"Key slot   {slot.slot_id}  {slot.kind:<10} {slot.user or '':<16} {kdf}".rstrip()
        )
    if checkpoint:
        output.line(
            f"Checkpoint {counted(checkpoint.count, 'entry', 'entries')},"
            f" signed by {checkpoint.user} at {checkpoint.at}"
        )
    return 0


def _status(args: argparse.Namespace) -> int:
    with open_session(args, mode="read" if args.read_only else "write") as session:
        perms = permissions(session)
        vault_id, marking = session.vault_id, session.marking
    if args.json:
        output.emit_json(
            {"vault": str(args.vault), "vault_id": vault_id, "marking": marking}
            | dataclasses.asdict(perms)
            | {"access": perms.access}
        )
        return 0
    output.line(f"Vault      {args.vault} ({marking})")
    output.line(f"User       {perms.user} ({perms.role}), unlocked with {perms.unlock}")
    output.line(f"Access     {perms.access}")
    allowed = [
        what
        for what, yes in (
            ("write", perms.can_write),
            ("approve", perms.can_approve),
            ("export", perms.can_export),
            ("sign", perms.can_sign),
            ("manage own keys", perms.can_manage_own_keys),
        )
        if yes
    ]
    output.line(f"May        {', '.join(allowed) or 'read and verify only'}")
    if perms.reason:
        output.line(f"Why        {perms.reason}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from reviewstation.app.verify import verify_workspace
    from reviewstation.packages.witness import package_checkpoint

    vault = Path(args.vault)
    trusted = (
        [parse_card(read_bounded(card, MAX_CARD_BYTES, "identity card")) for card in args.trust]
        if args.trust
        else None
    )
    header = load_header(vault)
    witnesses = []
    for package in args.package or []:
        source, point = package_checkpoint(package)
        if source != header.vault_id:
            raise InputError(f"{package} was exported from another vault ({source}).")
        witnesses.append(point)
    user, secret, method = resolve_unlock(args, vault)
    meter = Meter()
    try:
        report = verify_workspace(
            vault,
            secret,
            user=user,
            method=method,
            trusted=trusted,
            witnesses=witnesses,
            full=args.full,
            content_progress=meter,
        )
    finally:
        meter.done()
    if args.json:
        output.emit_json(report.to_json())
    else:
        for check in report.checks:
            output.line(f"checked: {check}")
        for note in report.notes:
            output.line(f"note: {note}")
        for problem in report.problems:
            output.line(f"PROBLEM: {problem}")
        verdict = "intact" if report.intact else f"{len(report.problems)} problem(s)"
        output.line(f"Vault {report.vault_id}: {verdict}; {report.entries} audit entries.")
    return 0 if report.intact else 1


def _policy(args: argparse.Namespace) -> int:
    changing = args.export_approval is not None
    with open_session(args, mode="write" if changing else "read") as session:
        result = (
            policy.set_export_approval(session, args.export_approval)
            if changing
            else policy.PolicyChange(False)
        )
        current = policy.export_approval(session.conn)
        proposed_by = policy.off_proposed_by(session.conn)
    if args.json:
        output.emit_json(
            {
                "export_approval": current,
                "changed": result.changed,
                "off_proposed_by": proposed_by,
            }
        )
        return 0
    note = " (changed)" if result.changed else (" (unchanged)" if changing else "")
    output.line(f"export approval: {current}{note}")
    if result.message:
        output.line(result.message)
    elif proposed_by and not changing:
        output.line(f"{proposed_by} proposed turning it off; a second lead must agree.")
    return 0


def _settings(args: argparse.Namespace) -> int:
    given = {
        "name": args.publisher_name,
        "namespace": args.publisher_namespace,
        "contact": args.publisher_contact,
        "category": args.publisher_category,
    }
    changing = any(value is not None for value in given.values())
    with open_session(args, mode="write" if changing else "read") as session:
        before = publisher.read(session.conn)
        current = publisher.set_publisher(session, **given) if changing else before
        vault_id = session.vault_id
    namespace = current.namespace or publisher.vault_urn(vault_id)
    if args.json:
        output.emit_json(
            {
                "publisher": current.to_json(),
                "namespace_used": namespace,
                "changed": current != before,
            }
        )
        return 0
    output.line(f"Publisher  {current.name or '(not set: the exporting user)'}")
    output.line(
        f"Namespace  {namespace}"
        + ("" if current.namespace else " (not set: this vault's own urn)")
    )
    output.line(f"Contact    {current.contact or '(not set)'}")
    output.line(f"Category   {current.category}")
    if changing:
        output.line("changed" if current != before else "unchanged")
    return 0
