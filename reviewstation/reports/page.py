"""The page furniture: classification banners, running header and footer, "Page N of M".

Banners are drawn on every page, top and bottom, by the page templates, so no flowable can push
them off. "Page N of M" needs M before the last page exists: each page places a named form
(a PDF XObject) where its number goes, and the canvas defines those forms when the document is
saved, once the page count is known. One pass, and the outline (bookmarks) stays correct.

Reproducible bytes: reportlab's invariant mode fixes the time stamps and the document /ID; the
canvas below also sets the creation date to the package's creation time and seeds the /ID
from the package, so that not even ``SOURCE_DATE_EPOCH`` (which reportlab otherwise honours)
changes the output.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from reviewstation.errors import InputError
from reviewstation.markings import banner_style
from reviewstation.reports.styles import (
    BANNER_HEIGHT,
    FRAME_BOTTOM,
    FRAME_TOP,
    FRAME_WIDTH,
    MARGIN_X,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    SANS,
    SANS_BOLD,
)

BANNER_FONT_SIZE = 10.5
MIN_BANNER_FONT_SIZE = 6.0
FURNITURE_FONT_SIZE = 7.5


def pdf_date(created: str) -> str:
    """A PDF date string (D:YYYYMMDDHHmmSS+00'00') for an ISO 8601 time, in UTC."""
    try:
        when = dt.datetime.fromisoformat(created.strip())
    except ValueError as exc:
        raise InputError(f"The package creation time {created[:40]!r} is not ISO 8601.") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%S+00'00'")


def fit(text: str, font: str, size: float, width: float) -> str:
    """Text cut (with "...") to fit a width."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text + "..."


@dataclass(frozen=True)
class Furniture:
    """What every page shows besides its content (all text already folded for the fonts)."""

    marking: str
    header_left: str
    header_right: str
    footer_left: str


def _banner(canvas: Any, marking: str, y: float) -> None:
    style = banner_style(marking)
    canvas.setFillColor(colors.HexColor(style.background))
    canvas.rect(0, y, PAGE_WIDTH, BANNER_HEIGHT, stroke=0, fill=1)
    size = BANNER_FONT_SIZE
    room = PAGE_WIDTH - 2 * MARGIN_X
    while size > MIN_BANNER_FONT_SIZE and stringWidth(marking, SANS_BOLD, size) > room:
        size -= 0.5
    text = fit(marking, SANS_BOLD, size, room)
    canvas.setFillColor(colors.HexColor(style.foreground))
    canvas.setFont(SANS_BOLD, size)
    canvas.drawCentredString(PAGE_WIDTH / 2, y + (BANNER_HEIGHT - size * 0.7) / 2, text)


def page_form(number: int) -> str:
    return f"rs-page-{number}"


def decorate(canvas: Any, furniture: Furniture, *, header: bool) -> None:
    """Draw the banners, header and footer of the current page."""
    canvas.saveState()
    _banner(canvas, furniture.marking, PAGE_HEIGHT - BANNER_HEIGHT)
    _banner(canvas, furniture.marking, 0)
    canvas.setFont(SANS, FURNITURE_FONT_SIZE)
    canvas.setFillColor(MUTED)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    if header:
        y = PAGE_HEIGHT - BANNER_HEIGHT - 17
        right = fit(furniture.header_right, SANS, FURNITURE_FONT_SIZE, FRAME_WIDTH * 0.45)
        left_room = FRAME_WIDTH - stringWidth(right, SANS, FURNITURE_FONT_SIZE) - 18
        canvas.drawString(
            MARGIN_X, y, fit(furniture.header_left, SANS, FURNITURE_FONT_SIZE, left_room)
        )
        canvas.drawRightString(PAGE_WIDTH - MARGIN_X, y, right)
        canvas.line(MARGIN_X, y - 5, PAGE_WIDTH - MARGIN_X, y - 5)
    y = BANNER_HEIGHT + 14
    canvas.line(MARGIN_X, y + 11, PAGE_WIDTH - MARGIN_X, y + 11)
    canvas.drawString(
        MARGIN_X, y, fit(furniture.footer_left, SANS, FURNITURE_FONT_SIZE, FRAME_WIDTH - 90)
    )
    canvas.translate(PAGE_WIDTH - MARGIN_X, y)
    canvas.doForm(page_form(canvas.getPageNumber()))
    canvas.restoreState()


