"""The statistics against values computed by hand and published tables."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from reviewstation.analysis import stats
from reviewstation.errors import InputError

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table II,
# method 3 (Wilson score, no continuity correction), to four places.
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), NEWCOMBE)
def test_wilson_matches_newcombe(k: int, n: int, low: float, high: float) -> None:
    got = stats.wilson(k, n)
    assert round(got[0], 4) == low
    assert round(got[1], 4) == high


def test_wilson_by_formula_and_edges() -> None:
    # 7 of 10 at z = 1.96 by hand: centre (0.7 + 0.19208) / 1.38416, half-width
    # 1.96 / 1.38416 * sqrt(0.021 + 0.009604).
    z = 1.96
    centre = (0.7 + z * z / 20) / (1 + z * z / 10)
    half = z / (1 + z * z / 10) * math.sqrt(0.7 * 0.3 / 10 + z * z / 400)
    low, high = stats.wilson(7, 10, z)
    assert low == pytest.approx(centre - half, abs=1e-12)
    assert high == pytest.approx(centre + half, abs=1e-12)
    assert stats.wilson(0, 0) == (0.0, 1.0)
    assert stats.wilson(10, 10)[1] == 1.0
    with pytest.raises(InputError):
        stats.wilson(11, 10)


# (b, c, p) with p = min(1, 2 * sum_{i<=min(b,c)} C(b+c, i) / 2^(b+c)), worked by hand.
MCNEMAR = [
    (0, 0, Fraction(1)),
    (0, 1, Fraction(1)),  # 2 * 1/2
    (0, 5, Fraction(1, 16)),  # 2 * 1/32
    (1, 5, Fraction(7, 32)),  # 2 * (1 + 6)/64
    (5, 1, Fraction(7, 32)),  # symmetric
    (2, 10, Fraction(158, 4096)),  # 2 * (1 + 12 + 66)/4096
    (3, 3, Fraction(1)),  # 2 * 42/64 > 1, capped
    (1, 9, Fraction(22, 1024)),  # 2 * (1 + 10)/1024
]


@pytest.mark.parametrize(("b", "c", "p"), MCNEMAR)
def test_mcnemar_exact_by_hand(b: int, c: int, p: Fraction) -> None:
    assert stats.mcnemar_exact_fraction(b, c) == p
    assert stats.mcnemar_exact(b, c) == float(p)


def test_mcnemar_large_counts_stay_exact() -> None:
    # 2,000 discordant pairs: floats would underflow in the terms; integers do not.
    p = stats.mcnemar_exact_fraction(900, 1100)
    assert 0 < p < Fraction(1, 1000)
    assert p == 2 * sum(Fraction(math.comb(2000, i), 2**2000) for i in range(901))


def test_bootstrap_reproduces_with_its_seed() -> None:
    draw = random.Random(3)
    values = [draw.random() for _ in range(200)]
    one = stats.bootstrap_mean(values, seed=42, resamples=300)
    again = stats.bootstrap_mean(values, seed=42, resamples=300)
    other = stats.bootstrap_mean(values, seed=43, resamples=300)
    assert one == again
    assert (one.low, one.high) != (other.low, other.high)
    assert one.low <= one.estimate <= one.high
    assert (one.seed, one.resamples, one.level) == (42, 300, 0.95)


def test_bootstrap_resamples_as_the_plain_method_does() -> None:
    """The repeated-values path draws from the same distribution as drawing values: with
    many resamples both give the textbook standard error of a proportion's mean."""
    values = [1.0] * 300 + [0.0] * 700  # few distinct values: the weighted path
    result = stats.bootstrap_mean(values, seed=1, resamples=4000)
    se = math.sqrt(0.3 * 0.7 / 1000)
    assert result.low == pytest.approx(0.3 - 1.96 * se, abs=0.006)
    assert result.high == pytest.approx(0.3 + 1.96 * se, abs=0.006)
    spread = [float(i) / 997 for i in range(1000)]  # all distinct: the plain path
    plain = stats.bootstrap_mean(spread, seed=1, resamples=2000)
    sd = math.sqrt(sum((v - plain.estimate) ** 2 for v in spread) / 1000)
    assert plain.high - plain.low == pytest.approx(2 * 1.96 * sd / math.sqrt(1000), rel=0.1)


def test_paired_bootstrap() -> None:
    a = [0.0, 0.5, 1.0, 0.5] * 50
    same = stats.paired_bootstrap(a, a, seed=5, resamples=200)
    assert (same.estimate, same.low, same.high, same.p_value) == (0.0, 0.0, 0.0, 1.0)
    better = [min(1.0, x + 0.5) for x in a]
    result = stats.paired_bootstrap(a, better, seed=5, resamples=200)
    assert result.estimate == pytest.approx(0.375)
    assert result.p_value == pytest.approx(1 / 201)  # nothing as far from zero under the null
    assert result == stats.paired_bootstrap(a, better, seed=5, resamples=200)
    with pytest.raises(InputError, match="pairs"):
        stats.paired_bootstrap(a, a[:-1])


@pytest.mark.parametrize(("resamples", "level"), [(0, 0.95), (10, 1.0), (10, 0.0)])
def test_bootstrap_refuses_bad_settings(resamples: int, level: float) -> None:
    with pytest.raises(InputError):
        stats.bootstrap_mean([1.0], resamples=resamples, level=level)


def test_joint_bootstrap_shares_its_draws() -> None:
    draw = random.Random(11)
    a = [round(draw.random(), 2) for _ in range(300)]
    b = [round(min(1.0, x + draw.random() / 4), 2) for x in a]
    joint = stats.joint_bootstrap([a, b], seed=8, resamples=400)
    # A run that scored every sample: exactly bootstrap_mean's resamples, same seed.
    alone = stats.bootstrap_mean(a, seed=8, resamples=400)
    assert stats.percentile_interval(joint.run_means[0], 0.95) == (alone.low, alone.high)
    # The differences: paired_bootstrap's, up to rounding (B - A of sums, not sum of B - A).
    paired = stats.paired_bootstrap(a, b, seed=8, resamples=400)
    low, high = stats.percentile_interval(joint.differences[0], 0.95)
    assert (low, high) == pytest.approx((paired.low, paired.high), abs=1e-12)
    assert stats.centred_p(joint.differences[0], paired.estimate) == paired.p_value


def test_joint_bootstrap_with_unscored_samples() -> None:
    a: list[float | None] = [1.0, 0.5, None, 0.0] * 25
    b: list[float | None] = [None] * 100
    c: list[float | None] = [0.5, None, 1.0, 1.0] * 25
    joint = stats.joint_bootstrap([a, b, c], seed=3, resamples=200)
    assert len(joint.run_means[0]) == 200 and not joint.run_means[1]
    assert all(0.0 <= m <= 1.0 for m in joint.run_means[0])
    assert not joint.differences[0]  # no sample scored in both A and B
    # A and C share samples 1 and 4 of each four: differences -0.5 and +1.0.
    assert all(-0.5 <= d <= 1.0 for d in joint.differences[1])
    assert joint == stats.joint_bootstrap([a, b, c], seed=3, resamples=200)
