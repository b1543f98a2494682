"""The passphrase strength estimate behind the new-vault wizard's live feedback."""

from __future__ import annotations

import pytest

from reviewstation.vault.keyslots import MIN_PASSPHRASE_CHARS
from reviewstation.vault.passphrase_strength import ACCEPTABLE_BITS, estimate


@pytest.mark.parametrize(
    "weak",
    [
        "password",
        "P@ssw0rd!",  # look-alike digits do not hide a common word
        "Password123",
        "abcdefghij",  # alphabet run
        "qwertyuiop",  # keyboard row
        "zzzzzzzzzzzz",  # one character repeated
        "abcabcabcabc",  # a chunk repeated
        "demo-passphrase",
        "fjqpwmzk",  # random, but too short to stand up to offline guessing
    ],
)
def test_weak_passphrases_are_not_acceptable(weak: str) -> None:
    result = estimate(weak)
    assert not result.acceptable
    assert result.bits < ACCEPTABLE_BITS
    assert result.label in ("Very weak", "Weak")
    assert result.advice.endswith(".")


@pytest.mark.parametrize(
    "strong",
    ["orchid lantern gravel mosaic", "kitten-umbrella-violin-74", "Tr0ub4dor&3 ferry moss"],
)
def test_several_unrelated_words_are_acceptable(strong: str) -> None:
    result = estimate(strong)
    assert result.acceptable
    assert result.label in ("Good", "Strong")
    assert result.advice == ""


def test_below_the_core_minimum_is_too_short() -> None:
    result = estimate("x" * (MIN_PASSPHRASE_CHARS - 1))
    assert (result.label, result.acceptable, result.bits) == ("Too short", False, 0.0)
    assert str(MIN_PASSPHRASE_CHARS) in result.advice


def test_context_words_count_as_known() -> None:
    # The user's own name and the vault's name are the first things an attacker tries.
    alone = estimate("Quillfeather-77")
    known = estimate("Quillfeather-77", context=["quillfeather"])
    assert known.bits < alone.bits
    assert not known.acceptable


def test_longer_is_stronger_and_the_meter_is_bounded() -> None:
    short = estimate("orchid lantern")
    longer = estimate("orchid lantern gravel mosaic")
    assert longer.bits > short.bits
    assert 0.0 <= short.fraction < longer.fraction <= 1.0
