"""The standard-format members and the report: name -> bytes, for the package writer."""

from __future__ import annotations

from reviewstation import formats
from reviewstation.package_content import PackageContent
from reviewstation.reports.pdf import render_report


def standard_members(content: PackageContent) -> dict[str, bytes]:
    """SARIF, CSAF, OpenVEX (when there are vulnerabilities), CycloneDX, and report.pdf."""
    members = formats.render(content)
    members["report.pdf"] = render_report(
        content,
        {
            "Package id": content.package_id,
            "Signer P-384 (SHA-384 of SPKI)": content.signer.p384_fingerprint,
            "Signer ML-DSA-87 (SHA-384)": content.signer.mldsa87_fingerprint,
        },
    )
    return members
