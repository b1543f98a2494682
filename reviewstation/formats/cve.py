"""``cve/<finding uid>.json``: a CVE JSON 5.1.1 record per vulnerability finding, for a CNA.

The clearinghouse assigns CVE ids; what it submits to CVE Services is the CNA container
(``containers.cna``). Each member is a whole CVE record valid against the official CVE Record
Format 5.1.1 schema, so a CNA tool reads it as it is, and its container is what the CNA
submits.

Which findings: vulnerabilities the reviewers hold the product affected by, or fixed
(VEX ``affected`` or ``fixed``), and did not dispute. A ``not_affected`` finding is no
vulnerability of the product; one ``under_investigation`` (or never assessed) is not yet
established.

What is not ReviewStation's to say is a placeholder, listed in the container's
``x_reviewstation.placeholders``, and never a guess:

- ``cveMetadata`` is controlled by CVE Services, and the 5.1.1 schema knows only the
  PUBLISHED and REJECTED states (no reservation or request form). The record therefore says
  PUBLISHED because the schema allows nothing else; ``x_reviewstation.recordStatus`` says it
  is a draft for a CNA. A finding without a CVE id gets ``CVE-0000-0000`` (year 0000 is never
  assigned); the assigner's org id is the nil-like v4 UUID
  ``00000000-0000-4000-8000-000000000000`` in ``cveMetadata.assignerOrgId`` and
  ``providerMetadata.orgId``.
- No ``dateAssigned``, ``datePublic``, ``datePublished`` or ``dateReserved``: ReviewStation
  does not know them.

The package's overall marking is ``containers.cna.x_marking`` (the schema allows ``x_``
properties in containers, and nowhere else in a record); the finding's portion marking and
everything else ReviewStation records is in ``containers.cna.x_reviewstation``. The finding's
text keeps its portion mark where it is carried: the title, the description and the
supporting media each start with it (``(S//NF) Heap overflow ...``), shortened text too.
"""

from __future__ import annotations

import re
from typing import Any

from packageurl import PackageURL

from reviewstation.findings import vers
from reviewstation.findings.scoring import Score
from reviewstation.findings.service import Finding, asserted
from reviewstation.formats.common import (
    CVE_DIR,
    FormatCheckError,
    Product,
    cwe_name,
    live_findings,
    product_of,
    vex_status,
)
from reviewstation.formats.cvss import cvss_v4_object
from reviewstation.package_content import PackageContent

DATA_VERSION = "5.1.1"
PLACEHOLDER_CVE = "CVE-0000-0000"
PLACEHOLDER_ORG = "00000000-0000-4000-8000-000000000000"
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_MEDIA = 16384
TRUNCATED = " … [shortened; the full text is in the package's findings.json]"
# VEX status -> the CVE status of the recorded version.
STATUS = {"affected": "affected", "fixed": "unaffected"}
# purl type -> the schema's example package collection (5.1.1 has no purl field).
COLLECTIONS = {
    "cargo": "https://crates.io",
    "cocoapods": "https://cocoapods.org",
    "composer": "https://packagist.org",
    "conan": "https://conan.io/center",
    "cran": "https://cran.r-project.org",
    "docker": "https://hub.docker.com",
    "gem": "https://rubygems.org",
    "github": "https://github.com",
    "golang": "https://golang.org/pkg",
    "hackage": "https://hackage.haskell.org",
    "hex": "https://repo.hex.pm",
    "maven": "https://repo.maven.apache.org/maven2",
    "npm": "https://registry.npmjs.org",
    "nuget": "https://nuget.org/packages",
    "pub": "https://pub.dev",
    "pypi": "https://pypi.python.org",
}
# purl type -> versionType for a range (the schema's examples); anything else is "custom".
VERSION_TYPES = {"pypi": "python", "maven": "maven", "npm": "semver", "cargo": "semver"}
# vers scheme -> versionType; another scheme is named as it is (deb, rpm, gem, ...).
VERS_TYPES = {
    **VERSION_TYPES,
    "semver": "semver",
    "golang": "semver",
    "generic": "custom",
}
# Ranges written as ">=A, <B", "<B", "<=B", ">=A <=B" (what reviewers type); anything else
# stays text (x_reviewstation.versions) with defaultStatus "unknown".
_SINGLE = re.compile(r"^[^\s,<>=|*]+$")
_CWE_ID = re.compile(r"^CWE-[1-9][0-9]*$")


def eligible(finding: Finding) -> bool:
    """A vulnerability the reviewers hold established: affected or fixed, and approved by a
    second person (the rule every VEX claim of a package follows: formats.common.asserted)."""
    return finding.kind == "vulnerability" and vex_status(finding) in STATUS and asserted(finding)


def member_name(finding: Finding) -> str:
    return f"{CVE_DIR}{finding.uid}.json"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(TRUNCATED)] + TRUNCATED


