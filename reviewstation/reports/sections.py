"""The report's content, section by section, as reportlab flowables.

Every string from the package passes through the folder (fonts) and ``escape`` (markup) before
it reaches a Paragraph; the only markup in the output is what this module writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Preformatted,
    Spacer,
    Table,
    TableStyle,
)

from reviewstation import determination, markings
from reviewstation.analysis.comparison import Comparison
from reviewstation.checklists.runs import Answer, Run
from reviewstation.determination import AreaResult
from reviewstation.evidence import EvidenceRef
from reviewstation.findings.service import SEVERITIES, Finding
from reviewstation.findings.triage import LABELS as TRIAGE_LABELS
from reviewstation.findings.triage import STATUSES as TRIAGE_STATUSES
from reviewstation.package_content import Designation, PackageContent
from reviewstation.reports import markdown
from reviewstation.reports.page import ContentsLine
from reviewstation.reports.styles import (
    ALERT,
    ALERT_SHADE,
    CODE_SHADE,
    DETERMINATION_COLOURS,
    FRAME_HEIGHT,
    FRAME_WIDTH,
    MONO,
    MONO_CHAR,
    RULE,
    SANS_BOLD,
    SEVERITY_COLOURS,
    SHADE,
    STATUS_COLOURS,
    Styles,
)
from reviewstation.reports.text import (
    PIECE,
    Folder,
    chunk,
    escape,
    lines_of,
    split_markup,
    wrap_token,
)

DASH = "\u2014"
GOOD_TEXT = "#1b7f3b"
DOT = " \u00b7 "
CELL_PADDING = 4.0
CODE_PADDING = 6.0
CODE_LINES = 8  # lines per shaded table of a code block (see code()); a page ends that early
SECTION_START = 90.0  # room a checklist section needs to begin on a page
STATUS_LABELS = {
    "open": "OPEN",
    "not_a_finding": "Not a finding",
    "not_applicable": "Not applicable",
    "not_reviewed": "Not reviewed",
}
DETERMINATION_LABELS = {
    "covered": "COVERED",
    "not_covered": "NOT COVERED",
    "pending": "PENDING",
}
PROGRESS_COLOURS = {
    "not_a_finding": "#2f9e5b",
    "not_applicable": "#9ca3af",
    "open": "#b00020",
    "not_reviewed": "#e3e6ea",
}
# The verification recipe with standard tools, printed in every report. The README's
# "Verifying a package with standard tools" shows the same commands (with comments);
# tests/reports/test_verify_recipe.py compares the two and runs this one on a real package.
# PACKAGE.rspkg stands for the package file; the recipe runs in a new empty folder.
VERIFY_RECIPE = """\
mkdir check && cd check
unzip -tq ../PACKAGE.rspkg
unzip -q ../PACKAGE.rspkg
openssl dgst -sha384 -verify signer-p384.pem -signature SHA384SUMS.p384.sig SHA384SUMS
sha384sum -c --strict SHA384SUMS
unzip -Z1 ../PACKAGE.rspkg | LC_ALL=C sort > ../members.txt
{ cut -c 99- SHA384SUMS; printf '%s\\n' SHA384SUMS SHA384SUMS.p384.sig SHA384SUMS.mldsa87.sig; } \\
    | LC_ALL=C sort | diff - ../members.txt && echo "no unlisted members"
