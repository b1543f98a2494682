"""Page geometry, paragraph styles and colours of the report (the embedded fonts: fonts.py)."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle

from reviewstation.reports.fonts import MONO as MONO
from reviewstation.reports.fonts import MONO_BOLD as MONO_BOLD
from reviewstation.reports.fonts import SANS as SANS
from reviewstation.reports.fonts import SANS_BOLD as SANS_BOLD
from reviewstation.reports.fonts import SANS_ITALIC as SANS_ITALIC
from reviewstation.reports.fonts import register as register_fonts

PAGE_WIDTH, PAGE_HEIGHT = letter  # a US government report: US Letter
MARGIN_X = 54.0
BANNER_HEIGHT = 20.0
HEADER_GAP = 30.0  # from the banner's edge to the frame, top and bottom
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FRAME_BOTTOM = BANNER_HEIGHT + HEADER_GAP + 4
FRAME_TOP = PAGE_HEIGHT - BANNER_HEIGHT - HEADER_GAP - 4
FRAME_HEIGHT = FRAME_TOP - FRAME_BOTTOM

# The embedded DejaVu faces (fonts.py: SANS, MONO, ...) are registered by make_styles.
MONO_CHAR = 0.602  # DejaVu Sans Mono's advance width, as a fraction of the font size

INK = colors.HexColor("#1f2328")
MUTED = colors.HexColor("#5b636e")
RULE = colors.HexColor("#c9ced6")
SHADE = colors.HexColor("#eef1f5")
CODE_SHADE = colors.HexColor("#f5f6f8")
HEADING = colors.HexColor("#1b2a4a")
ALERT = colors.HexColor("#b00020")
ALERT_SHADE = colors.HexColor("#fdecee")
GOOD = colors.HexColor("#1b7f3b")
WARN = colors.HexColor("#a35c00")

SEVERITY_COLOURS: dict[str, tuple[str, str]] = {  # background, text
    "critical": ("#6d0a0a", "#ffffff"),
    "high": ("#a4161a", "#ffffff"),
    "medium": ("#e8a317", "#000000"),
    "low": ("#2b6cb0", "#ffffff"),
    "info": ("#6b7280", "#ffffff"),
}
STATUS_COLOURS: dict[str, tuple[str, str]] = {  # checklist answer: background, text
    "open": ("#b00020", "#ffffff"),
    "not_a_finding": ("#d9f2e1", "#0f5c2a"),
    "not_applicable": ("#e5e7eb", "#374151"),
    "not_reviewed": ("#fff4d6", "#7a4b00"),
}
DETERMINATION_COLOURS: dict[str, tuple[str, str]] = {
    "covered": ("#b00020", "#ffffff"),
    "not_covered": ("#1b7f3b", "#ffffff"),
    "pending": ("#e8a317", "#000000"),
}


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    label: ParagraphStyle
    cell: ParagraphStyle
    cell_mono: ParagraphStyle
    kicker: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    h4: ParagraphStyle
    finding_title: ParagraphStyle
    bullet: ParagraphStyle
    quote: ParagraphStyle
    code: ParagraphStyle


def make_styles() -> Styles:
    register_fonts()
    body = ParagraphStyle(
        "rs-body",
        fontName=SANS,
        fontSize=9.5,
        leading=13,
        textColor=INK,
        alignment=TA_LEFT,
        spaceAfter=5,
        splitLongWords=1,
    )
    cell = ParagraphStyle("rs-cell", parent=body, fontSize=8.5, leading=11, spaceAfter=2)
    return Styles(
        body=body,
        small=ParagraphStyle("rs-small", parent=body, fontSize=8, leading=10.5, spaceAfter=3),
        muted=ParagraphStyle(
            "rs-muted", parent=body, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=3
        ),
        label=ParagraphStyle(
            "rs-label", parent=cell, fontName=SANS_BOLD, textColor=MUTED, spaceAfter=0
        ),
        cell=cell,
        cell_mono=ParagraphStyle(
            "rs-cell-mono", parent=cell, fontName=MONO, fontSize=8, leading=10, spaceAfter=0
        ),
        kicker=ParagraphStyle(
            "rs-kicker",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=9,
            textColor=MUTED,
            spaceAfter=6,
        ),
        title=ParagraphStyle(
            "rs-title",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=22,
            leading=27,
            textColor=HEADING,
            spaceAfter=6,
        ),
        subtitle=ParagraphStyle(
            "rs-subtitle", parent=body, fontSize=12.5, leading=16, textColor=MUTED, spaceAfter=14
        ),
        h1=ParagraphStyle(
            "rs-h1",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=16,
            leading=20,
            textColor=HEADING,
            spaceBefore=0,
            spaceAfter=8,
        ),
        h2=ParagraphStyle(
            "rs-h2",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=12.5,
            leading=16,
            textColor=HEADING,
            spaceBefore=12,
            spaceAfter=4,
            keepWithNext=1,
        ),
        h3=ParagraphStyle(
            "rs-h3",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=10.5,
            leading=14,
            textColor=HEADING,
            spaceBefore=9,
            spaceAfter=3,
            keepWithNext=1,
        ),
        h4=ParagraphStyle(
            "rs-h4",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=9.5,
            leading=13,
            spaceBefore=6,
            spaceAfter=2,
            keepWithNext=1,
        ),
        finding_title=ParagraphStyle(
            "rs-finding-title",
            parent=body,
            fontName=SANS_BOLD,
            fontSize=13,
            leading=17,
            textColor=HEADING,
            spaceBefore=2,
            spaceAfter=6,
        ),
        bullet=ParagraphStyle("rs-bullet", parent=body, spaceAfter=2),
        quote=ParagraphStyle(
            "rs-quote",
            parent=body,
            leftIndent=12,
            textColor=MUTED,
            fontName=SANS_ITALIC,
            borderPadding=(0, 0, 0, 6),
        ),
        code=ParagraphStyle(
            "rs-code", parent=body, fontName=MONO, fontSize=8, leading=10, spaceAfter=0
        ),
    )
