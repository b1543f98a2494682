"""The light rows of an Inspect log: one per sample, id, epoch, score values, error, limit.

Alignment needs only these, so no transcript is read: a ``.eval`` ZIP gives them from
``summaries.json`` (or, for a run that did not finish, the journal's summary parts), one
member for the whole log. A sample stored in the ZIP that no summary names (all of them, in a
log with neither) is read from its own member, so every stored sample has a row. A ``.json``
log holds its samples inline: parsed whole when small, streamed one sample at a time
otherwise, and only the light fields are kept.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors import inspect_records, json_stream
from reviewstation.artifacts.inspectors.inspect_eval import MAX_HEADER, looks_like_log
from reviewstation.artifacts.inspectors.inspect_records import MAX_SAMPLE, natural_key
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError
from reviewstation.progress import CancelFlag, check_cancel

MAX_SUMMARIES = 512 * 1024 * 1024  # summaries.json of a very large run (10,000 samples: ~10 MB)
MAX_JSON_WHOLE = 32 * 1024 * 1024  # a .json log parsed whole; larger ones are streamed
MAX_SCORERS = 50


@dataclass(frozen=True)
class SampleRow:
    """What alignment needs of one sample."""

    id: str | int
    epoch: int
    scores: dict[str, Any]  # scorer name -> the score's value, as written
    error: str | None
    limit: str | None  # the kind of limit hit (message, token, time, ...), when one was

    @property
    def key(self) -> str:
        return f"{self.id}@{self.epoch}"

    def sort_key(self) -> tuple[Any, ...]:
        return (natural_key(str(self.id)), self.epoch)


@dataclass(frozen=True)
class RunRows:
    """A log's rows in natural order, the scorers met (in first-seen order) and its task."""

    task: str | None
    model: str | None
    rows: list[SampleRow]
    scorers: list[str]
    source: str  # where the rows came from: summaries, journal, samples, json


def _error(value: Any) -> str | None:
    if isinstance(value, str):
        return value[:2000] or "error"
    if isinstance(value, dict):
        message = value.get("message")
        return message[:2000] if isinstance(message, str) and message else "error"
    return None


def _limit(value: Any) -> str | None:
    if isinstance(value, str):
        return value[:80] or "limit"
    if isinstance(value, dict):
        kind = value.get("type")
        return kind[:80] if isinstance(kind, str) and kind else "limit"
    return None


def row_of(record: Any) -> SampleRow | None:
    """The row of a summary or sample record; None when it has no usable id."""
    if not isinstance(record, dict):
        return None
    ident = record.get("id")
    if isinstance(ident, bool) or not isinstance(ident, str | int):
        return None
    epoch = record.get("epoch")
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        epoch = 1
    scores: dict[str, Any] = {}
    raw = record.get("scores")
    if isinstance(raw, dict):
        for name, score in list(raw.items())[:MAX_SCORERS]:
            scores[str(name)] = score.get("value") if isinstance(score, dict) else score
    return SampleRow(ident, epoch, scores, _error(record.get("error")), _limit(record.get("limit")))


def _rows(records: Iterable[Any], cancel: CancelFlag) -> tuple[list[SampleRow], list[str]]:
    found: dict[tuple[str, int], SampleRow] = {}
    scorers: dict[str, None] = {}
    for index, record in enumerate(records):
        if index % 1000 == 0:
            check_cancel(cancel, "Reading the log's samples")
        row = row_of(record)
        if row is None:
            continue
        found[(str(row.id), row.epoch)] = row  # a later record of the same sample wins
        for name in row.scores:
            scorers.setdefault(name)
    return sorted(found.values(), key=SampleRow.sort_key), list(scorers)


def _member(archive: zipfile.ZipFile, name: str, limit: int) -> Any:
    info = archive.getinfo(name)
    return loads_bounded(ziparchive.read_member(archive, info, limit), f"log member {name}", limit)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_zip(stream: BinaryIO, size: int, cancel: CancelFlag = None) -> RunRows:
    archive = ziparchive.open_zip(stream, size)
    names = [info.filename for info in archive.infolist()]
    header: dict[str, Any] = {}
    for name in ("header.json", "_journal/start.json"):
        if name in names:
            header = _dict(_member(archive, name, MAX_HEADER))
            break
    else:
        raise InputError("The .eval file has neither header.json nor _journal/start.json.")
    spec = _dict(header.get("eval"))
    records: list[Any]
    if "summaries.json" in names:
        records, source = _list(_member(archive, "summaries.json", MAX_SUMMARIES)), "summaries"
    else:
        journal = sorted((n for n in names if n.startswith("_journal/summaries/")), key=natural_key)
        records, source = [], "journal"
        for name in journal:
            records.extend(_list(_member(archive, name, MAX_SUMMARIES)))
    # A sample stored in the log but missing from the summaries (none at all, or a writer that
    # summarised only some) is read from its own record: every stored sample gets a row.
    summarised = {_ident(r) for r in records}
    missing = [
        stored
        for stored in inspect_records.stored_samples(names)
        if (stored.ident, stored.epoch) not in summarised
    ]
    if missing:
        source = "samples" if not records else f"{source}+samples"
        records.extend(_stored_records(archive, missing, cancel))
    rows, scorers = _rows(records, cancel)
    return RunRows(_text(spec.get("task")), _text(spec.get("model")), rows, scorers, source)


def _ident(record: Any) -> tuple[str, int] | None:
    row = row_of(record)
    return None if row is None else (str(row.id), row.epoch)


def _stored_records(
    archive: zipfile.ZipFile, stored: list[inspect_records.StoredSample], cancel: CancelFlag
) -> Iterator[dict[str, Any]]:
    for sample in stored:
        check_cancel(cancel, "Reading the log's samples")
        yield inspect_records.read_stored(archive, sample)


def _text(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) else None


def read_json(stream: BinaryIO, size: int, cancel: CancelFlag = None) -> RunRows:
    stream.seek(0)
    if size <= MAX_JSON_WHOLE:
        log = loads_bounded(stream.read(size), "evaluation log", MAX_JSON_WHOLE)
        if not looks_like_log(log):
            raise InputError("The JSON file is not an Inspect evaluation log.")
        rows, scorers = _rows(_list(log.get("samples")), cancel)
        spec = _dict(log.get("eval"))
        return RunRows(_text(spec.get("task")), _text(spec.get("model")), rows, scorers, "json")
    header: dict[str, Any] = {}

    def records() -> Iterator[Any]:
        for part in json_stream.read_object(
            stream, size, field_limit=MAX_HEADER, item_limit=MAX_SAMPLE, streamed="samples"
        ):
            if isinstance(part, json_stream.Field):
                if not part.too_large:
                    header[part.key] = part.value
                continue
            yield part.value

    rows, scorers = _rows(records(), cancel)
    if not looks_like_log(header):
        raise InputError("The JSON file is not an Inspect evaluation log.")
    spec = _dict(header.get("eval"))
    return RunRows(_text(spec.get("task")), _text(spec.get("model")), rows, scorers, "json")


def read_rows(stream: BinaryIO, size: int, cancel: CancelFlag = None) -> RunRows:
    """The rows of an Inspect log (``.eval`` or ``.json``), from its start."""
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if ziparchive.looks_like(head):
        return read_zip(stream, size, cancel)
    return read_json(stream, size, cancel)
