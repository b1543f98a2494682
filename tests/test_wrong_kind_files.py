"""A file of the wrong kind gets one line saying what was expected and what it looks like,
not a parser's complaint ("not valid JSON" for a Markdown file)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewstation.checklists.answers_file import parse_answers
from reviewstation.checklists.templates import parse_template
from reviewstation.cli.commands.finding import _body
from reviewstation.crypto.identity import parse_card
from reviewstation.errors import InputError
from reviewstation.text import looks_like

MARKDOWN = b"# Review notes\n\n- the model refused\n- then complied\n"
YAML = b"id: my-template\nitems:\n  - id: a\n"
ZIP = b"PK\x03\x04" + bytes(40)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
LATIN1 = b"caf\xe9 open -- note\n"
JSON = b'{\n  "format": "something",\n  "items": [1, 2]\n}\n'
TOML = b'[template]\nid = "x"\nversion = 1\n\n[[items]]\nid = "a"\nguidance = """\nlong\n"""\n'


@pytest.mark.parametrize(
    ("data", "seems"),
    [
        (b"", "an empty file"),
        (b"  \n\n", "an empty file"),
        (MARKDOWN, "Markdown (first line '# Review notes')"),
        (YAML, "YAML (first line 'id: my-template')"),
        (ZIP, "a ZIP archive"),
        (PDF, "a PDF document"),
        (LATIN1, "binary data, not UTF-8 text"),
        (JSON, "JSON (first line '{')"),
        (b"[1, 2]", "JSON (first line '[1, 2]')"),
        (TOML, "TOML (first line '[template]')"),
        (b"alpha open -- seen\n", "plain text (first line 'alpha open -- seen')"),
        (b"# \x1b[2Jcleared\n", "Markdown (first line '# \\\\x1b[2Jcleared')"),
    ],
)
def test_looks_like_names_the_kind_of_a_file(data: bytes, seems: str) -> None:
    assert looks_like(data) == seems


def _body_file(tmp: Path) -> Callable[[bytes], object]:
    def read(data: bytes) -> object:
        path = tmp / "body.md"
        path.write_bytes(data)
        return _body(argparse.Namespace(body_file=path))

    return read


READERS: dict[str, Callable[[Path], Callable[[bytes], object]]] = {
    "identity card": lambda _: parse_card,
    "checklist template": lambda _: lambda data: parse_template(data, "t.toml"),
    "answers file": lambda _: lambda data: parse_answers(data, "answers.txt"),
    "finding body": _body_file,
}


@pytest.mark.parametrize(
    ("reader", "data", "expected"),
    [
        ("identity card", MARKDOWN, "should be JSON but looks like Markdown"),
        ("identity card", ZIP, "should be JSON but looks like a ZIP archive"),
        ("identity card", TOML, "should be JSON but looks like TOML"),
        ("identity card", b"", "should be JSON but looks like an empty file"),
        ("identity card", b'{"format": ', "is not valid JSON (Expecting value, line 1)"),
        ("checklist template", MARKDOWN, "t.toml should be TOML but looks like Markdown"),
        ("checklist template", JSON, "t.toml should be TOML but looks like JSON"),
        ("checklist template", PDF, "t.toml should be TOML but looks like a PDF document"),
        ("checklist template", b"[template\nid = 1\n", "not valid TOML"),
        ("answers file", MARKDOWN, "answers.txt should hold answer lines"),
        (
            "answers file",
            ZIP,
            "answer lines (ITEM STATUS -- note) or a JSON array but looks like a ZIP",
        ),
        ("answers file", LATIN1, "answers.txt is not UTF-8 text (byte 3): binary data"),
        ("answers file", b"[1, ", "is not valid JSON"),
        ("finding body", ZIP + b"\xff", "should be Markdown text but looks like a ZIP archive"),
        ("finding body", LATIN1, "should be Markdown text but looks like binary data"),
    ],
)
def test_a_file_of_the_wrong_kind_says_what_it_looks_like(
    reader: str, data: bytes, expected: str, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as raised:
        READERS[reader](tmp_path)(data)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message


ODD = [bytes([b]) for b in range(256)] + [
    chr(c).encode() + tail
    for c in (0x85, 0xA0, 0x1C, 0x2028, 0x2029, 0xFEFF, 0x202E, 0x200B)
    for tail in (b"", b"\n", b"x", b"# x")
]


@pytest.mark.parametrize("data", ODD)
def test_looks_like_always_answers_in_one_line(data: bytes) -> None:
    seems = looks_like(data)
    assert seems and "\n" not in seems and "\r" not in seems and "\u2028" not in seems
