"""A JSON object read member by member, with one member's list read item by item.

For ``.json`` evaluation logs too large to parse whole: the top-level fields are parsed one at
a time (each within a limit), and the items of the ``samples`` list are handed out one by one,
so memory stays bounded by the largest item read, not by the file. Only where each value ends
is found here: by the standard library's C decoder on a window of the bytes that doubles until
the value fits (``_whole``), or, when it does not fit or is not valid, by a small scanner
(strings, escapes, bracket nesting). Each value found is then parsed by
``canonical.loads_bounded``, which checks it fully. An item over its limit is skipped without
being held in memory and reported as too large. Anything malformed (a value that does not
end, brackets that do not match, nesting deeper than ``MAX_DEPTH``, text after the object) is
an ``InputError`` naming the byte offset.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError

CHUNK = 1024 * 1024
WINDOW = 64 * 1024  # the first try at a whole value
MAX_DEPTH = 64
MAX_KEY = 4096
_SPACE = b" \t\r\n"
_STRING_STOP = re.compile(rb'["\\]')
# Text without brackets, whole strings included (a string cut by the buffer's end stops it).
_RUN = re.compile(rb'[^"{}\[\]]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"{}\[\]]*)*', re.DOTALL)
_SCALAR_END = re.compile(rb"[,:\]}\s]")
_CLOSE = {ord("}"): ord("{"), ord("]"): ord("[")}
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Field:
    """A top-level member: its value, or None with ``size`` when it exceeded its limit."""

    key: str
    value: Any
    too_large: bool = False


@dataclass(frozen=True)
class Item:
    """One item of the streamed list: its value, or None with an error."""

    index: int
    value: Any
    error: str | None = None


class _Reader:
    def __init__(self, stream: BinaryIO, size: int) -> None:
        self.stream = stream
        self.size = size
        self.buf = b""
        self.pos = 0  # in buf
        self.base = 0  # file offset of buf[0]
        stream.seek(0)

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def fail(self, what: str) -> InputError:
        return InputError(f"The JSON log is malformed at byte {self.offset}: {what}.")

    def more(self, amount: int = 0) -> bool:
        """Drop what was consumed and read the next chunk (at least ``amount`` bytes when
        the file has them); False at the end of the file."""
        if self.base + len(self.buf) >= self.size:
            return False
        wanted = min(max(CHUNK, amount), self.size - self.base - len(self.buf))
        data = self.stream.read(wanted) or b""
        if not data:
            return False
        self.base += self.pos
        self.buf = self.buf[self.pos :] + data
        self.pos = 0
        return True

    def skip_space(self) -> int | None:
        """The next byte that is not white space (not consumed), None at the end."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _SPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return None

    def expect(self, byte: bytes) -> None:
        if self.skip_space() != byte[0]:
            raise self.fail(f"expected {byte.decode()!r}")
        self.pos += 1

    def _whole(self, limit: int) -> bytes | None:
        """The next object, list or string found by the C decoder, consumed; None (nothing
        consumed) when it does not end within ``limit`` bytes or is not valid: the scanner
        below then decides. The bytes are decoded as Latin-1, one character per byte, so the
        end index is a byte offset (UTF-8 never puts JSON's ASCII syntax inside a character);
        the value's real parse, as UTF-8, is ``loads_bounded``'s."""
        window = WINDOW
        while True:  # the window doubles: the attempts cost at most twice the last
            window = min(window, limit)
            if len(self.buf) - self.pos < window:
                self.more(window - (len(self.buf) - self.pos))
            text = self.buf[self.pos : self.pos + window].decode("latin-1")
            try:
                end = _DECODER.raw_decode(text)[1]
            except (ValueError, RecursionError):
                end = None
            if end is not None:
                raw = self.buf[self.pos : self.pos + end]
                self.pos += end
                return raw
            if window >= limit or len(text) < window:  # over the limit, or the file ended
                return None
            window *= 2

    def value(self, limit: int) -> bytes | None:
        """The raw bytes of the next value, consumed; None (still consumed) if over ``limit``."""
        first = self.skip_space()
        if first is None:
            raise self.fail("the file ends where a value should be")
        if first in b",:]}":
            raise self.fail("expected a value")
        if first in b'{["':
            raw = self._whole(limit)
            if raw is not None:
                return raw
        kept: list[bytes] | None = []
        held = 0
        start = self.pos

        def keep(end: int) -> None:
            nonlocal kept, held, start
            if kept is not None:
                held += end - start
                if held > limit:
                    kept = None
                else:
                    kept.append(self.buf[start:end])
            start = end

        def advance() -> None:
            nonlocal start
            keep(self.pos)
            if not self.more():
                raise self.fail("the file ends inside a value")
            start = self.pos

        if first not in b'"{[':  # a number, true, false or null
            while True:
                match = _SCALAR_END.search(self.buf, self.pos)
                if match:
                    self.pos = match.start()
                    break
                self.pos = len(self.buf)
                keep(self.pos)
                if not self.more():
                    break
                start = self.pos
            keep(self.pos)
            return b"".join(kept) if kept is not None else None
        stack = bytearray()
        in_string = first == ord('"')
        if in_string:
            self.pos += 1
        while True:
            if in_string:  # a string that did not end within the buffer when it was met
                match = _STRING_STOP.search(self.buf, self.pos)
                if not match:
                    self.pos = len(self.buf)
                    advance()
                    continue
                if match.group() == b"\\":
                    if match.end() >= len(self.buf):
                        self.pos = match.start()
                        advance()
                        continue
                    self.pos = match.end() + 1  # the escaped character
                    continue
                self.pos = match.end()
                in_string = False
                if not stack:
                    break
                continue
            # Everything up to the next bracket, whole strings included, in one step.
            self.pos = _RUN.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos >= len(self.buf):
                advance()
                continue
            byte = self.buf[self.pos]
            self.pos += 1
            if byte == ord('"'):
                in_string = True
            elif byte in b"{[":
                stack.append(byte)
                if len(stack) > MAX_DEPTH:
                    raise self.fail(f"nested deeper than {MAX_DEPTH}")
            else:
                if not stack or stack[-1] != _CLOSE[byte]:
                    raise self.fail("brackets do not match")
                stack.pop()
                if not stack:
                    break
        keep(self.pos)
        return b"".join(kept) if kept is not None else None


