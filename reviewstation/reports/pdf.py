"""``report.pdf``: the marked, human-readable report inside a sealed findings package.

A pure function of the package content (no vault, no Qt, no clock): the same content gives the
same bytes. See docs/formats/report.md.
"""

from __future__ import annotations

import io

from reviewstation.package_content import PackageContent
from reviewstation.reports.page import Furniture, ReportDocument, canvas_class
from reviewstation.reports.sections import DOT, ReportBuilder
from reviewstation.reports.styles import make_styles


def render_report(content: PackageContent, fingerprints: dict[str, str]) -> bytes:
    """The PDF report of a package; ``fingerprints`` (name -> hex) are printed at its end."""
    builder = ReportBuilder(content, fingerprints, make_styles())
    story = builder.story()
    fold = builder.fold
    furniture = Furniture(
        marking=fold(content.marking.strip()) or "UNMARKED",
        header_left=fold(f"Findings report{DOT}{content.review.title}"),
        header_right=fold(f"Package {content.package_id}"),
        footer_left=fold(
            f"ReviewStation {content.tool_version}{DOT}created {content.created}{DOT}"
            f"signed by {content.signer.name}"
        ),
    )
    buffer = io.BytesIO()
    document = ReportDocument(
        buffer,
        furniture,
        title=fold(f"Findings report: {content.review.title}"),
        author=fold(content.signer.name),
        subject=fold(f"{content.marking} - package {content.package_id}"),
        creator=fold(f"ReviewStation {content.tool_version}"),
        keywords=[fold(content.marking)],
    )
    document.build(
        story,
        canvasmaker=canvas_class(content.created, f"{content.package_id}\0{content.created}"),
    )
    return buffer.getvalue()
