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
from reviewstation.errors import ReviewStationError
from reviewstation.findings.service import SEVERITIES, Finding
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


def product_of(finding: Finding) -> Product:
    identifier = finding.product_id.strip()
    vendor = finding.vendor.strip()
    name = finding.product.strip()
    version = finding.versions.strip()
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
    unique = {p.key: p for p in (product_of(f) for f in findings)}
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


def tlp_label(marking: str) -> str:
    """TLP for a classification marking. Classification is not TLP, so this is conservative:
    nothing from a pre-release review is for public release (never CLEAR/WHITE or GREEN); CUI
    and UNCLASSIFIED material is need-to-know (AMBER); classified or unknown markings are RED.
    """
    return "AMBER" if marking_rank(marking) <= 1 else "RED"
