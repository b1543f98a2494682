"""``findings.sarif``: every finding of the package as a SARIF 2.1.0 result.

One run; the tool is ReviewStation. Rules are one per CWE that a finding names, and one per
finding kind for findings without a CWE, each with the descriptions, help and
``security-severity`` GitHub code scanning asks for. A finding that records where in the
source it lies (findings/location.py) gets a physical location (file relative to the
repository root, lines) and its function as a logical location; the affected product
(vulnerabilities) or the model under review (capabilities, safeguards) is always a logical
location. Evidence that travels in the package is a related location under the package root.

Identity across exports: ``correlationGuid`` and the fingerprints come from the finding's uid
alone, so the same finding is the same result in every export (GitHub and DefectDojo match
on them); ``guid`` names this result in this export (the package id and the finding uid).
Findings whose VEX status says the product is not (or no longer) affected are suppressed, not
open failures.

A result's message is the finding's title after its portion mark (``(S//NF) Heap overflow``).
Every message text is plain text as SARIF reads it (``plain_text``): finding text cannot
become an embedded link or a placeholder in a viewer.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote

from reviewstation.findings.service import KINDS, Finding, asserted
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
    statement_status,
    vex_status,
)
from reviewstation.formats.cvss import cvss_v4_object
from reviewstation.package_content import PackageContent

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
PACKAGE_ROOT = "PACKAGEROOT"
# CodeQL's spelling, which GitHub's tooling and other consumers resolve as the repository root.
SOURCE_ROOT = "%SRCROOT%"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# The fingerprint's name: "<method>/v<version>", the form DefectDojo's parser reads.
FINGERPRINT = "reviewstationFinding/v1"
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
KIND_HELP = {
    "capability": "The reviewers found that the model under review can do something dangerous.",
    "safeguard": "The reviewers found a safeguard of the model under review missing or weak.",
    "vulnerability": (
        "The reviewers found a vulnerability in software (often while the model under review"
        " was working on it) and recorded no CWE for it."
    ),
}
# VEX statuses that say the product is not, or no longer, affected: suppressed results.
SUPPRESSED = {
    "not_affected": "Not affected: the reviewers determined that the product is not affected.",
    "fixed": "Fixed: the reviewers determined that the product is no longer affected.",
}
# A suppression is accepted only when the export asserts the finding's VEX status (approved by
# a second person, formats.common.asserted); before that, the claim is still under review.
_GUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)


# The properties whose value is a SARIF message object (3.11): its "text" is plain text.
MESSAGE_KEYS = ("message", "shortDescription", "fullDescription", "help", "description")
_LINK_CHARS = re.compile(r"(\\*)([\[\]])")


def plain_text(text: str) -> str:
    """``text`` as a SARIF plain-text message says it: a literal ``[`` or ``]`` escaped with
    a backslash (and a backslash before one doubled), so no viewer makes an embedded link of
    ``[label](javascript:...)`` (3.11.6); literal braces doubled, so ``{0}`` is not taken
    for a placeholder (3.11.5)."""
    text = _LINK_CHARS.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), text)
    return text.replace("{", "{{").replace("}", "}}")


def _escape_messages(node: Any) -> None:
    """Every message object's ``text`` in ``node``, made plain text (``markdown`` is the
    program's own)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in MESSAGE_KEYS and isinstance(value, dict) and "text" in value:
                value["text"] = plain_text(value["text"])
            _escape_messages(value)
    elif isinstance(node, list):
        for item in node:
            _escape_messages(item)


def rule_id(finding: Finding) -> str:
    return finding.cwe if finding.cwe else KIND_RULES[finding.kind][0]


_WHERE = (
    "Where the finding lies, when the reviewers recorded it: the result's physical location"
    " (file relative to the repository root, lines) and its function."
)


