"""findings.sarif: schema-valid SARIF 2.1.0 with the mapping the docs describe."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from jsonschema.protocols import Validator
from support import external

from reviewstation.formats import sarif
from reviewstation.formats.common import FormatCheckError
from reviewstation.package_content import PackageContent

from .conftest import COMMIT, CREATED, PACKAGE_ID, REPOSITORY, Built, errors


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
    assert {r["correlationGuid"] for r in results} == {f.uid for f in live}


@pytest.mark.parametrize(
    ("label", "kind", "level"),
    [
        ("affected", "fail", "error"),  # critical
        ("fixed", "pass", "none"),  # high, but fixed: no problem left (suppressed too)
        ("not_affected", "fail", "note"),  # medium, but not affected: suppressed
        ("under_investigation", "fail", "note"),  # low
        ("unassessed", "fail", "note"),  # info
        ("capability", "fail", "error"),  # high
        ("safeguard", "fail", "warning"),  # medium
    ],
)
def test_kind_and_level(built: Built, label: str, kind: str, level: str) -> None:
    result = _results(sarif.build(built.full))[built.uids[label]]
    assert (result["kind"], result["level"]) == (kind, level)


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
    assert result["message"] == {"text": "(CUI) Heap overflow in libfoo's parser"}
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
    product = results[built.uids["affected"]]["locations"][0]["logicalLocations"][-1]
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
    and security-severity is CVSS-B (consumers read it as a base score), as documented."""
    log = sarif.build(built.full)
    props = _results(log)[built.uids["fixed"]]["properties"]
    cvss = props["cvss"]
    assert (cvss["baseScore"], cvss["baseSeverity"]) == (8.5, "HIGH")
    assert (cvss["threatScore"], cvss["threatSeverity"]) == (5.9, "MEDIUM")
    assert (cvss["environmentalScore"], cvss["environmentalSeverity"]) == (8.9, "HIGH")
    assert cvss["exploitMaturity"] == "UNREPORTED"
    assert cvss["modifiedSubIntegrityImpact"] == "SAFETY"
    assert props["cvssScore"] == {"name": "CVSS-BTE", "score": 8.9}
    assert props["security-severity"] == "8.5"
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CWE-416"]["properties"]["security-severity"] == "8.5"
    assert rules["CWE-787"]["properties"]["security-severity"] == "9.3"


def _with(content: PackageContent, label_uids: dict[str, str], **changes: Any) -> PackageContent:
    """The content with the findings named by uid changed (a pure-function variant)."""
    chosen = set(label_uids.values())
    return replace(
        content,
        findings=[replace(f, **changes) if f.uid in chosen else f for f in content.findings],
    )


# label -> (physicalLocation or None, function logical location or None)
WHERE: list[tuple[str, dict[str, Any] | None, str | None]] = [
    (
        "affected",
        {
            "artifactLocation": {"uri": "src/parse%20r/h%C3%A9ap.c", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 120, "endLine": 134},
        },
        "parse_header",
    ),
    (
        "fixed",
        {
            "artifactLocation": {"uri": "widget/free.c", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 77},
        },
        None,
    ),
    ("not_affected", None, "convert_type"),
    ("capability", None, None),
    ("unassessed", None, None),
]


@pytest.mark.parametrize(("label", "physical", "function"), WHERE)
def test_physical_and_function_locations(
    built: Built, label: str, physical: dict[str, Any] | None, function: str | None
) -> None:
    location = _results(sarif.build(built.full))[built.uids[label]]["locations"][0]
    assert location.get("physicalLocation") == physical
    functions = [x for x in location["logicalLocations"] if x["kind"] == "function"]
    assert functions == ([{"name": function, "kind": "function"}] if function else [])
    assert location["logicalLocations"][-1]["kind"] in ("module", "resource")


