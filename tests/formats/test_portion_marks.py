"""Every piece of a finding's text in the CSAF and OpenVEX members starts with the finding's
portion mark, as SARIF's message and the CVE record's title and description do (issue 14).

One row per member field; each runs for several markings, rotated over the findings so a
mark that lands on the wrong finding's text fails too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from reviewstation.formats import csaf, openvex
from reviewstation.formats.openvex import MARKING_NOTE
from reviewstation.package_content import PackageContent

from .conftest import Built

MARKINGS = ("U", "CUI", "S//NF", "TS//SCI")
OVERALL = "TOP SECRET//SCI//NOFORN"

Texts = list[tuple[str, str]]  # (finding uid, text)


def _csaf(field: Callable[[dict[str, Any]], list[str]]) -> Callable[[PackageContent], Texts]:
    def texts(content: PackageContent) -> Texts:
        doc = csaf.build(content)
        csaf.self_check(doc)  # still passes the mandatory tests ReviewStation implements
        return [(v["ids"][0]["text"], t) for v in doc["vulnerabilities"] for t in field(v)]

    return texts


def _openvex(field: Callable[[dict[str, Any]], list[str]]) -> Callable[[PackageContent], Texts]:
    def texts(content: PackageContent) -> Texts:
        doc = openvex.build(content)
        assert doc is not None
        openvex.self_check(doc)
        return [
            (s["vulnerability"]["@id"].removeprefix("urn:uuid:"), t)
            for s in doc["statements"]
            for t in field(s)
        ]

    return texts


def _notes(category: str | None) -> Callable[[dict[str, Any]], list[str]]:
    return lambda v: [n["text"] for n in v["notes"] if category in (None, n["category"])]


def _each(key: str, field: str) -> Callable[[dict[str, Any]], list[str]]:
    return lambda item: [entry[field] for entry in item.get(key, [])]


def _status_notes(statement: dict[str, Any]) -> list[str]:
    """What follows the package's marking ("Package marking: X. "), which opens the notes."""
    notes: str = statement["status_notes"]
    marking = openvex.statement_marking(statement)
    assert marking == OVERALL
    return [notes.removeprefix(f"{MARKING_NOTE}{marking}. ")]


ROWS: dict[str, Callable[[PackageContent], Texts]] = {
    "CSAF vulnerability title": _csaf(lambda v: [v["title"]]),
    "CSAF description note": _csaf(_notes("description")),
    "CSAF every vulnerability note": _csaf(_notes(None)),
    "CSAF remediation details": _csaf(_each("remediations", "details")),
    "CSAF threat details": _csaf(_each("threats", "details")),
    "CSAF involvement summary": _csaf(_each("involvements", "summary")),
    "OpenVEX vulnerability description": _openvex(lambda s: [s["vulnerability"]["description"]]),
    "OpenVEX action_statement": _openvex(
        lambda s: [s["action_statement"]] if "action_statement" in s else []
    ),
    "OpenVEX impact_statement": _openvex(
        lambda s: [s["impact_statement"]] if "impact_statement" in s else []
    ),
    "OpenVEX status_notes after the package marking": _openvex(_status_notes),
}


def _marked(content: PackageContent, first: int) -> tuple[PackageContent, dict[str, str]]:
    """The content with its findings' portion markings rotated from MARKINGS[first], and
    finding uid -> the portion mark each must carry."""
    findings = [
        dataclasses.replace(f, portion_marking=MARKINGS[(first + i) % len(MARKINGS)])
        for i, f in enumerate(content.findings)
    ]
    marks = {f.uid: f.portion_mark for f in findings}
    return dataclasses.replace(content, findings=findings, marking=OVERALL), marks


@pytest.mark.parametrize("first", range(len(MARKINGS)), ids=MARKINGS)
@pytest.mark.parametrize("row", ROWS)
def test_finding_text_starts_with_its_portion_mark(built: Built, row: str, first: int) -> None:
    content, marks = _marked(built.full, first)
    texts = ROWS[row](content)
    assert texts, f"{row}: no such field in the member"
    for uid, text in texts:
        assert text.startswith(f"{marks[uid]} "), f"{row}: {text!r} lacks {marks[uid]}"
        assert not text.startswith(f"{marks[uid]} {marks[uid]}"), f"{row}: marked twice"
