"""Where in a product's source a finding lies: file, lines, function, commit, repository.

Optional fields of a finding, recorded when the reviewers know them (a vulnerability found in
code). They feed SARIF's physical location and version-control provenance and the CVE
record's ``programFiles``/``programRoutines``/``repo``. Each value is checked on input, so
a writer never meets a path that climbs out of the repository root or a line 0:

- ``file_path``: relative to the repository root, ``/`` between folders, no ``.`` or ``..``
  segment, no empty segment, no drive, scheme or leading ``/``, one line of visible text.
- ``start_line`` / ``end_line``: whole numbers from 1; an end line needs a start line and is
  not before it; a line needs a file.
- ``function_name``: one line of visible text.
- ``commit_id``: a git commit id, 7-64 hex digits (abbreviated or full, SHA-1 or SHA-256),
  stored in lower case.
- ``repository``: the repository's URI (https, http, ssh, git or file scheme), one line, no
  spaces, no password (a user name is fine); scp-like ``git@host:path`` is refused in favour
  of ``ssh://git@host/path``. The host is ASCII (``xn--`` for an international name); other
  text in the path, query or fragment is percent-encoded so the value is an RFC 3986 URI.

An empty value clears the field (None).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from reviewstation.errors import InputError
from reviewstation.text import check_line

FIELDS = ("file_path", "start_line", "end_line", "function_name", "commit_id", "repository")
MAX_TEXT = 1000
MAX_LINE = 100_000_000
LABELS = {
    "file_path": "affected file",
    "start_line": "line",
    "end_line": "end line",
    "function_name": "function",
    "commit_id": "commit",
    "repository": "repository",
}
_COMMIT = re.compile(r"^[0-9a-fA-F]{7,64}$")
_SCHEME_OR_DRIVE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
SCHEMES = ("https", "http", "ssh", "git", "file")
# RFC 3986: what a URI's path, query and fragment keep as they are (besides unreserved
# characters and "/" "?"), and an authority of ASCII user, host (or [IPv6]) and port.
_URI_SAFE = ":@!$&'()*+,;=%"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_NETLOC = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:%@-]*(\[[0-9A-Fa-f:.]+\])?(:[0-9]*)?$")


def clean(name: str, value: Any) -> str | int | None:
    """One location field's value, checked and normalised; InputError naming the field."""
    label = LABELS[name]
    if value is None:
        return None
    if name in ("start_line", "end_line"):
        return _line(label, value)
    if not isinstance(value, str):
        raise InputError(f"The finding's {label} must be text.")
    text = value.strip()
    if not text:
        return None
    if len(text) > MAX_TEXT:
        raise InputError(f"The finding's {label} is longer than {MAX_TEXT} characters.")
    check_line(f"finding's {label}", text)
    if name == "file_path":
        return _path(text)
    if name == "commit_id":
        if not _COMMIT.match(text):
            raise InputError(
                f"The commit {text!r} should be a git commit id: 7 to 64 hexadecimal digits."
            )
        return text.lower()
    if name == "repository":
        return _repository(text)
    return text


def _line(label: str, value: Any) -> int | None:
    if isinstance(value, bool):
        raise InputError(f"The finding's {label} must be a whole number from 1.")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if not text.isascii() or not text.isdigit():
            raise InputError(f"The finding's {label} must be a whole number from 1, not {text!r}.")
        value = int(text)
    if not isinstance(value, int) or not 1 <= value <= MAX_LINE:
        raise InputError(f"The finding's {label} must be a whole number from 1 to {MAX_LINE}.")
    return value


def _path(text: str) -> str:
    if "\\" in text:
        raise InputError(f"The affected file {text!r} should use / between folders, not \\.")
    if text.startswith("/") or _SCHEME_OR_DRIVE.match(text):
        raise InputError(
            f"The affected file {text!r} should be relative to the repository root"
            " (like src/parser.c), not absolute."
        )
    for segment in text.split("/"):
        if segment in ("", ".", ".."):
            shown = "an empty" if not segment else f"a {segment!r}"
            raise InputError(
                f"The affected file {text!r} has {shown} segment; give the path from the"
                " repository root without ., .. or //."
            )
    return text


def _repository(text: str) -> str:
    if any(c.isspace() for c in text):
        raise InputError(f"The repository {text!r} must be a URI without spaces.")
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = parts._replace(scheme="")
    if parts.scheme.lower() not in SCHEMES or not (parts.netloc or parts.scheme == "file"):
        raise InputError(
            f"The repository {text!r} should be a URI like https://example.org/project.git"
            " or ssh://git@example.org/project.git."
        )
    if parts.password is not None:
        # It would travel in every SARIF log and CVE record the finding goes into.
        raise InputError(
            "The repository's URI holds a password; give it without one"
            " (like https://example.org/project.git)."
        )
    if not _NETLOC.match(parts.netloc):
        raise InputError(
            f"The repository {text!r} should name its host in ASCII (an international"
            " domain name in its xn-- form)."
        )
    # SARIF's repositoryUri and the CVE record's repo must be RFC 3986 URIs: what a browser
    # shows as text (ü, [, {, a lone %) is percent-encoded, as the browser sends it.
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            _encode(parts.path, "/"),
            _encode(parts.query, "/?"),
            _encode(parts.fragment, "/?"),
        )
    )


def _encode(part: str, safe: str) -> str:
    part = _LONE_PERCENT.sub("%25", part)
    return quote(part, safe=safe + _URI_SAFE)


def check(values: Mapping[str, Any]) -> None:
    """The fields together (a finding's merged state): an end line needs a start line not
    after it; a line needs a file."""
    start, end = values.get("start_line"), values.get("end_line")
    if end is not None and start is None:
        raise InputError("An end line needs a start line (--line).")
    if start is not None and end is not None and end < start:
        raise InputError(f"The end line {end} is before the start line {start}.")
    if start is not None and not values.get("file_path"):
        raise InputError("A line needs the affected file it is in (--file).")
