"""triage add | confirm | dispute | list: labels on samples of Inspect logs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options

if TYPE_CHECKING:
    from reviewstation.findings.triage import TriageLabel

# As findings/triage.py names them (kept here so that --help loads no vault code).
LABELS = (
    "in-scope",
    "out-of-scope",
    "reward-hacking",
    "sandbox-escape-attempt",
    "scorer-error",
    "needs-discussion",
)
STATUSES = ("open", "confirmed", "disputed")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "triage",
        help="triage labels on Inspect samples",
        description="Label a sample of an Inspect log (or one message or event of it); a lead"
        " other than the author confirms or disputes it. A confirmed out-of-scope,"
        " reward-hacking or sandbox-escape-attempt label invalidates the sample's solve in"
        " every comparison. See docs/analysis.md.",
    )
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()

    add = cmds.add_parser("add", parents=[unlock], help="label a sample, message or event")
    add.add_argument("vault", metavar="VAULT")
    add.add_argument(
        "target",
        metavar="ARTIFACT#ID@EPOCH[/PART]",
        help="artifact number or uid, the sample, and optionally message:N, message:ID,"
        " event:N or event:ID (N counted from 0)",
    )
    add.add_argument("--label", required=True, choices=LABELS)
    add.add_argument("--note", default="", help="what the reviewer saw")
    add.add_argument("--json", action="store_true")
    add.set_defaults(run=_add)

    for name, what in (("confirm", "confirm a label"), ("dispute", "dispute a label")):
        cmd = cmds.add_parser(name, parents=[unlock], help=f"{what} (a lead, not its author)")
        cmd.add_argument("vault", metavar="VAULT")
        cmd.add_argument("label", metavar="LABEL", help="label number or uid")
        cmd.add_argument("--reason", default="", help="the decider's note")
        cmd.add_argument("--json", action="store_true")
        cmd.set_defaults(run=_decide, status="confirmed" if name == "confirm" else "disputed")

    listing = cmds.add_parser("list", parents=[unlock], help="list and search labels")
    listing.add_argument("vault", metavar="VAULT")
    listing.add_argument("--review", type=int, metavar="N")
    listing.add_argument("--artifact", metavar="ARTIFACT", help="number or uid")
    listing.add_argument("--sample", metavar="ID@EPOCH")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--label", choices=LABELS)
    listing.add_argument("--search", metavar="WORDS", help="full text: every word must match")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)


def _show(item: TriageLabel, as_json: bool) -> None:
    if as_json:
        output.emit_json({"id": item.id, **item.to_json()})
        return
    decided = f" by {item.decided_by} at {item.decided}" if item.decided_by else ""
    output.line(
        f"Triage label {item.id} ({item.uid}): {item.label} on {item.ref}; {item.status}{decided}"
    )


def _add(args: argparse.Namespace) -> int:
    from reviewstation.findings import triage

    artifact, sample, part = triage.parse_target(args.target)
    with open_session(args) as session:
        item = triage.add_label(session, artifact, sample, args.label, args.note, part)
    _show(item, args.json)
    return 0


def _decide(args: argparse.Namespace) -> int:
    from reviewstation.findings import triage

    with open_session(args) as session:
        item = triage.decide(session, args.label, args.status, args.reason)
    _show(item, args.json)
    return 0


def _list(args: argparse.Namespace) -> int:
    from reviewstation.artifacts import catalog
    from reviewstation.findings import triage

    with open_session(args, mode="read") as session:
        artifact = (
            None if args.artifact is None else catalog.get_artifact(session.conn, args.artifact).uid
        )
        found = triage.list_labels(
            session.conn,
            review_id=args.review,
            artifact_uid=artifact,
            sample=args.sample,
            status=args.status,
            label=args.label,
            search=args.search,
        )
    if args.json:
        output.emit_json([{"id": item.id, **item.to_json()} for item in found])
        return 0
    rows = [
        [
            str(item.id),
            item.label,
            item.status,
            f"{item.artifact_uid[:8]}#{item.sample}" + (f"/{item.part}" if item.part else ""),
            item.author,
            item.decided_by or "-",
            item.note.splitlines()[0][:60] if item.note else "",
        ]
        for item in found
    ]
    output.table(rows, ["#", "label", "status", "sample", "by", "decided by", "note"])
    return 0
