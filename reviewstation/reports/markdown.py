"""A small, safe Markdown reader for finding bodies: blocks of escaped paragraph markup.

Supported: paragraphs, ``#`` headings, bullet and numbered lists (nested by indentation), block
quotes, horizontal rules, fenced code blocks (```` ``` ```` or ``~~~``), indented code blocks,
pipe tables (shown as monospaced text), and inline ``**bold**``, ``__bold__``, ``*italic*``,
```code``` spans, ``[text](url)`` links (shown as "text (url)") and backslash escapes.

Everything else is literal text. The output markup is built only from tags this module writes
(``<b>``, ``<i>``, ``<font face="DejaVuSansMono">``, ``<br/>``); every character taken from the body
goes through :func:`reviewstation.reports.text.escape`, so HTML or reportlab markup in a body
prints as the characters the author typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from reviewstation.reports.fonts import MONO
from reviewstation.reports.text import escape

BlockKind = Literal["para", "heading", "item", "quote", "code", "rule"]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str  # paragraph markup, except for "code": the raw lines
    level: int = 0  # heading level (1-6) or list nesting (0-3)
    marker: str = ""  # list items: "\u2022" or "3."


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_BULLET = re.compile(r"^([ \t]*)([-*+])[ \t]+(.*)$")
_ORDERED = re.compile(r"^([ \t]*)([0-9]{1,9})[.)][ \t]+(.*)$")
_QUOTE = re.compile(r"^ {0,3}>[ ]?(.*)$")
_TABLE = re.compile(r"^ {0,3}\|")
_INDENTED = re.compile(r"^(?: {4}|\t)")

# Emphasis never spans its own marker (bold holds no "**", italic no "*"): each attempt then
# scans only to the next marker, so a line costs time in proportion to its length. With ".+?"
# a line of "*a *a *a ..." cost the square of its length (a 128 KiB line took 2 minutes).
_INLINE = re.compile(
    r"(?P<code>(?P<ticks>`+)(?P<code_text>.+?)(?P=ticks))"
    r"|\*\*(?P<bold>(?=[^\s*])(?:[^*]|\*(?!\*))+?(?<=\S))\*\*"
    r"|(?<![\w_])__(?P<bold2>(?=[^\s_])(?:[^_]|_(?!_))+?(?<=\S))__(?![\w_])"
    r"|\*(?P<italic>(?=[^\s*])[^*]*?(?<=[^\s*]))\*"
    r"|\[(?P<link_text>[^\[\]]+)\]\((?P<link_url>[^()\s]+)\)"
    r"|\\(?P<escaped>[!-/:-@\[-`{-~])"
)
MAX_NESTING = 3


def inline(text: str) -> str:
    """Paragraph markup for one block's text: the inline forms above, everything else escaped."""
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[position : match.start()]))
        position = match.end()
        if match.group("code") is not None:
            code = match.group("code_text")
            if code.startswith(" ") and code.endswith(" ") and code.strip():
                code = code[1:-1]
            out.append(f'<font face="{MONO}">{escape(code)}</font>')
        elif match.group("bold") is not None:
            out.append(f"<b>{inline(match.group('bold'))}</b>")
        elif match.group("bold2") is not None:
            out.append(f"<b>{inline(match.group('bold2'))}</b>")
        elif match.group("italic") is not None:
            out.append(f"<i>{inline(match.group('italic'))}</i>")
        elif match.group("link_text") is not None:
            label = inline(match.group("link_text"))
            out.append(f'{label} (<font face="{MONO}">{escape(match.group("link_url"))}</font>)')
        else:
            out.append(escape(match.group("escaped")))
    out.append(escape(text[position:]))
    return "".join(out)


def _join(lines: list[str]) -> str:
    """Lines of one paragraph: joined by spaces; a hard break (two spaces or a backslash)."""
    parts: list[str] = []
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        hard = not last and (line.endswith("  ") or line.endswith("\\"))
        stripped = line.strip()
        if hard and stripped.endswith("\\"):
            stripped = stripped[:-1].rstrip()
        parts.append(inline(stripped) + ("<br/>" if hard else ""))
    return " ".join(parts).replace("<br/> ", "<br/>")


def _indent_width(prefix: str) -> int:
    return len(prefix.expandtabs(4))


def parse(source: str) -> list[Block]:
    """The blocks of a Markdown text (already folded for the fonts)."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    paragraph: list[str] = []
    item: tuple[int, str, list[str]] | None = None  # level, marker, lines
    quote: list[str] = []
    list_indents: list[int] = []

    def flush() -> None:
        nonlocal item
        if paragraph:
            blocks.append(Block("para", _join(paragraph)))
            paragraph.clear()
        if item is not None:
            blocks.append(Block("item", _join(item[2]), item[0], item[1]))
            item = None
        if quote:
            blocks.append(Block("quote", _join(quote)))
            quote.clear()

    def list_level(indent: int) -> int:
        while list_indents and indent < list_indents[-1]:
            list_indents.pop()
        if not list_indents or indent > list_indents[-1] + 1:
            list_indents.append(indent)
        return min(len(list_indents) - 1, MAX_NESTING)

    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            flush()
            list_indents.clear()
            mark = fence.group(1)
            body: list[str] = []
            index += 1
            while index < len(lines):
                closing = _FENCE.match(lines[index])
                if (
                    closing
                    and closing.group(1)[0] == mark[0]
                    and len(closing.group(1)) >= len(mark)
                    and not lines[index].strip()[len(closing.group(1)) :].strip()
                ):
                    break
                body.append(lines[index])
                index += 1
            blocks.append(Block("code", "\n".join(body)))
            index += 1
            continue
        if not line.strip():
            flush()
            index += 1
            continue
        if (
            _INDENTED.match(line)
            and not paragraph
            and item is None
            and not quote
            and not list_indents
        ):
            flush()
            body = []
            while index < len(lines) and (
                _INDENTED.match(lines[index]) or not lines[index].strip()
            ):
                body.append(lines[index].expandtabs(4)[4:])
                index += 1
            while body and not body[-1].strip():
                body.pop()
            blocks.append(Block("code", "\n".join(body)))
            continue
        if _RULE.match(line):
            flush()
            list_indents.clear()
            blocks.append(Block("rule", ""))
            index += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            list_indents.clear()
            blocks.append(Block("heading", inline(heading.group(2) or ""), len(heading.group(1))))
            index += 1
            continue
        bullet = _BULLET.match(line) or _ORDERED.match(line)
        if bullet:
            flush()
            level = list_level(_indent_width(bullet.group(1)))
            marker = "\u2022" if bullet.re is _BULLET else f"{int(bullet.group(2))}."
            item = (level, marker, [bullet.group(3)])
            index += 1
            continue
        quoted = _QUOTE.match(line)
        if quoted and item is None and not paragraph:
            quote.append(quoted.group(1))
            index += 1
            continue
        if _TABLE.match(line) and not paragraph and item is None:
            flush()
            body = []
            while index < len(lines) and _TABLE.match(lines[index]):
                body.append(lines[index].strip())
                index += 1
            blocks.append(Block("code", "\n".join(body)))
            continue
        if item is not None:
            item[2].append(line)
        elif quote:
            quote.append(quoted.group(1) if quoted else line)
        else:
            if not list_indents or not line.startswith((" ", "\t")):
                list_indents.clear()
            paragraph.append(line)
        index += 1
    flush()
    return blocks
