"""The report costs time in proportion to its input (issue 13, class 7).

ReportLab re-wraps a paragraph, and a table row, from its start each time it splits it across a
page, and splits a long word one measured character at a time, so one long paragraph or row
costs the square of its length (a 1 MiB one-word body took minutes). The report therefore hands
it only bounded pieces; these tests check the bound on the story itself (timing belongs in
``benchmarks/report_scale.py``), so a new unbounded path fails here whatever the machine."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Preformatted, Table

from reviewstation.package_content import PackageContent
from reviewstation.reports.sections import CODE_LINES, ReportBuilder
from reviewstation.reports.styles import make_styles
from reviewstation.reports.text import PIECE, escape, split_markup

STYLES = make_styles()
TAGS = re.compile(r"<[^>]+>")

# Each entry point of untrusted text, filled to its limit: one word, prose, code, markup, notes.
LONG_INPUTS: dict[str, tuple[str, str]] = {
    "one-word body": ("body", "A" * 300_000),
    "prose body": ("body", "word " * 60_000),
    "bold prose body": ("body", "**" + "bold words " * 30_000 + "**"),
    "escaped body": ("body", "<&>" * 100_000),
    "list item body": ("body", "- " + "item " * 60_000),
    "quote body": ("body", "> " + "quoted " * 50_000),
    "fenced code body": ("body", "```\n" + "x = 1\n" * 20_000 + "```\n"),
    "long code line": ("body", "```\n" + "y" * 200_000 + "\n```\n"),
    "one-word note": ("note", "B" * 20_000),
    "prose note": ("note", "note " * 4_000),
}


def walk(flowables: list[Any]) -> Iterator[Any]:
    for flowable in flowables:
        yield flowable
        if isinstance(flowable, KeepTogether):
            yield from walk(list(flowable._content))
        elif isinstance(flowable, Table):
            for row in flowable._cellvalues:
                yield ("row", row)
                for cell in row:
                    yield from walk(cell if isinstance(cell, list) else [cell])


def text_of(cell: Any) -> int:
    cells = cell if isinstance(cell, list) else [cell]
    return sum(len(c.getPlainText()) for c in cells if isinstance(c, Paragraph))


def story_with(content: PackageContent, where: str, text: str) -> list[Flowable]:
    if where == "body":
        finding = dataclasses.replace(content.findings[0], body=text)
        content = dataclasses.replace(content, findings=[finding, *content.findings[1:]])
    else:
        run = content.runs[0]
        answers = [dataclasses.replace(a, note=text) for a in run.answers]
        content = dataclasses.replace(content, runs=[dataclasses.replace(run, answers=answers)])
    return ReportBuilder(content, {}, STYLES).story()


@pytest.mark.parametrize("case", sorted(LONG_INPUTS))
def test_no_piece_of_the_report_grows_with_its_input(content: PackageContent, case: str) -> None:
    where, text = LONG_INPUTS[case]
    seen_text = 0
    for item in walk(story_with(content, where, text)):
        if isinstance(item, tuple):  # a table row: its cells together stay bounded
            assert max(text_of(cell) for cell in item[1]) <= 2 * PIECE, case
        elif isinstance(item, Preformatted):
            assert len(item.lines) <= CODE_LINES, case
            seen_text += sum(len(line) for line in item.lines)
        elif isinstance(item, Paragraph):
            length = len(item.getPlainText())
            assert length <= PIECE + 1, (case, length)
            seen_text += length
    assert seen_text >= len(text) // 2, "the long text is in the report"


PARTS = ["word ", "W", "&amp;", "<b>", "</b>", "<br/>", "  "]


@given(st.lists(st.sampled_from(PARTS), max_size=400))
@example(["word "] * 16 + ["  "])  # found by hypothesis: trailing spaces were dropped
def test_split_markup_keeps_every_character_and_balances_tags(parts: list[str]) -> None:
    markup = "".join(parts)
    # Only balanced markup reaches the splitter (markdown.inline and lines_of write it).
    depth = 0
    for part in parts:
        depth += part == "<b>"
        if part == "</b>":
            if depth == 0:
                return
            depth -= 1
    markup += "</b>" * depth
    pieces = split_markup(markup, 40)
    assert "".join(TAGS.sub("", p) for p in pieces) == TAGS.sub("", markup)
    for piece in pieces:
        Paragraph(piece, STYLES.body)  # ReportLab parses each piece: tags balanced
        # trailing spaces stay with the text before them; they never make a piece grow
        assert len(re.sub(r"&[a-z]+;", "x", TAGS.sub("", piece)).rstrip()) <= 40 + 1


def test_short_text_is_one_paragraph_as_written() -> None:
    markup = escape("A normal description <with> an ampersand & a tag.")
    assert split_markup(markup) == [markup]
