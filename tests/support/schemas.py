"""Validators for the official schemas vendored in resources/schemas (test-only)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, Draft7Validator, Draft202012Validator, FormatChecker
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7

SCHEMAS = Path(__file__).resolve().parents[2] / "resources" / "schemas"


def load_schema(relative: str) -> dict[str, Any]:
    data = json.loads((SCHEMAS / relative).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _csaf_validator() -> Validator:
    registry: Registry[Any] = Registry()
    for name, spec in (("cvss-v2.0", DRAFT4), ("cvss-v3.0", DRAFT4), ("cvss-v3.1", DRAFT7)):
        schema = load_schema(f"csaf-2.0/{name}.json")
        resource = Resource.from_contents(schema, default_specification=spec)
        registry = registry.with_resource(f"https://www.first.org/cvss/{name}.json", resource)
        if isinstance(schema.get("$id"), str):  # v3.1 names itself with a ?date suffix
            registry = registry.with_resource(schema["$id"], resource)
    return Draft202012Validator(
        load_schema("csaf-2.0/csaf_json_schema.json"),
        registry=registry,
        format_checker=FormatChecker(),
    )


def validators() -> dict[str, Validator]:
    return {
        "sarif": Draft4Validator(
            load_schema("sarif-2.1.0/sarif-schema-2.1.0.json"), format_checker=FormatChecker()
        ),
        "csaf": _csaf_validator(),
        "openvex": Draft202012Validator(
            load_schema("openvex-0.2.0/openvex_json_schema.json"), format_checker=FormatChecker()
        ),
        "cve": Draft7Validator(
            load_schema("cve-5.1.1/CVE_JSON_bundled_5.1.1.json"), format_checker=FormatChecker()
        ),
    }


def errors(validator: Validator, document: dict[str, Any]) -> list[str]:
    """Every schema error, as 'pointer: message' lines (empty when the document is valid)."""
    return [
        f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]
