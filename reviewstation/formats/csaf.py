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

from reviewstation.findings import vers
from reviewstation.findings.service import Finding, asserted
from reviewstation.formats.common import (
    CSAF_MEMBER,
    CSAF_TLP,
    TOOL_NAME,
    FormatCheckError,
    Product,
    action_text,
    content_tlp,
    cvss_text,
    cwe_name,
    disclosure_text,
    distinct,
    document_status,
    marked,
    not_asserted_note,
    publisher_name,
    statement_products,
    vulnerability_findings,
)
from reviewstation.package_content import PackageContent

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
    """A version branch: a vers range (a finding's affected or fixed versions) as
    ``product_version_range``, one version as ``product_version``. A range typed into the
    older free-text versions field becomes ``vers:generic/...`` where it reads as one."""
    if product.range is not None:
        return {
            "category": "product_version_range",
            "name": product.range.text,
            "product": _leaf(product),
        }
    category = "product_version_range" if is_version_range(product.version) else "product_version"
    name = product.version
    if category == "product_version_range":
        legacy = vers.legacy_range(name)
        parts = [part.strip() for part in re.split(r"[,;|]", name) if part.strip()]
        name = legacy.text if legacy is not None else "|".join(parts) or product.version
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
            "text": marked(finding, finding.body.strip() or finding.title),
        },
        {
            "category": "other",
            "title": "Portion marking",
            "text": marked(
                finding,
                f"The title and notes of this vulnerability are marked {finding.portion_marking}.",
            ),
        },
        {
            "category": "other",
            "title": "Severity",
            "text": marked(
                finding,
                f"Severity recorded by the reviewers: {finding.severity}."
                f" Review status: {finding.status} (revision {finding.revision}).",
            ),
        },
    ]
    note = not_asserted_note(finding)
    if note:
        notes.append(
            {"category": "other", "title": "VEX assessment", "text": marked(finding, note)}
        )
    cvss = cvss_text(finding)
    if cvss:
        notes.append({"category": "other", "title": "CVSS v4.0", "text": marked(finding, cvss)})
    if finding.cwe and not cwe_name(finding.cwe):
        notes.append({"category": "other", "title": "CWE", "text": marked(finding, finding.cwe)})
    notes.append(
        {
            "category": "other",
            "title": "Disclosure",
            "text": marked(finding, disclosure_text(finding)),
        }
    )
    return notes


JUSTIFICATION_TEXT = {
    "component_not_present": "the vulnerable component is not present",
    "vulnerable_code_not_present": "the vulnerable code is not present",
    "vulnerable_code_not_in_execute_path": "the vulnerable code is not in an execute path",
    "vulnerable_code_cannot_be_controlled_by_adversary": (
        "the vulnerable code cannot be controlled by an adversary"
    ),
    "inline_mitigations_already_exist": "inline mitigations already exist",
}


def _vulnerability(finding: Finding, created: str) -> dict[str, Any]:
    named = statement_products(finding)
    ids = {status: product.csaf_id for status, product in named.items()}
    vuln: dict[str, Any] = {"title": marked(finding, finding.title)}
    if finding.cve_id:
        vuln["cve"] = finding.cve_id
    name = cwe_name(finding.cwe)
    if finding.cwe and name:
        vuln["cwe"] = {"id": finding.cwe, "name": name}
    if "not_affected" in ids and finding.justification:
        vuln["flags"] = [{"label": finding.justification, "product_ids": [ids["not_affected"]]}]
    vuln["ids"] = [{"system_name": FINDING_SYSTEM, "text": finding.uid}]
    vuln["discovery_date"] = finding.created
    party, state = INVOLVEMENTS.get(finding.disclosure, ("other", "open"))
    vuln["involvements"] = [
        {
            "date": finding.updated,
            "party": party,
            "status": state,
            "summary": marked(finding, disclosure_text(finding)),
        }
    ]
    vuln["notes"] = _notes(finding)
    vuln["product_status"] = {PRODUCT_STATUS[status]: [pid] for status, pid in ids.items()}
    remediations = _remediations(finding, ids)
    if remediations:
        vuln["remediations"] = remediations
    impact = f"Severity {finding.severity}" + (
        f"; CVSS v4.0 {finding.cvss.summary()}." if finding.cvss else "."
    )
    threats = [
        {"category": "impact", "details": marked(finding, impact), "product_ids": [pid]}
        for status, pid in ids.items()
        if status in ("affected", "under_investigation")
    ]
    if "not_affected" in ids:
        why = JUSTIFICATION_TEXT.get(finding.justification or "", "")
        threats.append(
            {
                "category": "impact",
                "details": marked(
                    finding,
                    "The reviewers determined that this product is not affected"
                    + (f": {why}" if why else "")
                    + "; the reasoning is in the vulnerability's description note.",
                ),
                "date": created,
                "product_ids": [ids["not_affected"]],
            }
        )
    vuln["threats"] = threats
    return vuln


