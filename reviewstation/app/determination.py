"""The determination's evidence: per capability area of a review, the chosen Inspect runs
against the baseline run, with the statistics of ``reviewstation.analysis.comparison``.

The choices are stored by ``reviewstation.determination`` (audited, append-only versions);
the figures are computed here, always through ``app.compare.compare_artifacts``, so the
Overview, the report, the command line and a package show what ``compare`` shows for the same
runs and options. Computing reads only the logs' sample summaries and records nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from reviewstation import determination
from reviewstation.app.compare import compare_artifacts
from reviewstation.artifacts import catalog
from reviewstation.determination import Area, AreaOptions, AreaResult
from reviewstation.errors import InputError, ReviewStationError
from reviewstation.evidence import comparison_uid
from reviewstation.progress import CancelFlag, Progress, ProgressCallback, check_cancel
from reviewstation.reviews.service import get_review
from reviewstation.vault.session import Session


def _names(session: Session, uids: Sequence[str]) -> dict[str, str]:
    names = {}
    for uid in uids:
        try:
            names[uid] = catalog.get_artifact(session.conn, uid).path
        except ReviewStationError:
            names[uid] = uid
    return names


def compute(session: Session, area: Area, cancel: CancelFlag = None) -> AreaResult:
    """The area's comparison (baseline first), or the one sentence saying why there is none
    (an erased log, runs that no longer share samples)."""
    names = _names(session, area.artifacts)
    try:
        result = compare_artifacts(
            session, area.artifacts, area.options.to_compare(), cancel=cancel
        )
    except ReviewStationError as exc:
        return AreaResult(area, names, None, str(exc))
    triaged = result.triaged
    if triaged is not None:
        triaged = dataclasses.replace(triaged, samples=[])
    return AreaResult(area, names, dataclasses.replace(result, samples=[], triaged=triaged))


def area_results(
    session: Session,
    review_id: int | str,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelFlag = None,
) -> list[AreaResult]:
    """Every current area of the review with its figures."""
    review = get_review(session.conn, review_id)
    areas = determination.current_areas(session.conn, review.id)
    out = []
    for index, area in enumerate(areas):
        check_cancel(cancel, "Comparing the determination's runs")
        if progress is not None:
            progress(Progress("Comparing runs", area.title, index, len(areas)))
        out.append(compute(session, area, cancel))
    return out


def set_area(
    session: Session,
    review_id: int | str,
    area: str,
    *,
    baseline: int | str,
    runs: Sequence[int | str],
    options: AreaOptions | None = None,
    note: str = "",
) -> AreaResult:
    """Choose an area's runs and baseline. The comparison is computed first, so runs that
    cannot be compared (no shared scorer or sample, a scorer they lack) are refused with its
    reason before anything is written."""
    session.require_writable("choose the runs of a capability area")
    checked = (options or AreaOptions()).checked()
    uids = determination.check_runs(session.conn, baseline, runs)
    compare_artifacts(session, uids, checked.to_compare())
    saved = determination.set_area(
        session, review_id, area, baseline=uids[0], runs=uids[1:], options=checked, note=note
    )
    return compute(session, saved)


def remove_area(session: Session, review_id: int | str, area: str) -> Area:
    return determination.remove_area(session, review_id, area)


def resolve_citation(session: Session, citation: str) -> AreaResult:
    """A cited comparison (``comparison:UID``): that version's runs and options, compared
    again, so it reproduces what was cited."""
    uid = comparison_uid(citation)
    if uid is None:
        raise InputError(f"{citation[:80]!r} does not cite a comparison.")
    return compute(session, determination.get_version(session.conn, uid))
