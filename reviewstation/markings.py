"""Classification markings: parsing, ordering, banner colours and portion forms (no Qt).

The single source of truth for every marking the tool shows, stores or compares. A marking
is parsed into a level and its caveats (the ``//`` blocks after it), then written back in one
normalised form: the full banner form (``TOP SECRET//SI/TK//NOFORN``) for vaults, reviews and
packages, the portion form (``TS//SI/TK//NF``) for findings. Markings are compared by level,
never by string, and anything that cannot be parsed is refused or shown as unknown (black),
never as green.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from reviewstation.errors import InputError

# Long enough for real caveats, short enough that a banner never has to clip the level away.
MAX_LENGTH = 120


class Level(IntEnum):
    UNCLASSIFIED = 0
    CUI = 1
    CONFIDENTIAL = 2
    SECRET = 3
    TOP_SECRET = 4


_FULL = {
    Level.UNCLASSIFIED: "UNCLASSIFIED",
    Level.CUI: "CUI",
    Level.CONFIDENTIAL: "CONFIDENTIAL",
    Level.SECRET: "SECRET",
    Level.TOP_SECRET: "TOP SECRET",
}
_PORTION = {
    Level.UNCLASSIFIED: "U",
    Level.CUI: "CUI",
    Level.CONFIDENTIAL: "C",
    Level.SECRET: "S",
    Level.TOP_SECRET: "TS",
}
_LEVEL_NAMES = {
    **{name: level for level, name in _FULL.items()},
    **{name: level for level, name in _PORTION.items()},
    "CONTROLLED": Level.CUI,  # the CUI banner may also read CONTROLLED
}
# Words that name a level: inside a caveat they make the marking contradict itself
# (UNCLASSIFIED//SECRET). Abbreviations count too (UNCLASSIFIED//TS).
_LEVEL_WORDS = frozenset(
    {"UNCLASSIFIED", "CLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP", "CUI", "CONTROLLED"}
    | {"U", "C", "S", "TS"}
)
# SCI control systems (and spelled-out forms); a value counts as SCI when its first word or
# its part before a hyphen is one of them (SI-G, HCS-P, SI-GAMMA ABCD, TALENT KEYHOLE).
_SCI = frozenset(
    {"SCI", "SI", "TK", "HCS", "G", "GAMMA", "KDK", "KLONDIKE", "RSV", "BUR", "COMINT", "TALENT"}
)
# Dissemination controls with a portion abbreviation: portion form -> banner form.
_DISSEM_ABBREVIATIONS = {"NF": "NOFORN", "OC": "ORCON", "IMC": "IMCON", "PR": "PROPIN"}
_DISSEM_PORTION = {full: short for short, full in _DISSEM_ABBREVIATIONS.items()}
_CAVEAT = re.compile(r"[A-Z0-9][A-Z0-9 ,/-]*")
_REL_TO = "REL TO "
# The markings a front end offers to choose from (the create-vault wizard, a recipient's
# clearance); any other marking may be typed and is parsed like these.
STANDARD = (
    "UNCLASSIFIED",
    "CUI",
    "CONFIDENTIAL",
    "SECRET",
    "TOP SECRET",
    "TOP SECRET//SCI",
)
EXAMPLES = "e.g. UNCLASSIFIED, CUI, SECRET//NOFORN or TS//SCI"


@dataclass(frozen=True)
class Marking:
    level: Level
    caveats: tuple[str, ...] = ()  # normalised blocks, each of "/"-separated values

    @property
    def text(self) -> str:
        """The full banner form, e.g. ``TOP SECRET//SCI//NOFORN``."""
        return "//".join((_FULL[self.level], *self.caveats))

    @property
    def portion(self) -> str:
        """The portion form, e.g. ``TS//SCI//NF``."""
        blocks = ["/".join(_DISSEM_PORTION.get(v, v) for v in b.split("/")) for b in self.caveats]
        return "//".join((_PORTION[self.level], *blocks))

    @property
    def sci(self) -> bool:
        return any(_is_sci(v) for block in self.caveats for v in block.split("/"))

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class BannerStyle:
    background: str
    foreground: str


