"""Printing: stable JSON for scripts, plain lines for people.

Everything the command line prints passes through here (and through ``error`` for standard
error), and every line is made visible-safe (``reviewstation.text.visible``): names from cards,
titles, notes, audit details and file names cannot move the cursor, hide text, write the
clipboard, overwrite a line or start a new one. A call prints exactly one line; the program's
own text never holds a newline. JSON stays data: ``json.dumps`` escapes C0 controls, and the
characters it would leave raw (DEL, C1, bidi and other format characters, separators, lone
surrogates) are written as ``\\uXXXX`` escapes, which decode to the same strings.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from typing import Any, TextIO

from reviewstation.text import hidden, visible, visible_lines

# In JSON text, characters outside strings are ASCII (the indent's newlines included);
# inside strings a \\uXXXX escape stands for the same character, so replacing them keeps the
# document equal as data.
_JSON_RAW = re.compile(r"[^\n\x20-\x7e]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group(0)
    if not hidden(char):
        return char
    point = ord(char)
    if point < 0x10000:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def json_text(obj: Any) -> str:
    """``obj`` as indented JSON whose every character is safe on a terminal."""
    text = json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False)
    return _JSON_RAW.sub(_json_escape, text)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json_text(obj) + "\n")


def line(text: object = "") -> None:
    """One line on standard output; any control character in ``text`` is shown escaped."""
    sys.stdout.write(visible(text) + "\n")


def block(text: str, prefix: str = "", first: str | None = None) -> None:
    """Foreign multi-line text (a finding body, a note, a preview of a file): each of its lines
    made visible, tabs expanded, and printed after ``prefix`` (``first`` on the first line), so
    with a prefix no line of it can stand where the program's own lines stand."""
    lines = text.expandtabs().split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()  # the text's final newline; empty text is still one (empty) line
    for number, part in enumerate(lines):
        line((first if first is not None and number == 0 else prefix) + part)


def error(text: object, stream: TextIO | None = None) -> None:
    """One line on standard error, made visible-safe like ``line``."""
    (stream or sys.stderr).write(visible(text) + "\n")


def table(rows: list[list[str]], headings: list[str]) -> None:
    shown = [[visible(c) for c in row] for row in [headings, *rows]]
    widths = [max(len(c) for c in col) for col in zip(*shown, strict=False)]
    for row in shown:
        sys.stdout.write(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() + "\n"
        )


class VisibleFormatter(logging.Formatter):
    """Log records on standard error (the desktop app's unexpected errors): the message is one
    line with control characters escaped; a traceback keeps the lines of its frames (the
    program's own), and each exception's text (which may quote a file) is one escaped line."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return visible(super().formatMessage(record))

    def formatException(self, ei: Any) -> str:
        _, value, tb = ei
        if value is None:
            return ""
        chunks = traceback.TracebackException(type(value), value, tb).format()
        out = []
        for chunk in chunks:
            if chunk.startswith("  ") or chunk.strip() in _TRACEBACK_HEADINGS:
                out.extend(visible_lines(chunk.rstrip("\n")))  # frames and headings
            else:
                out.append(visible(chunk.rstrip("\n")))  # "ValueError: <text>": one line
        return "\n".join(out)

    def formatStack(self, stack_info: str) -> str:
        return "\n".join(visible_lines(super().formatStack(stack_info)))


_TRACEBACK_HEADINGS = {
    "Traceback (most recent call last):",
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
    "",
}


def log_to_stderr() -> None:
    """Route warnings and errors of every logger through ``VisibleFormatter`` (a no-op when
    logging is already configured, e.g. under a test runner)."""
    handler = logging.StreamHandler()
    handler.setFormatter(VisibleFormatter("reviewstation: %(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
