"""Inspect score values as numbers, and when a sample counts as solved.

Values are read as inspect_ai's ``value_to_float`` reads them: ``C`` (correct) 1, ``I``
(incorrect) 0, ``P`` (partial) 0.5, ``N`` (no answer) 0; booleans 1 and 0; numbers as they
are; ``yes``/``true`` 1 and ``no``/``false`` 0; text that is a number, that number. Anything
else (a dict or list value, other text) has no number: the sample is *unscored* for that
scorer and is left out of accuracies and tests (counted, not guessed).

A sample is *solved* when its number is at least the threshold (default 1.0: ``C``, ``True``
or a full score; set 0.5 to count ``P``).
"""

from __future__ import annotations

import math
from typing import Any

from reviewstation.errors import InputError

DEFAULT_THRESHOLD = 1.0
LETTERS = {"C": 1.0, "I": 0.0, "P": 0.5, "N": 0.0}
WORDS = {"yes": 1.0, "true": 1.0, "no": 0.0, "false": 0.0}


def to_number(value: Any) -> float | None:
    """The score value as a number, or None when it has none (see the module's text)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        text = value.strip()
        if text in LETTERS:
            return LETTERS[text]
        if text.lower() in WORDS:
            return WORDS[text.lower()]
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def solved(number: float | None, threshold: float = DEFAULT_THRESHOLD) -> bool | None:
    """Whether a score number counts as solved; None for an unscored sample."""
    return None if number is None else number >= threshold


def check_threshold(threshold: float) -> float:
    if not math.isfinite(threshold):
        raise InputError("The solve threshold must be a finite number.")
    return threshold
