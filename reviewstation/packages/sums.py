"""``SHA384SUMS``: coreutils format, one ``<96 hex>  <name>`` line per member, sorted, LF.

The parser accepts only the canonical form this module writes: anything else (CRLF, one
space, upper-case hex, ``*`` binary markers, comments, blank lines, unsorted or repeated
names, a missing final newline) is refused, so one package has exactly one valid SUMS file.
"""

from __future__ import annotations

import re

from reviewstation.ziparchive import PackageRefused, check_name

LINE = re.compile(r"([0-9a-f]{96})  ([^\n]+)")
MAX_SUMS_BYTES = 4 * 1024 * 1024


def build_sums(digests: dict[str, str]) -> bytes:
    lines = []
    for name in sorted(digests, key=lambda n: n.encode("utf-8")):
        check_name(name)
        if not re.fullmatch(r"[0-9a-f]{96}", digests[name]):
            raise ValueError(f"not a SHA-384 hex digest for {name}")
        lines.append(f"{digests[name]}  {name}\n")
    return "".join(lines).encode("utf-8")


def parse_sums(data: bytes) -> dict[str, str]:
    if len(data) > MAX_SUMS_BYTES:
        raise PackageRefused("SHA384SUMS is too large.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackageRefused("SHA384SUMS is not UTF-8 text.") from exc
    if not text.endswith("\n") or "\r" in text:
        raise PackageRefused("SHA384SUMS is not in canonical form (LF line endings, final LF).")
    digests: dict[str, str] = {}
    previous = b""
    for number, line in enumerate(text[:-1].split("\n"), start=1):
        match = LINE.fullmatch(line)
        if match is None:
            raise PackageRefused(f"SHA384SUMS line {number} is not '<sha384 hex>  <name>'.")
        digest, name = match.groups()
        check_name(name)
        key = name.encode("utf-8")
        if name in digests:
            raise PackageRefused(f"SHA384SUMS lists {name!r} twice.")
        if key < previous:
            raise PackageRefused("SHA384SUMS is not sorted by name.")
        previous = key
        digests[name] = digest
    if not digests:
        raise PackageRefused("SHA384SUMS lists no members.")
    return digests
