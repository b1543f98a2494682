"""vulnerabilities.csaf.json: schema-valid CSAF 2.0 VEX that passes the mandatory tests."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema.protocols import Validator

from reviewstation.formats import csaf
from reviewstation.formats.common import FormatCheckError, tlp_label
from reviewstation.formats.csaf_checks import mandatory_problems
from reviewstation.package_content import PackageContent

from .conftest import ACTION, CPE, CREATED, PACKAGE_ID, Built, errors


def _vulns(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["ids"][0]["text"]: v for v in doc["vulnerabilities"]}


def _products(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """product_id -> full product name, from branches and full_product_names."""
    out: dict[str, dict[str, Any]] = {}

    def walk(branches: list[dict[str, Any]]) -> None:
        for branch in branches:
            if "product" in branch:
                out[branch["product"]["product_id"]] = branch["product"]
            walk(branch.get("branches", []))

    tree = doc.get("product_tree", {})
    walk(tree.get("branches", []))
    for full in tree.get("full_product_names", []):
        out[full["product_id"]] = full
    return out


def _status(vuln: dict[str, Any]) -> tuple[str, str]:
    """The finding's own status and product (a fixed finding also names its affected range)."""
    items = vuln["product_status"]
    status = "fixed" if "fixed" in items else next(iter(items))
    (pid,) = items[status]
    return status, pid


def test_valid_against_the_schema(built: Built, validators: dict[str, Validator]) -> None:
    for content in (built.full, built.capability_only, built.empty):
        assert errors(validators["csaf"], csaf.build(content)) == []


def test_passes_the_implemented_mandatory_tests(built: Built) -> None:
    for content in (built.full, built.capability_only, built.empty):
        doc = csaf.build(content)
        assert mandatory_problems(doc) == []
        csaf.self_check(doc)


def test_document(content: PackageContent) -> None:
    document = csaf.build(content)["document"]
    assert document["category"] == "csaf_vex"
    assert document["csaf_version"] == "2.0"
    # A vault that set no publisher: its own urn, never a namespace shared by installations.
    assert document["publisher"]["category"] == "discoverer"
    assert document["publisher"]["namespace"] == f"urn:uuid:{content.vault_id}"
    assert document["publisher"]["name"] == content.signer.name
    tracking = document["tracking"]
    assert tracking["id"] == f"RS-REVIEW-{content.review.uid}"
    assert tracking["version"] == "1"
    assert tracking["status"] == "draft"  # the review is not approved
    assert tracking["initial_release_date"] == tracking["current_release_date"] == CREATED
    assert tracking["revision_history"] == [
        {
            "date": CREATED,
            "number": "1",
            "summary": f"Export 1 of the review from ReviewStation (package {PACKAGE_ID}).",
        }
    ]
    assert document["distribution"]["text"].startswith("CUI.")
    assert document["distribution"]["tlp"]["label"] == "AMBER"
    assert document["aggregate_severity"] == {"text": "critical"}


@pytest.mark.parametrize(
    ("marking", "label"),
    [
        ("UNCLASSIFIED", "AMBER"),
        ("U", "AMBER"),
        ("CUI", "AMBER"),
        ("CUI//SP-PRVCY", "AMBER"),
        ("CONFIDENTIAL", "RED"),
        ("SECRET//NOFORN", "RED"),
        ("TOP SECRET//SCI", "RED"),
        ("PROPRIETARY", "RED"),  # unknown: never under-marked
    ],
)
def test_tlp_from_marking(marking: str, label: str) -> None:
    assert tlp_label(marking) == label


def test_only_vulnerability_findings(built: Built) -> None:
    doc = csaf.build(built.full)
    assert set(_vulns(doc)) == {
        built.uids[k]
        for k in ("affected", "fixed", "not_affected", "under_investigation", "unassessed")
    }
    titles = [v["title"] for v in doc["vulnerabilities"]]
    assert "(CUI) Heap overflow in libfoo's parser" in titles
    assert not [t for t in titles if "Autonomous exploit chains" in t]


