"""Read models: what the pages and commands show, composed once from the feature services.

Each is a frozen dataclass built by one function of the session; the GUI runs that function
on its vault thread and renders the result, and the CLI prints the same one where it shows
the same thing (``review show``, ``finding show``, ``artifact show``). Nothing here writes.
What only one view needs (the artifact catalog, export approvals) is imported in it, so a
command that shows one view does not load the others' modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reviewstation.checklists import library
from reviewstation.checklists.runs import Run, list_runs
from reviewstation.findings import query, service
from reviewstation.findings.service import SEVERITIES, Finding
from reviewstation.reviews.service import Review, get_review
from reviewstation.vault import policy
from reviewstation.vault.session import Session

if TYPE_CHECKING:
    from reviewstation.artifacts.catalog import Artifact
    from reviewstation.artifacts.references import ReferenceCheck
    from reviewstation.packages.approval import RequestView

# -- a review at a glance (the Overview tab, ``review show``) ---------------------------------


@dataclass(frozen=True)
class RunSummary:
    id: int
    title: str
    answered: int
    total: int
    signed_off_by: str | None


@dataclass(frozen=True)
class ReviewOverview:
    review: Review
    runs: list[RunSummary]  # current runs (not those moved to a newer template)
    severities: dict[str, int]  # findings per severity, every severity named

    @property
    def findings(self) -> int:
        return sum(self.severities.values())


def review_overview(session: Session, review_id: int) -> ReviewOverview:
    review = get_review(session.conn, review_id)
    runs = []
    for r in list_runs(session.conn, review.id):
        if r.superseded_by is None:
            done = r.progress()
            runs.append(
                RunSummary(
                    r.id,
                    f"{r.template.title} (v{r.template.version})",
                    done["answered"],
                    done["total"],
                    r.signed_off_by,
                )
            )
    severities = {
        s: query.count(session.conn, query.Filter(review_id=review.id, severity=s))
        for s in SEVERITIES
    }
    return ReviewOverview(review, runs, severities)


# -- a review's checklist runs and the templates a run can start from ------------------------


@dataclass(frozen=True)
class ReviewRuns:
    runs: list[Run]  # current runs
    templates: list[tuple[str, str]]  # (name for start_run, label), the newest version each


def review_runs(session: Session, review_id: int) -> ReviewRuns:
    runs = [r for r in list_runs(session.conn, review_id) if r.superseded_by is None]
    latest: dict[str, library.Available] = {}
    for available in library.available(session.conn):
        latest[available.template.id] = available  # sorted by version: the newest wins
    templates = [
        (a.template.id, f"{a.template.title} (v{a.template.version})") for a in latest.values()
    ]
    return ReviewRuns(runs, templates)


# -- one finding with its history (the editor, ``finding show``) ------------------------------


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    history: list[dict[str, Any]]  # revisions, newest first
    paths: dict[str, str]  # artifact uid -> path, to name the evidence
    # (revision, field) -> where a merged field came from (``packages.staging.provenance``)
    merged: dict[tuple[int, str], str] = field(default_factory=dict)


def finding_view(session: Session, finding_id: int) -> FindingView:
    from reviewstation.artifacts import catalog
    from reviewstation.packages import staging

    finding = service.get_finding(session.conn, finding_id)
    paths = {a.uid: a.path for a in catalog.list_artifacts(session.conn, finding.review_id)}
    merged = staging.provenance(session.conn, finding.id)
    return FindingView(finding, service.revisions(session.conn, finding.id), paths, merged)


# -- one artifact with its custody (the Artifacts tab, ``artifact show``) ---------------------


@dataclass(frozen=True)
class ArtifactDetails:
    artifact: Artifact
    events: list[dict[str, Any]]  # custody events, oldest first
    # the shards or external-data files it names, checked against the vault (or None)
    references: ReferenceCheck | None = None


def artifact_details(session: Session, artifact: int | str) -> ArtifactDetails:
    """By id, or by anything ``catalog.get_artifact`` accepts (``artifact show``)."""
    from reviewstation.artifacts import catalog, custody, references

    found = catalog.get_artifact(session.conn, artifact)
    checked = None
    if found.inspection.format in references.FORMATS:
        others = catalog.list_artifacts(session.conn, found.review_id)
        checked = references.check_references(others, found)
    return ArtifactDetails(found, custody.events(session.conn, found.id), checked)


# -- export approvals (the Packages tab) ------------------------------------------------------


@dataclass(frozen=True)
class OpenExportRequests:
    policy: policy.ExportApproval  # whether a second lead must approve each export
    requests: list[RequestView]  # not used by an export yet, as this session may approve them


def open_export_requests(session: Session, review_id: int) -> OpenExportRequests:
    """The policy, and the review's requests not used yet (none without a review)."""
    from reviewstation.packages import approval

    rows = [
        approval.view(session, r, for_approval=True)
        for r in (approval.list_requests(session.conn, review_id) if review_id else [])
        if r.package_id is None
    ]
    return OpenExportRequests(policy.export_approval(session.conn), rows)


# -- a package checked against this vault's trust store ---------------------------------------