_STYLES = {
    Level.UNCLASSIFIED: BannerStyle("#007a33", "#ffffff"),
    Level.CUI: BannerStyle("#502b85", "#ffffff"),
    Level.CONFIDENTIAL: BannerStyle("#0033a0", "#ffffff"),
    Level.SECRET: BannerStyle("#c8102e", "#ffffff"),
    Level.TOP_SECRET: BannerStyle("#ff8c00", "#000000"),
}
TS_SCI = BannerStyle("#fce83a", "#000000")
UNKNOWN = BannerStyle("#000000", "#ffffff")


def _is_sci(value: str) -> bool:
    return re.split(r"[- ]", value, maxsplit=1)[0] in _SCI


def parse(value: object, what: str = "marking") -> Marking:
    """The marking ``value`` names; InputError (one sentence, calling it ``what``) when it
    names no level, two levels, or caveats that contradict the level."""
    if not isinstance(value, str):
        raise InputError(f"The {what} must be text, {EXAMPLES}.")
    text = value.strip()
    if not text:
        raise InputError(f"The {what} cannot be empty; use one {EXAMPLES}.")
    if len(text) > MAX_LENGTH or not text.isprintable():
        raise InputError(f"The {what} must be 1-{MAX_LENGTH} printable characters, {EXAMPLES}.")
    shown = f"The {what} {text!r}"
    text = text.upper()
    if text.startswith("(") and text.endswith(")"):  # a portion mark as printed: (S//NF)
        text = text[1:-1]
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r" ?/ ?", "/", text)
    text = re.sub(r" ?, ?", ", ", text).strip()
    if text == "TS/SCI" or text.startswith("TS/SCI//"):
        text = "TS//SCI" + text[len("TS/SCI") :]
    head, *blocks = text.split("//")
    level = _LEVEL_NAMES.get(head)
    if level is None:
        raise InputError(
            f"{shown} is not a classification level (U, CUI, C, S, TS or UNCLASSIFIED,"
            " CONFIDENTIAL, SECRET, TOP SECRET) followed by optional //caveats."
        )
    values: list[str] = []
    for block in blocks:
        if not block:
            raise InputError(f"{shown} has an empty caveat between //.")
        if not _CAVEAT.fullmatch(block) or "" in block.split("/") or block.endswith(","):
            raise InputError(
                f"{shown} has a caveat, {block!r}, that is not understood; caveats are"
                " letters, digits, spaces, hyphens and commas between //."
            )
        if set(re.split(r"[ ,/]+", block)) & _LEVEL_WORDS:
            raise InputError(
                f"{shown} names a second classification level after {_FULL[level]};"
                " a marking has exactly one."
            )
        values += [_DISSEM_ABBREVIATIONS.get(v, v) for v in block.split("/")]
    if level < Level.CONFIDENTIAL and any(_is_sci(v) for v in values):
        raise InputError(f"{shown} puts SCI controls on {_FULL[level]} information.")
    if "NOFORN" in values and any(v.startswith(_REL_TO) for v in values):
        raise InputError(f"{shown} is both NOFORN and releasable (REL TO); choose one.")
    marking = _canonical(level, [blocks])
    if len(marking.text) > MAX_LENGTH:
        raise InputError(f"{shown} is longer than {MAX_LENGTH} characters written in full.")
    return marking


