"""Version ranges as ``vers`` strings (package-url's VERSION-RANGE-SPEC), for VEX statements.

A finding names the versions a vulnerability affects and the versions that fix it as vers
ranges: ``vers:semver/>=1.0|<1.4``, ``vers:pypi/>=2.0``, ``vers:semver/1.4.2`` (one version).
``parse`` checks and normalises one (scheme in lower case, constraints sorted by version,
comparators as the spec writes them) and refuses what the spec refuses: unknown comparators,
a version named twice, two lower or two upper bounds in a row. ``overlaps`` says whether two
ranges share a version, which is how a ``fixed`` range naming a vulnerable version is caught.

Versions are ordered by semantic-versioning precedence for ``semver`` (and ``npm``, ``cargo``,
``golang``, which use it), and otherwise by their dotted segments: numbers as numbers, other
text after numbers, in code-point order. That order is exact for the numeric versions that the
other schemes mostly use; it is not each ecosystem's full rule set (PEP 440's ``.post``, Debian
epochs), which a reviewer writing such a range should keep in mind.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from reviewstation.errors import InputError

MAX_VERS = 1000
SCHEME = re.compile(r"^[a-z][a-z0-9.+-]*$")
COMPARATORS = ("!=", "<=", ">=", "<", ">", "=")
SEMVER_SCHEMES = ("semver", "npm", "cargo", "golang")
_SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_SEGMENT = re.compile(r"\d+|[A-Za-z]+")
EXAMPLE = "like vers:semver/>=1.0.0|<1.4.0"


@dataclass(frozen=True)
class Constraint:
    comparator: str  # one of COMPARATORS
    version: str


@dataclass(frozen=True)
class Vers:
    scheme: str
    constraints: tuple[Constraint, ...]  # sorted by version; empty means every version ("*")

    @property
    def text(self) -> str:
        if not self.constraints:
            return f"vers:{self.scheme}/*"
        parts = [("" if c.comparator == "=" else c.comparator) + c.version for c in self]
        return f"vers:{self.scheme}/" + "|".join(parts)

    def __iter__(self) -> Iterator[Constraint]:
        return iter(self.constraints)

    @property
    def single(self) -> str | None:
        """The one version this range names, when it names exactly one ("vers:semver/1.2.0")."""
        if len(self.constraints) == 1 and self.constraints[0].comparator == "=":
            return self.constraints[0].version
        return None

    def key(self, version: str) -> tuple[object, ...]:
        return version_key(self.scheme, version)

    def contains(self, version: str) -> bool:
        key = self.key(version)
        if not self.constraints:
            return True
        if any(c.comparator == "!=" and self.key(c.version) == key for c in self):
            return False
        if any(c.comparator == "=" and self.key(c.version) == key for c in self):
            return True
        return any(_inside(key, interval) for interval in self.intervals())

    def intervals(self) -> list[Interval]:
        """The ranges that <, <=, >, >= describe (pairs of bounds; an open end is None)."""
        bounds = [c for c in self if c.comparator not in ("=", "!=")]
        if not bounds and all(c.comparator == "!=" for c in self):
            return [Interval(None, False, None, False)]  # every version but those excluded
        out: list[Interval] = []
        i = 0
        if bounds and bounds[0].comparator in ("<", "<="):
            first = bounds[0]
            out.append(Interval(None, False, self.key(first.version), first.comparator == "<="))
            i = 1
        while i < len(bounds):
            low = bounds[i]
            high = bounds[i + 1] if i + 1 < len(bounds) else None
            out.append(
                Interval(
                    self.key(low.version),
                    low.comparator == ">=",
                    None if high is None else self.key(high.version),
                    high is not None and high.comparator == "<=",
                )
            )
            i += 2
        return out

    def overlaps(self, other: Vers) -> bool:
        """Whether some version is in both ranges (their schemes must agree)."""
        if self.scheme != other.scheme:
            raise InputError(
                f"The ranges {self.text} and {other.text} use different versioning schemes."
            )
        if not self.constraints or not other.constraints:
            return True
        points = [c.version for c in (*self, *other) if c.comparator == "="]
        if any(self.contains(p) and other.contains(p) for p in points):
            return True
        for a in self.intervals():
            for b in other.intervals():
                meet = a.meet(b)
                if meet is not None:
                    # A meeting in one excluded point is no overlap; anything wider is.
                    if meet.low is not None and meet.low == meet.high:
                        excluded = [
                            self.key(c.version) for c in (*self, *other) if c.comparator == "!="
                        ]
                        if meet.low in excluded:
                            continue
                    return True
        return False


@dataclass(frozen=True)
class Interval:
    low: tuple[object, ...] | None
    low_in: bool
    high: tuple[object, ...] | None
    high_in: bool

    def meet(self, other: Interval) -> Interval | None:
        """The intersection, None when it is empty."""
        low, low_in = self.low, self.low_in
        if other.low is not None and (low is None or _less(low, other.low)):
            low, low_in = other.low, other.low_in
        elif other.low is not None and low == other.low:
            low_in = low_in and other.low_in
        high, high_in = self.high, self.high_in
        if other.high is not None and (high is None or _less(other.high, high)):
            high, high_in = other.high, other.high_in
        elif other.high is not None and high == other.high:
            high_in = high_in and other.high_in
        if (
            low is not None
            and high is not None
            and (_less(high, low) or (low == high and not (low_in and high_in)))
        ):
            return None
        return Interval(low, low_in, high, high_in)


def _less(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    return a < b


def _inside(key: tuple[object, ...], interval: Interval) -> bool:
    if interval.low is not None and (
        _less(key, interval.low) or (key == interval.low and not interval.low_in)
    ):
        return False
    return not (
        interval.high is not None
        and (_less(interval.high, key) or (key == interval.high and not interval.high_in))
    )


def version_key(scheme: str, version: str) -> tuple[object, ...]:
    """A sort key for one version of ``scheme`` (see the module's note on order)."""
    if scheme in SEMVER_SCHEMES:
        match = _SEMVER.match(version)
        if not match:
            raise InputError(
                f"The version {version!r} is not a semantic version (like 1.4.0) as the"
                f" {scheme} scheme needs."
            )
        major, minor, patch, pre = match.groups()
        release: tuple[object, ...] = (int(major), int(minor), int(patch))
        if pre is None:
            return (*release, (1,))  # a release sorts after all its pre-releases
        ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
        return (*release, (0, ids))
    segments = _SEGMENT.findall(version)
    if not segments:
        raise InputError(f"The version {version!r} has no digits or letters to compare.")
    return tuple((0, int(s), "") if s.isdigit() else (1, 0, s) for s in segments)


def parse(text: str, what: str = "version range") -> Vers:
    """A checked vers range; InputError (one line, naming ``what``) otherwise."""
    value = text.strip()
    if len(value) > MAX_VERS or not value.isprintable() or any(c.isspace() for c in value):
        raise InputError(f"The {what} {value[:60]!r} should be one vers range, {EXAMPLE}.")
    head, slash, body = value.partition("/")
    scheme = head[5:].lower() if head.lower().startswith("vers:") else ""
    if not scheme or not slash or not body or not SCHEME.match(scheme):
        raise InputError(f"The {what} {value[:60]!r} should be a vers range, {EXAMPLE}.")
    if body == "*":
        return Vers(scheme, ())
    constraints: list[Constraint] = []
    for part in body.split("|"):
        comparator = next((c for c in COMPARATORS if part.startswith(c)), "=")
        version = unquote(part[len(comparator) :] if part.startswith(comparator) else part)
        if not _plain(version):
            raise InputError(f"The {what} {value[:60]!r} has an empty or odd constraint {part!r}.")
        constraints.append(Constraint(comparator, version))
    keys = [version_key(scheme, c.version) for c in constraints]
    if len(set(keys)) != len(keys):
        raise InputError(f"The {what} {value[:60]!r} names one version twice.")
    ordered = tuple(c for _, c in sorted(zip(keys, constraints, strict=True), key=lambda p: p[0]))
    bounds = [c.comparator for c in ordered if c.comparator not in ("=", "!=")]
    for first, second in itertools.pairwise(bounds):
        if first[0] == second[0]:
            side = "lower" if first[0] == ">" else "upper"
            raise InputError(
                f"The {what} {value[:60]!r} has two {side} bounds in a row;"
                " write each range as >=low|<high."
            )
    return Vers(scheme, ordered)


def _plain(version: str) -> bool:
    """A version as it was percent-decoded is one printable token: no comparator or
    separator, no space, control or format character, and no ``%`` (the stored text would
    decode again to another version)."""
    return (
        bool(version)
        and version != "*"
        and version.isprintable()
        and not any(c.isspace() or c in "<>=!|%" for c in version)
    )


# One part of a range typed into the older free-text versions field: a comparator, then a
# version with at least one digit (so words like "all before the rewrite" are not versions).
_LEGACY_PART = re.compile(r"(?:<=|>=|!=|<|>|=)?[^\s<>=!,;|]*\d[^\s<>=!,;|]*")


def legacy_range(text: str) -> Vers | None:
    """The older free-text versions field read as a ``vers:generic`` range where it plainly
    is one (``>=1.0, <2.0``, ``< 5``, ``1.2, 1.3``), else None. Every writer reads that field
    through this one function, so CSAF and CVE records never disagree about it."""
    joined = re.sub(r"(<=|>=|!=|<|>|=)\s+", r"\1", text.strip())
    parts = [part for part in re.split(r"[\s,;|]+", joined) if part]
    if not parts or not all(_LEGACY_PART.fullmatch(part) for part in parts):
        return None
    try:
        return parse("vers:generic/" + "|".join(parts))
    except InputError:
        return None


def check(text: str | None, what: str) -> str:
    """The normalised vers text ("" for none), for storing."""
    if text is None or not text.strip():
        return ""
    return parse(text, what).text
