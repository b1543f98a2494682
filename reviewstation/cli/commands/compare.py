"""compare: two or more Inspect runs, sample by sample, with paired statistics."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options

if TYPE_CHECKING:
    from reviewstation.analysis.comparison import Comparison
    from reviewstation.analysis.transcripts import TranscriptPair

FILTERS = ("all", "a-only", "b-only", "both", "neither", "differ", "errors", "limits")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cmd = sub.add_parser(
        "compare",
        parents=[unlock_options()],
        help="compare Inspect runs sample by sample",
        description="Align two or more Inspect logs (artifacts of any review) by sample id and"
        " epoch; print each run's accuracy with its confidence interval and, for each run"
        " against the first, the exact McNemar test (and for numeric scores a paired"
        " bootstrap). See docs/analysis.md.",
    )
    cmd.add_argument("vault", metavar="VAULT")
    cmd.add_argument("artifacts", nargs="+", metavar="ARTIFACT", help="number or uid; A first")
    cmd.add_argument("--scorer", help="default: the first scorer every run has")
    cmd.add_argument(
        "--threshold", type=float, default=1.0, help="a score at least this is solved (1.0)"
    )
    cmd.add_argument("--seed", type=int, help="bootstrap seed (recorded in the output)")
    cmd.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (1000)")
    cmd.add_argument("--level", type=float, default=0.95, help="confidence level (0.95)")
    cmd.add_argument("--filter", choices=FILTERS, default="all", help="which samples to list")
    cmd.add_argument(
        "--sample", metavar="ID[@EPOCH]", help="show this sample's transcripts in A and B"
    )
    cmd.add_argument("--json", action="store_true")
    cmd.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from reviewstation.analysis import stats
    from reviewstation.analysis.comparison import Options
    from reviewstation.app import compare
    from reviewstation.errors import UsageError

    if len(args.artifacts) < 2:
        raise UsageError("compare needs at least two artifacts.")
    # Scores are read in a read-only session; a sample's transcripts are a recorded view.
    with open_session(args, mode="read" if args.sample is None else "write") as session:
        if args.sample is not None:
            pair = compare.transcript_pair(
                session, args.artifacts[0], args.artifacts[1], args.sample
            )
            if args.json:
                output.emit_json(dataclasses.asdict(pair))
            else:
                _print_pair(pair)
            return 0
        options = Options(
            scorer=args.scorer,
            threshold=args.threshold,
            seed=stats.DEFAULT_SEED if args.seed is None else args.seed,
            resamples=args.resamples,
            level=args.level,
            filter=args.filter,
        )
        result = compare.compare_artifacts(session, args.artifacts, options)
    if args.json:
        output.emit_json(result.to_json())
    else:
        _print(result, listed=args.filter != "all")
    return 0


def _print(result: Comparison, *, listed: bool) -> None:
    from reviewstation.analysis import comparison

    for text in comparison.summary_lines(result):
        output.line(text)
    if listed:
        output.line(f"Samples ({result.filter}): {len(result.samples)}")
        for sample in result.samples:
            output.line("  " + comparison.sample_line(result, sample))


def _print_pair(pair: TranscriptPair) -> None:
    where = pair.message_divergence
    output.line(
        f"Sample {pair.key}: {len(pair.a.messages)} messages in A, {len(pair.b.messages)} in B;"
        + (" identical" if where is None else f" first differing message #{where}")
        + (
            ""
            if pair.event_divergence is None
            else f"; first differing event #{pair.event_divergence}"
        )
    )
    for side in (pair.a, pair.b):
        output.line(f"{side.label}:")
        for index, message in enumerate(side.messages):
            mark = ">" if where is not None and index >= where else " "
            calls = "".join(f" [{c}]" for c in message.tool_calls)
            output.block(
                f"{message.text}{calls}",
                prefix="      ",
                first=f"{mark}{index:>3} {message.role}: ",
            )
