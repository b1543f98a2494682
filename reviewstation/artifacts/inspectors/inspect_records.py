"""The samples of an Inspect ``.eval`` log, whatever shape stored them, and their digest.

inspect_ai stores one sample (``ID`` in epoch ``N``) in one of two shapes, chosen per sample
(one log can mix them; inspect_ai ``log/_recorders/chunked/format.py``):

- one member, ``samples/{ID}_epoch_{N}.json``: the whole record;
- a folder of parts under ``samples/{ID}_epoch_{N}/``: ``sample.json`` (the record without
  its messages, events, attachments, pools and metadata; the final conversation as
  ``message_refs``), ``metadata.json`` (only when not empty), and four sequences cut into
  chunks named by the index of their first item, ``messages/{start}.json``,
  ``events/{start}.json``, ``calls/{start}.json``, ``attachments/{start}.json``. Sidecars
  derived from the events (``skeleton.json``, ``events/stats.json``, ``events/uuids.json``)
  add nothing and are not read.

Either record may be *pooled*: model events name their input as ``input_refs`` and their wire
request's messages as ``call.call_refs`` (``[start, end)`` ranges into ``events_data``'s
``messages`` and ``calls``), and strings may be ``attachment://KEY`` references into
``attachments`` (a hash in the one-member shape, an index in the parts shape). Some logs
of 2025 development versions keep the pools as top-level ``message_pool`` and ``call_pool``.

**The resolved record** is what the sample says once all that is undone: parts assembled,
every range replaced by the items it names, every reference by its text, the pools and the
attachments table dropped, and absent, ``null`` and (for ``metadata``) empty treated alike
(keys whose value is ``null`` are left out, an empty ``metadata`` too). **The sample digest**
is SHA-384 of its canonical JSON (keys sorted, no whitespace, UTF-8, non-ASCII as itself).
It covers the sample's content, not the bytes of the ZIP: the same sample stored as one
member, as parts, pooled or not, compressed or not, or inside a ``.json`` log, has one digest.

A range or reference that points nowhere, a missing chunk or ``sample.json``, and a record
that would grow past ``MAX_RESOLVED`` characters when resolved are refused in one line
(``InputError``): nothing is guessed.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from reviewstation import ziparchive
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError

MAX_SAMPLE = 32 * 1024 * 1024  # one member, or all parts of one sample together
MAX_PARTS = 10_000  # chunks of one sample
MAX_RESOLVED = 256 * 1024 * 1024  # characters a record may grow by when resolved
MEMBER = re.compile(r"^samples/([^/]+)_epoch_([0-9]{1,9})\.json$")
PART = re.compile(r"^samples/([^/]+)_epoch_([0-9]{1,9})/(.+)$")
SEQUENCES = ("messages", "events", "calls", "attachments")
_CHUNK = re.compile(r"^(messages|events|calls|attachments)/(\d+)\.json$")
ATTACHMENT = "attachment://"
POOLS = ("events_data", "attachments", "message_pool", "call_pool")  # dropped once resolved
_OLD_ATTACHMENT = "tc://"  # what inspect_ai wrote before "attachment://"
_NUMBER = re.compile(r"([0-9]+)")  # ASCII digits only: "²" is text


def split_key(key: str) -> tuple[str, int | None]:
    """``ID@EPOCH`` or ``ID`` as a sample is named: the id and the epoch (None when none is
    named). The epoch is the digits after the **last** ``@``, so an id may itself hold ``@``
    (``user@host@2``); every reader of a sample name parses it here, as the keys are made."""
    ident, at, epoch = str(key).rpartition("@")
    if at and ident and epoch.isdigit():
        return ident, int(epoch)
    return str(key), None


def natural_key(text: str) -> tuple[tuple[int, int, str, str], ...]:
    """Order ids as people count: ``1, 2, …, 10`` and ``t2`` before ``t10``. Numbers compare
    by their digits (length, then text), so a run of any length costs no conversion."""
    key = []
    for part in _NUMBER.split(text):
        if part.isascii() and part.isdigit():
            digits = part.lstrip("0") or "0"
            key.append((0, len(digits), digits, part))
        elif part:
            key.append((1, 0, part, ""))
    return tuple(key)


@dataclass(frozen=True)
class StoredSample:
    """Where one sample lives in the ZIP: one member, or the names of its parts."""

    ident: str  # the id as written in the member names
    epoch: int
    member: str | None  # the one-member shape
    parts: tuple[str, ...] = ()  # the parts shape: every name under the sample's folder
    # The epoch as the name spells it: "01" and "1" are two members, two samples to
    # inspect_ai (it reads every member by name), so two here, never one hiding the other.
    epoch_text: str = ""

    @property
    def key(self) -> str:
        return f"{self.ident}@{self.epoch_text or self.epoch}"

    @property
    def name(self) -> str:
        return self.member or f"samples/{self.ident}_epoch_{self.epoch_text or self.epoch}/"

    @property
    def shape(self) -> str:
        return "member" if self.member else "parts"

    def sort_key(self) -> tuple[Any, ...]:
        return (natural_key(self.ident), self.epoch, self.epoch_text)


def stored_samples(names: Iterable[str]) -> list[StoredSample]:
    """Every sample named in a ZIP directory, in natural order (id, then epoch).

    When a sample appears in both shapes, the one member wins, as in inspect_ai."""
    members: dict[tuple[str, str], str] = {}
    parts: dict[tuple[str, str], list[str]] = {}
    for name in names:
        match = MEMBER.match(name)
        if match:
            members[(match.group(1), match.group(2))] = name
            continue
        match = PART.match(name)
        if match:
            parts.setdefault((match.group(1), match.group(2)), []).append(name)
    found = [
        StoredSample(ident, int(epoch), member, epoch_text=epoch)
        for (ident, epoch), member in members.items()
    ]
    found += [
        StoredSample(ident, int(epoch), None, tuple(names), epoch_text=epoch)
        for (ident, epoch), names in parts.items()
        if (ident, epoch) not in members
    ]
    return sorted(found, key=StoredSample.sort_key)


def _json(archive: zipfile.ZipFile, name: str, limit: int) -> Any:
    info = archive.getinfo(name)
    return loads_bounded(ziparchive.read_member(archive, info, limit), f"log member {name}", limit)


class TooLarge(InputError):
    """A sample (its member, or its parts together) over ``MAX_SAMPLE``."""


def read_stored(
    archive: zipfile.ZipFile, sample: StoredSample, *, without: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The sample's record as stored: the member, or the parts assembled into one record.

    ``without`` names sequences of a sample stored as parts that are left unread (empty):
    for showing the conversation of a sample too large to read whole. Such a record is
    not the sample, and has no digest."""
    if sample.member is not None:
        info = archive.getinfo(sample.member)
        if info.file_size > MAX_SAMPLE:
            raise TooLarge(
                f"The sample {sample.key} is {info.file_size} bytes (limit {MAX_SAMPLE})."
            )
        record = _json(archive, sample.member, MAX_SAMPLE)
        if not isinstance(record, dict):
            raise InputError(f"The sample {sample.key} is not a JSON object.")
        return record
    return _assemble(archive, sample, without)


