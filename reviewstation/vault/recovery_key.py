"""The printed recovery key: 256 random bits in Crockford base32 groups with a check group."""

from __future__ import annotations

import os

from reviewstation.crypto.hashing import sha384
from reviewstation.errors import InputError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
KEY_BYTES = 32
_ALIASES = {"O": "0", "I": "1", "L": "1"}


def _encode(data: bytes) -> str:
    bits = int.from_bytes(data, "big")
    count = (len(data) * 8 + 4) // 5
    bits <<= count * 5 - len(data) * 8
    return "".join(ALPHABET[(bits >> (5 * (count - 1 - i))) & 31] for i in range(count))


def generate() -> tuple[str, bytes]:
    """Return (the text to print, the 32 secret bytes)."""
    secret = os.urandom(KEY_BYTES)
    return format_key(secret), secret


def format_key(secret: bytes) -> str:
    body = _encode(secret)  # 52 characters
    check = _encode(sha384(secret)[:3])[:4]
    text = body + check
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def parse(text: str) -> bytes:
    """Tolerant of case, spaces, dashes and the look-alike letters O, I and L."""
    cleaned = "".join(_ALIASES.get(c, c) for c in text.upper() if c not in " -\t\r\n")
    if len(cleaned) != 56 or any(c not in ALPHABET for c in cleaned):
        raise InputError("That is not a recovery key (expected 14 groups of 4 characters).")
    bits = 0
    for c in cleaned[:52]:
        bits = (bits << 5) | ALPHABET.index(c)
    secret = (bits >> 4).to_bytes(KEY_BYTES, "big")
    if format_key(secret).replace("-", "") != cleaned:
        raise InputError("The recovery key has a typo (its check characters do not match).")
    return secret
