"""CVSS v4.0 scores, computed by the ``cvss`` package (Red Hat's implementation of FIRST's spec)."""

from __future__ import annotations

from dataclasses import dataclass

from cvss import CVSS4
from cvss.exceptions import CVSSError

from reviewstation.errors import InputError

MAX_VECTOR = 300


@dataclass(frozen=True)
class Score:
    vector: str
    base_score: float
    severity: str  # None, Low, Medium, High, Critical (FIRST's words)


def score_cvss4(vector: str) -> Score:
    text = vector.strip()
    if not text.startswith("CVSS:4.0/") or len(text) > MAX_VECTOR:
        raise InputError(f"{vector!r} is not a CVSS v4.0 vector (it starts with CVSS:4.0/).")
    try:
        parsed = CVSS4(text)
    except (CVSSError, ValueError, KeyError) as exc:
        raise InputError(f"The CVSS v4.0 vector is malformed: {exc}") from exc
    return Score(parsed.clean_vector(), float(parsed.base_score), str(parsed.severity))