def entry_form(key: str) -> str:
    return f"rs-at-{key}"


CONTENTS_SIZE = 9.5
CONTENTS_INDENT = 14.0


class ContentsLine(Flowable):  # type: ignore[misc]
    """One line of the contents page: a heading's title and, at the right, the number of the
    page it lands on. The number is a named form the canvas defines when the document is
    saved (as for "Page N of M"), so the contents need no second layout pass."""

    def __init__(self, title: str, key: str, level: int) -> None:
        super().__init__()
        self.title, self.key, self.level = title, key, level
        self.font = SANS_BOLD if level == 0 else SANS

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, CONTENTS_SIZE + (7 if self.level == 0 else 4)

    def draw(self) -> None:
        canvas = self.canv
        indent = CONTENTS_INDENT * self.level
        canvas.setFont(self.font, CONTENTS_SIZE)
        canvas.drawString(indent, 2, fit(self.title, self.font, CONTENTS_SIZE, self.width - 60))
        wanted = getattr(canvas, "rs_wanted", None)
        if wanted is not None:  # a ReportCanvas: the number is filled in at save
            wanted.add(self.key)
            canvas.saveState()
            canvas.translate(self.width, 2)
            canvas.doForm(entry_form(self.key))
            canvas.restoreState()


def canvas_class(created: str, seed: str) -> type[Any]:
    """A reportlab canvas that writes reproducible bytes and numbers pages "N of M"."""
    date = pdf_date(created)

    class ReportCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.pages_done = 0
            self.rs_wanted: set[str] = set()  # contents entries drawn
            self.rs_pages: dict[str, int] = {}  # outline key -> page number
            self.setDateFormatter(lambda *_parts: date)
            self.showOutline()
            document = self._doc
            # The /ID: reportlab seeds it with a time stamp (fixed in invariant mode unless
            # SOURCE_DATE_EPOCH is set); seed it from the package instead.
            signature = hashlib.md5(usedforsecurity=False)
            signature.update(b"reviewstation report\0" + seed.encode("utf-8"))
            document.signature = signature

        def showPage(self) -> None:
            self.pages_done += 1
            super().showPage()

        def save(self) -> None:
            total = self.pages_done
            for number in range(1, total + 1):
                self.beginForm(page_form(number), lowerx=-300, lowery=-4, upperx=0, uppery=12)
                self.setFont(SANS, FURNITURE_FONT_SIZE)
                self.setFillColor(MUTED)
                self.drawRightString(0, 0, f"Page {number} of {total}")
                self.endForm()
            for key in sorted(self.rs_wanted):
                self.beginForm(entry_form(key), lowerx=-60, lowery=-4, upperx=0, uppery=12)
                self.setFont(SANS, CONTENTS_SIZE)
                self.drawRightString(0, 0, str(self.rs_pages.get(key, "")))
                self.endForm()
            super().save()

    return ReportCanvas


class ReportDocument(BaseDocTemplate):  # type: ignore[misc]
    """Two page templates (cover, body) and an outline entry for every marked heading."""

    def __init__(self, target: Any, furniture: Furniture, **kwargs: Any) -> None:
        super().__init__(
            target,
            pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=PAGE_HEIGHT - FRAME_TOP,
            bottomMargin=FRAME_BOTTOM,
            invariant=1,
            pageCompression=0,
            **kwargs,
        )
        frame = Frame(
            MARGIN_X,
            FRAME_BOTTOM,
            FRAME_WIDTH,
            FRAME_TOP - FRAME_BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="content",
        )
        self.addPageTemplates(
            [
                PageTemplate(
                    "cover",
                    [frame],
                    onPage=lambda canvas, _doc: decorate(canvas, furniture, header=False),
                ),
                PageTemplate(
                    "body",
                    [frame],
                    onPage=lambda canvas, _doc: decorate(canvas, furniture, header=True),
                ),
            ]
        )

    def afterFlowable(self, flowable: Any) -> None:
        outline = getattr(flowable, "rs_outline", None)
        if outline is None:
            return
        title, key, level = outline
        pages = getattr(self.canv, "rs_pages", None)
        if pages is not None:
            pages.setdefault(key, self.canv.getPageNumber())
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)
