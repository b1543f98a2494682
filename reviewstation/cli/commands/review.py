"""review create | list | show | update"""

from __future__ import annotations

import argparse
import dataclasses

from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options
from reviewstation.reviews import service
from reviewstation.reviews.service import Review


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("review", help="submitted models under review")
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()

    create = cmds.add_parser("create", parents=[unlock], help="open a review of a submission")
    create.add_argument("vault", metavar="VAULT")
    create.add_argument("--title", required=True)
    create.add_argument("--developer", required=True, metavar="ORG")
    create.add_argument("--model", required=True, metavar="NAME")
    create.add_argument("--model-version", default="")
    create.add_argument("--contact", default="", help="developer contact")
    create.add_argument("--access", default="weights", choices=service.ACCESS_MODES)
    create.add_argument("--received", metavar="DATE", help="YYYY-MM-DD (default: today)")
    create.add_argument("--deadline", metavar="DATE", help="default: received + 30 days")
    create.add_argument("--planned-release", metavar="DATE")
    create.add_argument("--marking", help="default: the vault's marking")
    create.add_argument("--json", action="store_true", help="print the created record as JSON")
    create.set_defaults(run=_create)

    listing = cmds.add_parser("list", parents=[unlock], help="reviews with their clocks")
    listing.add_argument("vault", metavar="VAULT")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    show = cmds.add_parser("show", parents=[unlock], help="one review")
    show.add_argument("vault", metavar="VAULT")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    update = cmds.add_parser("update", parents=[unlock], help="change a review")
    update.add_argument("vault", metavar="VAULT")
    update.add_argument("id", metavar="ID")
    for name in service.EDITABLE:
        update.add_argument(f"--{name.replace('_', '-')}", dest=name)
    update.add_argument("--status", choices=service.STATUSES)
    update.add_argument("--determination", choices=service.DETERMINATIONS)
    update.add_argument("--reference", default="", help="determination reference")
    update.add_argument("--rationale", default="", help="determination rationale")
    update.add_argument("--assign", action="append", default=[], metavar="USER")
    update.add_argument("--unassign", action="append", default=[], metavar="USER")
    update.set_defaults(run=_update)


def _create(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        review = service.create_review(
            session,
            title=args.title,
            developer=args.developer,
            model_name=args.model,
            model_version=args.model_version,
            developer_contact=args.contact,
            access_mode=args.access,
            received=args.received,
            deadline=args.deadline,
            planned_release=args.planned_release,
            marking=args.marking,
        )
    if args.json:
        output.emit_json(review.to_json())
        return 0
    output.line(f"{review.id} review created: {review.title} (deadline {review.deadline})")
    return 0


def _clock(review: Review) -> str:
    left = review.days_left()
    if left < 0:
        return f"OVERDUE {-left}d"
    return f"{left}d left" + (" !" if review.clock() == "warning" else "")


def _list(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        reviews = service.list_reviews(session.conn)
    if args.json:
        output.emit_json([r.to_json() for r in reviews])
        return 0
    output.table(
        [
            [str(r.id), r.title, r.developer, r.model_name, r.status, r.deadline, _clock(r)]
            for r in reviews
        ],
        ["ID", "TITLE", "DEVELOPER", "MODEL", "STATUS", "DEADLINE", "CLOCK"],
    )
    return 0


def _print(review: Review) -> None:
    output.line(f"Review {review.id}: {review.title}   [{review.marking}]")
    output.line(f"  Developer      {review.developer} {review.developer_contact}".rstrip())
    output.line(f"  Model          {review.model_name} {review.model_version}".rstrip())
    output.line(f"  Access         {review.access_mode}")
    output.line(f"  Received       {review.received}")
    output.line(f"  Deadline       {review.deadline} ({_clock(review)})")
    if review.planned_release:
        output.line(f"  Release        {review.planned_release}")
    output.line(f"  Status         {review.status}")
    determination = review.determination
    if review.determination_by:
        determination += f" by {review.determination_by} ({review.determination_reference})"
    output.line(f"  Determination  {determination}")
    if review.determination_rationale:
        output.block(review.determination_rationale, "  Rationale      ")  # label each line
    output.line(f"  Assigned       {', '.join(review.assignees)}")
    output.line(f"  Id             {review.uid}")


def _show(args: argparse.Namespace) -> int:
    from reviewstation.app.views import review_overview

    with open_session(args, mode="read") as session:
        overview = review_overview(session, args.id)  # what the GUI's Overview shows
    review = overview.review
    if args.json:
        output.emit_json(
            review.to_json()
            | {
                "checklists": [dataclasses.asdict(run) for run in overview.runs],
                "findings_by_severity": overview.severities,
            }
        )
        return 0
    _print(review)
    for run in overview.runs:
        signed = f", signed off by {run.signed_off_by}" if run.signed_off_by else ""
        output.line(f"  Checklist      {run.title}: {run.answered}/{run.total} answered{signed}")
    counts = ", ".join(f"{n} {s}" for s, n in overview.severities.items() if n)
    output.line(f"  Findings       {overview.findings}" + (f" ({counts})" if counts else ""))
    return 0


def _update(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        review = service.apply_update(
            session,
            args.id,
            fields={name: getattr(args, name) for name in service.EDITABLE},
            assign=args.assign,
            unassign=args.unassign,
            determination=args.determination,
            reference=args.reference,
            rationale=args.rationale,
            status=args.status,
        )
    output.line(f"{review.id} review updated: {review.status}, deadline {review.deadline}")
    return 0
