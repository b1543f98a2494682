"""Strings that did not come from the program: made visible before display, refused at input.

A name on an identity card, a finding title, a file name or an audit detail may hold bytes a
terminal obeys (escape sequences that move the cursor, hide text or write the clipboard; a
carriage return or backspaces that overwrite what was printed; a newline that forges a line)
or characters that reorder or hide text (bidi overrides and isolates, zero-width and other
format characters). ``visible`` shows each such character as a backslash escape, so what is
printed is what is there; ordinary letters of every script are kept. ``check_line`` refuses
them in fields that are one line.
"""

from __future__ import annotations

import re
import unicodedata

from reviewstation.errors import InputError

# Unicode categories that are never shown as themselves: controls (C0, DEL, C1), format
# characters (bidi marks, overrides and isolates, zero-width characters, tags, soft hyphen),
# line and paragraph separators, surrogates (a lone one cannot be printed), and code points
# not yet assigned (a newer terminal may treat them as format characters).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"})
# Refused in one-line fields; unassigned code points stay allowed as input (a newer Unicode
# than this Python's may assign them), they are only shown escaped.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

_ASCII_SAFE = re.compile(r"[\x20-\x7e]*")
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")  # only these need a category look-up


def escape_char(char: str) -> str:
    """``\\x1b``, ``\\u202e`` or ``\\U000e0001``: the code point, as Python writes it."""
    point = ord(char)
    if point < 0x100:
        return f"\\x{point:02x}"
    if point < 0x10000:
        return f"\\u{point:04x}"
    return f"\\U{point:08x}"


def hidden(char: str) -> bool:
    """True for a character ``visible`` escapes."""
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def visible(value: object) -> str:
    """``value`` as text a terminal or a label shows as it is: every character that could
    act instead of appearing is written as an escape. Idempotent (an escape is printable), so
    layers that each make text visible compose; a backslash is kept as it is, and people are
    told apart by fingerprint (``person``), never by a name alone."""
    text = value if isinstance(value, str) else str(value)
    if _ASCII_SAFE.fullmatch(text):
        return text  # the common case: printable ASCII
    return _NOT_PRINTABLE_ASCII.sub(_escape_if_hidden, text)


def _escape_if_hidden(match: re.Match[str]) -> str:
    char = match.group(0)
    return escape_char(char) if hidden(char) else char


def person(name: str, fingerprint: str) -> str:
    """A person from a card as shown everywhere: the name (visible) and the first 16 hex
    digits of the P-384 fingerprint, so two cards with the same name are told apart."""
    return f"{visible(name)} [{fingerprint[:16]}]"


def people(names: list[str], fingerprints: list[str] | tuple[str, ...]) -> str:
    """``person`` for each, comma-separated (names without a fingerprint are shown alone)."""
    prints = list(fingerprints) + [""] * (len(names) - len(fingerprints))
    return ", ".join(person(n, f) if f else visible(n) for n, f in zip(names, prints, strict=False))


def visible_lines(value: object) -> list[str]:
    """``value`` split at its own line breaks, each line made visible: for the program's own
    multi-line text only (a foreign string is shown with ``visible``, newlines escaped)."""
    text = value if isinstance(value, str) else str(value)
    return [visible(part) for part in text.split("\n")]


def first_refused(value: str) -> int | None:
    """The index of the first character a one-line field refuses, or None."""
    for index, char in enumerate(value):
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return index
    return None


def check_line(field: str, value: str) -> str:
    """``value`` unchanged if it is one line of visible text; else one-line ``InputError``
    naming the field and the first offending character."""
    index = first_refused(value)
    if index is not None:
        raise InputError(
            f"The {field} must be one line without control or formatting characters;"
            f" it has {escape_char(value[index])} at position {index + 1}."
        )
    return value


def check_text(field: str, value: str) -> str:
    """``value`` with Windows line ends made ``\\n`` if it is text of several lines (tabs and
    line breaks allowed, nothing else ``check_line`` refuses: no escape sequence, lone
    carriage return or bidi control reaches a terminal or another tool); else one-line
    ``InputError`` naming the field, the character and its line."""
    text = value.replace("\r\n", "\n")
    for number, line in enumerate(text.split("\n"), start=1):
        index = first_refused(line.replace("\t", " "))
        if index is not None:
            raise InputError(
                f"The {field} must be text without control or formatting characters (tabs and"
                f" line breaks are fine); it has {escape_char(line[index])} on line {number}."
            )
    return text


def counted(n: int, one: str, many: str | None = None) -> str:
    """A count with its noun in agreement: ``counted(1, "finding")`` is "1 finding",
    ``counted(3, "finding")`` "3 findings", ``counted(2, "best match", "best matches")``
    "2 best matches". The one helper for CLI and GUI messages that count things."""
    return f"{n:,} {one if n == 1 else many or one + 's'}"


# What a file of the wrong kind looks like, for errors that name it ("should be JSON but looks
# like Markdown"): signatures of common binary formats, then the shape of the text.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"-----BEGIN ", "a PEM key or certificate"),
)
_TOML_LINE = re.compile(r'^\s*(\[\[?[\w.\-" ]+\]\]?\s*(#.*)?|[\w.\-"]+\s*=\s*\S.*)$')
_MARKDOWN_LINE = re.compile(r"^(#{1,6} \S|\s*[-*+] \S|\s*\d+\. \S|```|>\s)")
_YAML_LINE = re.compile(r"^(---\s*$|[\w\-]+:(\s|$))")


def looks_like(data: bytes) -> str:
    """What ``data`` appears to be, in a few words with its first line quoted: "Markdown
    (first line '# Checklist')", "a ZIP archive", "an empty file". A guess for messages only,
    never for deciding how to read a file."""
    if not data.strip():
        return "an empty file"
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "binary data, not UTF-8 text"
    if "\x00" in text:
        return "binary data"
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    if not lines:  # Unicode spaces and separators only
        return "an empty file"
    first = lines[0].strip()
    shown = f"first line {visible(first[:40] + ('…' if len(first) > 40 else ''))!r}"
    code = [line for line in lines if not line.lstrip().startswith("#")]
    toml = [line for line in code[:200] if _TOML_LINE.match(line)]
    keys = sum(1 for line in toml if not line.lstrip().startswith("["))
    if keys and (keys * 2 >= min(len(code), 20) or len(toml) > keys):
        kind = "TOML"  # mostly TOML keys, or tables holding keys
    elif first.startswith(("{", "[")):
        kind = "JSON"
    elif first.startswith("<"):
        kind = "XML or HTML"
    elif _YAML_LINE.match(first) or (code and _YAML_LINE.match(code[0]) and first[:1] != "#"):
        kind = "YAML"
    elif any(_MARKDOWN_LINE.match(line) for line in lines):
        kind = "Markdown"
    else:
        kind = "plain text"
    return f"{kind} ({shown})"


def check_name(value: object, what: str, limit: int = 200) -> str:
    """A person's name as a record stores it (author, signer, decider...): 1-``limit``
    printable characters with no surrounding space. ``what`` names it, e.g. "review's decider"."""
    if (
        not isinstance(value, str)
        or not value
        or len(value) > limit
        or not value.isprintable()
        or value != value.strip()
    ):
        raise InputError(f"The {what} must be 1-{limit} printable characters.")
    return value
