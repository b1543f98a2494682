"""``vulnerabilities.csaf.json``: the package's vulnerability findings as a CSAF 2.0 document.

Category ``csaf_vex``: ReviewStation records, per finding, the product and whether it is
affected, fixed, not affected or under investigation, which is what the VEX profile carries;
the clearinghouse's tools read the product status machine-readably. A package without
vulnerability findings gets a ``csaf_base`` document that says so (the VEX profile requires
at least one vulnerability).

CSAF 2.0 scores hold only CVSS v2 and v3 objects, so a finding's CVSS v4.0 vector and its named
scores (CVSS-B from the base metrics alone, and CVSS-BT/BE/BTE as the vector sets threat and
environmental metrics) travel as a vulnerability note titled "CVSS v4.0", never as a (wrong) v3
score. CSAF 2.1's ``cvss_v4`` object is built by formats/cvss.py.
"""

from __future__ import annotations

import re
from typing import Any

from reviewstation.findings.service import Finding
from reviewstation.formats.common import (
    CSAF_MEMBER,
    TOOL_NAME,
    FormatCheckError,
    Product,
    cvss_text,
    cwe_name,
    disclosure_text,
    product_of,
    products,
    tlp_label,
    vex_status,
    vulnerability_findings,
)
from reviewstation.package_content import PackageContent

NAMESPACE = "urn:reviewstation"
TLP_URL = "https://www.first.org/tlp/"
FINDING_SYSTEM = "ReviewStation finding"
PRODUCT_STATUS = {
    "affected": "known_affected",
    "fixed": "fixed",
    "not_affected": "known_not_affected",
    "under_investigation": "under_investigation",
}
# Version strings that name a range, not one version (CSAF mandatory test 6.1.31).
RANGE_WORDS = re.compile(
    r"[<>]|\b(after|all|before|earlier|later|prior|versions?|through|until)\b|[,;|*]|\s",
    re.IGNORECASE,
)
# The CPE 2.3 formatted-string pattern that the CSAF 2.0 schema requires of a cpe helper.
_CPE_PART = (
    r"(((\?*|\*?)([a-zA-Z0-9\-._]|(\\[\\*?!\"#$%&'()+,/:;<=>@\[\]^`{|}~]))+(\?*|\*?))|[*\-])"
)
CPE23 = re.compile(
    rf"^cpe:2\.3:[aho*\-](:{_CPE_PART}){{5}}"
    r"(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[*\-]))"
    rf"(:{_CPE_PART}){{4}}$"
)
INVOLVEMENTS = {
    "not_shared": ("coordinator", "not_contacted"),
    "sent_to_clearinghouse": ("coordinator", "in_progress"),
    "vendor_notified": ("vendor", "contact_attempted"),
    "cve_assigned": ("coordinator", "in_progress"),
}


def is_version_range(version: str) -> bool:
    return bool(RANGE_WORDS.search(version))


def _leaf(product: Product) -> dict[str, Any]:
    full: dict[str, Any] = {"name": product.full_name, "product_id": product.csaf_id}
    if product.purl:
        full["product_identification_helper"] = {"purl": product.purl}
    elif product.cpe and CPE23.match(product.cpe):
        full["product_identification_helper"] = {"cpe": product.cpe}
    return full


def _version_branch(product: Product) -> dict[str, Any]:
    category = "product_version_range" if is_version_range(product.version) else "product_version"
    name = product.version
    if category == "product_version_range" and not name.startswith("vers:"):
        # A vers-like specifier: the constraints alone, "|"-separated (">=1.0|<1.3").
        parts = [part.strip() for part in re.split(r"[,;|]", name) if part.strip()]
        name = "|".join(parts) or product.version
    return {"category": category, "name": name, "product": _leaf(product)}


def _product_tree(items: list[Product]) -> dict[str, Any]:
    """Branches vendor > product name > version where a name is known; otherwise, and for
    products whose branch path another product already ends in, full product names."""
    by_path: dict[tuple[str, str, str], list[Product]] = {}
    loose: list[Product] = []
    for product in items:
        if product.name:
            by_path.setdefault((product.vendor, product.name, product.version), []).append(product)
        else:
            loose.append(product)
    tree: dict[str, dict[str, list[Product]]] = {}
    for path, group in by_path.items():
        if len(group) > 1:  # one branch holds one product: keep them all flat instead
            loose.extend(group)
            continue
        vendor, name, _ = path
        tree.setdefault(vendor, {}).setdefault(name, []).append(group[0])

    def name_branch(name: str, group: list[Product]) -> dict[str, Any]:
        branch: dict[str, Any] = {"category": "product_name", "name": name}
        versioned = sorted((p for p in group if p.version), key=lambda p: p.version)
        plain = [p for p in group if not p.version]
        if versioned and plain:  # a branch carries either a product or sub-branches
            loose.extend(plain)
            plain = []
        if plain:
            branch["product"] = _leaf(plain[0])
        else:
            branch["branches"] = [_version_branch(p) for p in versioned]
        return branch

    branches: list[dict[str, Any]] = []
    for vendor in sorted(tree):
        names = [name_branch(name, tree[vendor][name]) for name in sorted(tree[vendor])]
        if vendor:
            branches.append({"category": "vendor", "name": vendor, "branches": names})
        else:
            branches.extend(names)
    out: dict[str, Any] = {}
    if branches:
        out["branches"] = branches
    if loose:
        out["full_product_names"] = [
            _leaf(p) for p in sorted(loose, key=lambda p: (p.full_name, p.key))
        ]
    return out