@pytest.mark.parametrize(
    ("label", "status"),
    [
        ("affected", "known_affected"),
        ("fixed", "fixed"),
        ("not_affected", "known_not_affected"),
        ("under_investigation", "under_investigation"),
        ("unassessed", "under_investigation"),  # no VEX status recorded yet
    ],
)
def test_product_status_from_vex_status(built: Built, label: str, status: str) -> None:
    vuln = _vulns(csaf.build(built.full))[built.uids[label]]
    assert _status(vuln)[0] == status


def test_affected_has_an_action_statement_and_not_affected_an_impact(built: Built) -> None:
    vulns = _vulns(csaf.build(built.full))
    affected = vulns[built.uids["affected"]]
    _, pid = _status(affected)
    assert affected["remediations"][0]["category"] == "none_available"
    assert affected["remediations"][0]["product_ids"] == [pid]
    assert affected["remediations"][0]["details"].startswith(f"(CUI) {ACTION}")
    not_affected = vulns[built.uids["not_affected"]]
    _, pid = _status(not_affected)
    impact = [t for t in not_affected["threats"] if t["category"] == "impact"]
    assert impact[0]["product_ids"] == [pid]
    assert "not affected: the vulnerable code is not in an execute path" in impact[0]["details"]
    assert not_affected["flags"] == [
        {"label": "vulnerable_code_not_in_execute_path", "product_ids": [pid]}
    ]


def test_fixed_names_its_fixed_and_its_affected_versions(built: Built) -> None:
    doc = csaf.build(built.full)
    fixed = _vulns(doc)[built.uids["fixed"]]
    products = _products(doc)
    (fixed_pid,) = fixed["product_status"]["fixed"]
    (affected_pid,) = fixed["product_status"]["known_affected"]
    assert fixed_pid != affected_pid
    # Each is a product_version_range branch holding the vers range; the CPE names no version.
    ranges = {b["product"]["product_id"]: b["name"] for _, b in _branches(doc)}
    assert ranges[fixed_pid] == "vers:generic/>=3.1.1"
    assert ranges[affected_pid] == "vers:generic/<3.1.1"
    helper = products[fixed_pid]["product_identification_helper"]
    assert helper == {"cpe": "cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*"}
    (remedy,) = fixed["remediations"]
    assert remedy["category"] == "vendor_fix"
    assert remedy["product_ids"] == [affected_pid]
    assert "vers:generic/>=3.1.1" in remedy["details"]


