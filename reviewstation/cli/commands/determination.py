"""determination set | remove | show: per capability area, the runs that count and the
baseline, with the statistics of ``compare`` (see docs/analysis.md)."""

from __future__ import annotations

import argparse

from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options

# ``reviewstation.determination.AREAS`` (listed here so that help imports nothing heavy; a
# test keeps the two equal).
AREAS = (
    "ctf",
    "vulnerability-discovery",
    "exploitation",
    "intrusion-automation",
    "critical-infrastructure",
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "determination", help="the determination's runs and baselines per capability area"
    )
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()
    areas = ", ".join(AREAS)

    choose = cmds.add_parser(
        "set",
        parents=[unlock],
        help="choose an area's runs and baseline",
        description=f"AREA is one of {areas}, or any other name in free text. The runs are"
        " compared with the baseline (the reference model) as `compare BASELINE RUN...`"
        " would; runs that cannot be compared are refused before anything is saved.",
    )
    choose.add_argument("vault", metavar="VAULT")
    choose.add_argument("review", metavar="REVIEW")
    choose.add_argument("area", metavar="AREA")
    choose.add_argument("--baseline", required=True, metavar="ARTIFACT", help="run A")
    choose.add_argument(
        "--run", action="append", required=True, metavar="ARTIFACT", dest="runs", help="repeat"
    )
    choose.add_argument("--scorer", help="default: the first scorer every run has")
    choose.add_argument("--threshold", type=float, default=1.0, help="solved from (1.0)")
    choose.add_argument("--seed", type=int, help="bootstrap seed")
    choose.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    choose.add_argument("--level", type=float, default=0.95, help="confidence level (0.95)")
    choose.add_argument("--note", default="")
    choose.add_argument("--json", action="store_true", help="print the area as show --json")
    choose.set_defaults(run=_set)

    remove = cmds.add_parser("remove", parents=[unlock], help="end an area")
    remove.add_argument("vault", metavar="VAULT")
    remove.add_argument("review", metavar="REVIEW")
    remove.add_argument("area", metavar="AREA")
    remove.set_defaults(run=_remove)

    show = cmds.add_parser("show", parents=[unlock], help="every area with its figures")
    show.add_argument("vault", metavar="VAULT")
    show.add_argument("review", metavar="REVIEW")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)


def _set(args: argparse.Namespace) -> int:
    from reviewstation import determination
    from reviewstation.analysis import stats
    from reviewstation.app import determination as app
    from reviewstation.reviews.service import get_review

    options = determination.AreaOptions(
        scorer=args.scorer,
        threshold=args.threshold,
        seed=stats.DEFAULT_SEED if args.seed is None else args.seed,
        resamples=args.resamples,
        level=args.level,
    )
    with open_session(args) as session:
        item = app.set_area(
            session,
            args.review,
            args.area,
            baseline=args.baseline,
            runs=args.runs,
            options=options,
            note=args.note,
        )
        review = get_review(session.conn, args.review)
    if args.json:
        output.emit_json(determination.results_json(review.uid, [item]))
        return 0
    output.line(f"{item.area.uid} saved {item.area.title} of review {review.id}")
    for text in determination.area_lines(item)[1:]:
        output.line(text)
    return 0


def _remove(args: argparse.Namespace) -> int:
    from reviewstation.app import determination as app

    with open_session(args) as session:
        version = app.remove_area(session, args.review, args.area)
    output.line(f"{version.uid} removed {version.title}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from reviewstation import determination
    from reviewstation.app import determination as app
    from reviewstation.reviews.service import get_review

    with open_session(args, mode="read") as session:
        review = get_review(session.conn, args.review)
        items = app.area_results(session, review.id)
    if args.json:
        output.emit_json(determination.results_json(review.uid, items))
        return 0
    if not items:
        output.line(f"Review {review.id} has no capability areas chosen yet.")
    for index, item in enumerate(items):
        if index:
            output.line()
        for text in determination.area_lines(item):
            output.line(text)
    return 0