def _rule(rule: str) -> dict[str, Any]:
    for kind, (kind_rule, name, text) in KIND_RULES.items():
        if rule == kind_rule:
            full = f"{text} {KIND_HELP[kind]}"
            return {
                "id": rule,
                "name": name,
                "shortDescription": {"text": text},
                "fullDescription": {"text": full},
                "help": {
                    "text": f"{full} Each result carries one finding: its title as the"
                    f" message, its severity, status and evidence as properties. {_WHERE}",
                    "markdown": f"**{name}**\n\n{full}\n\nEach result carries one finding:"
                    " its title as the message; severity, status and evidence as properties."
                    f"\n\n{_WHERE}",
                },
                "properties": {"tags": ["security", "reviewstation", kind]},
            }
    number = cwe_number(rule)
    title = cwe_name(rule)
    uri = f"https://cwe.mitre.org/data/definitions/{number}.html"
    short = f"{rule}: {title}" if title else rule
    full = (
        f"The weakness {rule} ({title}), found during a model review."
        if title
        else f"The weakness {rule} (see the CWE list), found during a model review."
    )
    return {
        "id": rule,
        "name": rule.replace("-", ""),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "helpUri": uri,
        "help": {
            "text": f"{full} The CWE entry describes the weakness and its mitigations: {uri}."
            f" {_WHERE}",
            "markdown": f"**{short}**\n\n{full}\n\nThe CWE entry describes the weakness and"
            f" its mitigations: [{rule}]({uri}).\n\n{_WHERE}",
        },
        "properties": {"tags": ["security", f"external/cwe/cwe-{number}"]},
    }


def security_severity(findings: list[Finding]) -> str | None:
    """GitHub's ``security-severity`` (a number 0.0-10.0 as a string): the highest CVSS-B
    (base metrics alone) among the findings, as GitHub rates advisories by their base score.
    Consumers read it as a base score (DefectDojo stores it as the CVSS score), so it is never
    a threat- or environment-adjusted one; those stay named in ``properties.cvss`` and
    ``properties.cvssScore``."""
    scores = [f.cvss.base.score for f in findings if f.cvss is not None]
    return f"{max(scores):.1f}" if scores else None


def fingerprint(finding: Finding) -> str:
    """The finding's stable fingerprint: from its uid alone, never from text that changes."""
    return hashlib.sha256(f"reviewstation-finding:{finding.uid}".encode()).hexdigest()


def result_guid(package_id: str, finding: Finding) -> str:
    """This result in this export: a new one in every package, the same for the same one."""
    return str(member_uuid(package_id, f"{SARIF_MEMBER}/{finding.uid}"))


def _rules(findings: list[Finding]) -> list[str]:
    cwes = sorted({f.cwe for f in findings if f.cwe}, key=cwe_number)
    kinds = [KIND_RULES[k][0] for k in KINDS if any(f.kind == k and not f.cwe for f in findings)]
    return [*cwes, *kinds]


def _guid(uid: str) -> str:
    """The finding's correlation guid: its uid (a UUID), the same in every export."""
    return uid if _GUID.match(uid) else str(member_uuid(uid, "finding"))


def _function(finding: Finding) -> dict[str, Any] | None:
    if not finding.function_name:
        return None
    return {"name": finding.function_name, "kind": "function"}


def source_roots(findings: list[Finding]) -> dict[str, str]:
    """Repository URI ("" for none recorded) -> the uriBaseId its files are relative to:
    ``%SRCROOT%`` while the findings name at most one repository, else ``%SRCROOT1%``,
    ``%SRCROOT2%`` ... in repository order (files without a repository stay under
    ``%SRCROOT%``)."""
    repositories = sorted({f.repository or "" for f in findings if f.file_path})
    named = [r for r in repositories if r]
    if len(named) <= 1:
        return dict.fromkeys(repositories, SOURCE_ROOT)
    roots = {r: f"%SRCROOT{n}%" for n, r in enumerate(named, start=1)}
    if "" in repositories:
        roots[""] = SOURCE_ROOT
    return roots


def _physical_location(finding: Finding, roots: dict[str, str]) -> dict[str, Any] | None:
    """The file (relative to its repository's root) and lines, when the finding records them."""
    if not finding.file_path:
        return None
    where: dict[str, Any] = {
        "artifactLocation": {
            "uri": quote(finding.file_path, safe="/"),
            "uriBaseId": roots[finding.repository or ""],
        }
    }
    if finding.start_line is not None:
        region = {"startLine": finding.start_line}
        if finding.end_line is not None:
            region["endLine"] = finding.end_line
        where["region"] = region
    return where


def _suppressions(finding: Finding) -> list[dict[str, Any]]:
    justification = SUPPRESSED.get(vex_status(finding)) if finding.kind == "vulnerability" else None
    if justification is None:
        return []
    status = "accepted" if asserted(finding) else "underReview"
    if finding.justification:  # the CSAF/OpenVEX justification code, for not_affected
        justification = f"{justification} Justification: {finding.justification}."
    return [
        {
            "kind": "external",
            "status": status,
            "justification": f"{justification} Finding status: {finding.status}.",
        }
    ]


