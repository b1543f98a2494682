"""CVSS v4.0 scores, named as the standard names them.

A CVSS v4.0 score is named by the metric groups that went into it: CVSS-B (base metrics only),
CVSS-BT (base and threat), CVSS-BE (base and environmental), CVSS-BTE (all three). The base
score of a vector is therefore always computed from its base metrics alone, whatever else the
vector carries; the vector's full score is reported under its own name beside it. Supplemental
metrics (S, AU, R, V, RE, U) never change a score.

The arithmetic is the ``cvss`` package's (Red Hat's port of FIRST's calculator); this module
decides which metrics go into which score. tests/findings/test_cvss_first.py checks every named
score against FIRST's reference calculator on a table of vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reviewstation.errors import InputError

MAX_VECTOR = 300
PREFIX = "CVSS:4.0"
BASE = ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA")
THREAT = ("E",)
ENVIRONMENTAL = (
    *("CR", "IR", "AR"),
    *("MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI", "MSA"),
)
SUPPLEMENTAL = ("S", "AU", "R", "V", "RE", "U")


def cvss_severity(score: float) -> str:
    """FIRST's qualitative rating of a CVSS score (the same bands for every named score)."""
    if score == 0:
        return "None"
    if score < 4.0:
        return "Low"
    if score < 7.0:
        return "Medium"
    if score < 9.0:
        return "High"
    return "Critical"


@dataclass(frozen=True)
class Rating:
    """One named score: ``name`` is CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE."""

    name: str
    score: float
    severity: str

    def __str__(self) -> str:
        return f"{self.name} {self.score:.1f} {self.severity}"


@dataclass(frozen=True)
class Score:
    """Every score a CVSS v4.0 vector defines.

    ``base`` is CVSS-B, from the base metrics alone. ``threat`` is CVSS-BT, present when the
    vector sets a threat metric. ``environmental`` is CVSS-BE, or CVSS-BTE when the vector also
    sets a threat metric, present when the vector sets an environmental metric. ``overall`` is
    the most specific of them: the score of the whole vector, under its own name.
    """

    vector: str
    base: Rating
    threat: Rating | None = None
    environmental: Rating | None = None

    @property
    def overall(self) -> Rating:
        return self.environmental or self.threat or self.base

    @property
    def nomenclature(self) -> str:
        return self.overall.name

    @property
    def base_score(self) -> float:
        return self.base.score

    @property
    def severity(self) -> str:
        """The severity of the overall score (what a reader of this vector should act on)."""
        return self.overall.severity

    @property
    def ratings(self) -> tuple[Rating, ...]:
        return tuple(r for r in (self.base, self.threat, self.environmental) if r is not None)

    def summary(self) -> str:
        """'CVSS-B 9.3 Critical' or 'CVSS-B 9.3 Critical, CVSS-BT 8.1 High'."""
        return ", ".join(str(r) for r in self.ratings)


def _metrics(clean: str) -> list[tuple[str, str]]:
    return [(part.partition(":")[0], part.partition(":")[2]) for part in clean.split("/")[1:]]


def _rate(name: str, metrics: list[tuple[str, str]], groups: tuple[str, ...]) -> Rating:
    from cvss import CVSS4

    vector = "/".join([PREFIX, *(f"{m}:{v}" for m, v in metrics if m in groups)])
    value = float(CVSS4(vector).base_score)  # the package's name for "the vector's score"
    return Rating(name, value, cvss_severity(value))


@lru_cache(maxsize=4096)
def score_cvss4(vector: str) -> Score:
    """Every named score of a CVSS v4.0 vector; a clear InputError if it is not one."""
    from cvss import CVSS4  # here: commands that score nothing need not load it
    from cvss.exceptions import CVSSError

    text = vector.strip()
    if not text.startswith(f"{PREFIX}/") or len(text) > MAX_VECTOR:
        raise InputError(f"{vector!r} is not a CVSS v4.0 vector (it starts with CVSS:4.0/).")
    try:
        clean = CVSS4(text).clean_vector()  # spec order, "X" (not defined) values dropped
        metrics = _metrics(clean)
        names = {m for m, _ in metrics}
        base = _rate("CVSS-B", metrics, BASE)
        threat = _rate("CVSS-BT", metrics, BASE + THREAT) if names & set(THREAT) else None
        environmental = None
        if names & set(ENVIRONMENTAL):
            name = "CVSS-BTE" if threat else "CVSS-BE"
            environmental = _rate(name, metrics, BASE + THREAT + ENVIRONMENTAL)
    except (CVSSError, ValueError, KeyError) as exc:
        raise InputError(f"The CVSS v4.0 vector is malformed: {exc}") from exc
    return Score(clean, base, threat, environmental)
