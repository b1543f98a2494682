"""The package content model: what a package says, handed to every format writer.

The format writers (``reviewstation.formats``) and the report (``reviewstation.reports``) are
pure functions of this object: no database, no vault, no Qt. It sits below them and below
``packages/`` (which gathers it from the vault in ``packages/content.py``), so the writers
never import the package code that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar

from reviewstation import markings
from reviewstation.checklists.runs import Run
from reviewstation.errors import InputError
from reviewstation.findings.service import Finding
from reviewstation.findings.triage import TriageLabel
from reviewstation.reviews.service import Review
from reviewstation.text import check_line
from reviewstation.vault.publisher import Publisher, vault_urn

if TYPE_CHECKING:  # the package command's help stays light
    from reviewstation.determination import AreaResult


@dataclass(frozen=True)
class Signer:
    name: str
    role: str
    p384_fingerprint: str
    mldsa87_fingerprint: str


MAX_DESIGNATION = 200  # characters per field
# CycloneDX versions artifacts.cdx.json can be written in; the first is the default.
CYCLONEDX_VERSIONS = ("1.7", "1.6")


@dataclass(frozen=True)
class Designation:
    """What a classified or CUI reader expects beside the marking, as entered at export: the
    classification authority block (classified by, derived from, declassify on) and the CUI
    designation indicator (controlled by, category, dissemination control, point of contact).
    """

    classified_by: str = ""
    derived_from: str = ""
    declassify_on: str = ""
    controlled_by: str = ""
    cui_category: str = ""
    dissemination: str = ""  # distribution statement or limited dissemination control
    poc: str = ""  # CUI point of contact

    LABELS: ClassVar[dict[str, str]] = {
        "classified_by": "Classified by",
        "derived_from": "Derived from",
        "declassify_on": "Declassify on",
        "controlled_by": "Controlled by",
        "cui_category": "CUI category",
        "dissemination": "Dissemination",
        "poc": "POC",
    }
    AUTHORITY: ClassVar[tuple[str, ...]] = ("classified_by", "derived_from", "declassify_on")
    CUI: ClassVar[tuple[str, ...]] = ("controlled_by", "cui_category", "dissemination", "poc")

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            label = self.LABELS[f.name].lower()
            if not isinstance(value, str):
                raise InputError(f"The {label} must be text.")
            check_line(label, value)
            if len(value) > MAX_DESIGNATION:
                raise InputError(f"The {label} is longer than {MAX_DESIGNATION} characters.")
            object.__setattr__(self, f.name, value.strip())

    def to_json(self) -> dict[str, str]:
        """The fields entered (the manifest's ``designation``)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def require_for(self, marking: str) -> None:
        """A classified package (CONFIDENTIAL and above) needs its classification authority
        block; InputError names what is missing and the options that enter it."""
        parsed = markings.parse(marking, "package marking")
        if parsed.level < markings.Level.CONFIDENTIAL:
            return
        missing = [name for name in self.AUTHORITY if not getattr(self, name)]
        if missing:
            options = ", ".join("--" + name.replace("_", "-") for name in missing)
            raise InputError(
                f"This package is marked {parsed.text}: enter its classification authority"
                f" ({options}) before it can be exported."
            )


@dataclass(frozen=True)
class Revision:
    """One export of a review: one revision of its advisories (CSAF revision_history)."""

    number: int
    date: str
    package_id: str


@dataclass(frozen=True)
class Redaction:
    """An item a selective disclosure withholds, as the report marks it: what it was (its kind
    and position, e.g. "finding 3") and its salted digest (packages/disclosure.py)."""

    item: str
    kind: str  # finding, field, artifact, run, triage, determination
    digest: str  # hex SHA-384 of salt || the item's canonical bytes
    finding: str = ""  # for a field: the uid of the (disclosed) finding it belongs to

    @property
    def mark(self) -> str:
        return f"[WITHHELD: {self.item} \u2014 digest sha384:{self.digest}]"


@dataclass(frozen=True)
class PackageContent:
    package_id: str  # UUID
    created: str  # ISO 8601 UTC, e.g. 2026-11-23T19:20:32Z
    tool_version: str
    vault_id: str
    marking: str  # the highest marking of what is inside
    signer: Signer
    review: Review
    findings: list[Finding]
    runs: list[Run]
    # Artifact records as ``Artifact.to_json(custody=...)`` gives them (uid, path, kind, size,
    # sha256, sha384, custody{...}, inspection{...}); evidence_uids names those whose content
    # travels in the package under evidence/.
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    evidence_uids: list[str] = field(default_factory=list)
    designation: Designation = field(default_factory=Designation)
    cyclonedx_version: str = CYCLONEDX_VERSIONS[0]  # of artifacts.cdx.json, chosen at export
    # The vault's publisher settings (None: as a vault that set none) and the review's earlier
    # exports whose files were written, oldest first: this export is the next revision.
    publisher: Publisher | None = None
    earlier: tuple[tuple[str, str], ...] = ()  # (package id, created)
    # The review's capability areas with their figures (app.determination.area_results, as
    # the exporting front end computed them); none: no determination.json member.
    determination: tuple[AreaResult, ...] = ()
    # The uids of the review's current area versions (what an export approval binds; the
    # figures in ``determination`` are computed for exactly these).
    area_versions: tuple[str, ...] = ()
    # Triage labels on the review's Inspect logs (triage.json; none: the member is left out).
    triage: list[TriageLabel] = field(default_factory=list)
    # A selective disclosure (packages/disclosure.py): what it withholds, for the report's
    # redaction marks, and the TLP 2.0 label of its members ("" for a whole package).
    redactions: tuple[Redaction, ...] = ()
    tlp: str = ""
    # Every package imported into the review (package id, signer fingerprint, sequence,
    # source review): what the receiver of this package matches its own review and exports by.
    based_on: tuple[dict[str, Any], ...] = ()

    @property
    def tracking_id(self) -> str:
        """The review's advisories' one id, the same in every export of the review."""
        return f"RS-REVIEW-{self.review.uid}"

    @property
    def revisions(self) -> list[Revision]:
        """Every export of the review so far, this one last, numbered from 1."""
        items = [*self.earlier, (self.package_id, self.created)]
        return [Revision(i, created, pid) for i, (pid, created) in enumerate(items, start=1)]

    @property
    def version(self) -> int:
        return len(self.earlier) + 1

    @property
    def publisher_namespace(self) -> str:
        """The vault's namespace, or its own ``urn:uuid:`` when it set none."""
        if self.publisher is not None and self.publisher.namespace:
            return self.publisher.namespace
        return vault_urn(self.vault_id)

    def __post_init__(self) -> None:
        check_cyclonedx_version(self.cyclonedx_version)

    def evidence_name(self, artifact: dict[str, Any]) -> str:
        """The member name of an artifact's content inside the package."""
        return f"evidence/{artifact['uid']}/{artifact['path']}"


def check_cyclonedx_version(version: str) -> str:
    """``version`` if artifacts.cdx.json can be written in it; else one clear InputError."""
    if version not in CYCLONEDX_VERSIONS:
        raise InputError(
            f"CycloneDX {version!r} cannot be written; choose {' or '.join(CYCLONEDX_VERSIONS)}."
        )
    return version


def highest_marking(values: list[str]) -> str:
    """The full banner form of the highest level among ``values``, with every caveat."""
    return markings.combine(markings.parse(v) for v in values).text


def earlier_markings(history: dict[int, list[dict[str, Any]]]) -> list[tuple[int, str]]:
    """(finding id, portion marking) for every portion mark the revisions in ``history`` held:
    their old text travels in ``findings.json``, so it is marked for as well."""
    out: list[tuple[int, str]] = []
    for finding_id, revisions in history.items():
        for revision in revisions:
            changes = revision.get("changes")
            change = changes.get("portion_marking") if isinstance(changes, dict) else None
            if isinstance(change, list):
                out += [(finding_id, v) for v in change if isinstance(v, str)]
    return out


def package_marking(
    vault: str,
    review: Review,
    findings: list[Finding],
    history: dict[int, list[dict[str, Any]]] | None = None,
) -> str:
    """The vault's marking, the review's, every portion mark and every one the findings'
    revisions (``history``) held, combined: never lower than any of them, never an
    abbreviation. An unparseable one stops the export, naming it."""
    ids = {f.id for f in findings}
    parts = [
        markings.parse(vault, "vault's marking"),
        markings.parse(review.marking, f"marking of review {review.id}"),
        *(
            markings.parse(f.portion_marking, f"portion marking of finding {f.id}")
            for f in findings
        ),
        *(
            markings.parse(value, f"portion marking of finding {n}")
            for n, value in earlier_markings(history or {})
            if n in ids
        ),
    ]
    return markings.combine(parts).text