def _branches(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []

    def walk(branches: list[dict[str, Any]], path: str) -> None:
        for branch in branches:
            if "product" in branch:
                out.append((path, branch))
            walk(branch.get("branches", []), f"{path}/{branch['name']}")

    walk(doc.get("product_tree", {}).get("branches", []), "")
    return out


def test_products(built: Built) -> None:
    doc = csaf.build(built.full)
    vulns = _vulns(doc)
    products = _products(doc)
    # The affected finding names its vers range: a range branch, a purl without a version.
    _, libfoo_range = _status(vulns[built.uids["affected"]])
    assert products[libfoo_range]["product_identification_helper"] == {"purl": "pkg:pypi/libfoo"}
    assert products[libfoo_range]["name"] == "Foo Project libfoo vers:pypi/>=1.0|<1.3"
    # The not_affected one names the version reviewed.
    _, libfoo = _status(vulns[built.uids["not_affected"]])
    assert products[libfoo]["product_identification_helper"] == {"purl": "pkg:pypi/libfoo@1.2"}
    assert products[libfoo]["name"] == "Foo Project libfoo 1.2"
    # A CPE names the vendor and product when the finding does not (the range, the versions).
    _, widget = _status(vulns[built.uids["fixed"]])
    assert products[widget]["product_identification_helper"] == {"cpe": CPE.replace("3.1", "*")}
    assert products[widget]["name"] == "acme widget vers:generic/>=3.1.1"
    vendors = {b["name"]: b for b in doc["product_tree"]["branches"]}
    assert set(vendors) == {"Contoso", "Foo Project", "acme"}
    libfoo_branch = vendors["Foo Project"]["branches"][0]
    assert libfoo_branch["category"] == "product_name"
    versions = {b["name"]: b["category"] for b in libfoo_branch["branches"]}
    assert versions == {"1.2": "product_version", "vers:pypi/>=1.0|<1.3": "product_version_range"}
    # A range typed into the older free-text field becomes a generic vers range.
    gateway = vendors["Contoso"]["branches"][0]["branches"][0]
    assert gateway["category"] == "product_version_range"
    assert gateway["name"] == "vers:generic/>=2.0|<2.4"
    # A finding that names no product still has one, flat and labelled as such.
    _, unnamed = _status(vulns[built.uids["unassessed"]])
    assert products[unnamed]["name"].startswith("Product not recorded")
    assert len(products) == 6


def test_ids_cve_cwe_and_cvss(built: Built) -> None:
    vulns = _vulns(csaf.build(built.full))
    affected = vulns[built.uids["affected"]]
    assert "cve" not in affected
    assert affected["ids"] == [
        {"system_name": "ReviewStation finding", "text": built.uids["affected"]}
    ]
    assert affected["cwe"] == {"id": "CWE-787", "name": "Out-of-bounds Write"}
    notes = {n["title"]: n for n in affected["notes"]}
    assert notes["Finding"]["category"] == "description"
    assert notes["Finding"]["text"].startswith("(CUI) The model wrote a working exploit")
    assert notes["CVSS v4.0"]["text"] == (
        "(CUI) CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
        " (CVSS-B 9.3 Critical)"
    )
    assert "CVSS v4.0 CVSS-B 9.3 Critical." in affected["threats"][0]["details"]
    assert notes["Portion marking"]["text"].startswith("(CUI)")
    # CSAF 2.0 scores hold CVSS v2/v3 only; a v4.0 vector never poses as one.
    assert all("scores" not in v for v in vulns.values())
    fixed = vulns[built.uids["fixed"]]
    # Threat and environmental metrics: the base score is CVSS-B, the others keep their names.
    named = "CVSS-B 8.5 High, CVSS-BT 5.9 Medium, CVSS-BTE 8.9 High"
    assert {n["title"]: n["text"] for n in fixed["notes"]}["CVSS v4.0"].endswith(f"({named})")
    assert f"CVSS v4.0 {named}." in fixed["threats"][0]["details"]
    assert "base score" not in json.dumps(vulns)
    assert fixed["cve"] == "CVE-2026-12345"
    assert fixed["cwe"] == {"id": "CWE-416", "name": "Use After Free"}
    # A CWE whose name ReviewStation does not know travels as a note, not with a wrong name.
    odd = vulns[built.uids["not_affected"]]
    assert "cwe" not in odd
    assert {"category": "other", "title": "CWE", "text": "(U) CWE-99999"} in odd["notes"]
    assert {n["title"]: n for n in odd["notes"]}["Portion marking"]["text"].startswith("(U)")


def test_disclosure_becomes_an_involvement(built: Built) -> None:
    vulns = _vulns(csaf.build(built.full))
    assert vulns[built.uids["affected"]]["involvements"][0]["party"] == "coordinator"
    assert vulns[built.uids["affected"]]["involvements"][0]["status"] == "in_progress"
    assert vulns[built.uids["not_affected"]]["involvements"][0]["party"] == "vendor"


def test_without_vulnerability_findings_a_base_document(built: Built) -> None:
    for content in (built.capability_only, built.empty):
        doc = csaf.build(content)
        assert doc["document"]["category"] == "csaf_base"
        assert "vulnerabilities" not in doc
        assert "product_tree" not in doc
        assert "no vulnerability findings" in doc["document"]["notes"][0]["text"]


def test_self_check_reports_a_mandatory_test(content: PackageContent) -> None:
    doc = csaf.build(content)
    doc["vulnerabilities"][0]["product_status"]["known_affected"] = ["CSAFPID-NOWHERE"]
    with pytest.raises(FormatCheckError, match=r"6\.1\.1"):
        csaf.self_check(doc)
