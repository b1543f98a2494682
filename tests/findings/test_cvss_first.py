"""CVSS v4.0 named scores against FIRST's reference calculator.

EXPECTED was computed by FIRST's own calculator, not by the library under test: the JavaScript
of github.com/FIRSTdotorg/cvss-v4-calculator at commit c5b0d409ae9f57c44264c6ce5f27d89298e1d32a
(cvss_score.js, cvss_lookup.js, max_composed.js, max_severity.js, metrics.js and app.js's own
vector parser) run unmodified under node 20, outside this repository. CVSS-B is the calculator's
score of the vector's base metrics alone, CVSS-BT of base and threat metrics, CVSS-BE of base and
environmental metrics, CVSS-BTE of the whole vector (the FIRST nomenclature). The recipe that
regenerates the table is in docs/formats/cvss.md. None means the vector defines no metric of that
group, so the score does not exist under that name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import external

from reviewstation.errors import InputError
from reviewstation.findings.scoring import (
    BASE,
    ENVIRONMENTAL,
    SUPPLEMENTAL,
    THREAT,
    cvss_severity,
    score_cvss4,
)

# (vector after "CVSS:4.0/", CVSS-B, CVSS-BT, CVSS-BE, CVSS-BTE), from FIRST's calculator.
EXPECTED: list[tuple[str, float, float | None, float | None, float | None]] = [
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, None, None, None),
    ("AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0, None, None, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, None, None, None),
    ("AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N", 5.2, None, None, None),
    ("AV:P/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H", 4.7, None, None, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0, None, None, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", 9.3, 9.3, None, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P", 9.3, 8.9, None, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 9.3, 8.1, None, None),
    ("AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N/E:P", 5.2, 3.3, None, None),
    ("AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U", 1.0, 0.1, None, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X", 9.3, None, None, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:H/IR:H/AR:H", 9.3, None, 9.3, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L", 9.3, None, 8.9, None),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MAV:P/MAC:H", 9.3, None, 5.4, None),
    (
        "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVC:N/MVI:N/MVA:N/MSC:N/MSI:N/MSA:N",
        9.3,
        None,
        0.0,
        None,
    ),
    ("AV:P/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H/MSI:S/MSA:S", 4.7, None, 6.4, None),
    (
        "AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N/MAT:P/MPR:N/MUI:N",
        5.2,
        None,
        6.0,
        None,
    ),
    (
        "AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N",
        1.0,
        None,
        6.9,
        None,
    ),
    (
        "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:H/U:Red",
        9.3,
        None,
        None,
        None,
    ),
    (
        "AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N/S:N/AU:N/R:A/V:D/RE:L/U:Clear",
        5.2,
        None,
        None,
        None,
    ),
    (
        "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:H/IR:L/AR:M/MAV:A",
        9.3,
        8.1,
        8.6,
        6.1,
    ),
    (
        "AV:A/AC:L/AT:N/PR:L/UI:P/VC:H/VI:L/VA:N/SC:L/SI:L/SA:N/E:P/CR:H/MSI:S/S:P/U:Amber",
        5.2,
        3.3,
        8.2,
        7.0,
    ),
    (
        "AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/AR:H/MVA:H/AU:Y",
        1.0,
        1.0,
        4.3,
        4.3,
    ),
    (
        "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U/MVC:L/MSC:N/R:U/V:D",
        10.0,
        9.1,
        9.3,
        8.0,
    ),
    ("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:X/MAV:X", 9.3, 8.1, None, None),
    (
        "AV:N/AC:H/AT:P/PR:L/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:P/CR:M/IR:M/AR:M/MVC:H/MVI:H/MVA:H/S:N/AU:N",
        2.0,
        1.1,
        6.2,
        5.3,
    ),
    (
        "AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MSC:H/MSI:S/MSA:S/RE:M",
        8.5,
        5.9,
        9.8,
        8.9,
    ),
    (
        "AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U/S:P/AU:Y/R:U/V:C/RE:H/U:Green",
        1.0,
        0.1,
        None,
        None,
    ),
]
PREFIX = "CVSS:4.0/"


def _only(vector: str, groups: tuple[str, ...]) -> str:
    parts = vector.split("/")
    return "/".join([parts[0], *(p for p in parts[1:] if p.split(":")[0] in groups)])


def test_the_table_covers_every_metric_group() -> None:
    assert len(EXPECTED) >= 25
    used = {p.split(":")[0] for row in EXPECTED for p in row[0].split("/")}
    assert set(BASE + THREAT + ENVIRONMENTAL + SUPPLEMENTAL) <= used
    assert {"E:A", "E:P", "E:U", "MSI:S"} <= {p for row in EXPECTED for p in row[0].split("/")}
    assert any(row[4] is not None for row in EXPECTED)


@pytest.mark.parametrize(("vector", "b", "bt", "be", "bte"), EXPECTED)
def test_named_scores_match_first(
    vector: str, b: float, bt: float | None, be: float | None, bte: float | None
) -> None:
    score = score_cvss4(PREFIX + vector)
    # CVSS-B comes from the base metrics alone, whatever else the vector carries.
    assert (score.base.name, score.base.score) == ("CVSS-B", b)
    assert score.base_score == b
    assert (score.threat.score if score.threat else None) == bt
    if bte is not None:
        assert score.environmental is not None
        assert (score.environmental.name, score.environmental.score) == ("CVSS-BTE", bte)
        # CVSS-BE: the same vector without its threat metrics.
        no_threat = score_cvss4(_only(PREFIX + vector, BASE + ENVIRONMENTAL + SUPPLEMENTAL))
        assert no_threat.environmental is not None
        assert (no_threat.environmental.name, no_threat.environmental.score) == ("CVSS-BE", be)
    elif be is not None:
        assert score.environmental is not None
        assert (score.environmental.name, score.environmental.score) == ("CVSS-BE", be)
    else:
        assert score.environmental is None
    full = next(x for x in (bte, be, bt, b) if x is not None)
    name = "CVSS-" + "B" + ("T" if bt is not None else "") + ("E" if be is not None else "")
    assert (score.nomenclature, score.overall.score) == (name, full)
    assert score.severity == cvss_severity(full)
    assert score.base.severity == cvss_severity(b)


@pytest.mark.parametrize(
    "row", [r for r in EXPECTED if any(s in r[0] for s in ("/S:", "/AU:", "/U:"))]
)
def test_supplemental_metrics_change_no_score(
    row: tuple[str, float, float | None, float | None, float | None],
) -> None:
    vector = PREFIX + row[0]
    without = _only(vector, BASE + THREAT + ENVIRONMENTAL)
    assert without != vector
    assert score_cvss4(vector).ratings == score_cvss4(without).ratings
    assert score_cvss4(vector).vector == vector  # kept, in the stored vector


def test_the_issue_example_is_critical_base_and_high_threat() -> None:
    score = score_cvss4(f"{PREFIX}AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U")
    assert score.summary() == "CVSS-B 9.3 Critical, CVSS-BT 8.1 High"


def test_not_defined_values_are_dropped_and_name_nothing() -> None:
    score = score_cvss4(f"{PREFIX}AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X")
    assert score.vector.endswith("/SA:N")
    assert score.nomenclature == "CVSS-B"


@pytest.mark.parametrize(
    "bad",
    [
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",  # SA missing
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:Q",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/E:A",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    ],
)
def test_malformed_vectors_are_one_clear_error(bad: str) -> None:
    with pytest.raises(InputError, match="CVSS"):
        score_cvss4(bad)


def test_the_table_is_what_first_calculator_says_now(tmp_path: Path) -> None:
    """Runs the recipe of docs/formats/cvss.md (FIRST's JavaScript, vendored in
    tests/fixtures/first-cvss-v4-calculator, under node) on every vector of the table: the
    table and the documented recipe agree with FIRST's calculator. Skipped without node,
    except in CI (REVIEWSTATION_REQUIRE_VALIDATORS=1)."""
    got = external.first_cvss([PREFIX + row[0] for row in EXPECTED], tmp_path)
    want = {
        PREFIX + row[0]: {
            k: v for k, v in zip(("B", "BT", "BE", "BTE"), row[1:], strict=True) if v is not None
        }
        for row in EXPECTED
    }
    assert got == want