def _notes(finding: Finding) -> list[dict[str, Any]]:
    notes = [
        {
            "category": "description",
            "title": "Finding",
            "text": finding.body.strip() or finding.title,
        },
        {
            "category": "other",
            "title": "Portion marking",
            "text": f"{finding.portion_mark} The title and notes of this vulnerability are"
            f" marked {finding.portion_marking}.",
        },
        {
            "category": "other",
            "title": "Severity",
            "text": f"Severity recorded by the reviewers: {finding.severity}."
            f" Review status: {finding.status} (revision {finding.revision}).",
        },
    ]
    cvss = cvss_text(finding)
    if cvss:
        notes.append({"category": "other", "title": "CVSS v4.0", "text": cvss})
    if finding.cwe and not cwe_name(finding.cwe):
        notes.append({"category": "other", "title": "CWE", "text": finding.cwe})
    notes.append({"category": "other", "title": "Disclosure", "text": disclosure_text(finding)})
    return notes


def _vulnerability(finding: Finding, created: str) -> dict[str, Any]:
    product = product_of(finding)
    status = vex_status(finding)
    pid = product.csaf_id
    vuln: dict[str, Any] = {"title": finding.title}
    if finding.cve_id:
        vuln["cve"] = finding.cve_id
    name = cwe_name(finding.cwe)
    if finding.cwe and name:
        vuln["cwe"] = {"id": finding.cwe, "name": name}
    vuln["ids"] = [{"system_name": FINDING_SYSTEM, "text": finding.uid}]
    vuln["discovery_date"] = finding.created
    party, state = INVOLVEMENTS.get(finding.disclosure, ("other", "open"))
    vuln["involvements"] = [{"party": party, "status": state, "summary": disclosure_text(finding)}]
    vuln["notes"] = _notes(finding)
    vuln["product_status"] = {PRODUCT_STATUS[status]: [pid]}
    if status == "affected":
        vuln["remediations"] = [
            {
                "category": "none_available",
                "details": "No remediation is known to the reviewers yet. "
                + disclosure_text(finding),
                "product_ids": [pid],
            }
        ]
    threats = [
        {
            "category": "impact",
            "details": f"Severity {finding.severity}"
            + (f"; CVSS v4.0 {finding.cvss.summary()}" if finding.cvss else "")
            + ".",
            "product_ids": [pid],
        }
    ]
    if status == "not_affected":
        threats = [
            {
                "category": "impact",
                "details": "The reviewers determined that this product is not affected;"
                " the reasoning is in the vulnerability's description note.",
                "date": created,
                "product_ids": [pid],
            }
        ]
    vuln["threats"] = threats
    return vuln


def build(content: PackageContent) -> dict[str, Any]:
    """The CSAF 2.0 document (a JSON-able dict) for this package's vulnerability findings."""
    findings = vulnerability_findings(content)
    review = content.review
    signer = content.signer
    model = " ".join(p for p in (review.model_name, review.model_version) if p)
    document: dict[str, Any] = {
        "category": "csaf_vex" if findings else "csaf_base",
        "csaf_version": "2.0",
        "title": f"Vulnerabilities found in the review {review.title!r}",
        "lang": "en",
        "publisher": {
            "category": "other",
            "name": signer.name or "ReviewStation reviewer",
            "namespace": NAMESPACE,
            "contact_details": (
                f"ReviewStation {signer.role} {signer.name}; signing keys P-384"
                f" {signer.p384_fingerprint}, ML-DSA-87 {signer.mldsa87_fingerprint}."
            ),
        },
        "distribution": {
            "text": f"{content.marking}. Handle according to this marking; the TLP label is"
            " ReviewStation's conservative mapping of it.",
            "tlp": {"label": tlp_label(content.marking), "url": TLP_URL},
        },
        "notes": [
            {
                "category": "summary",
                "title": "Review",
                "text": f"Pre-release review {review.title!r} of {review.developer}'s model"
                f" {model} (review {review.uid}). "
                + (
                    f"{len(findings)} vulnerability finding(s)."
                    if findings
                    else "The package holds no vulnerability findings."
                ),
            },
            {"category": "general", "title": "Marking", "text": content.marking},
        ],
        "tracking": {
            "id": content.package_id,
            "version": "1",
            "status": "final",
            "initial_release_date": content.created,
            "current_release_date": content.created,
            "revision_history": [
                {"date": content.created, "number": "1", "summary": "Exported from ReviewStation."}
            ],
            "generator": {
                "date": content.created,
                "engine": {"name": TOOL_NAME, "version": content.tool_version},
            },
        },
    }
    if findings:
        worst = findings[0].severity  # live_findings sorts most severe first
        document["aggregate_severity"] = {"text": worst}
    doc: dict[str, Any] = {"document": document}
    if findings:
        doc["product_tree"] = _product_tree(products(findings))
        doc["vulnerabilities"] = [_vulnerability(f, content.created) for f in findings]
    return doc


def self_check(doc: dict[str, Any]) -> None:
    """Run the mandatory tests that ReviewStation implements; FormatCheckError on failure."""
    from reviewstation.formats.csaf_checks import mandatory_problems

    problems = mandatory_problems(doc)
    if problems:
        first = problems[0]
        raise FormatCheckError(
            f"{CSAF_MEMBER} failed CSAF mandatory test {first.test} at {first.path}:"
            f" {first.message}."
        )
