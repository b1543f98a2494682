"""compare: two or more Inspect runs, sample by sample, with paired statistics."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING

from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options

if TYPE_CHECKING:
    from reviewstation.analysis.comparison import Comparison, Interval
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
    with open_session(args, mode="read") as session:
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


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ci(interval: Interval | None, percent: bool) -> str:
    if interval is None:
        return ""
    if percent:
        return f" [{_pct(interval.low)}, {_pct(interval.high)}]"
    return f" [{interval.low:+.4f}, {interval.high:+.4f}]"


def _print(result: Comparison, *, listed: bool) -> None:
    shared = ", ".join(result.scorers)
    output.line(
        f"Scorer {result.scorer} (shared: {shared}); solved when >= {result.threshold:g};"
        f" {result.aligned} samples in every run; intervals at {100 * result.level:g}%"
    )
    for run in result.runs:
        output.line(
            f"{run.label}  {run.name}  ({run.model or '?'}, task {run.task or '?'})"
            f"  solved {run.solved}/{run.scored} = {_pct(run.accuracy)}"
            f"{_ci(run.accuracy_ci, True)} (Wilson)"
            f"  errors {run.errors}, limits {run.limits}, not in every run {run.only_here}"
        )
        if run.mean_ci is not None and run.mean is not None:
            output.line(f"   mean score {run.mean:.4f}{_ci(run.mean_ci, False)} (bootstrap)")
    for test in result.tests:
        base, other = test.base, test.other
        diff = test.accuracy_difference
        output.line(
            f"{other} vs {base}: {test.pairs} pairs; both {test.both}, neither {test.neither},"
            f" {base} only {test.base_only}, {other} only {test.other_only};"
            f" difference {'-' if diff is None else f'{100 * diff:+.1f} points'};"
            f" exact McNemar p = {test.mcnemar_p:.4g}"
        )
        if test.bootstrap_ci is not None and test.mean_difference is not None:
            output.line(
                f"   mean score difference {test.mean_difference:+.4f}"
                f"{_ci(test.bootstrap_ci, False)}, paired bootstrap p = {test.bootstrap_p:.4g}"
                f" (seed {result.seed}, {result.resamples} resamples)"
            )
    labels = "".join(run.label for run in result.runs)
    cells = ", ".join(f"{pattern} {count}" for pattern, count in result.matrix.items())
    output.line(f"Solved ({labels}; 1 solved, 0 not, - unscored): {cells}")
    if listed:
        output.line(f"Samples ({result.filter}): {len(result.samples)}")
        for sample in result.samples:
            values = "  ".join(
                f"{label}={value!r}"
                + (" error" if error else "")
                + (f" limit:{lim}" if lim else "")
                for label, value, error, lim in zip(
                    labels, sample.values, sample.errors, sample.limits, strict=True
                )
            )
            output.line(f"  {sample.key}  {values}")


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