def _assemble(
    archive: zipfile.ZipFile, sample: StoredSample, without: tuple[str, ...]
) -> dict[str, Any]:
    prefix = sample.name
    chunks: dict[str, list[tuple[int, str]]] = {sequence: [] for sequence in SEQUENCES}
    for name in sample.parts:
        match = _CHUNK.match(name[len(prefix) :])
        if match and match.group(1) not in without:
            chunks[match.group(1)].append((int(match.group(2)), name))
    if sum(len(found) for found in chunks.values()) > MAX_PARTS:
        raise InputError(f"The sample {sample.key} has more than {MAX_PARTS} parts.")
    budget = [MAX_SAMPLE]

    def part(name: str) -> Any:
        info = archive.getinfo(name)
        if info.file_size > budget[0]:
            raise TooLarge(
                f"The parts of sample {sample.key} add up to more than {MAX_SAMPLE} bytes."
            )
        budget[0] -= info.file_size
        return _json(archive, name, MAX_SAMPLE)

    if prefix + "sample.json" not in sample.parts:
        raise InputError(f"The sample {sample.key} is stored as parts but has no sample.json.")
    record = part(prefix + "sample.json")
    if not isinstance(record, dict):
        raise InputError(f"The sample {sample.key}'s sample.json is not a JSON object.")
    if prefix + "metadata.json" in sample.parts:
        record["metadata"] = part(prefix + "metadata.json")
    sequences: dict[str, list[Any]] = {}
    for sequence, found in chunks.items():
        items: list[Any] = []
        for start, name in sorted(found):
            if start != len(items):
                raise InputError(
                    f"The sample {sample.key} lacks {sequence} {len(items)} to {start - 1}"
                    f" (its chunk {sequence}/{len(items)}.json is missing)."
                    if start > len(items)
                    else f"The sample {sample.key}'s {sequence} chunks overlap at {start}."
                )
            chunk = part(name)
            if not isinstance(chunk, list):
                raise InputError(f"The part {name[:200]!r} is not a JSON list.")
            items.extend(chunk)
        sequences[sequence] = items
    refs = record.pop("message_refs", [])
    record.pop("sequences", None)  # a description of the parts, dropped as inspect_ai's viewer does
    record["messages"] = _expand(refs, sequences["messages"], f"sample {sample.key}'s messages")
    record["events"] = sequences["events"]
    record["events_data"] = {"messages": sequences["messages"], "calls": sequences["calls"]}
    attachments = sequences["attachments"]
    if not all(isinstance(text, str) for text in attachments):
        raise InputError(f"The sample {sample.key} has an attachment that is not text.")
    record["attachments"] = {str(index): text for index, text in enumerate(attachments)}
    return record


