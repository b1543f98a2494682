"""Answers files: many checklist answers in one file, applied in one unlock (``runs.set_answers``).

Two forms, told apart by the first character that is not white space (``[`` or ``{``
is JSON):

A **line file**, one answer per line::

    # ITEM              STATUS          EVIDENCE...      -- NOTE
    media.receipt       not_a_finding   3                -- Seals intact, photographed
    media.hashes        open            3 4#s-17@2       -- Two declared hashes differ
    media.write-block   not_applicable

``STATUS`` is one of ``runs.STATUSES``, or ``-`` to keep the item's status (to add only a note
or evidence). ``EVIDENCE`` is any number of references as ``--evidence`` takes them
(``ARTIFACT`` or ``ARTIFACT#SAMPLE[@EPOCH]``, no spaces). Everything after the first ``--``
word is the note, verbatim; a line ending in ``--`` clears the note; without ``--`` the note is
kept. Blank lines and lines starting with ``#`` are skipped.

A **JSON file**: an array of objects with the keys ``item`` (required), ``status``, ``note``,
``evidence`` (a list of references), ``severity`` and ``justification`` (a severity override
needs both), for example ``[{"item": "media.receipt", "status": "not_a_finding"}]``.

Every problem is an ``InputError`` whose message starts with the file and the line (or JSON
entry) it is about; this module reads and checks the form only, ``runs.set_answers`` checks
the answers against the run (unknown item, evidence not in the vault) with the same prefix.
"""

from __future__ import annotations

import re
from typing import Any

from reviewstation.canonical import loads_bounded
from reviewstation.checklists.runs import STATUSES, AnswerChange
from reviewstation.errors import InputError
from reviewstation.evidence import EvidenceRef, parse_ref
from reviewstation.text import looks_like

MAX_ANSWERS_FILE = 16 * 1024 * 1024
KEEP = "-"  # the status that keeps the item's status
JSON_KEYS = ("item", "status", "note", "evidence", "severity", "justification")
_NOTE_MARK = re.compile(r"(?:^|\s)--(?:\s|$)")


def parse_answers(data: bytes, origin: str) -> list[AnswerChange]:
    """The answers in ``data`` (an answers file named ``origin`` in messages), in file order."""
    if len(data) > MAX_ANSWERS_FILE:
        raise InputError(f"{origin} is larger than the {MAX_ANSWERS_FILE}-byte limit.")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        seems = looks_like(data)
        raise InputError(f"{origin} is not UTF-8 text (byte {exc.start}): {seems}.") from exc
    is_json = text.lstrip().startswith(("[", "{"))
    try:
        answers = _json_answers(data, origin) if is_json else _lines(text, origin)
    except InputError as exc:
        seems = looks_like(data)
        if is_json or seems.startswith("plain text"):
            raise
        raise InputError(
            f"{origin} should hold answer lines (ITEM STATUS -- note) or a JSON array but looks"
            f" like {seems}; first problem: {exc}"
        ) from exc
    if not answers:
        raise InputError(f"{origin} holds no answers.")
    return answers


def _status(value: str, where: str) -> str | None:
    if value == KEEP:
        return None
    if value not in STATUSES:
        raise InputError(
            f"{where}: unknown status {value!r}; choose one of {', '.join(STATUSES)} or {KEEP}."
        )
    return value


def _refs(values: list[str], where: str) -> tuple[EvidenceRef, ...]:
    try:
        return tuple(parse_ref(v) for v in values)
    except InputError as exc:
        raise InputError(f"{where}: {exc}") from exc


def _lines(text: str, origin: str) -> list[AnswerChange]:
    answers = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{origin} line {number}"
        mark = _NOTE_MARK.search(line)
        head, note = (line[: mark.start()], line[mark.end() :].strip()) if mark else (line, None)
        words = head.split()
        if len(words) < 2:
            raise InputError(
                f"{where}: expected ITEM STATUS [EVIDENCE...] [-- NOTE], got {line.strip()!r}."
            )
        item, status, *evidence = words
        answers.append(
            AnswerChange(
                item,
                status=_status(status, where),
                note=note,
                evidence=_refs(evidence, where),
                where=where,
            )
        )
    return answers


def _text(entry: dict[str, Any], key: str, where: str) -> str | None:
    value = entry.get(key)
    if value is not None and not isinstance(value, str):
        raise InputError(f"{where}: {key!r} must be a string.")
    return value


def _json_answers(data: bytes, origin: str) -> list[AnswerChange]:
    entries = loads_bounded(data, origin, MAX_ANSWERS_FILE)
    if not isinstance(entries, list):
        raise InputError(f"{origin} must hold a JSON array of answers.")
    answers = []
    for number, entry in enumerate(entries, start=1):
        where = f"{origin} entry {number}"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: an answer is a JSON object.")
        unknown = sorted(set(entry) - set(JSON_KEYS))
        if unknown:
            raise InputError(
                f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(JSON_KEYS)}."
            )
        item = _text(entry, "item", where)
        if not item:
            raise InputError(f"{where}: 'item' names the checklist item and is required.")
        where = f"{where} (item {item})"
        evidence = entry.get("evidence", [])
        if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
            raise InputError(f"{where}: 'evidence' must be a list of strings.")
        status = _text(entry, "status", where)
        answers.append(
            AnswerChange(
                item,
                status=None if status is None else _status(status, where),
                note=_text(entry, "note", where),
                severity_override=_text(entry, "severity", where),
                justification=_text(entry, "justification", where),
                evidence=_refs(evidence, where),
                where=where,
            )
        )
    return answers
