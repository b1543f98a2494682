"""vulnerabilities.openvex.json: schema-valid OpenVEX 0.2.0, one statement per vulnerability."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from jsonschema.protocols import Validator

from reviewstation.formats import openvex
from reviewstation.formats.common import FormatCheckError
from reviewstation.package_content import PackageContent

from .conftest import ACTION, CPE, CREATED, PACKAGE_ID, Built, errors


def _statements(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Finding uid -> its first statement (a fixed finding's second one is for its affected
    range)."""
    out: dict[str, dict[str, Any]] = {}
    for s in doc["statements"]:
        out.setdefault(s["vulnerability"]["@id"].removeprefix("urn:uuid:"), s)
    return out


def test_valid_against_the_schema(
    content: PackageContent, validators: dict[str, Validator]
) -> None:
    doc = openvex.build(content)
    assert doc is not None
    assert errors(validators["openvex"], doc) == []


def test_document(content: PackageContent) -> None:
    doc = openvex.build(content)
    assert doc is not None
    assert doc["@context"] == "https://openvex.dev/ns/v0.2.0"
    doc_id = uuid.UUID(doc["@id"].removeprefix("urn:uuid:"))
    assert doc_id.version == 5
    assert doc["author"] == content.signer.name
    assert doc["timestamp"] == doc["last_updated"] == CREATED
    assert doc["version"] == 1
    assert doc["tooling"] == f"ReviewStation {content.tool_version}"


def test_statuses_and_their_statements(built: Built) -> None:
    doc = openvex.build(built.full)
    assert doc is not None
    statements = _statements(doc)
    assert len(statements) == 5  # vulnerability findings only, the withdrawn one left out
    assert len(doc["statements"]) == 6  # the fixed finding also names its affected range
    assert statements[built.uids["affected"]]["status"] == "affected"
    assert statements[built.uids["affected"]]["action_statement"].startswith(f"(CUI) {ACTION}")
    assert statements[built.uids["fixed"]]["status"] == "fixed"
    assert statements[built.uids["not_affected"]]["status"] == "not_affected"
    assert statements[built.uids["not_affected"]]["impact_statement"]
    assert (
        statements[built.uids["not_affected"]]["justification"]
        == "vulnerable_code_not_in_execute_path"
    )
    assert statements[built.uids["under_investigation"]]["status"] == "under_investigation"
    assert statements[built.uids["unassessed"]]["status"] == "under_investigation"
    for label in ("fixed", "under_investigation"):
        assert "action_statement" not in statements[built.uids[label]]
        assert "impact_statement" not in statements[built.uids[label]]


def test_vulnerability_names_and_products(built: Built) -> None:
    doc = openvex.build(built.full)
    assert doc is not None
    statements = _statements(doc)
    fixed = statements[built.uids["fixed"]]
    assert fixed["vulnerability"]["name"] == "CVE-2026-12345"
    assert fixed["vulnerability"]["aliases"] == [f"urn:uuid:{built.uids['fixed']}"]
    # A vers range has no OpenVEX form: its own @id, no purl or CPE claiming every version,
    # and the range in the notes.
    (fixed_product,) = fixed["products"]
    assert fixed_product["@id"].startswith("urn:reviewstation:product:")
    assert "identifiers" not in fixed_product
    assert (
        f"({CPE.replace(':3.1:', ':*:')}, versions vers:generic/>=3.1.1)" in (fixed["status_notes"])
    )
    affected = statements[built.uids["affected"]]
    assert affected["vulnerability"]["name"] == f"urn:uuid:{built.uids['affected']}"
    assert affected["vulnerability"]["description"] == "(CUI) Heap overflow in libfoo's parser"
    assert "vers:pypi/>=1.0|<1.3" in affected["status_notes"]
    libfoo = statements[built.uids["not_affected"]]
    assert libfoo["products"] == [
        {"@id": "pkg:pypi/libfoo@1.2", "identifiers": {"purl": "pkg:pypi/libfoo@1.2"}}
    ]
    assert affected["supplier"] == "Foo Project"
    assert affected["status_notes"].startswith(
        "Package marking: CUI. (CUI) Severity critical;"
        " CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        " (CVSS-B 9.3 Critical); CWE-787"
    )
    fixed = statements[built.uids["fixed"]]["status_notes"]
    assert "(CVSS-B 8.5 High, CVSS-BT 5.9 Medium, CVSS-BTE 8.9 High)" in fixed
    assert "base score" not in fixed
    gateway = statements[built.uids["under_investigation"]]["products"][0]
    assert gateway["@id"].startswith("urn:reviewstation:product:")
    assert "identifiers" not in gateway
    unnamed = statements[built.uids["unassessed"]]["products"][0]
    assert unnamed["@id"].startswith("urn:reviewstation:product:")
    assert unnamed["@id"] != gateway["@id"]
    assert len({s["@id"] for s in doc["statements"]}) == len(doc["statements"])


def test_ids_are_stable_and_per_package(built: Built) -> None:
    first = openvex.build(built.full)
    again = openvex.build(built.full)
    assert first is not None
    assert again is not None
    assert first["@id"] == again["@id"]
    assert first["@id"] != f"urn:uuid:{PACKAGE_ID}"  # a member, not the package itself


def test_no_document_without_vulnerability_findings(built: Built) -> None:
    """OpenVEX needs at least one statement; the member is left out instead of faked."""
    assert openvex.build(built.capability_only) is None
    assert openvex.build(built.empty) is None


def test_self_check(content: PackageContent) -> None:
    doc = openvex.build(content)
    assert doc is not None
    openvex.self_check(doc)
    affected = next(s for s in doc["statements"] if s["status"] == "affected")
    del affected["action_statement"]
    with pytest.raises(FormatCheckError, match="action statement"):
        openvex.self_check(doc)