def read_object(
    stream: BinaryIO, size: int, *, field_limit: int, item_limit: int, streamed: str
) -> Iterator[Field | Item]:
    """Each top-level member of the JSON object in ``stream`` (in file order) as a ``Field``,
    except the list under ``streamed``, whose items come one by one as ``Item``s."""
    reader = _Reader(stream, size)
    seen_streamed = False
    reader.expect(b"{")
    if reader.skip_space() == ord("}"):
        reader.pos += 1
    else:
        while True:
            if reader.skip_space() != ord('"'):
                raise reader.fail("expected a field name")
            raw_key = reader.value(MAX_KEY)
            key = loads_bounded(raw_key, "log field name", MAX_KEY) if raw_key else None
            if not isinstance(key, str):
                raise reader.fail("expected a field name")
            reader.expect(b":")
            if key == streamed:
                # json.loads (and so inspect_ai) keeps the last of a repeated key; items
                # already handed out cannot be taken back, so a repeat is refused.
                if seen_streamed:
                    raise reader.fail(f"a second {streamed[:40]!r} member (only the last counts)")
                seen_streamed = True
            if key == streamed and reader.skip_space() == ord("["):
                yield from _items(reader, item_limit)
            else:
                raw = reader.value(field_limit)
                if raw is None:
                    yield Field(key, None, too_large=True)
                else:
                    yield Field(key, loads_bounded(raw, f"log field {key[:100]!r}", field_limit))
            follow = reader.skip_space()
            reader.pos += 1
            if follow == ord("}"):
                break
            if follow != ord(","):
                reader.pos -= 1
                raise reader.fail("expected ',' or '}'")
    if reader.skip_space() is not None:
        raise reader.fail("text follows the object")


def _items(reader: _Reader, limit: int) -> Iterator[Item]:
    reader.expect(b"[")
    if reader.skip_space() == ord("]"):
        reader.pos += 1
        return
    index = 0
    while True:
        at = reader.offset
        raw = reader.value(limit)
        if raw is None:
            yield Item(index, None, f"item {index} at byte {at} is larger than {limit} bytes")
        else:
            try:
                yield Item(index, loads_bounded(raw, f"item {index}", limit))
            except InputError as exc:
                yield Item(index, None, str(exc))
        index += 1
        follow = reader.skip_space()
        reader.pos += 1
        if follow == ord("]"):
            return
        if follow != ord(","):
            reader.pos -= 1
            raise reader.fail("expected ',' or ']'")