def _remediations(finding: Finding, ids: dict[str, str]) -> list[dict[str, Any]]:
    """A remediation for every affected or under-investigation product (CSAF optional test
    6.2.2): a fix where fixed versions are recorded, else none available, with the reviewers'
    action statement."""
    out = []
    if "affected" in ids:
        fix = bool(finding.fixed_versions) and asserted(finding)
        out.append(
            {
                "category": "vendor_fix" if fix else "none_available",
                "details": marked(finding, action_text(finding) + " " + disclosure_text(finding)),
                "product_ids": [ids["affected"]],
            }
        )
    if "under_investigation" in ids:
        out.append(
            {
                "category": "none_available",
                "details": marked(
                    finding,
                    "The reviewers are still investigating; no remediation is known yet. "
                    + disclosure_text(finding),
                ),
                "product_ids": [ids["under_investigation"]],
            }
        )
    return out


def _sorted(node: Any) -> Any:
    """Keys in alphabetical order at every level (CSAF optional test 6.2.13)."""
    if isinstance(node, dict):
        return {key: _sorted(node[key]) for key in sorted(node)}
    if isinstance(node, list):
        return [_sorted(item) for item in node]
    return node


def build(content: PackageContent) -> dict[str, Any]:
    """The CSAF 2.0 document (a JSON-able dict) for this package's vulnerability findings."""
    findings = vulnerability_findings(content)
    review = content.review
    signer = content.signer
    publisher = content.publisher
    revisions = content.revisions
    model = " ".join(p for p in (review.model_name, review.model_version) if p)
    document: dict[str, Any] = {
        "category": "csaf_vex" if findings else "csaf_base",
        "csaf_version": "2.0",
        "title": f"Vulnerabilities found in the review {review.title!r}",
        "lang": "en",
        "publisher": {
            "category": publisher.category if publisher else "other",
            "name": publisher_name(content),
            "namespace": content.publisher_namespace,
            "contact_details": (
                (f"{publisher.contact} " if publisher and publisher.contact else "")
                + f"Exported by ReviewStation {signer.role} {signer.name}; signing keys P-384"
                f" {signer.p384_fingerprint}, ML-DSA-87 {signer.mldsa87_fingerprint}."
            ),
        },
        "distribution": {
            "text": (
                f"{content.marking}. Handle according to this marking and TLP:{content.tlp},"
                f" chosen for this disclosure (CSAF 2.0 label"
                f" {CSAF_TLP[content.tlp]})."
                if content.tlp
                else f"{content.marking}. Handle according to this marking; the TLP label is"
                " ReviewStation's conservative mapping of it."
            ),
            "tlp": {"label": CSAF_TLP[content_tlp(content)], "url": TLP_URL},
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
            "id": content.tracking_id,
            "version": str(content.version),
            "status": document_status(content),
            "initial_release_date": revisions[0].date,
            "current_release_date": content.created,
            "revision_history": [
                {
                    "date": r.date,
                    "number": str(r.number),
                    "summary": f"Export {r.number} of the review from ReviewStation"
                    f" (package {r.package_id}).",
                }
                for r in revisions
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
        named = [p for f in findings for p in statement_products(f).values()]
        doc["product_tree"] = _product_tree(distinct(named))
        doc["vulnerabilities"] = [_vulnerability(f, content.created) for f in findings]
    return _sorted(doc)  # type: ignore[no-any-return]


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
