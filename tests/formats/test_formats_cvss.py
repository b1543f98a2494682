"""The FIRST-schema CVSS v4.0 object (formats/cvss.py): valid against FIRST's own schema for
every vector of the FIRST-calculator table, with each named score in its own field."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from findings.test_cvss_first import EXPECTED, PREFIX
from jsonschema import Draft7Validator, ValidationError, validators

from reviewstation.findings.scoring import cvss_severity, score_cvss4
from reviewstation.formats.cvss import METRICS, cvss_v4_object

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "cvss-v4.0" / "cvss-v4.0.json"
PIN = "fb014e2357b7d89e662cb98ddd359a21a6704b90fbc8fb1b349e1f6bc76b0253"


def _multiple_of(validator: Any, step: float, instance: Any, schema: Any) -> Any:
    """multipleOf in decimal, as JSON means it: 8.1 is a multiple of 0.1, although 8.1 / 0.1
    is 80.99999999999999 in binary floating point (jsonschema's own check says no)."""
    if isinstance(instance, int | float) and Decimal(str(instance)) % Decimal(str(step)) != 0:
        yield ValidationError(f"{instance} is not a multiple of {step}")


Decimal7 = validators.extend(Draft7Validator, {"multipleOf": _multiple_of})  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def validator() -> Any:
    data = SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == PIN
    return Decimal7(json.loads(data))


def _errors(validator: Any, obj: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(obj)]


@pytest.mark.parametrize(("vector", "b", "bt", "be", "bte"), EXPECTED)
def test_first_object_is_valid_and_named(
    validator: Any,
    vector: str,
    b: float,
    bt: float | None,
    be: float | None,
    bte: float | None,
) -> None:
    obj = cvss_v4_object(score_cvss4(PREFIX + vector))
    assert _errors(validator, obj) == []
    assert (obj["baseScore"], obj["baseSeverity"]) == (b, cvss_severity(b).upper())
    assert obj.get("threatScore") == bt
    environmental = bte if bte is not None else be
    assert obj.get("environmentalScore") == environmental
    if environmental is not None:
        assert obj["environmentalSeverity"] == cvss_severity(environmental).upper()
    # every metric the vector sets is a property, with a value the schema knows
    set_metrics = [p.split(":")[0] for p in obj["vectorString"].split("/")[1:]]
    assert {METRICS[m][0] for m in set_metrics} <= set(obj)


def test_schema_refuses_a_mislabelled_base(validator: Any) -> None:
    """The check has teeth: a threat score put in baseScore with the base severity fails."""
    obj = cvss_v4_object(score_cvss4(PREFIX + EXPECTED[8][0]))  # E:U: B 9.3, BT 8.1
    assert obj["baseScore"] == 9.3
    assert _errors(validator, {**obj, "baseScore": 8.1}) != []


def test_every_metric_of_the_schema_is_mapped(validator: Any) -> None:
    props = set(validator.schema["properties"]) - {"version", "vectorString"}
    assert {prop for prop, _ in METRICS.values()} == props
