"""checklist templates | import | start | set | show | list | signoff | migrate"""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewstation.checklists import library, runs
from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options
from reviewstation.evidence import parse_ref


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("checklist", help="checklist templates and runs")
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()

    templates = cmds.add_parser("templates", parents=[unlock], help="templates available")
    templates.add_argument("vault", metavar="VAULT")
    templates.add_argument("--json", action="store_true")
    templates.set_defaults(run=_templates)

    imp = cmds.add_parser("import", parents=[unlock], help="validate and add a custom template")
    imp.add_argument("vault", metavar="VAULT")
    imp.add_argument("file", type=Path, metavar="TEMPLATE.toml")
    imp.set_defaults(run=_import)

    start = cmds.add_parser("start", parents=[unlock], help="start a run for a review")
    start.add_argument("vault", metavar="VAULT")
    start.add_argument("--review", required=True, metavar="ID")
    start.add_argument("--template", required=True, metavar="TEMPLATE", help="id or id@version")
    start.set_defaults(run=_start)

    answer = cmds.add_parser("set", parents=[unlock], help="answer one item")
    answer.add_argument("vault", metavar="VAULT")
    answer.add_argument("run_id", metavar="RUN")
    answer.add_argument("item", metavar="ITEM")
    answer.add_argument("--status", choices=runs.STATUSES)
    answer.add_argument("--note")
    answer.add_argument(
        "--evidence",
        action="append",
        default=[],
        metavar="ARTIFACT",
        help="an artifact id or uid (repeatable)",
    )
    answer.add_argument("--severity", choices=("critical", "high", "medium", "low", "info"))
    answer.add_argument("--justification", help="why the severity is overridden")
    answer.set_defaults(run=_set)

    show = cmds.add_parser("show", parents=[unlock], help="a run with every answer")
    show.add_argument("vault", metavar="VAULT")
    show.add_argument("run_id", metavar="RUN")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    listing = cmds.add_parser("list", parents=[unlock], help="runs, with progress")
    listing.add_argument("vault", metavar="VAULT")
    listing.add_argument("--review", metavar="ID")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    signoff = cmds.add_parser("signoff", parents=[unlock], help="a lead signs a finished run")
    signoff.add_argument("vault", metavar="VAULT")
    signoff.add_argument("run_id", metavar="RUN")
    signoff.set_defaults(run=_signoff)

    move = cmds.add_parser("migrate", parents=[unlock], help="move a run to a newer template")
    move.add_argument("vault", metavar="VAULT")
    move.add_argument("run_id", metavar="RUN")
    move.add_argument("--template", metavar="TEMPLATE", help="id@version (default: newest)")
    move.set_defaults(run=_migrate)


def _templates(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        found = library.available(session.conn)
    rows = [
        {
            "id": a.template.id,
            "version": a.template.version,
            "title": a.template.title,
            "items": len(a.template.items),
            "origin": a.origin,
            "hash": a.template.hash,
        }
        for a in found
    ]
    if args.json:
        output.emit_json(rows)
    else:
        output.table(
            [[str(r[k]) for k in ("id", "version", "items", "origin", "title")] for r in rows],
            ["TEMPLATE", "VERSION", "ITEMS", "ORIGIN", "TITLE"],
        )
    return 0


def _import(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        template = library.import_template(session, args.file)
    output.line(f"{template.key} imported: {template.title} ({len(template.items)} items)")
    return 0


def _start(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        run = runs.start_run(session, args.review, args.template)
    output.line(f"{run.id} checklist run of {run.template.key} for review {run.review_id}")
    return 0


def _set(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        run = runs.set_answer(
            session,
            args.run_id,
            args.item,
            status=args.status,
            note=args.note,
            severity_override=args.severity,
            justification=args.justification,
            evidence=[parse_ref(e) for e in args.evidence],
        )
    progress = run.progress()
    output.line(f"{run.id} {args.item} saved; {progress['answered']}/{progress['total']} answered")
    return 0


def _show(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        run = runs.get_run(session.conn, args.run_id)
    if args.json:
        output.emit_json(run.to_json())
        return 0
    progress = run.progress()
    output.line(f"Run {run.id}: {run.template.title} ({run.template.key}), review {run.review_id}")
    output.line(f"  {progress['answered']}/{progress['total']} answered, {progress['open']} open")
    if run.signed_off_by:
        output.line(f"  Signed off by {run.signed_off_by} at {run.signed_off_at}")
    if run.superseded_by:
        output.line(f"  Superseded by run {run.superseded_by}")
    section = None
    items = {item.id: item for item in run.template.items}
    for answer in run.answers:
        item = items[answer.item_id]
        if item.section != section:
            section = item.section
            output.line()
            output.line(f"  {section}")
        output.line(f"    [{answer.status:<14}] {answer.item_id}: {item.prompt}")
        if answer.note:
            output.block(answer.note, "        note: ")  # each line labelled as the note's
        if answer.severity_override:
            label = f"        severity {answer.severity_override}: "
            output.block(answer.override_justification or "", label)
        for ref in answer.evidence:
            sample = f" sample {ref.sample_id}" if ref.sample_id else ""
            output.line(f"        evidence: {ref.artifact_uid}{sample}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        found = runs.list_runs(session.conn, args.review)
    if args.json:
        output.emit_json([{**r.to_json(), "items": None} for r in found])
        return 0
    output.table(
        [
            [
                str(r.id),
                str(r.review_id),
                r.template.key,
                f"{r.progress()['answered']}/{r.progress()['total']}",
                r.signed_off_by or ("moved" if r.superseded_by else ""),
            ]
            for r in found
        ],
        ["RUN", "REVIEW", "TEMPLATE", "ANSWERED", "SIGNED OFF"],
    )
    return 0


def _signoff(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        run = runs.sign_off(session, args.run_id)
    output.line(f"{run.id} signed off by {run.signed_off_by}")
    return 0


def _migrate(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        moved = runs.migrate_run(session, args.run_id, args.template)
    output.line(
        f"{moved.run.id} run of {moved.run.template.key}: {len(moved.carried)} answers carried"
        f" over, {len(moved.to_review)} to review again"
    )
    for item in moved.to_review:
        output.line(f"  review again: {item}")
    return 0
