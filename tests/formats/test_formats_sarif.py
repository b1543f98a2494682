"""findings.sarif: schema-valid SARIF 2.1.0 with the mapping the docs describe."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema.protocols import Validator

from reviewstation.formats import sarif
from reviewstation.formats.common import FormatCheckError
from reviewstation.package_content import PackageContent

from .conftest import CREATED, PACKAGE_ID, Built, errors


def _results(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["properties"]["findingUid"]: r for r in log["runs"][0]["results"]}


def test_valid_against_the_schema(built: Built, validators: dict[str, Validator]) -> None:
    for content in (built.full, built.capability_only, built.empty):
        assert errors(validators["sarif"], sarif.build(content)) == []


def test_run_and_tool(content: PackageContent) -> None:
    log = sarif.build(content)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "ReviewStation"
    assert run["tool"]["driver"]["version"] == content.tool_version
    assert run["invocations"] == [{"executionSuccessful": True, "endTimeUtc": CREATED}]
    assert run["automationDetails"]["id"].endswith(f"/{PACKAGE_ID}")
    assert run["properties"]["marking"] == content.marking


def test_one_result_per_finding_most_severe_first(built: Built) -> None:
    log = sarif.build(built.full)
    results = log["runs"][0]["results"]
    live = [f for f in built.full.findings if f.status != "withdrawn"]
    assert len(results) == len(live) == 7
    severities = [r["properties"]["severity"] for r in results]
    order = ["critical", "high", "medium", "low", "info"]
    assert severities == sorted(severities, key=order.index)
    assert {r["guid"] for r in results} == {f.uid for f in live}


@pytest.mark.parametrize(
    ("label", "level"),
    [
        ("affected", "error"),  # critical
        ("fixed", "error"),  # high
        ("not_affected", "warning"),  # medium
        ("under_investigation", "note"),  # low
        ("unassessed", "note"),  # info
        ("capability", "error"),  # high
        ("safeguard", "warning"),  # medium
    ],
)
def test_level_from_severity(built: Built, label: str, level: str) -> None:
    result = _results(sarif.build(built.full))[built.uids[label]]
    assert result["level"] == level
    assert result["kind"] == "fail"


def test_rules_per_cwe_and_per_kind(built: Built) -> None:
    log = sarif.build(built.full)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == [
        "CWE-416",
        "CWE-787",
        "CWE-99999",
        "RS-CAPABILITY",
        "RS-SAFEGUARD",
        "RS-VULNERABILITY",
    ]
    by_id = {r["id"]: r for r in rules}
    assert by_id["CWE-787"]["shortDescription"]["text"] == "CWE-787: Out-of-bounds Write"
    assert by_id["CWE-787"]["helpUri"] == "https://cwe.mitre.org/data/definitions/787.html"
    assert "external/cwe/cwe-787" in by_id["CWE-787"]["properties"]["tags"]
    assert by_id["CWE-99999"]["shortDescription"]["text"] == "CWE-99999"
    for result in log["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    results = _results(log)
    assert results[built.uids["affected"]]["ruleId"] == "CWE-787"
    assert results[built.uids["capability"]]["ruleId"] == "RS-CAPABILITY"
    assert results[built.uids["unassessed"]]["ruleId"] == "RS-VULNERABILITY"


def test_result_message_and_properties(built: Built) -> None:
    result = _results(sarif.build(built.full))[built.uids["affected"]]
    assert result["message"] == {"text": "Heap overflow in libfoo's parser"}
    props = result["properties"]
    assert props["severity"] == "critical"
    assert props["status"] == "approved"
    assert props["portionMarking"] == "CUI"
    assert props["portionMark"] == "(CUI)"
    assert props["cvss"]["vectorString"] == (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    )
    assert (props["cvss"]["baseScore"], props["cvss"]["baseSeverity"]) == (9.3, "CRITICAL")
    assert "threatScore" not in props["cvss"] and "environmentalScore" not in props["cvss"]
    assert props["cvssScore"] == {"name": "CVSS-B", "score": 9.3}
    assert props["security-severity"] == "9.3"
    assert props["cwe"] == "CWE-787"
    assert props["vexStatus"] == "affected"
    assert props["product"]["identifier"] == "pkg:pypi/libfoo@1.2"
    run = next(r for r in built.full.runs)
    assert props["checklistItems"] == [
        {"runUid": run.uid, "template": "cyber-capability", "item": "ctf.cybench"}
    ]
    assert props["evidence"] == [{"artifactUid": built.uids["log"]}]
    fixed = _results(sarif.build(built.full))[built.uids["fixed"]]["properties"]
    assert fixed["cveId"] == "CVE-2026-12345"
    assert (
        _results(sarif.build(built.full))[built.uids["not_affected"]]["properties"][
            "portionMarking"
        ]
        == "U"
    )


def test_locations(built: Built) -> None:
    log = sarif.build(built.full)
    results = _results(log)
    product = results[built.uids["affected"]]["locations"][0]["logicalLocations"][0]
    assert product == {
        "name": "libfoo",
        "fullyQualifiedName": "pkg:pypi/libfoo@1.2",
        "kind": "module",
    }
    model = results[built.uids["capability"]]["locations"][0]["logicalLocations"][0]
    assert model["name"] == "X-1"
    assert model["fullyQualifiedName"] == "Acme AI/X-1 2026-11"
    # Evidence that travels in the package is a related location under the package root.
    run = log["runs"][0]
    assert [a["location"]["uri"] for a in run["artifacts"]] == [
        f"evidence/{built.uids['log']}/run.jsonl"
    ]
    assert run["artifacts"][0]["hashes"]["sha-384"]
    related = results[built.uids["affected"]]["relatedLocations"]
    assert related[0]["physicalLocation"]["artifactLocation"] == {
        "uri": f"evidence/{built.uids['log']}/run.jsonl",
        "uriBaseId": "PACKAGEROOT",
        "index": 0,
    }
    # Evidence that stays in the vault is named in properties only.
    assert "relatedLocations" not in results[built.uids["safeguard"]]


def test_empty_review(built: Built) -> None:
    log = sarif.build(built.empty)
    run = log["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert "artifacts" not in run


def test_self_check_catches_a_broken_log(content: PackageContent) -> None:
    log = sarif.build(content)
    sarif.self_check(log)
    log["runs"][0]["results"][0]["ruleIndex"] = 99
    with pytest.raises(FormatCheckError, match="wrong rule"):
        sarif.self_check(log)


def test_cvss_names_and_security_severity(built: Built) -> None:
    """Threat and environmental metrics: baseScore is CVSS-B, the vector's full score is named,
    and security-severity is the most specific score (CVSS-BTE here), as documented."""
    log = sarif.build(built.full)
    props = _results(log)[built.uids["fixed"]]["properties"]
    cvss = props["cvss"]
    assert (cvss["baseScore"], cvss["baseSeverity"]) == (8.5, "HIGH")
    assert (cvss["threatScore"], cvss["threatSeverity"]) == (5.9, "MEDIUM")
    assert (cvss["environmentalScore"], cvss["environmentalSeverity"]) == (8.9, "HIGH")
    assert cvss["exploitMaturity"] == "UNREPORTED"
    assert cvss["modifiedSubIntegrityImpact"] == "SAFETY"
    assert props["cvssScore"] == {"name": "CVSS-BTE", "score": 8.9}
    assert props["security-severity"] == "8.9"
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CWE-416"]["properties"]["security-severity"] == "8.9"
    assert rules["CWE-787"]["properties"]["security-severity"] == "9.3"
