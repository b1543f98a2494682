"""What a package says, gathered once from the vault and handed to every format writer.

The format writers (``reviewstation.formats``) and the report (``reviewstation.reports``) are
pure functions of this object: no database, no vault, no Qt.
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


def gather(
    session: Any,
    review_id: int | str,
    *,
    package_id: str,
    created: str,
    evidence: list[str] | None = None,
) -> PackageContent:
    """Read everything a package of this review carries (findings that are not withdrawn)."""
    from reviewstation import __version__
    from reviewstation.artifacts import catalog, custody
    from reviewstation.checklists.runs import list_runs
    from reviewstation.errors import InputError
    from reviewstation.findings.query import Filter, all_findings
    from reviewstation.findings.service import get_finding
    from reviewstation.reviews.service import get_review

    conn = session.conn
    review = get_review(conn, review_id)
    findings = [
        get_finding(conn, f.id)
        for f in all_findings(conn, Filter(review_id=review.id))
        if f.status != "withdrawn"
    ]
    runs = [r for r in list_runs(conn, review.id) if r.superseded_by is None]
    artifacts = [
        a.to_json(custody=custody.events(conn, a.id))
        for a in catalog.list_artifacts(conn, review.id)
    ]
    chosen = []
    for ref in evidence or []:
        artifact = catalog.get_artifact(conn, ref)
        if artifact.review_id != review.id:
            raise InputError(f"{artifact.what} belongs to another review.")
        if artifact.erased:
            raise InputError(f"{artifact.what} was erased; it cannot travel as evidence.")
        chosen.append(artifact.uid)
    identity = session.user.public_identity(session.vault_id)
    prints = identity.fingerprints()
    marking = package_marking(session.marking, review, findings)
    return PackageContent(
        package_id=package_id,
        created=created,
        tool_version=__version__,
        vault_id=session.vault_id,
        marking=marking,
        signer=Signer(session.user.name, session.user.role, prints["p384"], prints["mldsa87"]),
        review=review,
        findings=findings,
        runs=runs,
        artifacts=artifacts,
        evidence_uids=sorted(set(chosen)),
    )
