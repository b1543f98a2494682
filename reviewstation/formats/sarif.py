"""``findings.sarif``: every finding of the package as a SARIF 2.1.0 result.

One run; the tool is ReviewStation. Rules are one per CWE that a finding names, and one per
finding kind for findings without a CWE. The affected product (vulnerabilities) or the model
under review (capabilities, safeguards) is the result's logical location; evidence that
travels in the package is a related location relative to the package root.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from reviewstation.findings.service import KINDS, Finding
from reviewstation.formats.common import (
    SARIF_MEMBER,
    SEMVER,
    TOOL_NAME,
    FormatCheckError,
    cwe_name,
    cwe_number,
    live_findings,
    member_uuid,
    product_of,
    vex_status,
)
from reviewstation.formats.cvss import cvss_v4_object
from reviewstation.package_content import PackageContent

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
PACKAGE_ROOT = "PACKAGEROOT"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
KIND_RULES = {
    "capability": (
        "RS-CAPABILITY",
        "DangerousCapability",
        "A dangerous capability of the model under review.",
    ),
    "safeguard": (
        "RS-SAFEGUARD",
        "SafeguardWeakness",
        "A missing or weak safeguard of the model under review.",
    ),
    "vulnerability": (
        "RS-VULNERABILITY",
        "SoftwareVulnerability",
        "A vulnerability in software, found during the review.",
    ),
}
_GUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)


def rule_id(finding: Finding) -> str:
    return finding.cwe if finding.cwe else KIND_RULES[finding.kind][0]


def _rule(rule: str) -> dict[str, Any]:
    for kind_rule, name, text in KIND_RULES.values():
        if rule == kind_rule:
            return {
                "id": rule,
                "name": name,
                "shortDescription": {"text": text},
                "properties": {"tags": ["security", "reviewstation"]},
            }
    number = cwe_number(rule)
    title = cwe_name(rule)
    return {
        "id": rule,
        "name": rule.replace("-", ""),
        "shortDescription": {"text": f"{rule}: {title}" if title else rule},
        "helpUri": f"https://cwe.mitre.org/data/definitions/{number}.html",
        "properties": {"tags": ["security", f"external/cwe/cwe-{number}"]},
    }


def security_severity(findings: list[Finding]) -> str | None:
    """GitHub's ``security-severity`` (a number 0.0-10.0 as a string): the highest of the
    findings' most specific CVSS v4.0 scores (CVSS-BTE, -BE, -BT, else CVSS-B). The reviewers
    set threat and environmental metrics on purpose, and FIRST's specification asks consumers
    to rank by them rather than by the base score alone; the base score stays in
    ``properties.cvss.baseScore``."""
    scores = [f.cvss.overall.score for f in findings if f.cvss is not None]
    return f"{max(scores):.1f}" if scores else None


def _rules(findings: list[Finding]) -> list[str]:
    cwes = sorted({f.cwe for f in findings if f.cwe}, key=cwe_number)
    kinds = [KIND_RULES[k][0] for k in KINDS if any(f.kind == k and not f.cwe for f in findings)]
    return [*cwes, *kinds]


def _guid(uid: str) -> str:
    return uid if _GUID.match(uid) else str(member_uuid(uid, "finding"))


def _logical_location(content: PackageContent, finding: Finding) -> dict[str, Any]:
    if finding.kind == "vulnerability":
        product = product_of(finding)
        return {
            "name": product.name or product.full_name,
            "fullyQualifiedName": product.identifier or product.full_name,
            "kind": "module",
        }
    review = content.review
    model = " ".join(p for p in (review.model_name, review.model_version) if p)
    return {
        "name": review.model_name,
        "fullyQualifiedName": f"{review.developer}/{model}",
        "kind": "resource",
    }


def _evidence_artifacts(content: PackageContent) -> list[dict[str, Any]]:
    """The artifacts whose content travels in the package, in the order of evidence_uids."""
    chosen = set(content.evidence_uids)
    by_uid = {a["uid"]: a for a in content.artifacts if a["uid"] in chosen}
    return [by_uid[uid] for uid in content.evidence_uids if uid in by_uid]


def _artifact_entry(content: PackageContent, artifact: dict[str, Any]) -> dict[str, Any]:
    hashes = {
        name: artifact[field]
        for name, field in (("sha-256", "sha256"), ("sha-384", "sha384"))
        if artifact.get(field)
    }
    entry: dict[str, Any] = {
        "location": {
            "uri": quote(content.evidence_name(artifact), safe="/"),
            "uriBaseId": PACKAGE_ROOT,
        },
        "length": int(artifact["size"]),
        "roles": ["attachment"],
    }
    if hashes:
        entry["hashes"] = hashes
    return entry


def _properties(content: PackageContent, finding: Finding) -> dict[str, Any]:
    runs = {run.id: run for run in content.runs}
    props: dict[str, Any] = {
        "findingUid": finding.uid,
        "kind": finding.kind,
        "severity": finding.severity,
        "status": finding.status,
        "revision": finding.revision,
        "portionMarking": finding.portion_marking,
        "portionMark": finding.portion_mark,
    }
    cvss = finding.cvss
    if cvss is not None:
        props["cvss"] = cvss_v4_object(cvss)  # FIRST's schema: base/threat/environmental
        props["cvssScore"] = {"name": cvss.nomenclature, "score": cvss.overall.score}
        props["security-severity"] = security_severity([finding])
    if finding.cwe:
        props["cwe"] = finding.cwe
    if finding.kind == "vulnerability":
        product = product_of(finding)
        props["product"] = {
            key: value
            for key, value in (
                ("vendor", product.vendor),
                ("name", product.name),
                ("versions", product.version),
                ("identifier", product.identifier),
            )
            if value
        }
        props["vexStatus"] = vex_status(finding)
        props["disclosure"] = finding.disclosure
        if finding.cve_id:
            props["cveId"] = finding.cve_id
    if finding.evidence:
        props["evidence"] = [
            {
                key: value
                for key, value in (
                    ("artifactUid", ref.artifact_uid),
                    ("sampleId", ref.sample_id),
                    ("sampleDigest", ref.sample_digest),
                )
                if value is not None
            }
            for ref in finding.evidence
        ]
    links = []
    for run_id, item in finding.links:
        run = runs.get(run_id)
        link = {"item": item}
        if run is not None:
            link = {"runUid": run.uid, "template": run.template.id, "item": item}
        links.append(link)
    if links:
        props["checklistItems"] = links
    return props


def _result(
    content: PackageContent,
    finding: Finding,
    rule_index: dict[str, int],
    artifact_index: dict[str, int],
    artifacts: list[dict[str, Any]],
) -> dict[str, Any]:
    rule = rule_id(finding)
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "kind": "fail",
        "level": LEVELS[finding.severity],
        "message": {"text": finding.title},
        "guid": _guid(finding.uid),
        "locations": [{"logicalLocations": [_logical_location(content, finding)]}],
    }
    related: list[dict[str, Any]] = []
    seen: set[str] = set()
    for ref in finding.evidence:
        index = artifact_index.get(ref.artifact_uid)
        if index is None or ref.artifact_uid in seen:
            continue
        seen.add(ref.artifact_uid)
        location = dict(artifacts[index]["location"])
        location["index"] = index
        related.append(
            {
                "id": len(related) + 1,
                "physicalLocation": {"artifactLocation": location},
                "message": {"text": "Evidence carried in the package."},
            }
        )
    if related:
        result["relatedLocations"] = related
    result["properties"] = _properties(content, finding)
    return result


def build(content: PackageContent) -> dict[str, Any]:
    """The SARIF log (a JSON-able dict) for this package's findings."""
    findings = live_findings(content)
    rules = _rules(findings)
    rule_index = {rule: i for i, rule in enumerate(rules)}
    evidence = _evidence_artifacts(content)
    artifacts = [_artifact_entry(content, a) for a in evidence]
    artifact_index = {a["uid"]: i for i, a in enumerate(evidence)}
    driver: dict[str, Any] = {"name": TOOL_NAME, "version": content.tool_version}
    if SEMVER.match(content.tool_version):
        driver["semanticVersion"] = content.tool_version
    driver["rules"] = [_rule(rule) for rule in rules]
    for entry in driver["rules"]:
        severity = security_severity([f for f in findings if rule_id(f) == entry["id"]])
        if severity is not None:
            entry["properties"]["security-severity"] = severity
    review = content.review
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": True, "endTimeUtc": content.created}],
        "automationDetails": {
            "id": f"reviewstation/{review.uid}/{content.package_id}",
            "guid": str(member_uuid(content.package_id, SARIF_MEMBER)),
        },
    }
    if artifacts:
        run["originalUriBaseIds"] = {
            PACKAGE_ROOT: {
                "description": {"text": "The root of the findings package that carries this log."}
            }
        }
        run["artifacts"] = artifacts
    run["results"] = [_result(content, f, rule_index, artifact_index, artifacts) for f in findings]
    run["properties"] = {
        "packageId": content.package_id,
        "marking": content.marking,
        "reviewUid": review.uid,
        "reviewTitle": review.title,
        "developer": review.developer,
        "model": review.model_name,
        "modelVersion": review.model_version,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def self_check(log: dict[str, Any]) -> None:
    """Cheap structural checks at export time; FormatCheckError names the first problem."""
    problems = []
    if log.get("version") != "2.1.0" or len(log.get("runs", [])) != 1:
        problems.append("the log must be SARIF 2.1.0 with exactly one run")
    else:
        run = log["runs"][0]
        rules = run["tool"]["driver"].get("rules", [])
        ids = [r["id"] for r in rules]
        if len(set(ids)) != len(ids):
            problems.append("rule ids repeat")
        guids = [r["guid"] for r in run.get("results", [])]
        if len(set(guids)) != len(guids):
            problems.append("result guids repeat")
        for result in run.get("results", []):
            index = result.get("ruleIndex", -1)
            if not 0 <= index < len(rules) or rules[index]["id"] != result.get("ruleId"):
                problems.append(f"result {result.get('guid')} points at the wrong rule")
            if result.get("level") not in ("error", "warning", "note"):
                problems.append(f"result {result.get('guid')} has no level")
            if not _GUID.match(str(result.get("guid", ""))):
                problems.append(f"result {result.get('guid')} has no valid guid")
    if problems:
        raise FormatCheckError(f"{SARIF_MEMBER} failed its self-check: {problems[0]}.")