openssl pkey -pubin -in signer-p384.pem -outform DER | sha384sum
sed '1d;$d' signer-mldsa87.pem | openssl base64 -d | tail -c 2592 | sha384sum"""


def _words(value: str | None) -> str:
    return (value or "").replace("_", " ")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def pill(text: str, background: str, foreground: str) -> str:
    """Markup for a small coloured label (text must already be safe)."""
    return (
        f'<font backColor="{background}" color="{foreground}" name="{SANS_BOLD}">'
        f"&nbsp;{text}&nbsp;</font>"
    )


def severity_pill(severity: str) -> str:
    background, foreground = SEVERITY_COLOURS.get(severity, ("#000000", "#ffffff"))
    return pill(escape(severity.upper()), background, foreground)


class Outlined(Paragraph):  # type: ignore[misc]
    """A heading that also becomes an entry of the PDF outline (bookmarks)."""

    def __init__(self, markup: str, style: Any, outline: tuple[str, str, int]) -> None:
        super().__init__(markup, style)
        self.rs_outline = outline


class ReportBuilder:
    def __init__(
        self, content: PackageContent, fingerprints: dict[str, str], styles: Styles
    ) -> None:
        self.content = content
        self.fingerprints = fingerprints
        self.s = styles
        self.fold = Folder()
        self.artifacts = {str(a.get("uid")): a for a in content.artifacts}
        self.runs = {run.id: run for run in content.runs}
        self.section_style = styles.h3.clone("rs-section", keepWithNext=0)
        self._keys = 0
        self.entries: list[tuple[str, str, int]] = []  # (title, key, level) of the outline

    # -- small pieces -------------------------------------------------------------------------

    def t(self, text: Any) -> str:
        """Folded, escaped markup for any value (None and "" become a dash)."""
        if text is None or text == "":
            return DASH
        return escape(self.fold(str(text)))

    def lines(self, text: str) -> str:
        return lines_of(self.fold(text)) if text else DASH

    def p(self, markup: str, style: Any = None) -> Paragraph:
        return Paragraph(markup, style or self.s.body)

    def paras(self, markup: str, style: Any = None) -> list[Flowable]:
        """Markup that may be long (untrusted text) as paragraphs of bounded length, set with
        no space between them so that they read as the one paragraph they are."""
        style = style or self.s.body
        pieces = split_markup(markup)
        if len(pieces) == 1:
            return [Paragraph(markup, style)]
        joined = [
            style.clone(f"{style.name}-joined-{i}", spaceBefore=before, spaceAfter=after)
            for i, (before, after) in enumerate(
                [(style.spaceBefore, 0), (0, 0), (0, style.spaceAfter)]
            )
        ]
        last = len(pieces) - 1
        return [
            Paragraph(piece, joined[0 if i == 0 else 2 if i == last else 1])
            for i, piece in enumerate(pieces)
        ]

    def mono(
        self, value: str | None, width: float, size: float = 8.0, *, token: bool = False
    ) -> str:
        """Markup for an unbroken string in the mono face, in lines that fit the width: a hash in
        lines of even length, an identifier or path (``token``) after its delimiters."""
        if not value:
            return DASH
        per_line = int((width - 2 * CELL_PADDING) / (size * MONO_CHAR))
        text = self.fold(value)
        parts = wrap_token(text, per_line) if token else chunk(text, per_line)
        return (
            f'<font name="{MONO}" size="{size}">'
            + "<br/>".join(escape(part) for part in parts)
            + "</font>"
        )

    def outline(self, markup: str, style: Any, title: str, level: int) -> Outlined:
        self._keys += 1
        entry = (self.fold(title), f"rs-{self._keys}", level)
        self.entries.append(entry)
        return Outlined(markup, style, entry)

    def table(
        self,
        rows: list[list[Any]],
        widths: Sequence[float],
        commands: Iterable[tuple[Any, ...]] = (),
        *,
        header: bool = False,
        joined: set[int] | None = None,
    ) -> Table:
        """A ruled table; rows in ``joined`` run on into the next row with no rule between."""
        style: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEABOVE", (0, 0), (-1, 0), 0.4, RULE),
        ]
        if joined:
            style += [
                ("LINEBELOW", (0, row), (-1, row), 0.4, RULE)
                for row in range(len(rows))
                if row not in joined
            ]
        else:
            style.append(("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE))
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
        style.extend(commands)
        return Table(
            rows,
            colWidths=list(widths),
            style=TableStyle(style),
            repeatRows=1 if header else 0,
            splitInRow=1,
            hAlign="LEFT",
        )

    def kv(self, rows: list[tuple[str, Any]], label_width: float = 118) -> Table:
        """A two-column table of labels and values (values: markup or flowables)."""
        cells = [[self.p(escape(label), self.s.label), self._cell(value)] for label, value in rows]
        return self.table(
            cells,
            [label_width, FRAME_WIDTH - label_width],
            [("BACKGROUND", (0, 0), (0, -1), SHADE)],
        )

    def _cell(self, value: Any) -> Any:
        return self.p(value, self.s.cell) if isinstance(value, str) else value

    def header_cells(self, *labels: str) -> list[Paragraph]:
        return [self.p(escape(label), self.s.label) for label in labels]

    # -- the report ---------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        body = [
            NextPageTemplate("body"),
            PageBreak(),
            *self.summary(),
            *self.capability_areas(),
            Spacer(1, 18),
            CondPageBreak(FRAME_HEIGHT / 3),
            *self.checklists(),
            PageBreak(),
            *self.findings(),
            PageBreak(),
            *self.triage(),
            *self.custody(),
            Spacer(1, 18),
            *self.fingerprint_section(),
        ]
        contents = self.contents()  # the entries of everything above
        cover = self.cover()  # after the rest, so the folding note counts everything
        return [*cover, *self.folding_note(), *body[:2], *contents, PageBreak(), *body[2:]]

    def contents(self) -> list[Flowable]:
        """The contents page: every section and the findings, checklists and evidence in
        them, each with its page number (filled in when the document is saved, page.py)."""
        out: list[Flowable] = [self.p("Contents", self.s.h1)]
        out += [ContentsLine(title, key, level) for title, key, level in self.entries]
        return out

    def created_date(self) -> dt.date | None:
        try:
            return dt.datetime.fromisoformat(self.content.created).date()
        except ValueError:
            return None

    def cover(self) -> list[Flowable]:
        c = self.content
        review = c.review
        model = " ".join(part for part in (review.model_name, review.model_version) if part)
        deadline = self.t(review.deadline)
        created = self.created_date()
        try:
            left = (dt.date.fromisoformat(review.deadline) - created).days if created else None
        except ValueError:
            left = None
        if left is not None:
            when = (
                f"{_plural(left, 'day')} after this package was made"
                if left >= 0
                else f"{_plural(-left, 'day')} before this package was made"
            )
            colour = "#b00020" if left < 0 else ("#a35c00" if left <= 7 else "#5b636e")
            deadline += f' <font color="{colour}">({when})</font>'
        developer = self.t(review.developer)
        if review.developer_contact:
            developer += f" ({self.t(review.developer_contact)})"
        out: list[Flowable] = [
            Spacer(1, 14),
            self.outline(
                "PRE-RELEASE MODEL REVIEW" + DOT + "FINDINGS REPORT",
                self.s.kicker,
                "Cover",
                0,
            ),
            self.p(self.t(review.title), self.s.title),
            self.p(f"{self.t(review.developer)}{DOT}{self.t(model)}", self.s.subtitle),
            self.kv(
                [
                    ("Developer", developer),
                    ("Model", self.t(model)),
                    ("Access", self.t(_words(review.access_mode))),
                    ("Received", self.t(review.received)),
                    ("Deadline", deadline),
                    ("Planned release", self.t(review.planned_release)),
                    ("Review status", self.t(_words(review.status))),
                    ("Review marking", self.t(review.marking)),
                    ("Assigned", self.t(", ".join(review.assignees))),
                    ("Review", self.mono(review.uid, FRAME_WIDTH - 118)),
                    ("Opened by", self.t(f"{review.created_by}, {review.created}")),
                ]
            ),
            Spacer(1, 8),
            *self.determination(),
            Spacer(1, 4),
            self.p("This package", self.s.h2),
            self.kv(
                [
                    ("Package", self.mono(c.package_id, FRAME_WIDTH - 118)),
                    ("Created", self.t(c.created)),
                    ("Package marking", f"<b>{self.t(c.marking)}</b>"),
                    ("Signed by", self.t(f"{c.signer.name} ({c.signer.role})")),
                    ("Contents", self.t(self.contents_line())),
                    ("Tool", self.t(f"ReviewStation {c.tool_version}")),
                    ("Vault", self.mono(c.vault_id, FRAME_WIDTH - 118)),
                ]
            ),
            *self.designation(),
        ]
        return out

    def designation(self) -> list[Flowable]:
        """The classification authority block (classified markings) or the CUI designation
        indicator (CUI), as entered at export; a dash for a CUI line not entered."""
        parsed = markings.try_parse(self.content.marking)
        if parsed is None or parsed.level == markings.Level.UNCLASSIFIED:
            return []
        d = self.content.designation
        if parsed.level == markings.Level.CUI:
            title, names = "CUI designation indicator", Designation.CUI
        else:
            title, names = "Classification authority", Designation.AUTHORITY
        cells = [
            [
                self.p(escape(Designation.LABELS[name]), self.s.label),
                self.p(self.t(value), self.s.cell),
            ]
            for name in names
            for value in [getattr(d, name)]
        ]
        if len(cells) % 2:
            cells.append(["", ""])
        # Two fields a row, so that the block fits under the rest of the cover.
        rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]
        label, value = 84.0, FRAME_WIDTH / 2 - 84.0
        shade = [("BACKGROUND", (0, 0), (0, -1), SHADE), ("BACKGROUND", (2, 0), (2, -1), SHADE)]
        table = self.table(rows, [label, value, label, value], shade)
        return [Spacer(1, 6), KeepTogether([self.p(title, self.s.h2), table])]

    def contents_line(self) -> str:
        c = self.content
        parts = [
            _plural(len(c.findings), "finding"),
            _plural(len(c.runs), "checklist run"),
            _plural(len(c.evidence_uids), "evidence artifact"),
        ]
        if c.redactions:
            parts.append(f"selective disclosure, TLP:{c.tlp}: {len(c.redactions)} withheld")
        return DOT.join(parts)

    def redaction_marks(self, kind: str, finding: str = "") -> list[Flowable]:
        """The visible marks of what a selective disclosure withheld here: the item's kind
        and position and its salted digest (docs/formats/package.md), one a paragraph."""
        marks = [r for r in self.content.redactions if r.kind == kind and r.finding == finding]
        return [self.p(f"<b>{self.t(r.mark)}</b>", self.s.body) for r in marks]

    def determination(self) -> list[Flowable]:
        review = self.content.review
        value = review.determination
        background, foreground = DETERMINATION_COLOURS.get(value, ("#000000", "#ffffff"))
        label = DETERMINATION_LABELS.get(value, value.upper())
        heading = self.p("Covered-model determination", self.s.h2)
        verdict = self.p(
            pill(self.t(label), background, foreground)
            + ("" if value != "pending" else "&nbsp; no determination has been recorded yet"),
            self.s.h3,
        )
        rows: list[tuple[str, Any]] = [
            ("Reference", self.t(review.determination_reference)),
            ("Rationale", self.paras(self.lines(review.determination_rationale), self.s.cell)),
            ("Decided by", self.t(review.determination_by)),
            ("Decided", self.t(review.determination_at)),
        ]
        return [heading, verdict, self.kv(rows)]

    def folding_note(self) -> list[Flowable]:
        fold = self.fold
        if not fold.changed and not fold.unknown:
            return []
        text = (
            "Some text in this package uses characters that the fonts of this report cannot"
            f" show: where printed, {fold.changed} were transliterated (accents dropped,"
            f" compatibility forms used) and {fold.unknown} are shown as"
            " \u201c?\u201d. The JSON members of this package carry the exact text."
        )
        return [Spacer(1, 8), self.p(escape(text), self.s.muted)]

    # -- summary ------------------------------------------------------------------------------

    def sorted_findings(self) -> list[Finding]:
        rank = {severity: index for index, severity in enumerate(SEVERITIES)}
        # As the format writers order them: most severe first, then oldest, then by uid.
        return sorted(
            self.content.findings,
            key=lambda f: (rank.get(f.severity, len(rank)), f.created, f.uid),
        )

    def finding_heading(self, finding: Finding) -> str:
        return f"<b>{self.t(finding.portion_mark)}</b> {self.t(finding.title)}"

    def summary(self) -> list[Flowable]:
        findings = self.sorted_findings()
        counts = [
            f"{sum(f.severity == s for f in findings)} {s}"
            for s in SEVERITIES
            if any(f.severity == s for f in findings)
        ]
        out: list[Flowable] = [self.outline("Summary", self.s.h1, "Summary", 0)]
        if findings:
            out.append(
                self.p(
                    escape(f"{_plural(len(findings), 'finding')}: {', '.join(counts)}."),
                    self.s.body,
                )
            )
            widths = [30, FRAME_WIDTH - 30 - 62 - 60 - 66, 62, 60, 66]
            rows: list[list[Any]] = [
                self.header_cells("#", "Finding", "Severity", "CVSS", "Status")
            ]
            for finding in findings:
                rows.append(
                    [
                        self.p(self.t(finding.id), self.s.cell),
                        self.p(self.finding_heading(finding), self.s.cell),
                        self.p(severity_pill(finding.severity), self.s.cell),
                        self.p(self.cvss_cell(finding, bold=False), self.s.cell),
                        self.p(self.t(_words(finding.status)), self.s.cell),
                    ]
                )
            out.append(self.table(rows, widths, header=True))
        else:
            out.append(self.p("This package carries no findings.", self.s.body))
        out.extend(self.redaction_marks("finding"))
        out.append(self.p("Checklists", self.s.h2))
        if self.content.runs:
            widths = [FRAME_WIDTH - 50 - 70 - 46 - 120, 50, 70, 46, 120]
            rows = [self.header_cells("Checklist", "Version", "Answered", "Open", "Signed off")]
            commands: list[tuple[Any, ...]] = []
            for index, run in enumerate(self.content.runs, start=1):
                progress = run.progress()
                rows.append(
                    [
                        self.p(self.t(run.template.title), self.s.cell),
                        self.p(self.t(run.template.version), self.s.cell),
                        self.p(f"{progress['answered']} of {progress['total']}", self.s.cell),
                        self.p(str(progress["open"]), self.s.cell),
                        self.p(self.t(run.signed_off_by or "not signed off"), self.s.cell),
                    ]
                )
                if progress["open"]:
                    commands.append(("BACKGROUND", (3, index), (3, index), ALERT_SHADE))
            out.append(self.table(rows, widths, commands, header=True))
        else:
            out.append(self.p("No checklist was run for this review.", self.s.body))
        return out

    # -- capability areas (the determination's runs against their baselines) ---------------

    def capability_areas(self) -> list[Flowable]:
        """Per area, the chosen runs against the baseline with the comparison's statistics
        (only when the review has areas; determination.json carries the same figures)."""
        items = self.content.determination
        if not items:
            return []
        out: list[Flowable] = [
            Spacer(1, 18),
            CondPageBreak(FRAME_HEIGHT / 3),
            self.outline("Capability areas", self.s.h1, "Capability areas", 0),
            self.p(
                escape(
                    "Per capability area, the Inspect runs the reviewers chose against the"
                    " baseline run A (the reference model): each run's accuracy with its Wilson"
                    " interval; each run against A over the samples both scored, the difference"
                    " in accuracy with the exact McNemar test and, for numeric scores, the"
                    " paired bootstrap of the mean score difference (seed recorded). Where"
                    " confirmed triage labels invalidated solves, the triaged figures (those"
                    " solves counted unsolved) follow the raw ones."
                ),
                self.s.body,
            ),
        ]
        for item in items:
            out.extend(self.capability_area(item))
        return out

    def capability_area(self, item: AreaResult) -> list[Flowable]:
        area = item.area
        name = self.fold(area.title)
        out: list[Flowable] = [self.outline(self.t(area.title), self.s.h2, name, 1)]
        rows: list[tuple[str, Any]] = [
            ("Baseline (A)", self.t(item.names.get(area.baseline, area.baseline))),
            ("Runs", "<br/>".join(self.t(item.names.get(uid, uid)) for uid in area.runs)),
            ("Chosen", self.t(_join_by(area.created, area.created_by))),
            ("Cited as", f'<font name="{MONO}">{self.t(area.citation)}</font>'),
        ]
        if area.note:
            rows.append(("Note", self.paras(self.lines(area.note), self.s.cell)))
        out.append(self.kv(rows))
        if item.result is None:
            out.append(self.p(f"<b>No figures:</b> {self.t(item.error)}", self.s.body))
            return out
        for label, result in determination.shown(item.result):
            out.append(
                self.p(
                    f"<b>{self.t(label.capitalize())} figures</b>{DOT}"
                    f"{self.t(determination.settings_line(result))}",
                    self.s.muted,
                )
            )
            out.append(self.area_table(result, label))
        return out

    def area_table(self, result: Comparison, label: str) -> Table:
        widths = [22.0, 120.0, 52.0, 98.0, 0.0]
        widths[-1] = FRAME_WIDTH - sum(widths)
        rows: list[list[Any]] = [
            self.header_cells("Run", "Model", "Solved", "Accuracy (Wilson)", "Against A")
        ]
        tests = {test.other: test for test in result.tests}
        for run in result.runs:
            accuracy = determination.run_line(run).split(" = ", 1)[1]
            if label == "triaged":
                accuracy += f"; {determination.invalidated_line(result, run.label)}"
            test = tests.get(run.label)
            against = self.t(determination.test_line(test, result)) if test else "<i>baseline</i>"
            rows.append(
                [
                    self.p(self.t(run.label), self.s.cell),
                    self.p(self.t(run.model or run.name), self.s.cell),
                    self.p(self.t(f"{run.solved}/{run.scored}"), self.s.cell),
                    self.p(self.t(accuracy), self.s.cell),
                    self.p(against, self.s.cell),
                ]
            )
        return self.table(rows, widths, header=True)

    # -- checklists ---------------------------------------------------------------------------

    def checklists(self) -> list[Flowable]:
        out: list[Flowable] = [self.outline("Checklist results", self.s.h1, "Checklist results", 0)]
        if not self.content.runs:
            out.append(self.p("No checklist was run for this review.", self.s.body))
        out.extend(self.redaction_marks("run"))
        for number, run in enumerate(self.content.runs):
            if number:
                out.append(Spacer(1, 10))
            out.extend(self.run_section(run))
        return out

    def run_section(self, run: Run) -> list[Flowable]:
        template = run.template
        progress = run.progress()
        signed = (
            f"signed off by {run.signed_off_by}, {run.signed_off_at}"
            if run.signed_off_by
            else "not signed off"
        )
        meta = (
            f"Template {template.id} version {template.version}{DOT}run {run.id}{DOT}"
            f"started by {run.started_by}, {run.started}{DOT}{signed}"
        )
        out: list[Flowable] = [
            self.outline(self.t(template.title), self.s.h2, template.title, 1),
            self.p(self.t(meta), self.s.muted),
            self.progress_bar(progress),
            self.p(
                f"<b>{progress['answered']} of {progress['total']} answered</b>{DOT}"
                + (
                    f'<font color="#b00020"><b>{progress["open"]} open</b></font>'
                    if progress["open"]
                    else "0 open"
                )
                + DOT
                + DOT.join(
                    f"{progress[status]} {STATUS_LABELS[status].lower()}"
                    for status in ("not_a_finding", "not_applicable", "not_reviewed")
                ),
                self.s.small,
            ),
        ]
        sections: dict[str, list[Answer]] = {}
        items = {item.id: item for item in template.items}
        for answer in run.answers:
            item = items.get(answer.item_id)
            sections.setdefault(item.section if item else "Other", []).append(answer)
        for section, answers in sections.items():
            # Not keepWithNext: that would move a section longer than a page to a fresh page.
            out.append(CondPageBreak(SECTION_START))
            out.append(self.p(self.t(section), self.section_style))
            out.append(self.answers_table(run, answers))
        return out

    def progress_bar(self, progress: dict[str, int]) -> Drawing:
        height = 7.0
        drawing = Drawing(FRAME_WIDTH, height + 5)
        total = progress["total"] or 1
        x = 0.0
        drawing.add(
            Rect(0, 2, FRAME_WIDTH, height, fillColor=colors.HexColor("#e3e6ea"), strokeColor=None)
        )
        for status in ("not_a_finding", "not_applicable", "open"):
            width = FRAME_WIDTH * progress[status] / total
            if width:
                drawing.add(
                    Rect(
                        x,
                        2,
                        width,
                        height,
                        fillColor=colors.HexColor(PROGRESS_COLOURS[status]),
                        strokeColor=None,
                    )
                )
            x += width
        return drawing

    def answers_table(self, run: Run, answers: list[Answer]) -> Table:
        id_width, status_width = 104.0, 74.0
        detail_width = FRAME_WIDTH - id_width - status_width
        rows: list[list[Any]] = [self.header_cells("Item", "Status", "Question and answer")]
        commands: list[tuple[Any, ...]] = []
        items = {item.id: item for item in run.template.items}
        joined: set[int] = set()
        for answer in answers:
            item = items.get(answer.item_id)
            background, foreground = STATUS_COLOURS.get(answer.status, ("#ffffff", "#000000"))
            label = STATUS_LABELS.get(answer.status, _words(answer.status))
            status = self.p(
                f'<font color="{foreground}"><b>{self.t(label)}</b></font>', self.s.cell
            )
            details: list[Flowable] = self.paras(
                self.t(item.prompt if item else "(item not in the template)"), self.s.cell
            )
            if answer.note:
                details += self.paras(f"<b>Note:</b> {self.lines(answer.note)}", self.s.cell)
            if answer.severity_override:
                default = item.default_severity if item else None
                details.extend(
                    self.paras(
                        f"<b>Severity override:</b> {severity_pill(answer.severity_override)}"
                        f" (template default: {self.t(default or 'none')})."
                        f" <b>Justification:</b> {self.lines(answer.override_justification)}",
                        self.s.cell,
                    )
                )
            if answer.evidence:
                refs = "; ".join(self.ref(ref) for ref in answer.evidence)
                details.append(self.p(f"<b>Evidence:</b> {refs}", self.s.cell))
            who = []
            if answer.updated_by:
                who.append(f"answered by {answer.updated_by}, {answer.updated}")
            if answer.carried_from is not None:
                who.append(f"carried over from run {answer.carried_from}")
            if who:
                text = "; ".join(who)
                details.append(self.p(self.t(text[:1].upper() + text[1:]), self.s.muted))
            # Long details run on in rows of bounded length: ReportLab re-wraps a whole row
            # each time it splits it across a page, so one long row costs the square of its
            # length.
            first = len(rows)
            for number, part in enumerate(row_parts(details)):
                if number:
                    joined.add(len(rows) - 1)
                mono = self.mono(answer.item_id, id_width, 7.5, token=True)
                head = [self.p(mono, self.s.cell), status] if not number else ["", ""]
                rows.append([*head, part])
            last = len(rows) - 1
            commands.append(("BACKGROUND", (1, first), (1, last), colors.HexColor(background)))
            if answer.status == "open":
                commands.append(("BACKGROUND", (0, first), (0, last), ALERT_SHADE))
                commands.append(("BACKGROUND", (2, first), (2, last), ALERT_SHADE))
                commands.append(("LINEBEFORE", (0, first), (0, last), 3, ALERT))
        table = self.table(
            rows, [id_width, status_width, detail_width], commands, header=True, joined=joined
        )
        # Rows can be longer than a page (notes of 20,000 characters): they split inside, and a
        # repeated header would then land in the middle of a page.
        table.repeatRows = 0
        return table

    def ref(self, ref: EvidenceRef) -> str:
        if ref.comparison is not None:
            cited = {i.area.uid: i.area for i in self.content.determination}.get(ref.comparison)
            what = f"Comparison of {cited.title}" if cited else "Saved comparison"
            mono = f'<font name="{MONO}">{self.t(ref.artifact_uid)}</font>'
            # Not among the current areas: an earlier version, or one the report cannot vouch
            # for (another review's, or an imported citation): say only what is known.
            current = " (as in Capability areas)" if cited else " (not a current capability area)"
            return f"{self.t(what)} {mono}{current}"
        artifact = self.artifacts.get(ref.artifact_uid)
        name = self.t(artifact["path"]) if artifact else self.t(ref.artifact_uid)
        if ref.artifact_uid in self.content.evidence_uids:
            name += " (carried in this package)"
        if ref.sample_id:
            name += f", sample {self.t(ref.sample_id)}"
            if ref.sample_digest:
                name += f' (SHA-384 <font name="{MONO}">{self.t(ref.sample_digest[:16])}</font>...)'
        return name

    # -- findings -----------------------------------------------------------------------------

    def findings(self) -> list[Flowable]:
        out: list[Flowable] = [self.outline("Findings", self.s.h1, "Findings", 0)]
        findings = self.sorted_findings()
        if not findings:
            out.append(self.p("This package carries no findings.", self.s.body))
        for index, finding in enumerate(findings):
            if index:
                out.append(Spacer(1, 6))
                out.append(HRFlowable(width="100%", thickness=0.8, color=RULE, spaceAfter=10))
            out.extend(self.finding(finding))
        out.extend(self.redaction_marks("finding"))
        return out

    def finding(self, finding: Finding) -> list[Flowable]:
        kicker = (
            f"Finding {finding.id}{DOT}{_words(finding.kind)}{DOT}"
            f"revision {finding.revision}{DOT}{finding.status}"
        )
        title = f"{self.fold(finding.portion_mark)} {finding.title}"
        head = [
            self.p(self.t(kicker).upper(), self.s.kicker),
            self.outline(self.finding_heading(finding), self.s.finding_title, title, 1),
            self.finding_table(finding),
            *self.redaction_marks("field", finding.uid),
            Spacer(1, 6),
            self.p("Description", self.s.h4),
        ]
        body = self.body(finding.body, finding.portion_mark)
        # Keep the heading with its table and the first lines of the description.
        return [KeepTogether([*head, *body[:1]]), *body[1:]]

    def cvss_cell(self, finding: Finding, *, bold: bool = True) -> str:
        """Every named score, one a line: 'CVSS-B 9.3 Critical', then CVSS-BT/BE/BTE."""
        cvss = finding.cvss
        if cvss is None:
            return "not scored" if bold else DASH
        lines = [escape(str(r) if bold else f"{r.name} {r.score:.1f}") for r in cvss.ratings]
        if bold:
            lines[0] = f"<b>{lines[0]}</b>"
        return "<br/>".join(lines)

    def finding_table(self, finding: Finding) -> Table:
        label, value = 84.0, FRAME_WIDTH / 2 - 84.0
        cvss = self.cvss_cell(finding)
        product = " ".join(p for p in (finding.vendor, finding.product, finding.versions) if p)
        vex = finding.vex_status
        approved = finding.approved_by or "not approved"
        pairs: list[tuple[str, str, str, str]] = [
            ("Severity", severity_pill(finding.severity), "Status", self.t(_words(finding.status))),
            ("CVSS v4.0", cvss, "CWE", self.t(finding.cwe)),
            (
                "Kind",
                self.t(_words(finding.kind)),
                "Portion marking",
                self.t(finding.portion_marking),
            ),
            ("VEX status", self.t(_words(vex)), "Disclosure", self.t(_words(finding.disclosure))),
            ("CVE", self.t(finding.cve_id), "Revision", self.t(finding.revision)),
            ("Author", self.t(finding.author), "Approved by", self.t(approved)),
            ("Created", self.t(finding.created), "Updated", self.t(finding.updated)),
        ]
        rows: list[list[Any]] = []
        mark = self.t(finding.portion_mark) + " "
        for l1, v1, l2, v2 in pairs:
            rows.append(
                [
                    self.p(mark + escape(l1), self.s.label),
                    self.p(v1, self.s.cell),
                    self.p(escape(l2), self.s.label),
                    self.p(v2, self.s.cell),
                ]
            )
        wide = FRAME_WIDTH - label
        spans: list[tuple[str, str]] = [
            (
                "CVSS vector",
                self.mono(finding.cvss_vector, wide, token=True) if finding.cvss_vector else DASH,
            ),
            ("Product", self.t(product)),
        ]
        if finding.product_id:
            spans.append(("Product id", self.mono(finding.product_id, wide, token=True)))
        if finding.evidence:
            spans.append(("Evidence", "<br/>".join(self.ref(ref) for ref in finding.evidence)))
        if finding.links:
            spans.append(
                ("Checklist items", "<br/>".join(self.link(*link) for link in finding.links))
            )
        spans.append(("Finding", self.mono(finding.uid, wide)))
        commands: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (0, -1), SHADE),
            ("BACKGROUND", (2, 0), (2, len(pairs) - 1), SHADE),
        ]
        for offset, (name, markup) in enumerate(spans):
            row = len(pairs) + offset
            rows.append(
                [self.p(mark + escape(name), self.s.label), self.p(markup, self.s.cell), "", ""]
            )
            commands.append(("SPAN", (1, row), (3, row)))
        return self.table(rows, [label, value, label, value], commands)

    def link(self, run_id: int, item_id: str) -> str:
        run = self.runs.get(run_id)
        where = f"{run.template.title} (run {run_id})" if run else f"run {run_id}"
        return f'{self.t(where)}, item <font name="{MONO}">{self.t(item_id)}</font>'

    def body(self, source: str, mark: str = "") -> list[Flowable]:
        """A finding's Markdown body as flowables (untrusted text: escaped throughout), each
        paragraph, heading, item, quote and code block opened by the portion ``mark``."""
        text = self.fold(source)
        if not text.strip():
            return [self.p("<i>No description.</i>", self.s.muted)]
        out: list[Flowable] = []
        for block in markdown.parse(text):
            out.extend(self.block(block, self.t(mark) if mark else ""))
        return out

    def block(self, block: markdown.Block, mark: str = "") -> list[Flowable]:
        s = self.s
        if block.kind == "code":
            head = [self.p(mark, s.muted)] if mark else []
            return [*head, *self.code(block.text)]
        if mark and block.kind != "rule":
            block = dataclasses.replace(block, text=f"{mark} {block.text}")
        if block.kind == "rule":
            rule = HRFlowable(width="100%", thickness=0.5, color=RULE, spaceBefore=4, spaceAfter=6)
            return [rule]
        try:
            if block.kind == "heading":
                style = s.h3 if block.level <= 2 else s.h4
                return self.paras(block.text or "&nbsp;", style)
            if block.kind == "item":
                indent = 14 + 14 * block.level
                style = s.bullet.clone(
                    f"rs-bullet-{block.level}", leftIndent=indent, bulletIndent=indent - 11
                )
                first, *rest = split_markup(block.text)
                return [
                    Paragraph(first, style, bulletText=escape(block.marker)),
                    *(Paragraph(piece, style) for piece in rest),
                ]
            if block.kind == "quote":
                return self.paras(block.text, s.quote)
            return self.paras(block.text, s.body)
        except ValueError:  # pragma: no cover - markup is ours; a parser surprise stays readable
            return self.code(block.text)

    def code(self, text: str) -> list[Flowable]:
        """A monospaced block, wrapped hard at the frame width, on a shaded background: in
        shaded tables of at most CODE_LINES lines that join up, because ReportLab's cost of
        splitting one cell across pages grows with the square of its length."""
        size = self.s.code.fontSize
        per_line = max(20, int((FRAME_WIDTH - 2 * CODE_PADDING) / (size * MONO_CHAR)) - 1)
        lines: list[str] = []
        for line in text.expandtabs(4).split("\n"):
            lines.extend(chunk_code(line, per_line))
        groups = [lines[i : i + CODE_LINES] for i in range(0, len(lines), CODE_LINES)] or [[]]
        return [
            self.code_table(group, first=i == 0, last=i == len(groups) - 1)
            for i, group in enumerate(groups)
        ]

    def code_table(self, lines: list[str], *, first: bool, last: bool) -> Flowable:
        pre = Preformatted("\n".join(lines) or " ", self.s.code)
        style: list[tuple[Any, ...]] = [
            ("BACKGROUND", (0, 0), (-1, -1), CODE_SHADE),
            ("LINEBEFORE", (0, 0), (-1, -1), 0.4, RULE),
            ("LINEAFTER", (0, 0), (-1, -1), 0.4, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), CODE_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CODE_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 4 if first else 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5 if last else 0),
        ]
        if first:
            style.append(("LINEABOVE", (0, 0), (-1, -1), 0.4, RULE))
        if last:
            style.append(("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE))
        return Table(
            [[pre]],
            colWidths=[FRAME_WIDTH],
            style=TableStyle(style),
            splitInRow=0,  # a piece moves whole: splitting inside one cell can loop
            hAlign="LEFT",
            spaceBefore=2 if first else 0,
            spaceAfter=7 if last else 0,
        )

    # -- custody ------------------------------------------------------------------------------

    def custody(self) -> list[Flowable]:
        c = self.content
        out: list[Flowable] = [
            self.outline("Custody of the evidence", self.s.h1, "Custody of the evidence", 0)
        ]
        out.extend(self.redaction_marks("artifact"))
        chosen = [a for a in c.artifacts if a.get("uid") in c.evidence_uids]
        known = {a.get("uid") for a in chosen}
        others = len(c.artifacts) - len(chosen)
        if chosen:
            out.append(
                self.p(
                    escape(
                        f"This package carries the content of {_plural(len(chosen), 'artifact')}"
                        " under evidence/. Each was hashed as it was taken in; the hashes below"
                        " are those of the content in the package."
                    ),
                    self.s.body,
                )
            )
        else:
            out.append(self.p("No evidence travels in this package.", self.s.body))
        if others:
            out.append(
                self.p(
                    escape(
                        f"The review holds {_plural(others, 'other artifact')}, not carried in"
                        " this package; artifacts.cdx.json lists every artifact of the review"
                        " with its hashes."
                    ),
                    self.s.muted,
                )
            )
        for artifact in chosen:
            out.extend(self.artifact(artifact))
        for uid in c.evidence_uids:
            if uid not in known:
                out.append(
                    self.p(
                        f"<b>Evidence {self.t(uid)}</b> is not in the review's artifact list.",
                        self.s.body,
                    )
                )
        return out

    # -- triage -------------------------------------------------------------------------------

    def triage(self) -> list[Flowable]:
        """The triage labels on the review's Inspect logs (none: no section): counts per kind
        and decision, what a confirmed label does to the figures, and every label."""
        labels = self.content.triage
        if not labels:
            return []
        out: list[Flowable] = [self.outline("Transcript triage", self.s.h1, "Transcript triage", 0)]
        invalidating = [x for x in labels if x.invalidates]
        samples = {(x.artifact_uid, x.sample) for x in invalidating}
        out.append(
            self.p(
                escape(
                    f"{_plural(len(labels), 'triage label')} on the review's evaluation logs;"
                    f" {_plural(len(samples), 'solve')} invalidated by a confirmed out-of-scope,"
                    " reward-hacking or sandbox-escape-attempt label (counted as unsolved in"
                    " the triaged figures of every comparison). A label is confirmed or"
                    " disputed by a lead other than its author; open and disputed labels"
                    " change no figure. triage.json carries every label."
                ),
                self.s.body,
            )
        )
        kinds = TRIAGE_LABELS
        counts = {k: {s: 0 for s in TRIAGE_STATUSES} for k in kinds}
        for label in labels:
            counts[label.label][label.status] += 1
        widths = [FRAME_WIDTH - 3 * 70, 70, 70, 70]
        rows: list[list[Any]] = [self.header_cells("Label", "Open", "Confirmed", "Disputed")]
        for kind in kinds:
            if any(counts[kind].values()):
                rows.append(
                    [
                        self.p(self.t(kind), self.s.cell),
                        *(self.p(str(counts[kind][s]), self.s.cell) for s in TRIAGE_STATUSES),
                    ]
                )
        out.append(self.table(rows, widths, header=True))
        out.append(Spacer(1, 8))
        paths = {a.get("uid"): str(a.get("path")) for a in self.content.artifacts}
        widths = [150, 96, 66, FRAME_WIDTH - 150 - 96 - 66]
        rows = [self.header_cells("Sample", "Label", "Status", "Note")]
        for label in labels:
            where = f"{paths.get(label.artifact_uid, label.artifact_uid)} #{label.sample}"
            if label.part:
                where += f" /{label.part}"
            status = label.status + (f" by {label.decided_by}" if label.decided_by else "")
            note = label.note + (f"\nDecision: {label.reason}" if label.reason else "")
            rows.append(
                [
                    self.p(self.t(where), self.s.cell),
                    self.p(self.t(label.label), self.s.cell),
                    self.p(self.t(status), self.s.cell),
                    self.p(
                        self.lines(f"{note}\n(by {label.author}, {label.created})"), self.s.cell
                    ),
                ]
            )
        out.append(self.table(rows, widths, header=True))
        out.append(Spacer(1, 18))
        return out

    def artifact(self, artifact: dict[str, Any]) -> list[Flowable]:
        custody: dict[str, Any] = artifact.get("custody") or {}
        wide = FRAME_WIDTH - 118
        size = artifact.get("size")
        size_text = f"{size:,} bytes ({human_size(size)})" if isinstance(size, int) else None
        match = custody.get("declared_sha256_match")
        if custody.get("declared_sha256"):
            verdict = (
                f'<font color="{GOOD_TEXT}"><b>matches</b></font>'
                if match
                else '<font color="#b00020"><b>DOES NOT MATCH</b></font>'
            )
            declared = (
                self.mono(custody.get("declared_sha256"), wide)
                + f"<br/>{verdict} the SHA-256 computed at intake"
            )
        else:
            declared = "none declared"
        rows: list[tuple[str, Any]] = [
            ("Member", self.mono(self.content.evidence_name(artifact), wide, token=True)),
            ("Kind", self.t(artifact.get("kind"))),
            ("Size", self.t(size_text)),
            ("SHA-256", self.mono(artifact.get("sha256"), wide)),
            ("SHA-384", self.mono(artifact.get("sha384"), wide)),
            ("Declared SHA-256", declared),
            ("Medium", self.t(custody.get("medium"))),
            ("Received from", self.t(custody.get("received_from"))),
            ("Received", self.t(custody.get("received_at"))),
            ("Taken in", self.t(_join_by(custody.get("imported_at"), custody.get("imported_by")))),
            ("Artifact", self.mono(str(artifact.get("uid") or ""), wide)),
        ]
        if artifact.get("duplicate_of"):
            rows.append(("Duplicate of", self.mono(str(artifact["duplicate_of"]), wide)))
        head = [self.outline(self.t(artifact.get("path")), self.s.h3, str(artifact.get("path")), 1)]
        out: list[Flowable] = [KeepTogether([*head, self.kv(rows)])]
        events = custody.get("events")
        if isinstance(events, list) and events:
            widths = [112.0, 62.0, 96.0]
            widths.append(FRAME_WIDTH - sum(widths))
            table_rows: list[list[Any]] = [self.header_cells("When", "Who", "Event", "Details")]
            for event in events:
                if not isinstance(event, dict):
                    continue
                table_rows.append(
                    [
                        self.p(self.t(event.get("at")), self.s.cell),
                        self.p(self.t(event.get("user")), self.s.cell),
                        self.p(self.t(_words(str(event.get("event") or ""))), self.s.cell),
                        self.p(self.t(details_text(event.get("details"))), self.s.cell),
                    ]
                )
            out.append(Spacer(1, 5))
            out.append(self.p("Custody events", self.s.h4))
            out.append(self.table(table_rows, widths, header=True))
        else:
            out.append(Spacer(1, 4))
            out.append(self.p("No custody events are recorded.", self.s.muted))
        return out

    # -- fingerprints -------------------------------------------------------------------------

    def fingerprint_section(self) -> list[Flowable]:
        signer = self.content.signer
        entries = list(self.fingerprints.items())
        values = set(self.fingerprints.values())
        for name, value in (
            ("signer P-384", signer.p384_fingerprint),
            ("signer ML-DSA-87", signer.mldsa87_fingerprint),
        ):
            if value and value not in values:
                entries.append((name, value))
        wide = FRAME_WIDTH - 118
        rows: list[tuple[str, Any]] = [("Signer", self.t(f"{signer.name} ({signer.role})"))]
        rows.extend((self.fold(name), self.mono(value, wide)) for name, value in entries)
        intro = (
            "Compare these fingerprints with the ones the signer gave you through another"
            " channel; trust comes from your own list of known signers, never from the package."
            " A package is valid only when both its P-384 and its ML-DSA-87 signatures verify."
            " With standard tools alone, in an empty folder (PACKAGE.rspkg is the package file):"
            " the signature must say Verified OK, every line of sha384sum OK, the listing must"
            " show no unlisted members, and the two hashes must be the signer's two fingerprints"
            " above. The ML-DSA-87 signature needs a post-quantum verifier (OpenSSL 3.5 or"
            " later), or reviewstation package verify, which checks both."
        )
        return [
            KeepTogether(
                [
                    self.outline("Package fingerprints", self.s.h1, "Package fingerprints", 0),
                    self.kv(rows),
                    Spacer(1, 8),
                    self.p(escape(intro), self.s.body),
                    *self.code(VERIFY_RECIPE),
                    self.p(
                        escape(f"End of report{DOT}package {self.content.package_id}"),
                        self.s.muted,
                    ),
                ]
            )
        ]


def row_parts(flowables: list[Flowable]) -> list[list[Flowable]]:
    """Flowables grouped into table-row parts of at most about PIECE characters of text."""
    parts: list[list[Flowable]] = [[]]
    size = 0
    for flowable in flowables:
        length = len(flowable.getPlainText()) if isinstance(flowable, Paragraph) else 0
        if parts[-1] and size + length > PIECE:
            parts.append([])
            size = 0
        parts[-1].append(flowable)
        size += length
    return parts


def chunk_code(line: str, width: int) -> list[str]:
    """A code line cut at ``width``; continuation lines start with a guillemet."""
    if len(line) <= width:
        return [line]
    parts = [line[:width]]
    rest = line[width:]
    while rest:
        parts.append("\u00bb " + rest[: width - 2])
        rest = rest[width - 2 :]
    return parts


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def details_text(details: Any) -> str:
    if not isinstance(details, dict):
        return "" if details is None else str(details)
    parts = []
    for key in sorted(details):
        value = details[key]
        shown = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def _join_by(at: Any, by: Any) -> str:
    return ", ".join(str(x) for x in (by, at) if x)
