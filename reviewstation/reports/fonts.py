"""The report's fonts: DejaVu Sans and DejaVu Sans Mono, embedded (subset) in every report.

The PDF standard fonts (Helvetica, Courier) carry one 8-bit encoding, so Cyrillic or Greek
text printed as "?". DejaVu (Bitstream Vera licence, resources/licenses/DejaVu-fonts.txt; the
files are Debian's fonts-dejavu-core) covers Latin, Greek, Cyrillic and many symbols; the
report keeps a character when *every* face it may be set in has a glyph for it, so a title
prints the same in bold, in a table cell or in Courier-like code. What no face covers (CJK,
emoji, right-to-left scripts, which reportlab does not shape) is still folded (text.py).
"""

from __future__ import annotations

from functools import cache

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from reviewstation.resources import resources_dir

SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
SANS_ITALIC = "DejaVuSans-Oblique"
MONO = "DejaVuSansMono"
MONO_BOLD = "DejaVuSansMono-Bold"
FACES = (SANS, SANS_BOLD, SANS_ITALIC, MONO, MONO_BOLD)


@cache
def register() -> tuple[TTFont, ...]:
    """Register the faces with reportlab (once) and map bold/italic markup onto them."""
    folder = resources_dir() / "fonts"
    faces = tuple(TTFont(name, str(folder / f"{name}.ttf")) for name in FACES)
    for face in faces:
        pdfmetrics.registerFont(face)
    for bold in (0, 1):
        for italic in (0, 1):
            sans = SANS_BOLD if bold else (SANS_ITALIC if italic else SANS)
            addMapping(SANS, bold, italic, sans)
            addMapping(MONO, bold, italic, MONO_BOLD if bold else MONO)
    return faces


@cache
def covered() -> frozenset[int]:
    """The code points every face has a glyph for."""
    sets = [set(face.face.charToGlyph) for face in register()]
    return frozenset(set.intersection(*sets))