def _title(title: str) -> str:
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def _vers_entries(text: str, status: str, kind: str | None = None) -> list[dict[str, Any]] | None:
    """A recorded vers range as CVE version entries of ``status``: one version each for
    ``=``, ``version``/``lessThan(OrEqual)`` for each interval (``0`` for no lower bound,
    ``lessThan: "*"`` for no upper one). None when CVE cannot say it exactly (an exclusive
    lower bound ``>``, an excluded version ``!=``): left out, never widened."""
    parsed = vers.parse(text)
    kind = kind or VERS_TYPES.get(parsed.scheme, parsed.scheme)
    if any(c.comparator in (">", "!=") for c in parsed):
        return None

    def entry(version: str, high: vers.Constraint | None) -> dict[str, Any]:
        limit = "lessThanOrEqual" if high is not None and high.comparator == "<=" else "lessThan"
        return {
            "version": version,
            "status": status,
            "versionType": kind,
            limit: "*" if high is None else high.version,
        }

    if not parsed.constraints:
        return [entry("0", None)]
    out = [{"version": c.version, "status": status} for c in parsed if c.comparator == "="]
    bounds = [c for c in parsed if c.comparator != "="]
    start = 0
    if bounds and bounds[0].comparator != ">=":
        out.append(entry("0", bounds[0]))
        start = 1
    for i in range(start, len(bounds), 2):
        out.append(entry(bounds[i].version, bounds[i + 1] if i + 1 < len(bounds) else None))
    return out


def _ranges(finding: Finding) -> dict[str, Any]:
    """``versions`` from the recorded vers ranges: affected, then fixed (unaffected)."""
    entries: list[dict[str, Any]] = []
    for text, status in (
        (finding.affected_versions, "affected"),
        (finding.fixed_versions, "unaffected"),
    ):
        if text:
            entries.extend(_vers_entries(text, status) or [])
    return {"defaultStatus": "unknown", **({"versions": entries} if entries else {})}


def _versions(finding: Finding, product: Product, purl: PackageURL | None) -> dict[str, Any]:
    """``versions`` (and ``defaultStatus``): the recorded vers ranges when there are any
    (the version text then stays in ``x_reviewstation.versions``: a version seen is not a
    statement about a range), else the recorded version text."""
    if finding.affected_versions or finding.fixed_versions:
        return _ranges(finding)
    status = STATUS[vex_status(finding)]
    text = product.version.strip()
    if text and _SINGLE.match(text):
        return {"defaultStatus": "unknown", "versions": [{"version": text, "status": status}]}
    legacy = vers.legacy_range(text) if text else None
    kind = VERSION_TYPES.get(purl.type, "custom") if purl is not None else "custom"
    entries = _vers_entries(legacy.text, status, kind) if legacy is not None else None
    return {"defaultStatus": "unknown", **({"versions": entries} if entries else {})}


def _purl(product: Product) -> PackageURL | None:
    if product.purl is None:
        return None
    try:
        return PackageURL.from_string(product.purl)
    except ValueError:
        return None


def _affected(finding: Finding) -> dict[str, Any]:
    product = product_of(finding)
    purl = _purl(product)
    out: dict[str, Any] = {
        "vendor": product.vendor or "n/a",
        "product": product.name or "n/a",
    }
    if purl is not None and purl.type in COLLECTIONS:
        name = purl.name
        if purl.namespace:
            name = (
                f"{purl.namespace}:{purl.name}"
                if purl.type == "maven"
                else (f"{purl.namespace}/{purl.name}")
            )
        out["collectionURL"] = COLLECTIONS[purl.type]
        out["packageName"] = name
    if product.cpe is not None:
        out["cpes"] = [product.cpe]
    if finding.function_name:
        out["programRoutines"] = [{"name": finding.function_name}]
    if finding.file_path:
        out["programFiles"] = [finding.file_path]
    if finding.repository and not finding.repository.lower().startswith("file:"):
        out["repo"] = finding.repository  # a local file: URI is no place a CNA can reach
    out.update(_versions(finding, product, purl))
    return out


def _problem_types(finding: Finding) -> list[dict[str, Any]] | None:
    if not finding.cwe:
        return None
    name = cwe_name(finding.cwe)
    entry: dict[str, Any] = {
        "lang": "en",
        "description": f"{finding.cwe} {name}" if name else finding.cwe,
        "type": "CWE",
    }
    if _CWE_ID.match(finding.cwe) and len(finding.cwe) <= 9:  # the schema's cweId limits
        entry["cweId"] = finding.cwe
    return [{"descriptions": [entry]}]


def cvss_v4_0(score: Score) -> dict[str, Any]:
    """FIRST's object as CVE 5.1.1 bundles it: no threat or environmental score properties
    (``baseScore`` is CVSS-B, the named scores go to ``x_reviewstation``), and the modified
    subsequent-system impacts spell N as ``NONE``."""
    out = cvss_v4_object(score)
    for key in ("threatScore", "threatSeverity", "environmentalScore", "environmentalSeverity"):
        out.pop(key, None)
    for key in (
        "modifiedSubConfidentialityImpact",
        "modifiedSubIntegrityImpact",
        "modifiedSubAvailabilityImpact",
    ):
        if out.get(key) == "NEGLIGIBLE":
            out[key] = "NONE"
    return out


