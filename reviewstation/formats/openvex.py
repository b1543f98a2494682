"""``vulnerabilities.openvex.json``: one OpenVEX 0.2.0 statement per vulnerability finding.

OpenVEX requires at least one statement, and a statement is a claim about a real
vulnerability; a package without vulnerability findings therefore has no OpenVEX member
(``build`` returns None) rather than a placeholder claim.
"""

from __future__ import annotations

from typing import Any

from reviewstation.findings.service import JUSTIFICATIONS, Finding
from reviewstation.formats.common import (
    OPENVEX_MEMBER,
    TOOL_NAME,
    FormatCheckError,
    Product,
    action_text,
    cvss_text,
    disclosure_text,
    marked,
    member_uuid,
    not_asserted_note,
    publisher_name,
    review_uuid,
    statement_products,
    vulnerability_findings,
)
from reviewstation.package_content import PackageContent

CONTEXT = "https://openvex.dev/ns/v0.2.0"
STATUSES = ("not_affected", "affected", "fixed", "under_investigation")


def vulnerability_name(finding: Finding) -> str:
    """The CVE id where one is assigned, else the finding's own URN."""
    return finding.cve_id or f"urn:uuid:{finding.uid}"


# OpenVEX 0.2.0 allows no field of its own at the top level or in a statement
# (additionalProperties: false), so the package's overall marking opens every statement's
# status_notes, the one free-text field each statement has: "Package marking: SECRET//NOFORN."
# The finding's own text follows it after the finding's portion mark, as it opens the
# vulnerability's description, the action statement and the impact statement.
MARKING_NOTE = "Package marking: "


def statement_marking(statement: Any) -> str | None:
    """The overall marking opening a statement's status_notes, None when there is none."""
    notes = statement.get("status_notes") if isinstance(statement, dict) else None
    if not isinstance(notes, str) or not notes.startswith(MARKING_NOTE):
        return None
    return notes[len(MARKING_NOTE) :].split(". ", 1)[0].rstrip(".")


def _component(product: Product) -> dict[str, Any]:
    """An OpenVEX product. OpenVEX 0.2.0 has no version ranges: a product that stands for a
    vers range gets an @id of its own and no purl or CPE (a versionless purl would claim every
    version); the range is in the statement's status_notes."""
    if product.range is not None:
        return {"@id": f"urn:reviewstation:product:{product.key[:32]}"}
    component: dict[str, Any] = {"@id": product.iri}
    if product.purl:
        component["identifiers"] = {"purl": product.purl}
    elif product.cpe:
        component["identifiers"] = {"cpe23": product.cpe}
    return component


def _statement(
    finding: Finding, status: str, product: Product, created: str, marking: str
) -> dict[str, Any]:
    vulnerability: dict[str, Any] = {
        "@id": f"urn:uuid:{finding.uid}",
        "name": vulnerability_name(finding),
        "description": marked(finding, finding.title),
    }
    if finding.cve_id:
        vulnerability["aliases"] = [f"urn:uuid:{finding.uid}"]
    statement: dict[str, Any] = {
        "@id": f"urn:uuid:{member_uuid(finding.uid + '/' + status, OPENVEX_MEMBER)}",
        "vulnerability": vulnerability,
        "timestamp": created,
        "products": [_component(product)],
        "status": status,
    }
    if product.vendor:
        statement["supplier"] = product.vendor
    where = f"product {product.full_name}"
    if product.range is not None and product.identifier:
        where += f" ({product.identifier}, versions {product.range.text})"
    notes = [
        f"{finding.portion_mark} Severity {finding.severity}",
        cvss_text(finding) or "",
        f"{finding.cwe}" if finding.cwe else "",
        where,
        f"review status {finding.status}",
    ]
    statement["status_notes"] = (
        f"{MARKING_NOTE}{marking}. "
        + "; ".join(n for n in notes if n)
        + ". "
        + disclosure_text(finding)
        + (f" {not_asserted_note(finding)}" if not_asserted_note(finding) else "")
    )
    if status == "not_affected":
        if finding.justification:
            statement["justification"] = finding.justification
        statement["impact_statement"] = marked(
            finding,
            "The reviewers determined that this product is not affected; the reasoning is"
            " recorded with the finding in the package's findings.json.",
        )
    elif status == "affected":
        statement["action_statement"] = marked(
            finding, action_text(finding) + " " + disclosure_text(finding)
        )
        statement["action_statement_timestamp"] = finding.updated
    return statement


def _statements(finding: Finding, created: str, marking: str) -> list[dict[str, Any]]:
    return [
        _statement(finding, status, product, created, marking)
        for status, product in statement_products(finding).items()
    ]


def build(content: PackageContent) -> dict[str, Any] | None:
    """The OpenVEX document, or None when the package holds no vulnerability findings."""
    findings = vulnerability_findings(content)
    if not findings:
        return None
    signer = content.signer
    return {
        "@context": CONTEXT,
        "@id": f"urn:uuid:{review_uuid(content, OPENVEX_MEMBER)}",
        "author": publisher_name(content),
        "role": f"ReviewStation {signer.role} {signer.name} for {content.publisher_namespace}",
        "timestamp": content.created,
        "last_updated": content.created,
        "version": content.version,
        "tooling": f"{TOOL_NAME} {content.tool_version}",
        "statements": [
            s for f in findings for s in _statements(f, content.created, content.marking)
        ],
    }


def self_check(doc: dict[str, Any]) -> None:
    """Cheap structural checks at export time; FormatCheckError names the first problem."""
    problems = []
    statements = doc.get("statements") or []
    if doc.get("@context") != CONTEXT or not statements:
        problems.append("it must have the 0.2.0 context and at least one statement")
    for i, statement in enumerate(statements):
        status = statement.get("status")
        if status not in STATUSES:
            problems.append(f"statement {i} has no valid status")
        if status == "not_affected" and not (
            statement.get("justification") or statement.get("impact_statement")
        ):
            problems.append(f"statement {i} is not_affected without a justification")
        if statement.get("justification", JUSTIFICATIONS[0]) not in JUSTIFICATIONS:
            problems.append(f"statement {i} has an unknown justification")
        if status == "affected" and not statement.get("action_statement"):
            problems.append(f"statement {i} is affected without an action statement")
        if not statement.get("products"):
            problems.append(f"statement {i} names no product")
    if len({statement_marking(s) for s in statements} - {None}) != 1 or any(
        statement_marking(s) is None for s in statements
    ):
        problems.append("its statements do not all carry one package marking")
    if problems:
        raise FormatCheckError(f"{OPENVEX_MEMBER} failed its self-check: {problems[0]}.")
