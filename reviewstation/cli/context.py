"""Shared options of commands that open a vault, and opening it from them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reviewstation.app.workspace import open_workspace
from reviewstation.cli.secrets import SecretSource
from reviewstation.vault import keyring_slot
from reviewstation.vault.header import load_header
from reviewstation.vault.session import Method, Mode, Session, pick_user

EVIDENCE_HELP = (
    "evidence to attach, repeatable: ARTIFACT (an artifact's id or uid), or ARTIFACT#SAMPLE for"
    " one sample of the Inspect evaluation log in it (ARTIFACT#SAMPLE@EPOCH for one epoch); a"
    " sample's SHA-384 is computed from the log and stored with the reference; append"
    " /message:N, /event:N (from 0, or the log's id) or /triage:LABEL to cite one part of it"
)


def add_evidence_option(parser: argparse.ArgumentParser) -> None:
    """``--evidence``, the same everywhere an answer or a finding takes evidence."""
    parser.add_argument(
        "--evidence", action="append", default=[], metavar="ARTIFACT", help=EVIDENCE_HELP
    )


def unlock_options() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("unlocking")
    group.add_argument("--user", help="the acting user (default: the vault's only user)")
    group.add_argument("--passphrase-file", type=Path, help="read the passphrase from this file")
    how = group.add_mutually_exclusive_group()
    how.add_argument("--recovery", action="store_true", help="unlock with the recovery key")
    how.add_argument("--keyring", action="store_true", help="unlock with the OS keyring slot")
    group.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another writer to close the vault",
    )
    return parent


def secrets(args: argparse.Namespace) -> SecretSource:
    source = getattr(args, "_secret_source", None)
    if source is None:
        source = SecretSource(getattr(args, "passphrase_file", None))
        args._secret_source = source
    assert isinstance(source, SecretSource)
    return source


def resolve_unlock(args: argparse.Namespace, vault: Path) -> tuple[str, str, Method]:
    """(user, secret, method) from the options, asking for the secret as needed."""
    header = load_header(vault)
    user = (
        pick_user(header, args.user)
        if not args.recovery
        else (args.user or pick_user(header, None))
    )
    if args.keyring:
        return user, keyring_slot.load_secret(header.vault_id, user), "keyring"
    if args.recovery:
        return user, secrets(args).get("recovery key"), "recovery"
    return user, secrets(args).get(f"passphrase for {user}"), "passphrase"


def open_session(args: argparse.Namespace, mode: Mode = "write") -> Session:
    vault = Path(args.vault)
    user, secret, method = resolve_unlock(args, vault)
    session = open_workspace(
        vault,
        secret,
        user=user,
        mode=mode,
        method=method,
        wait_seconds=args.wait,
    )
    if session.read_only_reason is not None:
        # One line on stderr (stdout stays the command's data, --json included).
        sys.stderr.write(f"reviewstation: {session.read_only_reason}\n")
    return session
