"""The statistics of a comparison, exact where they can be and reproducible where they cannot.

- ``wilson``: the Wilson score interval for a proportion (Wilson 1927; Agresti & Coull 1998).
- ``mcnemar_exact``: the exact two-sided McNemar test: under the null the ``b`` discordant
  pairs one way are Binomial(b + c, 1/2); p = min(1, 2 * P[X <= min(b, c)]), computed with
  integers (``math.comb``) and one division at the end.
- ``bootstrap_mean``: the percentile bootstrap interval of a mean; ``paired_bootstrap``: the
  same for the mean of paired differences, with a two-sided p-value from the differences
  centred on zero. Both draw from ``random.Random(seed)`` so a result reproduces exactly.
"""

from __future__ import annotations

import array
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from operator import is_not

from reviewstation.errors import InputError

Z95 = 1.959963984540054  # the standard normal's 0.975 quantile
DEFAULT_SEED = 20261207
DEFAULT_RESAMPLES = 1000
MAX_RESAMPLES = 100_000


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``successes / n`` (``(0.0, 1.0)`` when n is 0)."""
    if n < 0 or not 0 <= successes <= n:
        raise InputError(f"A proportion needs 0 <= successes <= n (got {successes} of {n}).")
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At 0 and n the bounds are exactly 0 and 1; rounding must not move them.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def mcnemar_exact_fraction(b: int, c: int) -> Fraction:
    """The exact two-sided McNemar p-value as a fraction (1 when there is no discordant pair)."""
    if b < 0 or c < 0:
        raise InputError("Discordant pair counts cannot be negative.")
    n = b + c
    if n == 0:
        return Fraction(1)
    # sum_{i <= min(b, c)} C(n, i), each term from the last: C(n, i + 1) = C(n, i) (n - i) / (i + 1)
    term = tail = 1
    for i in range(min(b, c)):
        term = term * (n - i) // (i + 1)
        tail += term
    return min(Fraction(1), Fraction(2 * tail, 2**n))


def mcnemar_exact(b: int, c: int) -> float:
    """The exact two-sided McNemar p-value for ``b`` and ``c`` discordant pairs."""
    return float(mcnemar_exact_fraction(b, c))


@dataclass(frozen=True)
class Bootstrap:
    """A percentile bootstrap: the estimate, its interval, and how to redraw it exactly."""

    estimate: float
    low: float
    high: float
    p_value: float | None  # two-sided, against a mean of zero (paired differences only)
    seed: int
    resamples: int
    level: float


def check_settings(resamples: int, level: float) -> None:
    if not 1 <= resamples <= MAX_RESAMPLES:
        raise InputError(f"Resamples must be between 1 and {MAX_RESAMPLES} (got {resamples}).")
    if not 0 < level < 1:
        raise InputError(f"The confidence level must be between 0 and 1 (got {level}).")


_SLOTS = 1 << 16
_REJECT = object()
_kept = partial(is_not, _REJECT)


class Indexes:
    """Uniform, independent indexes into ``n`` samples, ``n`` at a time (one resample).

    Up to 65,536 samples the draws are 16-bit numbers from ``rng.randbytes`` looked up in a
    table that holds each index the same number of times (``65536 // n``), the remaining
    slots rejected: rejection sampling, so every index is equally likely (no modulo bias),
    and the work per draw stays in C. More samples: ``rng.choices``."""

    def __init__(self, n: int, rng: random.Random) -> None:
        if n < 1:
            raise InputError("A bootstrap needs at least one value.")
        self.n = n
        self.rng = rng
        self.usable = (_SLOTS // n) * n if n <= _SLOTS else 0
        self.batch = n * _SLOTS // self.usable + n // 50 + 16 if self.usable else 0
        self.index_table = self.table(range(n)) if self.usable else []

    def table(self, items: Sequence[object]) -> list[object]:
        """A lookup from 16-bit draws to ``items`` (one per sample), rejected slots marked."""
        n = self.n
        return [items[slot % n] for slot in range(self.usable)] + [_REJECT] * (_SLOTS - self.usable)

    def draw(self) -> list[int]:
        """One resample: ``n`` uniform indexes."""
        if self.n > _SLOTS:
            return self.rng.choices(range(self.n), k=self.n)
        return self.draw_from(self.index_table)  # type: ignore[return-value]

    def draw_from(self, table: list[object]) -> list[object]:
        """One resample, each drawn index looked up in ``table`` (from ``self.table``) on the
        way: the same draws as ``draw``, one lookup fewer."""
        n = self.n
        lookup = table.__getitem__
        kept: list[object] = []
        while len(kept) < n:
            draws = array.array("H", self.rng.randbytes(2 * self.batch))
            if sys.byteorder == "big":  # the same draws on every machine
                draws.byteswap()
            kept.extend(filter(_kept, map(lookup, draws)))
        del kept[n:]
        return kept


def _means(values: Sequence[float], rng: random.Random, resamples: int) -> list[float]:
    """``resamples`` means of ``len(values)`` draws with replacement."""
    n = len(values)
    indexes = Indexes(n, rng)
    lookup = list(values).__getitem__
    return [sum(map(lookup, indexes.draw())) / n for _ in range(resamples)]


def percentile_interval(means: list[float], level: float) -> tuple[float, float]:
    """The percentile interval of resampled statistics (sorted here) at ``level``."""
    ordered = sorted(means)
    tail = (1 - level) / 2
    return _percentile(ordered, tail), _percentile(ordered, 1 - tail)


def centred_p(means: Sequence[float], observed: float) -> float:
    """Two-sided bootstrap p against zero: resampled statistics shifted by the observed one
    (centred on zero) at least as far from zero as it, counting it: (1 + hits) / (1 + B)."""
    if observed == 0:
        return 1.0
    hits = sum(1 for m in means if abs(m - observed) >= abs(observed))
    return (1 + hits) / (1 + len(means))


def _percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile by linear interpolation between closest ranks (numpy's default)."""
    position = q * (len(sorted_values) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    fraction = position - lower
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * fraction


def _draw(
    values: Sequence[float], seed: int, resamples: int, level: float
) -> tuple[float, list[float]]:
    check_settings(resamples, level)
    if not values:
        raise InputError("A bootstrap needs at least one value.")
    mean = math.fsum(values) / len(values)
    rng = random.Random(seed)  # noqa: S311 - reproducible resampling, not secrecy
    return mean, sorted(_means(values, rng, resamples))


def bootstrap_mean(
    values: Sequence[float],
    *,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = 0.95,
) -> Bootstrap:
    """The mean of ``values`` with its percentile bootstrap interval."""
    mean, means = _draw(values, seed, resamples, level)
    tail = (1 - level) / 2
    low, high = _percentile(means, tail), _percentile(means, 1 - tail)
    return Bootstrap(mean, low, high, None, seed, resamples, level)


def paired_bootstrap(
    first: Sequence[float],
    second: Sequence[float],
    *,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
    level: float = 0.95,
) -> Bootstrap:
    """The mean of ``second - first`` over pairs, its interval, and a two-sided p-value.

    Pairs are resampled together (one draw = one sample in both runs). The p-value is the
    share of resampled means, centred on zero (shifted by the observed mean), that lie at
    least as far from zero as the observed mean, counting the observed one:
    (1 + hits) / (1 + resamples); 1 when the observed mean is zero."""
    if len(first) != len(second):
        raise InputError("Paired values must come in pairs.")
    diffs = [b - a for a, b in zip(first, second, strict=True)]
    mean, means = _draw(diffs, seed, resamples, level)
    tail = (1 - level) / 2
    low, high = _percentile(means, tail), _percentile(means, 1 - tail)
    observed = abs(mean)
    if observed == 0:
        p_value = 1.0
    else:
        hits = sum(1 for m in means if abs(m - mean) >= observed)
        p_value = (1 + hits) / (1 + resamples)
    return Bootstrap(mean, low, high, p_value, seed, resamples, level)


@dataclass(frozen=True)
class JointBootstrap:
    """One set of resamples of the aligned samples, shared by every statistic of a comparison:
    each run's mean score (over the resampled samples it scored) and each run's mean difference
    from the first run (over the resampled samples both scored)."""

    run_means: list[list[float]]  # per run: the resampled means
    differences: list[list[float]]  # per run after the first: the resampled mean differences
    seed: int
    resamples: int


def _masked(column: Sequence[float | None]) -> tuple[list[float], list[int] | None]:
    values = [0.0 if v is None else v for v in column]
    if all(v is not None for v in column):
        return values, None
    return values, [0 if v is None else 1 for v in column]


def joint_bootstrap(
    columns: Sequence[Sequence[float | None]],
    *,
    seed: int = DEFAULT_SEED,
    resamples: int = DEFAULT_RESAMPLES,
) -> JointBootstrap:
    """Resample the aligned samples (None: unscored in that run) ``resamples`` times.

    Each resample draws sample indexes once (``Indexes``, from ``random.Random(seed)``) and
    every statistic is computed from those draws, so the figures are coherent and reproduce
    with the seed. A resample in which a run (or a pair of runs) scored nothing gives that
    statistic no value; its interval is taken over the others. For a run that scored every
    sample, its resampled means are exactly ``bootstrap_mean``'s with the same seed."""
    check_settings(resamples, 0.95)
    if not columns or any(len(c) != len(columns[0]) for c in columns):
        raise InputError("A joint bootstrap needs columns of equal length.")
    n = len(columns[0])
    indexes = Indexes(n, random.Random(seed))  # noqa: S311 - reproducible, not secrecy
    runs = [_masked(c) for c in columns]
    first_values, first_mask = runs[0]
    pairs: list[tuple[list[float], list[int]] | None] = []
    for column, (values, mask) in zip(columns[1:], runs[1:], strict=True):
        if mask is None and first_mask is None:
            pairs.append(None)  # every sample scored in both: the difference of the means
            continue
        both = [
            int(a is not None and b is not None) for a, b in zip(columns[0], column, strict=True)
        ]
        diffs = [b - a if ok else 0.0 for a, b, ok in zip(first_values, values, both, strict=True)]
        pairs.append((diffs, both))
    run_means: list[list[float]] = [[] for _ in columns]
    differences: list[list[float]] = [[] for _ in columns[1:]]
    if len(columns) == 2 and pairs == [None] and indexes.usable:
        # Two runs that scored every sample: both sums from one lookup per draw, the pair of
        # scores held as one complex number (real: A, imaginary: B; summed exactly as floats).
        table = indexes.table([complex(a, b) for a, b in zip(runs[0][0], runs[1][0], strict=True)])
        for _ in range(resamples):
            sums: complex = sum(indexes.draw_from(table))  # type: ignore[arg-type]
            mean_a, mean_b = sums.real / n, sums.imag / n
            run_means[0].append(mean_a)
            run_means[1].append(mean_b)
            differences[0].append(mean_b - mean_a)
        return JointBootstrap(run_means, differences, seed, resamples)
    for _ in range(resamples):
        drawn = indexes.draw()
        means: list[float | None] = []
        for (values, mask), out in zip(runs, run_means, strict=True):
            total = sum(map(values.__getitem__, drawn))
            count = n if mask is None else sum(map(mask.__getitem__, drawn))
            mean = total / count if count else None
            means.append(mean)
            if mean is not None:
                out.append(mean)
        for index, (pair, out) in enumerate(zip(pairs, differences, strict=True)):
            if pair is None:
                base, other = means[0], means[index + 1]
                if base is not None and other is not None:
                    out.append(other - base)
                continue
            diffs, both = pair
            count = sum(map(both.__getitem__, drawn))
            if count:
                out.append(sum(map(diffs.__getitem__, drawn)) / count)
    return JointBootstrap(run_means, differences, seed, resamples)
