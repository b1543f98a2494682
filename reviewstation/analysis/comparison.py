"""Two or more Inspect runs, sample by sample: alignment, who solved what, and paired tests.

Samples are aligned by ``(id, epoch)`` (ids compared as text, so ``1`` and ``"1"`` are one
sample); only the samples present in every run are compared, and how many each run has that
the others lack is reported. Run A is the first run given (the baseline); every other run is
tested against it: exact McNemar on solved/unsolved pairs, and, when the scorer gives numbers
other than 0 and 1, a paired bootstrap of the mean score difference. A sample that errored or
has no number for the scorer is unscored in that run and left out of that run's accuracy and
of the pairs that include it.

Triage: ``invalidated`` maps an artifact uid (``Run.artifact``) to sample keys ``ID@EPOCH``
whose solve a confirmed triage label invalidated (``reviewstation.findings.triage``). The
comparison is then computed twice: the raw figures, and in ``triaged`` the same comparison
(same scorer, seed and resamples, so the same bootstrap draws) with every invalidated sample
that the run scored counted as unsolved with score number 0 in that run. A sample the run did
not score (errored, no number) stays unscored: there is no solve to invalidate.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reviewstation.analysis import outcomes, stats
from reviewstation.analysis.runs import RunRows, SampleRow
from reviewstation.canonical import canonical
from reviewstation.errors import InputError

SCHEMA = "reviewstation.compare/1"
FILTERS = ("all", "a-only", "b-only", "both", "neither", "differ", "errors", "limits")
MAX_RUNS = 26  # runs are labelled A to Z


@dataclass(frozen=True)
class Run:
    """One run to compare: its label (A, B, ...), what it is, and its rows."""

    label: str
    artifact: str  # the artifact's uid (or a file name, outside a vault)
    name: str  # the artifact's path, for people
    rows: RunRows


@dataclass(frozen=True)
class Options:
    scorer: str | None = None  # None: the first scorer every run has
    threshold: float = outcomes.DEFAULT_THRESHOLD
    seed: int = stats.DEFAULT_SEED
    resamples: int = stats.DEFAULT_RESAMPLES
    level: float = 0.95
    filter: str = "all"


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class RunSummary:
    label: str
    artifact: str
    name: str
    task: str | None
    model: str | None
    samples: int  # rows in the log
    aligned: int  # of those, present in every run
    only_here: int  # present in this run but not in every other
    scored: int  # aligned and with a number for the scorer
    solved: int
    errors: int  # aligned samples that errored
    limits: int  # aligned samples that hit a limit
    accuracy: float | None  # solved / scored
    accuracy_ci: Interval | None  # Wilson
    mean: float | None  # mean score number over scored samples
    mean_ci: Interval | None  # percentile bootstrap; only for non-binary scores


@dataclass(frozen=True)
class PairTest:
    """Run ``other`` against the baseline ``base`` over the samples scored in both."""

    base: str
    other: str
    pairs: int
    both: int
    neither: int
    base_only: int  # solved by the baseline, not by the other (McNemar's b)
    other_only: int  # solved by the other, not by the baseline (McNemar's c)
    accuracy_difference: float | None  # other minus base, over the pairs
    mcnemar_p: float  # exact, two-sided
    mean_difference: float | None  # other minus base, score numbers
    bootstrap_ci: Interval | None  # paired bootstrap of the mean difference (numeric scores)
    bootstrap_p: float | None


@dataclass(frozen=True)
class SampleComparison:
    key: str  # ID@EPOCH
    id: str | int
    epoch: int
    values: list[Any]  # the scorer's value in each run, as written (None: no score)
    numbers: list[float | None]
    solved: list[bool | None]
    errors: list[str | None]
    limits: list[str | None]
    differences: list[float | None]  # each run after A, minus A


@dataclass(frozen=True)
class Comparison:
    schema: str
    scorer: str
    scorers: list[str]  # every scorer all runs have; --scorer picks one
    threshold: float
    seed: int
    resamples: int
    level: float
    numeric: bool  # scores other than 0 and 1 occur: bootstrap intervals and tests are given
    runs: list[RunSummary]
    aligned: int
    matrix: dict[str, int]  # solved pattern over the runs ("10": A solved, B not) -> samples
    tests: list[PairTest]
    filter: str
    samples: list[SampleComparison]  # the aligned samples the filter keeps, in natural order
    # Run label -> sample keys (ID@EPOCH, natural order) a confirmed triage label invalidated
    invalidated: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # The comparison again with those samples unsolved (number 0); None when none is invalidated
    triaged: Comparison | None = None

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def canonical_json(self) -> bytes:
        return canonical(self.to_json())


def _pattern(flags: Sequence[bool | None]) -> str:
    return "".join("-" if f is None else ("1" if f else "0") for f in flags)


def keeps(sample: SampleComparison, wanted: str) -> bool:
    """Whether the filter ``wanted`` (one of ``FILTERS``; A and B are the first two runs) keeps
    ``sample``."""
    a, b = sample.solved[0], sample.solved[1]
    if wanted == "all":
        return True
    if wanted == "a-only":
        return a is True and b is False
    if wanted == "b-only":
        return b is True and a is False
    if wanted == "both":
        return a is True and b is True
    if wanted == "neither":
        return a is False and b is False
    if wanted == "differ":
        numbers = [n for n in sample.numbers if n is not None]
        return len(numbers) != len(sample.numbers) or len(set(numbers)) > 1
    if wanted == "errors":
        return any(e is not None for e in sample.errors)
    return any(limit is not None for limit in sample.limits)  # "limits"


def choose_scorer(runs: Sequence[Run], wanted: str | None) -> tuple[str, list[str]]:
    """The scorer to compare by, and every scorer all runs share (in A's order)."""
    common = [s for s in runs[0].rows.scorers if all(s in r.rows.scorers for r in runs[1:])]
    if wanted is not None:
        if wanted not in common:
            shown = ", ".join(common) or "none"
            raise InputError(f"Not every run has the scorer {wanted!r} (shared: {shown}).")
        return wanted, common
    if not common:
        raise InputError("The runs share no scorer: there is nothing to compare.")
    return common[0], common


def _interval(low: float, high: float) -> Interval:
    return Interval(low, high)


def _sample_key(key: str) -> tuple[str, int] | None:
    """``ID@EPOCH`` as the alignment key ``(id as text, epoch)``; None when malformed."""
    ident, at, epoch = str(key).rpartition("@")
    if not at or not ident or not epoch.isdigit():
        return None
    return ident, int(epoch)


def _invalidated(
    runs: Sequence[Run], invalidated: Mapping[str, Collection[str]] | None
) -> list[set[tuple[str, int]]]:
    """For each run, the alignment keys of its samples that ``invalidated`` names."""
    out: list[set[tuple[str, int]]] = []
    for run in runs:
        wanted = {_sample_key(k) for k in (invalidated or {}).get(run.artifact, ())}
        present = {(str(r.id), r.epoch) for r in run.rows.rows}
        out.append({k for k in wanted if k is not None and k in present})
    return out


def compare(
    runs: Sequence[Run],
    options: Options | None = None,
    invalidated: Mapping[str, Collection[str]] | None = None,
) -> Comparison:
    """Align ``runs`` by (id, epoch) and compare them; see the module's text.

    ``invalidated`` (artifact uid -> sample keys ``ID@EPOCH``) gives the result a ``triaged``
    comparison in which those samples are unsolved in that run; keys naming no sample of
    the run are ignored."""
    raw = _compare(runs, options)
    dropped = _invalidated(runs, invalidated)
    if not any(dropped):
        return raw
    named = {
        run.label: [r.key for r in run.rows.rows if (str(r.id), r.epoch) in keys]
        for run, keys in zip(runs, dropped, strict=True)
        if keys
    }
    triaged = dataclasses.replace(_compare(runs, options, dropped), invalidated=named)
    return dataclasses.replace(raw, invalidated=named, triaged=triaged)


def _compare(
    runs: Sequence[Run],
    options: Options | None = None,
    dropped: Sequence[set[tuple[str, int]]] | None = None,
) -> Comparison:
    options = options or Options()
    if not 2 <= len(runs) <= MAX_RUNS:
        raise InputError(f"Compare between 2 and {MAX_RUNS} runs (got {len(runs)}).")
    if options.filter not in FILTERS:
        raise InputError(f"Unknown filter {options.filter!r} (one of {', '.join(FILTERS)}).")
    threshold = outcomes.check_threshold(options.threshold)
    stats.check_settings(options.resamples, options.level)
    scorer, common = choose_scorer(runs, options.scorer)
    indexed = [{(str(r.id), r.epoch): r for r in run.rows.rows} for run in runs]
    first = runs[0].rows.rows
    keys = [(str(r.id), r.epoch) for r in first if all((str(r.id), r.epoch) in i for i in indexed)]
    if not keys:
        raise InputError("The runs share no sample (by id and epoch): they cannot be compared.")
    aligned = set(keys)
    samples: list[SampleComparison] = []
    columns: list[list[float | None]] = [[] for _ in runs]
    for key in keys:
        rows: list[SampleRow] = [index[key] for index in indexed]
        values = [row.scores.get(scorer) if row.error is None else None for row in rows]
        numbers = [outcomes.to_number(v) for v in values]
        if dropped is not None:
            numbers = [
                0.0 if n is not None and key in gone else n
                for n, gone in zip(numbers, dropped, strict=True)
            ]
        for column, number in zip(columns, numbers, strict=True):
            column.append(number)
        base = numbers[0]
        samples.append(
            SampleComparison(
                key=f"{rows[0].id}@{rows[0].epoch}",
                id=rows[0].id,
                epoch=rows[0].epoch,
                values=[row.scores.get(scorer) for row in rows],
                numbers=numbers,
                solved=[outcomes.solved(n, threshold) for n in numbers],
                errors=[row.error for row in rows],
                limits=[row.limit for row in rows],
                differences=[None if n is None or base is None else n - base for n in numbers[1:]],
            )
        )
    numeric = any(n not in (0.0, 1.0) for column in columns for n in column if n is not None)
    boot = (
        stats.joint_bootstrap(columns, seed=options.seed, resamples=options.resamples)
        if numeric
        else None
    )
    summaries = [
        _summary(run, index, column, samples, aligned, options, threshold, boot)
        for index, (run, column) in enumerate(zip(runs, columns, strict=True))
    ]
    matrix: dict[str, int] = {}
    for sample in samples:
        pattern = _pattern(sample.solved)
        matrix[pattern] = matrix.get(pattern, 0) + 1
    tests = [
        _pair(runs, 0, other, columns, threshold, options, boot) for other in range(1, len(runs))
    ]
    return Comparison(
        schema=SCHEMA,
        scorer=scorer,
        scorers=common,
        threshold=threshold,
        seed=options.seed,
        resamples=options.resamples,
        level=options.level,
        numeric=numeric,
        runs=summaries,
        aligned=len(keys),
        matrix=dict(sorted(matrix.items(), reverse=True)),
        tests=tests,
        filter=options.filter,
        samples=[s for s in samples if keeps(s, options.filter)],
    )


def _summary(
    run: Run,
    index: int,
    column: list[float | None],
    samples: list[SampleComparison],
    aligned: set[tuple[str, int]],
    options: Options,
    threshold: float,
    boot: stats.JointBootstrap | None,
) -> RunSummary:
    scored = [n for n in column if n is not None]
    solved = sum(1 for n in scored if n >= threshold)
    accuracy_ci = (
        _interval(*stats.wilson(solved, len(scored), _z(options.level))) if scored else None
    )
    mean_ci = None
    if boot is not None and boot.run_means[index]:
        mean_ci = _interval(*stats.percentile_interval(boot.run_means[index], options.level))
    return RunSummary(
        label=run.label,
        artifact=run.artifact,
        name=run.name,
        task=run.rows.task,
        model=run.rows.model,
        samples=len(run.rows.rows),
        aligned=len(samples),
        only_here=sum(1 for r in run.rows.rows if (str(r.id), r.epoch) not in aligned),
        scored=len(scored),
        solved=solved,
        errors=sum(1 for s in samples if s.errors[index] is not None),
        limits=sum(1 for s in samples if s.limits[index] is not None),
        accuracy=solved / len(scored) if scored else None,
        accuracy_ci=accuracy_ci,
        mean=math.fsum(scored) / len(scored) if scored else None,
        mean_ci=mean_ci,
    )


def _z(level: float) -> float:
    """The two-sided normal quantile for ``level`` (bisection on erf: no scipy)."""
    if not 0 < level < 1:
        raise InputError(f"The confidence level must be between 0 and 1 (got {level}).")
    if level == 0.95:
        return stats.Z95
    low, high = 0.0, 40.0
    for _ in range(200):
        mid = (low + high) / 2
        if math.erf(mid / math.sqrt(2)) < level:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _pair(
    runs: Sequence[Run],
    base: int,
    other: int,
    columns: list[list[float | None]],
    threshold: float,
    options: Options,
    boot: stats.JointBootstrap | None,
) -> PairTest:
    pairs = [
        (a, b)
        for a, b in zip(columns[base], columns[other], strict=True)
        if a is not None and b is not None
    ]
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for a, b in pairs:
        counts[(a >= threshold, b >= threshold)] += 1
    b_only, c_only = counts[(True, False)], counts[(False, True)]
    mean_difference = math.fsum(b - a for a, b in pairs) / len(pairs) if pairs else None
    drawn = boot.differences[other - 1] if boot is not None and pairs else []
    interval = stats.percentile_interval(drawn, options.level) if drawn else None
    return PairTest(
        base=runs[base].label,
        other=runs[other].label,
        pairs=len(pairs),
        both=counts[(True, True)],
        neither=counts[(False, False)],
        base_only=b_only,
        other_only=c_only,
        accuracy_difference=(c_only - b_only) / len(pairs) if pairs else None,
        mcnemar_p=stats.mcnemar_exact(b_only, c_only),
        mean_difference=mean_difference,
        bootstrap_ci=_interval(*interval) if interval else None,
        bootstrap_p=stats.centred_p(drawn, mean_difference)
        if drawn and mean_difference is not None
        else None,
    )


def labels(count: int) -> list[str]:
    """A, B, C, ... for ``count`` runs."""
    if not 1 <= count <= MAX_RUNS:
        raise InputError(f"Compare between 2 and {MAX_RUNS} runs (got {count}).")
    return [chr(ord("A") + i) for i in range(count)]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ci(interval: Interval | None, style: str) -> str:
    """`` [low, high]`` as percentages (``%``), numbers (``.4f``) or signed numbers (``+.4f``)."""
    if interval is None:
        return ""
    if style == "%":
        return f" [{_pct(interval.low)}, {_pct(interval.high)}]"
    return f" [{interval.low:{style}}, {interval.high:{style}}]"


def _run_line(run: RunSummary) -> str:
    return (
        f"solved {run.solved}/{run.scored} = {_pct(run.accuracy)}"
        f"{_ci(run.accuracy_ci, '%')} (Wilson)"
    )


def _test_line(test: PairTest) -> str:
    base, other, diff = test.base, test.other, test.accuracy_difference
    return (
        f"{test.pairs} pairs; both {test.both}, neither {test.neither},"
        f" {base} only {test.base_only}, {other} only {test.other_only};"
        f" difference {'-' if diff is None else f'{100 * diff:+.1f} points'};"
        f" exact McNemar p = {test.mcnemar_p:.4g}"
    )


def _bootstrap_line(test: PairTest, result: Comparison) -> str | None:
    if test.bootstrap_ci is None or test.mean_difference is None:
        return None
    return (
        f"mean score difference {test.mean_difference:+.4f}"
        f"{_ci(test.bootstrap_ci, '+.4f')}, paired bootstrap p = {test.bootstrap_p:.4g}"
        f" (seed {result.seed}, {result.resamples} resamples)"
    )


def summary_lines(result: Comparison) -> list[str]:
    """The comparison for people, one line each (the command line and the GUI show these).

    When triage labels invalidated samples, every figure they change is followed by its
    triaged value on a line starting ``triaged``."""
    triaged = result.triaged
    lines = [
        f"Scorer {result.scorer} (shared: {', '.join(result.scorers)});"
        f" solved when >= {result.threshold:g}; {result.aligned} samples in every run;"
        f" intervals at {100 * result.level:g}%"
    ]
    for index, run in enumerate(result.runs):
        lines.append(
            f"{run.label}  {run.name}  ({run.model or '?'}, task {run.task or '?'})"
            f"  {_run_line(run)}"
            f"  errors {run.errors}, limits {run.limits}, not in every run {run.only_here}"
        )
        if run.mean_ci is not None and run.mean is not None:
            lines.append(f"   mean score {run.mean:.4f}{_ci(run.mean_ci, '.4f')} (bootstrap)")
        if triaged is not None:
            fixed = triaged.runs[index]
            gone = result.invalidated.get(run.label, [])
            lines.append(
                f"   triaged: {_run_line(fixed)}; {len(gone)} solve(s) invalidated"
                + (f" ({', '.join(gone[:10])}{', ...' if len(gone) > 10 else ''})" if gone else "")
            )
            if fixed.mean_ci is not None and fixed.mean is not None:
                lines.append(
                    f"   triaged: mean score {fixed.mean:.4f}{_ci(fixed.mean_ci, '.4f')}"
                    " (bootstrap)"
                )
    for index, test in enumerate(result.tests):
        lines.append(f"{test.other} vs {test.base}: {_test_line(test)}")
        boot = _bootstrap_line(test, result)
        if boot is not None:
            lines.append(f"   {boot}")
        if triaged is not None:
            fixed_test = triaged.tests[index]
            lines.append(f"   triaged: {_test_line(fixed_test)}")
            boot = _bootstrap_line(fixed_test, triaged)
            if boot is not None:
                lines.append(f"   triaged: {boot}")
    labels = "".join(run.label for run in result.runs)
    for name, shown in (("Solved", result), ("Triaged", triaged)):
        if shown is not None:
            cells = ", ".join(f"{pattern} {count}" for pattern, count in shown.matrix.items())
            lines.append(f"{name} ({labels}; 1 solved, 0 not, - unscored): {cells}")
    return lines


def sample_line(result: Comparison, sample: SampleComparison) -> str:
    """One sample's values in every run, with its errors and limits."""
    labels = [run.label for run in result.runs]
    values = "  ".join(
        f"{label}={value!r}" + (" error" if error else "") + (f" limit:{limit}" if limit else "")
        for label, value, error, limit in zip(
            labels, sample.values, sample.errors, sample.limits, strict=True
        )
    )
    return f"{sample.key}  {values}"