def _canonical(level: Level, groups: Iterable[Iterable[str]]) -> Marking:
    """Caveat blocks of one or more markings in one order: the SCI controls in one block
    first, the other blocks as they came (each value once), a releasability list last (the
    countries every list shares; none left, or any NOFORN, makes it NOFORN)."""
    sci: list[str] = []
    others: list[str] = []
    seen: set[str] = set()
    releasable: list[str] | None = None
    for blocks in groups:
        for block in blocks:
            kept = []
            for raw in block.split("/"):
                value = _DISSEM_ABBREVIATIONS.get(raw, raw)
                if value.startswith(_REL_TO):
                    countries = [c for c in value[len(_REL_TO) :].split(", ") if c]
                    releasable = (
                        countries
                        if releasable is None
                        else [c for c in releasable if c in countries]
                    )
                elif _is_sci(value):
                    if value not in sci:
                        sci.append(value)
                elif value not in seen:
                    seen.add(value)
                    kept.append(value)
            if kept:
                others.append("/".join(kept))
    if releasable is not None and not releasable and "NOFORN" not in seen:
        others.append("NOFORN")
        seen.add("NOFORN")
    caveats = (["/".join(sci)] if sci else []) + others
    if releasable and "NOFORN" not in seen:
        caveats.append(_REL_TO + ", ".join(releasable))
    return Marking(level, tuple(caveats))


def try_parse(value: object) -> Marking | None:
    try:
        return parse(value)
    except InputError:
        return None


def normalise(value: str) -> str:
    """The full banner form of ``value``; InputError when it is not a marking."""
    return parse(value).text


def display(value: str) -> str:
    """What a banner shows: the full form when ``value`` parses, else the text as given."""
    marking = try_parse(value)
    return marking.text if marking else value.strip()


def combine(markings: Iterable[Marking]) -> Marking:
    """The marking of a whole made of these parts: the highest level, every caveat."""
    parts = list(markings)
    if not parts:
        raise ValueError("combine() needs at least one marking")
    return _canonical(max(p.level for p in parts), (p.caveats for p in parts))


def rank(value: str) -> int:
    """The level's position; an unknown marking ranks above every level (never under-marked)."""
    marking = try_parse(value)
    return int(marking.level) if marking else len(Level)


def exceeds(content: Marking, ceiling: Marking) -> bool:
    """Whether ``content`` may not be held under ``ceiling``: a higher level, or SCI
    controls where the ceiling has none."""
    return content.level > ceiling.level or (content.sci and not ceiling.sci)


def sci_controls(marking: Marking) -> frozenset[str]:
    """The SCI control systems (and compartments) a marking names, e.g. {"SI", "TK"}."""
    return frozenset(v for block in marking.caveats for v in block.split("/") if _is_sci(v))


def restrictions(marking: Marking) -> frozenset[str]:
    """The dissemination controls of a marking that restrict who may receive it (NOFORN,
    ORCON, IMCON, PROPIN)."""
    named = set(_DISSEM_ABBREVIATIONS.values())
    return frozenset(v for block in marking.caveats for v in block.split("/") if v in named)


def beyond_clearance(content: Marking, clearance: Marking) -> bool:
    """Whether ``content`` may not go to a recipient cleared for ``clearance``: a higher
    level, any SCI control system the clearance does not name (``TS//TK`` is beyond a
    ``TS//SI`` clearance; the generic ``SCI`` covers only content marked ``SCI``), or a
    restrictive dissemination control (NOFORN, ORCON, IMCON, PROPIN) it does not name."""
    return (
        content.level > clearance.level
        or not sci_controls(content) <= sci_controls(clearance)
        or not restrictions(content) <= restrictions(clearance)
    )


def within(value: str, ceiling: str, what: str = "marking") -> Marking:
    """Parse ``value`` and refuse it above ``ceiling`` (the vault's marking): a spill must
    never be recorded silently."""
    marking = parse(value, what)
    limit = try_parse(ceiling)
    if limit is None:
        raise InputError(
            f"This vault's marking {ceiling!r} is not one the tool can compare, so no"
            f" {what} can be checked against it."
        )
    if exceeds(marking, limit):
        raise InputError(
            f"This vault is marked {limit.text}; it cannot hold {marking.text} content."
        )
    return marking


def banner_style(value: str) -> BannerStyle:
    """Colours for a marking's banner; an unknown or contradictory marking gets black, never
    a reassuring green. TOP SECRET with any SCI control system is TS/SCI yellow."""
    marking = try_parse(value)
    if marking is None:
        return UNKNOWN
    if marking.level == Level.TOP_SECRET and marking.sci:
        return TS_SCI
    return _STYLES[marking.level]
