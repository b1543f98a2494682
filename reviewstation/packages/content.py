"""Gathering a package's content from the vault (the model is ``reviewstation.package_content``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reviewstation.package_content import (
    CYCLONEDX_VERSIONS,
    Designation,
    PackageContent,
    Signer,
    highest_marking,
    package_marking,
)

if TYPE_CHECKING:
    from reviewstation.determination import AreaResult


def gather(
    session: Any,
    review_id: int | str,
    *,
    package_id: str,
    created: str,
    evidence: list[str] | None = None,
    designation: Designation | None = None,
    earlier: Sequence[tuple[str, str]] = (),
    cyclonedx_version: str | None = None,
    determination: Sequence[AreaResult] = (),
) -> PackageContent:
    """Read everything a package of this review carries (findings that are not withdrawn).
    ``earlier``: the review's earlier written exports (``export.review_exports``), which
    number this one's revision."""
    from reviewstation import __version__
    from reviewstation.artifacts import catalog, custody
    from reviewstation.checklists.runs import list_runs
    from reviewstation.determination import current_areas
    from reviewstation.errors import InputError
    from reviewstation.findings.query import Filter, all_findings
    from reviewstation.findings.service import get_finding, revisions
    from reviewstation.findings.triage import review_labels
    from reviewstation.reviews.service import get_review
    from reviewstation.vault.publisher import read as read_publisher

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
    areas = current_areas(conn, review.id)
    versions = tuple(sorted(a.uid for a in areas))
    computed = tuple(sorted(a.area.uid for a in determination if a.area.review_id == review.id))
    if computed and computed != versions:
        raise InputError(
            "The review's capability areas changed while the package was being made; export again."
        )
    identity = session.user.public_identity(session.vault_id)
    prints = identity.fingerprints()
    history = {f.id: revisions(conn, f.id) for f in findings}
    marking = package_marking(session.marking, review, findings, history)
    # A capability area may compare with logs of other reviews (a baseline reviewed before):
    # their names and figures travel in determination.json and the report, so the package is
    # never marked below those reviews (from the area versions, so an approval's digest,
    # gathered without figures, states the same marking).
    others = {
        catalog.get_artifact(conn, uid).review_id for area in areas for uid in area.artifacts
    } - {review.id}
    if others:
        marking = highest_marking(
            [marking, *(get_review(conn, other).marking for other in sorted(others))]
        )
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
        designation=designation or Designation(),
        publisher=read_publisher(conn),
        earlier=tuple(earlier),
        cyclonedx_version=cyclonedx_version or CYCLONEDX_VERSIONS[0],
        determination=tuple(a for a in determination if a.area.review_id == review.id),
        area_versions=versions,
        triage=review_labels(conn, review.id),
        based_on=tuple(based_on(conn, review.id)),
    )


def based_on(conn: Any, review_id: int) -> list[dict[str, Any]]:
    """The packages imported into the review, oldest first (``package_imports``)."""
    return [
        {"package_id": r[0], "signer": r[1], "sequence": int(r[2]), "source_review": r[3]}
        for r in conn.execute(
            "SELECT package_id, signer_fingerprint, sequence, source_review FROM package_imports"
            " WHERE review_id = ? ORDER BY imported, sequence",
            (review_id,),
        )
    ]