def _expand(refs: Any, pool: list[Any], what: str) -> list[Any]:
    """``[[start, end], …]`` ranges into ``pool`` as the items they name; every one must exist."""
    if not isinstance(refs, list):
        raise InputError(f"The references of {what} are not a list.")
    out: list[Any] = []
    for ref in refs:
        if (
            not isinstance(ref, list)
            or len(ref) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in ref)
        ):
            raise InputError(f"A reference of {what} is not a [start, end] pair.")
        start, end = ref
        if not 0 <= start <= end <= len(pool):
            raise InputError(
                f"A reference of {what} points nowhere ([{start}, {end}) of {len(pool)} items)."
            )
        out.extend(pool[start:end])
    return out


class _Resolver:
    """Undoes pooling and attachments, counting what it adds against ``MAX_RESOLVED``."""

    def __init__(self, record: dict[str, Any], where: str) -> None:
        self.where = where
        pools = record.get("events_data")
        pools = pools if isinstance(pools, dict) else {}
        messages, calls = pools.get("messages"), pools.get("calls")
        # Logs written during 2025 by development versions kept the pools at the top level.
        if messages is None:
            messages = record.get("message_pool")
        if calls is None:
            calls = record.get("call_pool")
        self.messages: list[Any] = messages if isinstance(messages, list) else []
        self.calls: list[Any] = calls if isinstance(calls, list) else []
        attachments = record.get("attachments")
        self.attachments = attachments if isinstance(attachments, dict) else {}
        self.budget = MAX_RESOLVED
        self.dangling: set[str] = set()
        self.sizes: dict[int, int] = {}

    def spend(self, amount: int) -> None:
        self.budget -= amount
        if self.budget < 0:
            raise InputError(
                f"The {self.where} grows beyond {MAX_RESOLVED} characters when its"
                " references are resolved."
            )

    def expand(self, refs: Any, pool: list[Any], what: str) -> list[Any]:
        items = _expand(refs, pool, f"{self.where}'s {what}")
        for item in items:
            key = id(item)
            if key not in self.sizes:
                self.sizes[key] = len(json.dumps(item, ensure_ascii=False))
            self.spend(self.sizes[key])
        return items

    def event(self, event: Any) -> Any:
        if not isinstance(event, dict):
            return event
        event = dict(event)
        if event.get("input_refs") is not None:
            event["input"] = self.expand(event.pop("input_refs"), self.messages, "input_refs")
        call = event.get("call")
        if isinstance(call, dict) and call.get("call_refs") is not None:
            call = dict(call)
            key = call.pop("call_key", None) or "messages"
            request = call.get("request")
            request = dict(request) if isinstance(request, dict) else {}
            request[str(key)] = self.expand(call.pop("call_refs"), self.calls, "call_refs")
            call["request"] = request
            event["call"] = call
        return event

    def text(self, value: str) -> str:
        if value.startswith(ATTACHMENT):
            key = value[len(ATTACHMENT) :]
        elif value.startswith(_OLD_ATTACHMENT):
            key = value[len(_OLD_ATTACHMENT) :]
        else:
            return value
        found = self.attachments.get(key)
        if not isinstance(found, str):
            self.dangling.add(key[:100])
            return value
        self.spend(len(found))
        return found

    def walk(self, value: Any) -> Any:
        """Attachments replaced, ``null`` members left out (iterative: no recursion limit)."""
        root: list[Any] = [None]
        stack: list[tuple[Any, Any, Any]] = [(value, root, 0)]
        while stack:
            item, parent, slot = stack.pop()
            if isinstance(item, str):
                parent[slot] = self.text(item)
            elif isinstance(item, dict):
                out: dict[str, Any] = {}
                parent[slot] = out
                for key, child in item.items():
                    if child is not None:
                        out[key] = None
                        stack.append((child, out, key))
            elif isinstance(item, list):
                copy: list[Any] = [None] * len(item)
                parent[slot] = copy
                stack.extend((child, copy, index) for index, child in enumerate(item))
            else:
                parent[slot] = item
        return root[0]


def resolve(record: dict[str, Any], where: str = "sample") -> tuple[dict[str, Any], list[str]]:
    """The resolved record (see the module's text) and notes on references left unresolved."""
    resolver = _Resolver(record, where)
    out = {k: v for k, v in record.items() if k not in POOLS}
    if isinstance(out.get("events"), list):
        out["events"] = [resolver.event(event) for event in out["events"]]
    resolved = resolver.walk(out)
    if resolved.get("metadata") == {}:
        del resolved["metadata"]
    notes = []
    if resolver.dangling:
        shown = ", ".join(sorted(resolver.dangling)[:3])
        notes.append(
            f"The {where} has {len(resolver.dangling)} attachment references that point"
            f" nowhere ({shown}); they are kept as written."
        )
    return resolved, notes


def digest(resolved: dict[str, Any]) -> str:
    """SHA-384 of the resolved record's canonical JSON."""
    text = json.dumps(resolved, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha384(text.encode("utf-8", "surrogatepass")).hexdigest()


def sample_digest(record: dict[str, Any], where: str = "sample") -> str:
    return digest(resolve(record, where)[0])
