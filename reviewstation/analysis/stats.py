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


def _check(resamples: int, level: float) -> None:
    if not 1 <= resamples <= MAX_RESAMPLES:
        raise InputError(f"Resamples must be between 1 and {MAX_RESAMPLES} (got {resamples}).")
    if not 0 < level < 1:
        raise InputError(f"The confidence level must be between 0 and 1 (got {level}).")


_SLOTS = 1 << 16
_REJECT = object()
_kept = partial(is_not, _REJECT)


def _means(values: Sequence[float], rng: random.Random, resamples: int) -> list[float]:
    """``resamples`` means of ``len(values)`` draws with replacement, uniform and exact.

    Up to 65,536 values, the draws are 16-bit numbers from ``rng.randbytes`` looked up in a
    table that holds each value the same number of times (``65536 // n``), the remaining slots
    rejected (rejection sampling: every value equally likely, no modulo bias); the work per
    draw stays in C. More values: ``rng.choices``."""
    n = len(values)
    if n > _SLOTS:
        pool = list(values)
        return [sum(rng.choices(pool, k=n)) / n for _ in range(resamples)]
    usable = (_SLOTS // n) * n
    table: list[object] = [values[slot % n] for slot in range(usable)]
    table += [_REJECT] * (_SLOTS - usable)
    lookup = table.__getitem__
    batch = n * _SLOTS // usable + n // 50 + 16  # enough draws for n kept, almost always
    means = []
    for _ in range(resamples):
        kept: list[float] = []
        while len(kept) < n:
            draws = array.array("H", rng.randbytes(2 * batch))
            if sys.byteorder == "big":  # the same draws on every machine
                draws.byteswap()
            kept.extend(filter(_kept, map(lookup, draws)))  # type: ignore[arg-type]
        means.append(sum(kept[:n]) / n)
    return means


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
    _check(resamples, level)
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