def test_version_control_provenance(built: Built) -> None:
    log = sarif.build(built.full)
    run = log["runs"][0]
    # The affected finding names repository and commit; the fixed one a commit alone, which
    # SARIF cannot carry without a repository: it stays in the result's properties.
    assert run["versionControlProvenance"] == [
        {"repositoryUri": REPOSITORY, "revisionId": COMMIT, "mappedTo": {"uriBaseId": "%SRCROOT%"}}
    ]
    assert set(run["originalUriBaseIds"]) == {"PACKAGEROOT", "%SRCROOT%"}
    fixed = _results(log)[built.uids["fixed"]]["properties"]["location"]
    assert fixed == {"file": "widget/free.c", "startLine": 77, "commit": "abc1234"}
    # Two repositories: each gets its own base id, and its files point at it.
    other = "https://git.example.org/acme/widget.git"
    two = sarif.build(_with(built.full, {"fixed": built.uids["fixed"]}, repository=other))
    run = two["runs"][0]
    mapped = [
        (v["repositoryUri"], v["mappedTo"]["uriBaseId"]) for v in run["versionControlProvenance"]
    ]
    assert mapped == [(other, "%SRCROOT1%"), (REPOSITORY, "%SRCROOT2%")]
    results = _results(two)
    base = results[built.uids["fixed"]]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert base["uriBaseId"] == "%SRCROOT1%"
    assert other in run["originalUriBaseIds"]["%SRCROOT1%"]["description"]["text"]


@pytest.mark.parametrize(
    ("label", "status", "expected"),
    [
        ("affected", "draft", None),
        ("under_investigation", "approved", None),
        ("unassessed", "confirmed", None),
        ("capability", "approved", None),
        ("not_affected", "draft", ("underReview", "Not affected:")),
        ("not_affected", "confirmed", ("underReview", "Not affected:")),  # not yet approved
        ("not_affected", "approved", ("accepted", "Not affected:")),
        ("not_affected", "disputed", ("underReview", "Not affected:")),
        ("fixed", "draft", ("underReview", "Fixed:")),
        ("fixed", "approved", ("accepted", "Fixed:")),
    ],
)
def test_suppressions_for_not_affected_and_fixed(
    built: Built, label: str, status: str, expected: tuple[str, str] | None
) -> None:
    """Accepted once a second person approved the finding (the export asserts its VEX status);
    under review before that."""
    approver = "lena" if status == "approved" else None
    content = _with(built.full, {label: built.uids[label]}, status=status, approved_by=approver)
    result = _results(sarif.build(content))[built.uids[label]]
    if expected is None:
        assert "suppressions" not in result
        return
    (suppression,) = result["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["status"] == expected[0]
    assert suppression["justification"].startswith(expected[1])
    assert f"Finding status: {status}." in suppression["justification"]
    # Only an asserted "fixed" is a pass; one not yet approved is still an open result.
    fixed = label == "fixed" and status == "approved"
    assert result["kind"] == ("pass" if fixed else "fail")
    if label == "not_affected":  # the CSAF/OpenVEX justification code travels with it
        finding = next(f for f in built.full.findings if f.uid == built.uids[label])
        assert f"Justification: {finding.justification}." in suppression["justification"]


def test_identity_is_stable_across_exports_and_guids_are_not(built: Built) -> None:
    first = _results(sarif.build(built.full))
    other_package = replace(built.full, package_id="0f0e0d0c-0b0a-4909-8807-060504030201")
    retitled = _with(other_package, built.uids, title="Changed title", body="Changed body")
    second = _results(sarif.build(retitled))
    assert first.keys() == second.keys()
    for uid, result in first.items():
        again = second[uid]
        assert again["correlationGuid"] == result["correlationGuid"] == uid
        assert again["partialFingerprints"] == result["partialFingerprints"]
        assert again["fingerprints"] == result["fingerprints"]
        (value,) = result["partialFingerprints"].values()
        assert len(value) == 64 and uid not in value
        assert again["guid"] != result["guid"]
    assert len({r["guid"] for r in first.values()} | {r["guid"] for r in second.values()}) == 14
    # DefectDojo reads "<method>/v<n>" keys; every result has the same key.
    assert {k for r in first.values() for k in r["partialFingerprints"]} == {
        "reviewstationFinding/v1"
    }
    # The same content gives the same log, byte for byte.
    assert sarif.build(built.full) == sarif.build(built.full)


def test_rules_carry_what_code_scanning_shows(built: Built) -> None:
    rules = sarif.build(built.full)["runs"][0]["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"] != rule["shortDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert "security" in rule["properties"]["tags"]
    by_id = {r["id"]: r for r in rules}
    assert (
        "[CWE-787](https://cwe.mitre.org/data/definitions/787.html)"
        in (by_id["CWE-787"]["help"]["markdown"])
    )
    assert "Out-of-bounds Write" in by_id["CWE-787"]["fullDescription"]["text"]
    assert by_id["RS-CAPABILITY"]["properties"]["tags"] == [
        "security",
        "reviewstation",
        "capability",
    ]
    # security-severity: a number 0.0-10.0 as a string, CVSS-B, only where a finding has a vector.
    assert by_id["CWE-787"]["properties"]["security-severity"] == "9.3"
    assert "security-severity" not in by_id["RS-CAPABILITY"]["properties"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("kind",), "fail", "no level for its kind"),  # a fixed result: pass with level none
        (("level",), "error", "no level for its kind"),
        (("correlationGuid",), "not-a-guid", "no valid correlationGuid"),
        (("partialFingerprints",), {}, "no fingerprint"),
    ],
)
def test_self_check_catches_identity_and_level_mistakes(
    built: Built, path: tuple[str, ...], value: Any, message: str
) -> None:
    log = sarif.build(built.full)
    result = next(r for r in log["runs"][0]["results"] if r["kind"] == "pass")
    result[path[0]] = value
    with pytest.raises(FormatCheckError, match=message):
        sarif.self_check(log)


