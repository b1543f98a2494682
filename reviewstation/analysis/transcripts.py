"""One sample's transcript in two runs, side by side, and the first point where they diverge.

Only the chosen sample's record is read (a ``.eval`` member, or its parts; in a ``.json`` log
the samples are scanned until it is found) and resolved as evidence resolves it (pooled
messages and ``attachment://`` references replaced). Messages are compared by role, text and
tool calls; events by their type and the content that matters for that type (a model
event's output, a tool event's call and result, a score's value), never by timestamps or ids.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from reviewstation import ziparchive
from reviewstation.analysis.runs import MAX_JSON_WHOLE
from reviewstation.artifacts.inspectors import inspect_records, json_stream
from reviewstation.artifacts.inspectors.inspect_eval import MAX_HEADER
from reviewstation.artifacts.inspectors.inspect_records import MAX_SAMPLE
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError, NotFound

MAX_TEXT = 20_000
MAX_ITEMS = 5000


@dataclass(frozen=True)
class Message:
    role: str
    text: str
    tool_calls: list[str]  # "function(arguments)"


@dataclass(frozen=True)
class Side:
    label: str
    key: str
    messages: list[Message]
    events: list[str]  # one line per event: its type and what it carries


@dataclass(frozen=True)
class TranscriptPair:
    key: str
    a: Side
    b: Side
    message_divergence: int | None  # the first message index that differs; None: identical
    event_divergence: int | None


def _split(key: str) -> tuple[str, int | None]:
    ident, epoch = inspect_records.split_key(key)
    if not ident:
        raise InputError("Name a sample as ID or ID@EPOCH.")
    return ident, epoch


def _matches(record: Any, ident: str, epoch: int | None) -> bool:
    if not isinstance(record, dict) or str(record.get("id")) != ident:
        return False
    found = record.get("epoch") if isinstance(record.get("epoch"), int) else 1
    return (epoch is None and found == 1) or found == epoch


def load_sample(stream: BinaryIO, size: int, key: str) -> dict[str, Any]:
    """The resolved record of sample ``ID@EPOCH`` (epoch 1 when none is named)."""
    ident, epoch = _split(key)
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    record: dict[str, Any] | None = None
    if ziparchive.looks_like(head):
        archive = ziparchive.open_zip(stream, size)
        names = [info.filename for info in archive.infolist()]
        for stored in inspect_records.stored_samples(names):
            if stored.ident == ident and stored.epoch == (epoch or 1):
                record = inspect_records.read_stored(archive, stored)
                break
    elif size <= MAX_JSON_WHOLE:
        log = loads_bounded(stream.read(size), "evaluation log", MAX_JSON_WHOLE)
        samples = log.get("samples") if isinstance(log, dict) else None
        for sample in samples if isinstance(samples, list) else []:
            if _matches(sample, ident, epoch):
                record = sample
                break
    else:
        for part in json_stream.read_object(
            stream, size, field_limit=MAX_HEADER, item_limit=MAX_SAMPLE, streamed="samples"
        ):
            if isinstance(part, json_stream.Item) and _matches(part.value, ident, epoch):
                record = part.value
                break
    if record is None:
        raise NotFound(f"The log has no sample {key[:80]!r}.")
    resolved, _notes = inspect_records.resolve(record, f"sample {key[:80]}")
    return resolved


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "?"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content[:200]:
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            if kind == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif kind == "reasoning" and isinstance(part.get("reasoning"), str):
                parts.append("[reasoning] " + part["reasoning"])
            elif isinstance(kind, str):
                parts.append(f"[{kind[:40]}]")
        return "\n".join(parts)
    return "" if content is None else json.dumps(content, sort_keys=True, ensure_ascii=False)


def _call(call: Any) -> str:
    if not isinstance(call, dict):
        return "?"
    function = call.get("function") if isinstance(call.get("function"), str) else "?"
    arguments = json.dumps(call.get("arguments"), sort_keys=True, ensure_ascii=False)
    return f"{function}({arguments})"


def messages(record: dict[str, Any]) -> list[Message]:
    raw = record.get("messages")
    out = []
    for message in (raw if isinstance(raw, list) else [])[:MAX_ITEMS]:
        if not isinstance(message, dict):
            continue
        role = _str(message.get("role"))
        calls = message.get("tool_calls")
        out.append(
            Message(
                role=role[:40],
                text=_clip(_content(message.get("content"))),
                tool_calls=[_clip(_call(c)) for c in (calls if isinstance(calls, list) else [])],
            )
        )
    return out


def _event_line(event: dict[str, Any]) -> str:
    kind = _str(event.get("event"))
    if kind == "model":
        choices = _dict(event.get("output")).get("choices")
        first = _dict(choices[0]) if isinstance(choices, list) and choices else {}
        message = _dict(first.get("message"))
        detail = _content(message.get("content"))
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls:
            detail += " " + " ".join(_call(c) for c in calls)
    elif kind == "tool":
        detail = f"{_call(event)} -> {_content(event.get('result'))}"
    elif kind == "score":
        value = _dict(event.get("score")).get("value")
        detail = json.dumps(value, sort_keys=True, ensure_ascii=False)
    elif kind in ("error", "sample_limit", "info", "logger"):
        detail = json.dumps(
            {k: v for k, v in event.items() if k in ("error", "type", "message", "data")},
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
    else:
        detail = ""
    return _clip(f"{kind}: {detail}".rstrip(": ").rstrip())


def events(record: dict[str, Any]) -> list[str]:
    raw = record.get("events")
    return [
        _event_line(e)
        for e in (raw if isinstance(raw, list) else [])[:MAX_ITEMS]
        if isinstance(e, dict)
    ]


def first_divergence(a: Sequence[Any], b: Sequence[Any]) -> int | None:
    """The first index where ``a`` and ``b`` differ (the shorter one's length when one is a
    prefix of the other); None when they are equal."""
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return None if len(a) == len(b) else min(len(a), len(b))


def side(label: str, key: str, record: dict[str, Any]) -> Side:
    return Side(label, key, messages(record), events(record))


def pair(key: str, a: Side, b: Side) -> TranscriptPair:
    return TranscriptPair(
        key=key,
        a=a,
        b=b,
        message_divergence=first_divergence(a.messages, b.messages),
        event_divergence=first_divergence(a.events, b.events),
    )
