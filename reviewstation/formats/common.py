"""What the standard-format writers share: ordering, products, CWE names, stable ids.

Everything here is a pure function of a :class:`PackageContent`: no clock, no randomness, no
database. Identifiers are derived from uids and the package id, so the same content always
gives the same documents, byte for byte.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from packageurl import PackageURL

from reviewstation.canonical import canonical
from reviewstation.errors import InputError, ReviewStationError
from reviewstation.findings import vers
from reviewstation.findings.service import SEVERITIES, Finding, asserted
from reviewstation.markings import rank as marking_rank
from reviewstation.package_content import PackageContent

TOOL_NAME = "ReviewStation"
# Fixed namespace for the name-based (v5) UUIDs of package members; never change it, or the
# serial numbers of re-exported packages would change.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:reviewstation")

SARIF_MEMBER = "findings.sarif"
CSAF_MEMBER = "vulnerabilities.csaf.json"
OPENVEX_MEMBER = "vulnerabilities.openvex.json"
CYCLONEDX_MEMBER = "artifacts.cdx.json"
CVE_DIR = "cve/"  # one CVE record per eligible vulnerability finding: cve/<finding uid>.json

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
_CPE_SPLIT = re.compile(r"(?<!\\):")


class FormatCheckError(ReviewStationError):
    """A writer produced a document that fails its own structural check (a bug, not bad input)."""


def member_uuid(package_id: str, member: str) -> uuid.UUID:
    """The stable UUID of one member of one package (CycloneDX serial, OpenVEX @id, SARIF guid)."""
    return uuid.uuid5(NAMESPACE, f"{package_id}/{member}")


def review_uuid(content: PackageContent, member: str) -> uuid.UUID:
    """The UUID of one member of every package of the review: the same in each export of it
    (CycloneDX serialNumber and OpenVEX @id, whose ``version`` counts the exports)."""
    return uuid.uuid5(NAMESPACE, f"review/{content.review.uid}/{member}")


def live_findings(content: PackageContent) -> list[Finding]:
    """Findings in report order: most severe first, then oldest, then by uid.

    ``gather`` already leaves withdrawn findings out; they are dropped here again because a
    writer must never carry their text, whoever built the content.
    """
    kept = [f for f in content.findings if f.status != "withdrawn"]
    return sorted(kept, key=lambda f: (SEVERITIES.index(f.severity), f.created, f.uid))


def vulnerability_findings(content: PackageContent) -> list[Finding]:
    return [f for f in live_findings(content) if f.kind == "vulnerability"]


def cvss_text(finding: Finding) -> str | None:
    """The vector and every named score: 'CVSS:4.0/... (CVSS-B 9.3 Critical, CVSS-BT 8.1 High)'."""
    cvss = finding.cvss
    return f"{cvss.vector} ({cvss.summary()})" if cvss else None


@dataclass(frozen=True)
class Product:
    """The affected product of a vulnerability finding, as the formats need it."""

    key: str  # stable digest of what identifies it
    vendor: str
    name: str
    version: str
    identifier: str  # purl or CPE 2.3, or ""
    finding_uid: str | None  # set only for a product nobody described (one per finding)

    @property
    def range(self) -> vers.Vers | None:
        """The vers range this product stands for, when its version is one (not one version)."""
        parsed = check_range(self.version) if self.version.startswith("vers:") else None
        return None if parsed is None or parsed.single is not None else parsed

    @property
    def purl(self) -> str | None:
        return self.identifier if self.identifier.startswith("pkg:") else None

    @property
    def cpe(self) -> str | None:
        return self.identifier if self.identifier.startswith("cpe:") else None

    @property
    def csaf_id(self) -> str:
        return f"CSAFPID-{self.key[:16].upper()}"

    @property
    def iri(self) -> str:
        """An IRI for the product: its purl or CPE, else a ReviewStation URN."""
        return self.identifier or f"urn:reviewstation:product:{self.key[:32]}"

    @property
    def full_name(self) -> str:
        if self.finding_uid is not None:
            return f"Product not recorded (finding {self.finding_uid})"
        parts = [p for p in (self.vendor, self.name, self.version) if p]
        return " ".join(parts) or self.identifier


def _from_identifier(identifier: str) -> tuple[str, str, str]:
    """(vendor, name, version) read from a purl or a CPE 2.3 name; blanks where unknown."""
    if identifier.startswith("pkg:"):
        try:
            purl = PackageURL.from_string(identifier)
        except ValueError:
            return "", "", ""
        return purl.namespace or "", purl.name or "", purl.version or ""
    if identifier.startswith("cpe:2.3:"):
        fields = _CPE_SPLIT.split(identifier)
        if len(fields) >= 6:
            vendor, name, version = (f.replace("\\", "") for f in fields[3:6])
            return (
                "" if vendor in ("*", "-") else vendor,
                "" if name in ("*", "-") else name,
                "" if version in ("*", "-") else version,
            )
    return "", "", ""


def _with_version(identifier: str, version: str | None) -> str:
    """The purl or CPE naming ``version`` (None: any version, for a product range)."""
    if identifier.startswith("pkg:"):
        try:
            purl = PackageURL.from_string(identifier)
        except ValueError:
            return identifier
        return str(purl._replace(version=version).to_string())
    if identifier.startswith("cpe:2.3:"):
        fields = _CPE_SPLIT.split(identifier)
        if len(fields) >= 6:
            fields[5] = version.replace(":", "\\:") if version else "*"
            return ":".join(fields)
    return identifier


def product_of(finding: Finding, version: str | None = None) -> Product:
    """The finding's product; with ``version`` (a vers range, or one version) the product in
    those versions: a range keeps the purl or CPE without its version, one version puts it
    in."""
    identifier = finding.product_id.strip()
    vendor = finding.vendor.strip()
    name = finding.product.strip()
    if version:
        parsed = vers.parse(version) if version.startswith("vers:") else None
        single = parsed.single if parsed is not None else version
        if single is not None:
            version = single
        identifier = _with_version(identifier, single)
    version = version or finding.versions.strip()
    id_vendor, id_name, id_version = _from_identifier(identifier)
    vendor = vendor or id_vendor
    name = name or id_name
    version = version or id_version
    anonymous = not (vendor or name or version or identifier)
    fields = {
        "vendor": vendor,
        "name": name,
        "version": version,
        "identifier": identifier,
        "finding": finding.uid if anonymous else None,
    }
    key = hashlib.sha256(canonical(fields)).hexdigest()
    return Product(key, vendor, name, version, identifier, finding.uid if anonymous else None)


def products(findings: list[Finding]) -> list[Product]:
    """The distinct products of these findings, in a stable order."""
    return distinct([product_of(f) for f in findings])


def distinct(items: list[Product]) -> list[Product]:
    """Each product once, in a stable order."""
    unique = {p.key: p for p in items}
    return sorted(unique.values(), key=lambda p: (p.vendor, p.name, p.version, p.identifier, p.key))


# Names exactly as the CWE list gives them, for the weaknesses a review most often records.
# CSAF needs the exact name beside the id; a CWE missing here is carried as a note instead.
CWE_NAMES: dict[str, str] = {
    "CWE-20": "Improper Input Validation",
    "CWE-22": "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    "CWE-59": "Improper Link Resolution Before File Access ('Link Following')",
    "CWE-74": (
        "Improper Neutralization of Special Elements in Output Used by a Downstream Component"
        " ('Injection')"
    ),
    "CWE-77": "Improper Neutralization of Special Elements used in a Command ('Command Injection')",
    "CWE-78": (
        "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"
    ),
    "CWE-79": (
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    ),
    "CWE-89": (
        "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"
    ),
    "CWE-94": "Improper Control of Generation of Code ('Code Injection')",
    "CWE-119": "Improper Restriction of Operations within the Bounds of a Memory Buffer",
    "CWE-120": "Buffer Copy without Checking Size of Input ('Classic Buffer Overflow')",
    "CWE-121": "Stack-based Buffer Overflow",
    "CWE-122": "Heap-based Buffer Overflow",
    "CWE-125": "Out-of-bounds Read",
    "CWE-190": "Integer Overflow or Wraparound",
    "CWE-200": "Exposure of Sensitive Information to an Unauthorized Actor",
    "CWE-269": "Improper Privilege Management",
    "CWE-276": "Incorrect Default Permissions",
    "CWE-284": "Improper Access Control",
    "CWE-287": "Improper Authentication",
    "CWE-295": "Improper Certificate Validation",
    "CWE-306": "Missing Authentication for Critical Function",
    "CWE-327": "Use of a Broken or Risky Cryptographic Algorithm",
    "CWE-352": "Cross-Site Request Forgery (CSRF)",
    "CWE-362": (
        "Concurrent Execution using Shared Resource with Improper Synchronization"
        " ('Race Condition')"
    ),
    "CWE-367": "Time-of-check Time-of-use (TOCTOU) Race Condition",
    "CWE-400": "Uncontrolled Resource Consumption",
    "CWE-415": "Double Free",
    "CWE-416": "Use After Free",
    "CWE-434": "Unrestricted Upload of File with Dangerous Type",
    "CWE-476": "NULL Pointer Dereference",
    "CWE-502": "Deserialization of Untrusted Data",
    "CWE-611": "Improper Restriction of XML External Entity Reference",
    "CWE-787": "Out-of-bounds Write",
    "CWE-798": "Use of Hard-coded Credentials",
    "CWE-843": "Access of Resource Using Incompatible Type ('Type Confusion')",
    "CWE-862": "Missing Authorization",
    "CWE-863": "Incorrect Authorization",
    "CWE-918": "Server-Side Request Forgery (SSRF)",
    "CWE-1321": (
        "Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')"
    ),
    "CWE-1426": "Improper Validation of Generative AI Output",
    "CWE-1427": "Improper Neutralization of Input Used for LLM Prompting",
}


def cwe_name(cwe: str | None) -> str | None:
    return CWE_NAMES.get(cwe) if cwe else None


def cwe_number(cwe: str) -> int:
    return int(cwe.removeprefix("CWE-"))


DISCLOSURE_TEXT = {
    "not_shared": "Not yet shared outside the review.",
    "sent_to_clearinghouse": "Sent to the clearinghouse for coordinated fixing.",
    "vendor_notified": "The vendor has been notified.",
    "cve_assigned": "A CVE id has been assigned.",
}


def disclosure_text(finding: Finding) -> str:
    text = DISCLOSURE_TEXT.get(finding.disclosure, finding.disclosure)
    if finding.cve_id:
        text = f"{text} CVE: {finding.cve_id}."
    return text


def vex_status(finding: Finding) -> str:
    """The VEX status; a vulnerability nobody has assessed yet is under investigation."""
    return finding.vex_status or "under_investigation"


def statement_status(finding: Finding) -> str:
    """The VEX status an export asserts: the recorded one for an approved finding; for any
    other finding only what is true of it, that the reviewers are still investigating."""
    return vex_status(finding) if asserted(finding) else "under_investigation"


def not_asserted_note(finding: Finding) -> str | None:
    """Why a finding's recorded status is not asserted, None when it is."""
    if asserted(finding) or vex_status(finding) == "under_investigation":
        return None
    return (
        f"The finding is {finding.status}, not approved: the reviewers' recorded assessment"
        f" ({vex_status(finding)}) is not asserted until a second person approves it."
    )