@pytest.mark.parametrize("which", ["full", "capability_only", "empty"])
def test_sarif_multitool_sarif_and_github_rules_report_no_errors(
    built: Built, which: str, tmp_path: Path
) -> None:
    """The Microsoft SARIF multitool (tests/support/external.py: skipped locally without it,
    required in CI) finds no error with its SARIF and GitHub rule sets."""
    from reviewstation import formats

    log_path = tmp_path / "findings.sarif"
    log_path.write_bytes(formats.dumps(sarif.build(getattr(built, which))))
    results = external.sarif_multitool(log_path, "Sarif;Gh", tmp_path / "validation.sarif")
    assert [r for r in results if r["level"] == "error"] == []


@pytest.mark.parametrize("marking", ["UNCLASSIFIED", "SECRET//NOFORN", "TOP SECRET//SCI"])
def test_valid_at_every_marking(
    built: Built, validators: dict[str, Validator], marking: str
) -> None:
    log = sarif.build(replace(built.full, marking=marking))
    assert errors(validators["sarif"], log) == []
    assert log["runs"][0]["properties"]["marking"] == marking


# (title as recorded, message text): every message carries the finding's portion mark, and
# finding text is plain text as SARIF 2.1.0 reads it: a literal [ or ] is escaped so a viewer
# makes no embedded link of it (3.11.6), and literal braces are doubled so none is taken for a
# placeholder (3.11.5).
MESSAGES = [
    ("Heap overflow", "(CUI) Heap overflow"),
    ("See [here](javascript:alert(1))", "(CUI) See \\[here\\](javascript:alert(1))"),
    ("Click [1](1) now", "(CUI) Click \\[1\\](1) now"),
    ("Overflow in {0} and {{x}}", "(CUI) Overflow in {{0}} and {{{{x}}}}"),
    ("Path a\\[b]", "(CUI) Path a\\\\\\[b\\]"),
    ("Überlauf 解析器 <script>", "(CUI) Überlauf 解析器 <script>"),
]


@pytest.mark.parametrize(("title", "text"), MESSAGES)
def test_messages_are_portion_marked_plain_text(built: Built, title: str, text: str) -> None:
    uid = built.uids["affected"]
    findings = [replace(f, title=title) if f.uid == uid else f for f in built.full.findings]
    log = sarif.build(replace(built.full, findings=findings))
    assert _results(log)[uid]["message"] == {"text": text}


def test_every_message_object_is_escaped(built: Built) -> None:
    """Not only the result message: every SARIF message object (descriptions of the source
    roots, which name the repository) is escaped the same way."""
    uid = built.uids["affected"]
    ipv6 = "https://[2001:db8::1]:8443/x.git"
    findings = [replace(f, repository=ipv6) if f.uid == uid else f for f in built.full.findings]
    log = sarif.build(replace(built.full, findings=findings))
    bases = log["runs"][0]["originalUriBaseIds"]
    text = next(b["description"]["text"] for b in bases.values() if "2001" in str(b))
    assert "\\[2001:db8::1\\]" in text