def _descriptions(finding: Finding) -> list[dict[str, Any]]:
    """The description (and the body as markdown), each starting with the portion mark."""
    body = finding.body.strip()
    mark = finding.portion_mark
    entry: dict[str, Any] = {
        "lang": "en",
        "value": _shorten(f"{mark} {body or finding.title}", MAX_DESCRIPTION),
    }
    media = f"{mark} {body}"
    if body and len(media) <= MAX_MEDIA:
        entry["supportingMedia"] = [{"type": "text/markdown", "base64": False, "value": media}]
    return [entry]


def record(content: PackageContent, finding: Finding) -> dict[str, Any]:
    """The CVE record of one eligible finding."""
    placeholders = ["cveMetadata.assignerOrgId", "containers.cna.providerMetadata.orgId"]
    if not finding.cve_id:
        placeholders.insert(0, "cveMetadata.cveId")
    cna: dict[str, Any] = {
        "providerMetadata": {"orgId": PLACEHOLDER_ORG},
        "title": _title(f"{finding.portion_mark} {finding.title}"),
        "descriptions": _descriptions(finding),
        "affected": [_affected(finding)],
    }
    problems = _problem_types(finding)
    if problems is not None:
        cna["problemTypes"] = problems
    cna["references"] = [
        {
            "url": f"urn:uuid:{finding.uid}",
            "name": (
                f"ReviewStation finding {finding.uid} in findings package {content.package_id}"
                " (not public)"
            ),
        }
    ]
    cvss = finding.cvss
    if cvss is not None:
        cna["metrics"] = [
            {
                "format": "CVSS",
                "scenarios": [{"lang": "en", "value": "GENERAL"}],
                "cvssV4_0": cvss_v4_0(cvss),
            }
        ]
    cna["source"] = {"discovery": "EXTERNAL"}
    cna["x_marking"] = content.marking
    product = product_of(finding)
    extra: dict[str, Any] = {
        "recordStatus": (
            "draft for a CNA: not submitted to CVE Services; replace the placeholders,"
            " add a public reference, and remove the x_ properties before publishing"
        ),
        "placeholders": placeholders,
        "portionMarking": finding.portion_marking,
        "findingUid": finding.uid,
        "findingStatus": finding.status,
        "findingRevision": finding.revision,
        "vexStatus": vex_status(finding),
        "packageId": content.package_id,
        "reviewUid": content.review.uid,
    }
    if product.version:
        extra["versions"] = product.version
    if finding.affected_versions:
        extra["affectedVersions"] = finding.affected_versions
    if finding.fixed_versions:
        extra["fixedVersions"] = finding.fixed_versions
    if product.identifier:
        extra["productId"] = product.identifier
    if cvss is not None:
        extra["cvss"] = {rating.name: rating.score for rating in cvss.ratings}
    if finding.repository:
        extra["repository"] = finding.repository
    if finding.commit_id:
        extra["commit"] = finding.commit_id
    if finding.start_line is not None:
        extra["lines"] = [finding.start_line, finding.end_line or finding.start_line]
    cna["x_reviewstation"] = extra
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": {
            "cveId": finding.cve_id or PLACEHOLDER_CVE,
            "assignerOrgId": PLACEHOLDER_ORG,
            "state": "PUBLISHED",
        },
        "containers": {"cna": cna},
    }


def build(content: PackageContent) -> dict[str, dict[str, Any]]:
    """Member name -> CVE record, for every eligible finding (none: an empty dict)."""
    return {member_name(f): record(content, f) for f in live_findings(content) if eligible(f)}


def self_check(name: str, document: dict[str, Any]) -> None:
    """Cheap structural checks at export; FormatCheckError names the first problem."""
    problems = []
    cna = document.get("containers", {}).get("cna", {})
    if document.get("dataType") != "CVE_RECORD" or document.get("dataVersion") != DATA_VERSION:
        problems.append(f"it is not a CVE {DATA_VERSION} record")
    for key in ("providerMetadata", "descriptions", "affected", "references"):
        if not cna.get(key):
            problems.append(f"its CNA container has no {key}")
    if not any(str(d.get("lang", "")).startswith("en") for d in cna.get("descriptions", [])):
        problems.append("it has no English description")
    if not isinstance(cna.get("x_marking"), str) or not cna["x_marking"]:
        problems.append("it carries no marking")
    if len(cna.get("title", "")) > MAX_TITLE:
        problems.append("its title is longer than 256 characters")
    if problems:
        raise FormatCheckError(f"{name} failed its self-check: {problems[0]}.")
