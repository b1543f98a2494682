"""audit log"""

from __future__ import annotations

import argparse

from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options
from reviewstation.vault import audit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("audit", help="the audit trail")
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    log = cmds.add_parser("log", parents=[unlock_options()], help="print the audit trail")
    log.add_argument("vault", metavar="VAULT")
    log.add_argument("--json", action="store_true")
    log.set_defaults(run=_log)


def _log(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        entries = list(audit.entries(session.conn))
    if args.json:
        output.emit_json([e.to_json() for e in entries])
        return 0
    for e in entries:
        extra = " ".join(f"{k}={v}" for k, v in sorted(e.details.items()))
        output.line(f"{e.seq:>6}  {e.at}  {e.user:<12} {e.action:<24} {e.target} {extra}".rstrip())
    return 0
