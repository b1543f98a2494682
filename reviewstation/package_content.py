"""The package content model: what a package says, handed to every format writer.

The format writers (``reviewstation.formats``) and the report (``reviewstation.reports``) are
pure functions of this object: no database, no vault, no Qt. It sits below them and below
``packages/`` (which gathers it from the vault in ``packages/content.py``), so the writers
never import the package code that calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reviewstation import markings
from reviewstation.checklists.runs import Run
from reviewstation.findings.service import Finding
from reviewstation.reviews.service import Review


@dataclass(frozen=True)
class Signer:
    name: str
    role: str
    p384_fingerprint: str
    mldsa87_fingerprint: str


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

    def evidence_name(self, artifact: dict[str, Any]) -> str:
        """The member name of an artifact's content inside the package."""
        return f"evidence/{artifact['uid']}/{artifact['path']}"


def highest_marking(values: list[str]) -> str:
    """The full banner form of the highest level among ``values``, with every caveat."""
    return markings.combine(markings.parse(v) for v in values).text


def package_marking(vault: str, review: Review, findings: list[Finding]) -> str:
    """The vault's marking, the review's and every portion mark, combined: never lower than
    any of them, never an abbreviation. An unparseable one stops the export, naming it."""
    parts = [
        markings.parse(vault, "vault's marking"),
        markings.parse(review.marking, f"marking of review {review.id}"),
        *(
            markings.parse(f.portion_marking, f"portion marking of finding {f.id}")
            for f in findings
        ),
    ]
    return markings.combine(parts).text
