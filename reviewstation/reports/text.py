"""Text for the report's fonts, and escaping for reportlab's paragraph markup.

The report embeds DejaVu Sans and DejaVu Sans Mono (``fonts.py``), which cover Latin, Greek,
Cyrillic and many symbols. A character that not every face has a glyph for would print as a
box or nothing, so every string is *folded* first:

1. a character every face covers is kept;
2. otherwise its compatibility form (NFKC: full-width letters, ligatures, odd spaces) is used
   when that is covered, then its decomposition without accents (NFKD);
3. then a short table of common letters and symbols ("→" -> "->");
4. anything left (CJK, emoji, Hebrew and Arabic, which reportlab does not shape right to left,
   invisible format characters such as bidi controls) becomes "?", so that nothing is silently
   dropped.

The folder counts what it changed; the report says so on its cover and points to the JSON
members, which carry the exact text.

Folding happens before escaping, and escaping happens before any text reaches reportlab's
paragraph parser: text from the vault (titles, notes, finding bodies) is untrusted and is never
interpreted as markup.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from reviewstation.reports.fonts import covered

REPLACEMENT = "?"
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

_TABLE = {
    "\u0131": "i",  # dotless i
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0126": "H",
    "\u0127": "h",
    "\u0138": "k",
    "\u0149": "'n",
    "\u014a": "N",
    "\u014b": "n",
    "\u0166": "T",
    "\u0167": "t",
    "\u0180": "b",
    "\u0192": "f",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2015": "--",
    "\u2212": "-",  # minus sign
    "\u2190": "<-",
    "\u2192": "->",
    "\u2194": "<->",
    "\u21d0": "<=",
    "\u21d2": "=>",
    "\u21d4": "<=>",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u221e": "infinity",
    "\u2713": "v",
    "\u2714": "v",
    "\u2717": "x",
    "\u2718": "x",
    "\u2023": "\u2022",
    "\u2043": "-",
    "\u25cf": "\u2022",
    "\u25e6": "o",
    "\u2028": " ",  # line separator
    "\u2029": " ",  # paragraph separator
}


# Scripts reportlab would set left to right, letter by letter: folded, not printed wrongly.
_RIGHT_TO_LEFT = frozenset({"R", "AL", "AN"})


def _encodable(text: str) -> bool:
    """Every character has a glyph in every face, and none is written right to left."""
    faces = covered()
    return all(ord(c) in faces and unicodedata.bidirectional(c) not in _RIGHT_TO_LEFT for c in text)


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character as the report's fonts can print it (the character itself when possible)."""
    if char in "\n\t":
        return char
    category = unicodedata.category(char)
    if category == "Cc":
        return REPLACEMENT
    if category != "Cf" and _encodable(char):
        return char
    if char == "\u00ad":  # soft hyphen: a format character the fonts have; keep it invisible
        return char
    compat = unicodedata.normalize("NFKC", char)
    if compat != char and compat and _encodable(compat) and compat.isprintable():
        return compat
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if bare and bare != char and _encodable(bare) and bare.isprintable():
        return bare
    return _TABLE.get(char, REPLACEMENT)


class Folder:
    """Folds text for the report's fonts and counts the characters it had to change."""

    def __init__(self) -> None:
        self.changed = 0
        self.unknown = 0

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if text.isascii() and not _ASCII_CONTROL.search(text):
            return text
        out = []
        for char in text:
            folded = fold_char(char)
            if folded != char:
                if folded == REPLACEMENT:
                    self.unknown += 1
                else:
                    self.changed += 1
            out.append(folded)
        return "".join(out)


def escape(text: str) -> str:
    """Make text literal inside reportlab paragraph markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def lines_of(text: str) -> str:
    """Escaped text whose line breaks are kept (for notes typed as plain text)."""
    return "<br/>".join(escape(line) for line in text.split("\n"))


def chunk(text: str, width: int) -> list[str]:
    """Split a long unbroken string (a hash, a vector) into lines of even length <= width."""
    if len(text) <= width or width <= 0:
        return [text]
    count = -(-len(text) // width)
    size = -(-len(text) // count)
    return [text[i : i + size] for i in range(0, len(text), size)]


def wrap_token(text: str, width: int, breaks: str = "./-_:#@") -> list[str]:
    """Split an identifier or path into lines <= width, after a delimiter where possible."""
    lines: list[str] = []
    while len(text) > width > 0:
        cut = max(text.rfind(mark, 0, width) for mark in breaks) + 1
        if cut <= width // 3:
            cut = width
        lines.append(text[:cut])
        text = text[cut:]
    lines.append(text)
    return lines


# ReportLab wraps a paragraph again from its start each time it is split across a page, and
# splits a long word one measured character at a time: a paragraph's cost grows with the square
# of its length (a 1 MiB one-word body took minutes). Untrusted text therefore reaches it in
# pieces of at most this many characters, each its own paragraph, so the report costs time in
# proportion to its input.
PIECE = 3000
_TAG = re.compile(r"<(/?)([a-zA-Z]+)[^>]*?(/?)>")
_ENTITY = re.compile(r"&[a-zA-Z0-9#]{1,10};")


def split_markup(markup: str, limit: int = PIECE) -> list[str]:
    """Cut paragraph markup into pieces of at most about ``limit`` characters of text.

    Cuts fall after a space or a ``<br/>`` where there is one in the second half of a piece,
    else anywhere between characters (a long word); never inside a tag or an entity. Tags
    open at a cut are closed at the end of the piece and opened again at the start of the
    next, so bold or Courier text stays so across the cut."""
    if len(markup) <= limit:
        return [markup]
    pieces: list[str] = []
    current: list[str] = []
    opened: list[tuple[str, str]] = []  # (name, the opening tag as written)
    count = 0
    soft = -1  # index in ``current`` just after the last good place to cut
    soft_opened: list[tuple[str, str]] = []

    def cut(at: int, still_open: list[tuple[str, str]]) -> None:
        nonlocal current, count, soft
        head, tail = current[:at], current[at:]
        pieces.append("".join(head) + "".join(f"</{name}>" for name, _ in reversed(still_open)))
        current = [tag for _, tag in still_open] + tail
        count = sum(1 for part in tail if not part.startswith("<"))
        soft = -1

    position = 0
    while position < len(markup):
        char = markup[position]
        tag = _TAG.match(markup, position) if char == "<" else None
        entity = _ENTITY.match(markup, position) if char == "&" else None
        if tag is not None:
            text, position = tag.group(0), tag.end()
            closing, name, empty = tag.group(1), tag.group(2).lower(), tag.group(3)
            current.append(text)
            if empty:  # <br/>: a line ends here, a good place to cut
                soft, soft_opened = len(current), list(opened)
            elif closing:
                if opened and opened[-1][0] == name:
                    opened.pop()
            else:
                opened.append((name, text))
            continue
        text = entity.group(0) if entity is not None else char
        position += len(text)
        current.append(text)
        count += 1
        if char == " ":
            soft, soft_opened = len(current), list(opened)
        if count >= limit:
            if soft > len(current) // 2:
                cut(soft, soft_opened)
            else:
                cut(len(current), list(opened))
    rest = "".join(current)
    if pieces and not _TAG.sub("", rest).strip():
        pieces[-1] += rest  # trailing spaces (and the tags around them) stay with the text
    else:
        pieces.append(rest)
    return pieces