def statement_products(finding: Finding) -> dict[str, Product]:
    """The products a finding's VEX statement names, by VEX status: the status asserted for
    its affected versions (the range when recorded, else the version reviewed) and, for an
    asserted ``fixed``, ``fixed`` for its fixed versions with ``affected`` for the affected
    range when one is recorded."""
    status = statement_status(finding)
    if status != "fixed":
        return {status: product_of(finding, finding.affected_versions or None)}
    out = {"fixed": product_of(finding, finding.fixed_versions or None)}
    if finding.affected_versions:
        out["affected"] = product_of(finding, finding.affected_versions)
    return out


def marked(finding: Finding, text: str) -> str:
    """A finding's text as a member carries it: after the finding's portion mark,
    ``(S//NF) Heap overflow``, so the mark stays on the text wherever it is read."""
    return f"{finding.portion_mark} {text}"


def action_text(finding: Finding) -> str:
    """What a user of an affected product should do: the reviewers' action statement, or, for
    a fixed finding without one, to update to a fixing version."""
    if finding.action_statement.strip():
        return finding.action_statement.strip()
    if finding.fixed_versions:
        return f"Update to a fixed version ({finding.fixed_versions})."
    return "No remediation is known to the reviewers yet."


def document_status(content: PackageContent) -> str:
    """CSAF ``document.tracking.status`` from the review's state: ``draft`` while the review is
    not approved; once it is, ``final`` when every vulnerability finding is approved and
    settled (none under investigation), else ``interim`` (more is expected to change)."""
    if content.review.status not in ("approved", "exported", "closed"):
        return "draft"
    findings = vulnerability_findings(content)
    settled = all(statement_status(f) != "under_investigation" for f in findings)
    return "final" if settled else "interim"


