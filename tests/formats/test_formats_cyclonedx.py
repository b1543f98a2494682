"""artifacts.cdx.json: a CycloneDX 1.6 ML-BOM of the review's artifacts."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from reviewstation.formats import cyclonedx
from reviewstation.formats.common import NAMESPACE, FormatCheckError
from reviewstation.package_content import PackageContent

from .conftest import Built


def _validate(bom: dict[str, Any]) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom))
    assert error is None, str(error)


def _components(bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in bom["components"]}


def _props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


def test_valid_against_the_cyclonedx_16_schema(built: Built) -> None:
    for content in (built.full, built.capability_only, built.empty):
        _validate(cyclonedx.build(content))


def test_bom_header(content: PackageContent) -> None:
    bom = cyclonedx.build(content)
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.6"
    assert bom["version"] == 1
    # The same serial number in every export of the review; version counts the exports.
    expected = uuid.uuid5(NAMESPACE, f"review/{content.review.uid}/artifacts.cdx.json")
    assert bom["serialNumber"] == f"urn:uuid:{expected}"
    metadata = bom["metadata"]
    assert metadata["timestamp"] == "2026-11-23T19:20:32+00:00"
    assert metadata["tools"]["components"][0]["name"] == "ReviewStation"
    assert {"name": "reviewstation:tlp", "value": "AMBER"} in metadata["properties"]
    subject = metadata["component"]
    assert subject["type"] == "machine-learning-model"
    assert subject["name"] == "X-1"
    assert subject["version"] == "2026-11"
    assert subject["supplier"] == {"name": "Acme AI"}
    assert {"name": "reviewstation:marking", "value": "CUI"} in metadata["properties"]


def test_a_component_per_artifact(built: Built) -> None:
    bom = cyclonedx.build(built.full)
    components = _components(bom)
    assert set(components) == {a["uid"] for a in built.full.artifacts}
    for artifact in built.full.artifacts:
        component = components[artifact["uid"]]
        assert component["name"] == artifact["path"]
        assert component["hashes"] == [
            {"alg": "SHA-256", "content": artifact["sha256"]},
            {"alg": "SHA-384", "content": artifact["sha384"]},
        ]
        props = _props(component)
        assert props["reviewstation:kind"] == artifact["kind"]
        assert props["reviewstation:size"] == str(artifact["size"])


def test_component_types_and_custody(built: Built) -> None:
    components = _components(cyclonedx.build(built.full))
    weights = components[built.uids["weights"]]
    assert weights["type"] == "machine-learning-model"
    assert weights["name"] == "model/weights.bin"
    props = _props(weights)
    assert props["reviewstation:custody:medium"] == "USB-0042"
    assert props["reviewstation:custody:received_from"] == "Acme courier"
    assert props["reviewstation:custody:imported_by"] == "alice"
    assert components[built.uids["log"]]["type"] == "data"
    assert components[built.uids["card"]]["type"] == "file"
    assert components[built.uids["card"]]["name"] == "model card.md"
    # Evidence that travels in the package names its member.
    assert _props(components[built.uids["log"]])["reviewstation:package_member"] == (
        f"evidence/{built.uids['log']}/run.jsonl"
    )
    assert "reviewstation:package_member" not in _props(weights)


def test_the_model_depends_on_its_artifacts(built: Built) -> None:
    bom = cyclonedx.build(built.full)
    root = bom["metadata"]["component"]["bom-ref"]
    assert root == f"review:{built.full.review.uid}"
    dependencies = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert sorted(dependencies[root]) == sorted(a["uid"] for a in built.full.artifacts)


def test_no_artifacts(built: Built) -> None:
    bom = cyclonedx.build(built.empty)
    assert bom.get("components", []) == []
    assert bom["metadata"]["component"]["name"] == "Z"


def test_self_check(content: PackageContent) -> None:
    bom = cyclonedx.build(content)
    cyclonedx.self_check(bom)
    bom["components"][0]["hashes"] = bom["components"][0]["hashes"][:1]
    with pytest.raises(FormatCheckError, match="hashes"):
        cyclonedx.self_check(bom)
