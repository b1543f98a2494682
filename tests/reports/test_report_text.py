"""Folding text for the standard fonts, and the small Markdown reader (pure functions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.platypus import Paragraph

from reviewstation.reports.fonts import covered
from reviewstation.reports.markdown import Block, inline, parse
from reviewstation.reports.styles import make_styles
from reviewstation.reports.text import Folder, chunk, escape, fold_char, wrap_token

STYLES = make_styles()


@pytest.mark.parametrize(
    ("char", "expected"),
    [
        ("a", "a"),
        ("\u00e9", "\u00e9"),  # Latin-1
        ("\u2014", "\u2014"),  # em dash
        ("\u20ac", "\u20ac"),  # euro sign
        ("\u0151", "\u0151"),  # o with double acute: every face has it
        ("\u017a", "\u017a"),
        ("\u0142", "\u0142"),
        ("\u2192", "\u2192"),
        ("\u2264", "\u2264"),
        ("\u0416", "\u0416"),  # Cyrillic
        ("\u03a9", "\u03a9"),  # Greek
        ("\u01c4", "D\u017d"),  # a digraph the mono face lacks, by compatibility form
        ("\u01fa", "A"),  # A with ring and acute, which the mono face lacks: accents dropped
        ("\u2043", "-"),  # from the table
        ("\uff21", "A"),  # full-width A
        ("\u6f22", "?"),  # CJK
        ("\u05d0", "?"),  # Hebrew: right to left, which reportlab does not shape
        ("\u0627", "?"),  # Arabic
        ("\U0001f600", "?"),  # emoji
        ("\u202e", "?"),  # right-to-left override: made visible, never silently dropped
        ("\u200b", "?"),  # zero-width space
        ("\x07", "?"),  # control character
        ("\x85", "?"),  # C1 control
        ("\n", "\n"),
        ("\t", "\t"),
    ],
)
def test_fold_char(char: str, expected: str) -> None:
    assert fold_char(char) == expected


def test_folder_counts_what_it_changed() -> None:
    fold = Folder()
    assert fold("plain ASCII") == "plain ASCII"
    assert fold("caf\u00e9 \u2014 \u201cok\u201d") == "caf\u00e9 \u2014 \u201cok\u201d"
    assert (fold.changed, fold.unknown) == (0, 0)
    polish_russian = "\u0141\u00f3d\u017a \u041c\u0438\u0440"
    assert fold(polish_russian) == polish_russian
    assert (fold.changed, fold.unknown) == (0, 0)
    assert fold("\u01fa \u6f22\u5b57") == "A ??"
    assert (fold.changed, fold.unknown) == (1, 2)
    assert fold("a\r\nb\rc") == "a\nb\nc"
    assert fold(None) == "" and fold("") == ""


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_folded_text_always_prints(text: str) -> None:
    """Every character of folded text has a glyph in every face of the report."""
    faces = covered()
    assert all(ord(c) in faces or c in "\n\t" for c in Folder()(text))


def test_escape() -> None:
    assert escape("<b>&amp;</b>") == "&lt;b&gt;&amp;amp;&lt;/b&gt;"


def test_chunk_and_wrap_token() -> None:
    assert chunk("ab" * 48, 80) == ["ab" * 24, "ab" * 24]
    assert chunk("short", 80) == ["short"]
    assert wrap_token("realworld.cve-bench.zero-day", 20) == ["realworld.cve-bench.", "zero-day"]
    assert wrap_token("x" * 50, 20) == ["x" * 20, "x" * 20, "x" * 10]


def test_inline_forms() -> None:
    assert inline("**bold** and __also__") == "<b>bold</b> and <b>also</b>"
    assert inline("*it* `a<b>` [site](https://x.invalid/a)") == (
        '<i>it</i> <font face="DejaVuSansMono">a&lt;b&gt;</font>'
        ' site (<font face="DejaVuSansMono">https://x.invalid/a</font>)'
    )
    assert inline("**`code` in bold**") == '<b><font face="DejaVuSansMono">code</font> in bold</b>'
    assert inline(r"\*not italic\*") == "*not italic*"
    assert inline("snake_case_name and 2*3*4") == "snake_case_name and 2<i>3</i>4"
    assert inline("** not bold **") == "** not bold **"


def test_inline_escapes_markup() -> None:
    hostile = '<b>&lt;script&gt;</b> <font size="40">x</font> <para/> & done'
    assert inline(hostile) == escape(hostile)


def test_blocks() -> None:
    source = "\n".join(
        [
            "# Heading",
            "",
            "First line",
            "continues here.",
            "",
            "- one",
            "  more of one",
            "- two",
            "  - nested",
            "1. first",
            "",
            "> quoted",
            "",
            "---",
            "```sh",
            "echo '<b>'",
            "```",
            "",
            "    indented code",
            "",
            "| a | b |",
            "|---|---|",
        ]
    )
    assert parse(source) == [
        Block("heading", "Heading", 1),
        Block("para", "First line continues here."),
        Block("item", "one more of one", 0, "\u2022"),
        Block("item", "two", 0, "\u2022"),
        Block("item", "nested", 1, "\u2022"),
        Block("item", "first", 0, "1."),
        Block("quote", "quoted"),
        Block("rule", ""),
        Block("code", "echo '<b>'"),
        Block("code", "indented code"),
        Block("code", "| a | b |\n|---|---|"),
    ]


def test_unclosed_fence_runs_to_the_end() -> None:
    assert parse("text\n```\ncode\nmore") == [Block("para", "text"), Block("code", "code\nmore")]


def test_hard_line_break() -> None:
    assert parse("one  \ntwo\\\nthree") == [Block("para", "one<br/>two<br/>three")]


@given(st.text(alphabet=st.sampled_from(list("ab <>&;/\"'=*_`[]()#->\\\n 1.|~")), max_size=120))
@settings(max_examples=150, deadline=None)
def test_any_body_gives_markup_reportlab_accepts(source: str) -> None:
    for block in parse(source):
        if block.kind not in ("code", "rule"):
            Paragraph(block.text, STYLES.body)  # raises ValueError on malformed markup