def _provenance(findings: list[Finding], roots: dict[str, str]) -> list[dict[str, Any]]:
    """Each repository and commit the findings name, mapped to the uriBaseId of its files (a
    commit without a repository cannot be one: SARIF requires the repository's URI; it stays
    in the result's properties)."""
    pairs = sorted({(f.repository, f.commit_id or "") for f in findings if f.repository})
    out = []
    for repository, commit in pairs:
        entry: dict[str, Any] = {"repositoryUri": repository}
        if commit:
            entry["revisionId"] = commit
        if repository in roots:
            entry["mappedTo"] = {"uriBaseId": roots[repository]}
        out.append(entry)
    return out


def _root_description(repository: str) -> dict[str, Any]:
    where = f" ({repository})" if repository else ""
    return {"description": {"text": f"The root of the affected product's repository{where}."}}


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
    for key, value in (
        ("file", finding.file_path),
        ("startLine", finding.start_line),
        ("endLine", finding.end_line),
        ("function", finding.function_name),
        ("commit", finding.commit_id),
        ("repository", finding.repository),
    ):
        if value is not None:
            props.setdefault("location", {})[key] = value
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
    roots: dict[str, str],
) -> dict[str, Any]:
    rule = rule_id(finding)
    suppressions = _suppressions(finding)
    # Fixed: no problem left, a "pass" (level "none", as SARIF requires for it). Not affected:
    # still the reviewers' result, suppressed, at "note". Everything else is an open "fail".
    kind, level = "fail", LEVELS[finding.severity]
    if suppressions and statement_status(finding) == "fixed":
        kind, level = "pass", "none"
    elif suppressions:
        level = "note"
    location: dict[str, Any] = {}
    physical = _physical_location(finding, roots)
    if physical is not None:
        location["physicalLocation"] = physical
    function = _function(finding)
    location["logicalLocations"] = [
        *([function] if function is not None else []),
        _logical_location(content, finding),
    ]
    result: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": rule_index[rule],
        "kind": kind,
        "level": level,
        "message": {"text": f"{finding.portion_mark} {finding.title}"},
        "guid": result_guid(content.package_id, finding),
        "correlationGuid": _guid(finding.uid),
        "locations": [location],
        "fingerprints": {FINGERPRINT: fingerprint(finding)},
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
    }
    if suppressions:
        result["suppressions"] = suppressions
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
    bases: dict[str, Any] = {}
    if artifacts:
        bases[PACKAGE_ROOT] = {
            "description": {"text": "The root of the findings package that carries this log."}
        }
    roots = source_roots(findings)
    for root in sorted(set(roots.values())):
        named = [r for r, base in roots.items() if base == root and r]
        bases[root] = _root_description(named[0] if len(named) == 1 else "")
    if bases:
        run["originalUriBaseIds"] = bases
    provenance = _provenance(findings, roots)
    if provenance:
        run["versionControlProvenance"] = provenance
    if artifacts:
        run["artifacts"] = artifacts
    run["results"] = [
        _result(content, f, rule_index, artifact_index, artifacts, roots) for f in findings
    ]
    run["properties"] = {
        "packageId": content.package_id,
        "marking": content.marking,
        "reviewUid": review.uid,
        "reviewTitle": review.title,
        "developer": review.developer,
        "model": review.model_name,
        "modelVersion": review.model_version,
    }
    if content.tlp:  # a selective disclosure's TLP 2.0 label
        run["properties"]["tlp"] = content.tlp
    _escape_messages(run)
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
            # SARIF 3.27.10: a result that is not a "fail" has level "none".
            fail = result.get("kind") == "fail"
            if result.get("level") not in (("error", "warning", "note") if fail else ("none",)):
                problems.append(f"result {result.get('guid')} has no level for its kind")
            for key in ("guid", "correlationGuid"):
                if not _GUID.match(str(result.get(key, ""))):
                    problems.append(f"result {result.get('guid')} has no valid {key}")
            if not result.get("partialFingerprints", {}).get(FINGERPRINT):
                problems.append(f"result {result.get('guid')} has no fingerprint")
    if problems:
        raise FormatCheckError(f"{SARIF_MEMBER} failed its self-check: {problems[0]}.")