def publisher_name(content: PackageContent) -> str:
    publisher = content.publisher
    if publisher is not None and publisher.name:
        return publisher.name
    return content.signer.name or "ReviewStation reviewer"


def check_range(text: str) -> vers.Vers | None:
    """A stored range read back (None when it is not one: written by hand, not by the store)."""
    try:
        return vers.parse(text)
    except InputError:
        return None


def tlp_label(marking: str) -> str:
    """TLP for a classification marking. Classification is not TLP, so this is conservative:
    nothing from a pre-release review is for public release (never CLEAR/WHITE or GREEN); CUI
    and UNCLASSIFIED material is need-to-know (AMBER); classified or unknown markings are RED.
    """
    return "AMBER" if marking_rank(marking) <= 1 else "RED"


# TLP 2.0 labels (FIRST), as a selective disclosure chooses one for its members.
TLP_LABELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
# CSAF 2.0's distribution.tlp.label allows only TLP 1.0's WHITE, GREEN, AMBER and RED: CLEAR
# is written WHITE (its TLP 1.0 name), AMBER+STRICT as AMBER with the distribution text
# saying TLP:AMBER+STRICT (the stricter reading, which a TLP 1.0 reader cannot express).
CSAF_TLP = {
    "CLEAR": "WHITE",
    "GREEN": "GREEN",
    "AMBER": "AMBER",
    "AMBER+STRICT": "AMBER",
    "RED": "RED",
}
# CycloneDX 1.7's metadata.distributionConstraints.tlp names AMBER+STRICT AMBER_AND_STRICT.
CYCLONEDX_TLP = {label: label.replace("+", "_AND_") for label in TLP_LABELS}


def content_tlp(content: PackageContent) -> str:
    """The TLP 2.0 label of the package's members: the disclosure's, else the marking's."""
    return content.tlp or tlp_label(content.marking)
