"""checklist templates | import | start | set | answer-file | show | list | signoff | migrate"""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewstation.checklists import library, runs
from reviewstation.cli import output
from reviewstation.cli.context import add_evidence_option, open_session, unlock_options
from reviewstation.evidence import parse_ref
from reviewstation.storage import read_bounded
from reviewstation.text import counted


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
    start.add_argument("--json", action="store_true", help="print the created record as JSON")
    start.set_defaults(run=_start)

    answer = cmds.add_parser("set", parents=[unlock], help="answer one item")
    answer.add_argument("vault", metavar="VAULT")
    answer.add_argument("run_id", metavar="RUN")
    answer.add_argument("item", metavar="ITEM")
    answer.add_argument("--status", choices=runs.STATUSES)
    answer.add_argument("--note")
    add_evidence_option(answer)
    answer.add_argument("--severity", choices=("critical", "high", "medium", "low", "info"))
    answer.add_argument("--justification", help="why the severity is overridden")
    answer.set_defaults(run=_set)

    batch = cmds.add_parser(
        "answer-file",
        parents=[unlock],
        help="answer many items from a file, in one unlock, all or none",
        description="Apply every answer in FILE to run RUN in one transaction: if any line is "
        "wrong, nothing is changed and the error names the line. FILE is a line file, one "
        "answer a line, 'ITEM STATUS [EVIDENCE...] [-- NOTE]' (STATUS '-' keeps the status; "
        "everything after '--' is the note; '#' starts a comment line), or a JSON array of "
        '{"item", "status", "note", "evidence": [...], "severity", "justification"} objects. '
        "EVIDENCE as for 'checklist set --evidence'. See docs/formats/checklists.md.",
    )
    batch.add_argument("vault", metavar="VAULT")
    batch.add_argument("run_id", metavar="RUN")
    batch.add_argument("file", type=Path, metavar="FILE")
    batch.set_defaults(run=_answer_file)

    show = cmds.add_parser(
        "show",
        parents=[unlock],
        help="a run with every answer, and each item's guidance and expected evidence",
    )
    show.add_argument("vault", metavar="VAULT")
    show.add_argument("run_id", metavar="RUN")
    show.add_argument(
        "--brief", action="store_true", help="the answers only, without guidance and evidence"
    )
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
    items = counted(len(template.items), "item")
    output.line(f"{template.key} imported: {template.title} ({items})")
    return 0


def _start(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        run = runs.start_run(session, args.review, args.template)
    if args.json:
        output.emit_json(run.to_json())
        return 0
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


def _answer_file(args: argparse.Namespace) -> int:
    from reviewstation.checklists.answers_file import MAX_ANSWERS_FILE, parse_answers

    data = read_bounded(args.file, MAX_ANSWERS_FILE, "answers file")
    batch = parse_answers(data, args.file.name)  # checked before the unlock
    with open_session(args) as session:
        run = runs.set_answers(session, args.run_id, batch)
    progress = run.progress()
    saved = f"{len(batch)} answer" + ("" if len(batch) == 1 else "s")
    output.line(
        f"{run.id} {saved} saved from {args.file.name};"
        f" {progress['answered']}/{progress['total']} answered"
    )
    return 0


def _show(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        run = runs.get_run(session.conn, args.run_id)
    items = {item.id: item for item in run.template.items}
    if args.json:
        shown = run.to_json()
        for entry in shown["items"]:  # what the template asks, next to each answer
            item = items[entry["id"]]
            entry["guidance"] = item.guidance
            entry["expected_evidence"] = list(item.evidence)
        output.emit_json(shown)
        return 0
    progress = run.progress()
    output.line(f"Run {run.id}: {run.template.title} ({run.template.key}), review {run.review_id}")
    output.line(f"  {progress['answered']}/{progress['total']} answered, {progress['open']} open")
    if run.signed_off_by:
        output.line(f"  Signed off by {run.signed_off_by} at {run.signed_off_at}")
    if run.superseded_by:
        output.line(f"  Superseded by run {run.superseded_by}")
    section = None
    for answer in run.answers:
        item = items[answer.item_id]
        if item.section != section:
            section = item.section
            output.line()
            output.line(f"  {section}")
        output.line(f"    [{answer.status:<14}] {answer.item_id}: {item.prompt}")
        if not args.brief:
            output.line(f"        guidance: {item.guidance}")  # one line, breaks escaped
            output.line(f"        expected evidence: {'; '.join(item.evidence)}")
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
        f"{moved.run.id} run of {moved.run.template.key}: {counted(len(moved.carried), 'answer')}"
        f" carried over, {len(moved.to_review)} to review again"
    )
    for item in moved.to_review:
        output.line(f"  review again: {item}")
    return 0
