"""The evidence behind the covered-model determination: per capability area of a review, which
Inspect runs count and which run is the baseline (the reference model), with the options the
comparison is computed with (scorer, threshold, seed, resamples, level).

The module owns the table ``determination_areas``. Rows are append-only versions: setting an
area adds a version and the newest version of an area is the current one; removing an area
adds a version marked ``removed``. A version never changes, so a citation of one (evidence
``comparison:UID``) resolves to the same runs and options for ever and its comparison
reproduces. **Store functions** (``insert_area``) check a record and write inside the
caller's transaction; **commands** (``set_area``, ``remove_area``) check permissions, open
``session.change()`` and call them. Computing the figures is the application's
(``reviewstation.app.determination``, through ``app.compare.compare_artifacts``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from reviewstation.analysis import comparison, outcomes, stats
from reviewstation.artifacts import catalog
from reviewstation.artifacts.inspection import InspectLog
from reviewstation.canonical import canonical
from reviewstation.errors import InputError, NotFound
from reviewstation.reviews.service import get_review, require_review
from reviewstation.text import check_line, check_name
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session

# The capability areas a cyber review reports on (the brief's questions: find and exploit
# vulnerabilities, automate intrusions, threaten critical infrastructure; the sections of the
# cyber-capability checklist). Any other area is named in free text.
AREAS: dict[str, str] = {
    "ctf": "CTF challenges",
    "vulnerability-discovery": "Vulnerability discovery",
    "exploitation": "Exploitation",
    "intrusion-automation": "Intrusion automation and network operations",
    "critical-infrastructure": "Critical infrastructure (ICS/OT)",
}
MAX_AREA = 80
MAX_NOTE = 2000
MAX_SCORER = 200
MAX_RUNS = comparison.MAX_RUNS - 1  # the baseline is run A
UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CITATION = "comparison:"  # evidence that cites one version: comparison:UID


def area_key(text: str) -> str:
    """An area as stored: a key of ``AREAS`` (given as the key or its title, in any case), or
    one line of free text."""
    value = text.strip()
    for key, title in AREAS.items():
        if value.casefold() in (key, title.casefold()):
            return key
    check_line("capability area", value)
    if not value or len(value) > MAX_AREA or not value.isprintable():
        raise InputError(
            f"Name the capability area in 1 to {MAX_AREA} printable characters"
            f" (or one of {', '.join(AREAS)})."
        )
    return value


def area_title(area: str) -> str:
    return AREAS.get(area, area)


@dataclass(frozen=True)
class AreaOptions:
    """How an area's runs are compared (``comparison.Options`` without the sample filter)."""

    scorer: str | None = None  # None: the first scorer every run has
    threshold: float = outcomes.DEFAULT_THRESHOLD
    seed: int = stats.DEFAULT_SEED
    resamples: int = stats.DEFAULT_RESAMPLES
    level: float = 0.95

    def checked(self) -> AreaOptions:
        if self.scorer is not None:
            if not isinstance(self.scorer, str) or not 0 < len(self.scorer) <= MAX_SCORER:
                raise InputError(f"A scorer is named in 1 to {MAX_SCORER} characters.")
            check_line("scorer", self.scorer)
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int | float):
            raise InputError("The threshold must be a number.")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InputError("The seed must be a whole number of zero or more.")
        if self.seed >= 2**63:
            raise InputError("The seed must be below 2**63.")
        if isinstance(self.resamples, bool) or not isinstance(self.resamples, int):
            raise InputError("Resamples must be a whole number.")
        if isinstance(self.level, bool) or not isinstance(self.level, int | float):
            raise InputError("The confidence level must be a number.")
        threshold = outcomes.check_threshold(float(self.threshold))
        stats.check_settings(self.resamples, float(self.level))
        if not 0 < self.level < 1:
            raise InputError(f"The confidence level must be between 0 and 1 (got {self.level}).")
        return AreaOptions(self.scorer, threshold, self.seed, self.resamples, float(self.level))

    def to_compare(self) -> comparison.Options:
        return comparison.Options(
            scorer=self.scorer,
            threshold=self.threshold,
            seed=self.seed,
            resamples=self.resamples,
            level=self.level,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: object) -> AreaOptions:
        if not isinstance(obj, dict) or set(obj) - set(cls.__dataclass_fields__):
            raise InputError("An area's comparison options are malformed.")
        return cls(**obj).checked()


@dataclass(frozen=True)
class Area:
    """One version of a capability area of a review."""

    id: int
    uid: str
    review_id: int
    area: str
    baseline: str  # artifact uid of run A, the reference model
    runs: tuple[str, ...]  # artifact uids of the runs that count, B, C, ...
    options: AreaOptions
    note: str
    removed: bool
    created: str
    created_by: str

    @property
    def title(self) -> str:
        return area_title(self.area)

    @property
    def citation(self) -> str:
        """The evidence text that cites this version."""
        return CITATION + self.uid

    @property
    def artifacts(self) -> list[str]:
        """Every run in comparison order: the baseline first."""
        return [self.baseline, *self.runs]

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "area": self.area,
            "title": self.title,
            "baseline": self.baseline,
            "runs": list(self.runs),
            "options": self.options.to_json(),
            "note": self.note,
            "created": self.created,
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class AreaRecord:
    """An area version to store (``insert_area`` checks it; building one checks nothing)."""

    review_id: int
    area: str
    baseline: str
    runs: Sequence[str]
    options: AreaOptions
    created_by: str
    note: str = ""
    removed: bool = False
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))


# --- Store functions -----------------------------------------------------------------------


def _log_uid(conn: Connection, ref: int | str) -> str:
    """The uid of ``ref`` (row id or uid), which must be an Inspect log whose content exists."""
    artifact = catalog.get_artifact(conn, ref)
    if not isinstance(artifact.inspection, InspectLog):
        raise InputError(f"{artifact.what} is not an Inspect evaluation log.")
    if artifact.erased:
        raise InputError(f"{artifact.what} was erased; its samples no longer exist.")
    return artifact.uid


def check_runs(conn: Connection, baseline: int | str, runs: Sequence[int | str]) -> list[str]:
    """The baseline's and the runs' uids, in that order: Inspect logs of this vault (of any
    review), each once, the baseline not among the runs, at least one run."""
    if not runs:
        raise InputError("Choose at least one run to compare against the baseline.")
    if len(runs) > MAX_RUNS:
        raise InputError(f"An area compares at most {MAX_RUNS} runs with its baseline.")
    uids = [_log_uid(conn, ref) for ref in [baseline, *runs]]
    if uids[0] in uids[1:]:
        raise InputError("The baseline cannot also be one of the runs it is compared with.")
    if len(set(uids)) != len(uids):
        raise InputError("The same run is chosen twice.")
    return uids


def insert_area(conn: Connection, record: AreaRecord) -> int:
    """Check ``record`` and store it as the newest version of its area; returns its row id."""
    if not UID.fullmatch(record.uid):
        raise InputError(f"An area's uid {record.uid[:60]!r} is not a UUID.")
    get_review(conn, record.review_id)
    area = area_key(record.area)
    options = record.options.checked()
    if record.removed:
        baseline, runs = "", []
    else:
        baseline, *runs = check_runs(conn, record.baseline, list(record.runs))
    note = record.note.strip()
    if len(note) > MAX_NOTE or not all(c.isprintable() or c in "\n\t" for c in note):
        raise InputError("The area's note is too long or contains control characters.")
    cursor = conn.execute(
        "INSERT INTO determination_areas (uid, review_id, area, baseline, runs, options, note,"
        " removed, created, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            record.uid,
            record.review_id,
            area,
            baseline,
            json.dumps(runs),
            canonical(options.to_json()).decode(),
            note,
            int(record.removed),
            audit.now(),
            check_name(record.created_by, "area's author"),
        ),
    )
    return int(cursor.lastrowid)


# --- Queries -------------------------------------------------------------------------------

_COLUMNS = "id, uid, review_id, area, baseline, runs, options, note, removed, created, created_by"


def _row(row: Any) -> Area:
    ident, uid, review_id, area, baseline, runs, options, note, removed, created, by = row
    return Area(
        id=ident,
        uid=uid,
        review_id=review_id,
        area=area,
        baseline=baseline,
        runs=tuple(json.loads(runs)),
        options=AreaOptions(**json.loads(options)),
        note=note,
        removed=bool(removed),
        created=created,
        created_by=by,
    )


def current_areas(conn: Connection, review_id: int) -> list[Area]:
    """The review's areas as they stand (the newest version of each, removed ones left out),
    the fixed areas first in ``AREAS`` order, then the others by name."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM determination_areas WHERE id IN ("  # noqa: S608
        " SELECT max(id) FROM determination_areas WHERE review_id = ? GROUP BY area)",
        (review_id,),
    ).fetchall()
    order = {key: index for index, key in enumerate(AREAS)}
    areas = [_row(r) for r in rows]
    return sorted(
        (a for a in areas if not a.removed),
        key=lambda a: (order.get(a.area, len(order)), a.area.casefold(), a.area),
    )


def get_version(conn: Connection, uid: str) -> Area:
    """One version by its uid (what a citation names)."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM determination_areas WHERE uid = ?",  # noqa: S608
        (uid.strip(),),
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no saved area comparison {uid.strip()[:60]!r} in this vault.")
    return _row(row)


def history(conn: Connection, review_id: int, area: str) -> list[Area]:
    """Every version of one area, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM determination_areas WHERE review_id = ? AND area = ?"  # noqa: S608
        " ORDER BY id",
        (review_id, area_key(area)),
    ).fetchall()
    return [_row(r) for r in rows]


# --- Commands ------------------------------------------------------------------------------


def set_area(
    session: Session,
    review_id: int | str,
    area: str,
    *,
    baseline: int | str,
    runs: Sequence[int | str],
    options: AreaOptions | None = None,
    note: str = "",
) -> Area:
    """Choose the runs that count for ``area`` and its baseline. Unchanged: nothing is written
    and the current version is returned."""
    session.require_writable("choose the runs of a capability area")
    review = require_review(session, review_id)
    key = area_key(area)
    checked = (options or AreaOptions()).checked()
    uids = check_runs(session.conn, baseline, runs)
    for current in current_areas(session.conn, review.id):
        if current.area == key and (
            current.artifacts == uids
            and current.options == checked
            and current.note == note.strip()
        ):
            return current
    record = AreaRecord(review.id, key, uids[0], uids[1:], checked, session.user.name, note=note)
    details = {
        "area": key,
        "version": record.uid,
        "baseline": uids[0],
        "runs": uids[1:],
        "options": checked.to_json(),
    }
    with session.change("determination.set", review.uid, details) as conn:
        insert_area(conn, record)
    return get_version(session.conn, record.uid)


def remove_area(session: Session, review_id: int | str, area: str) -> Area:
    """End an area: its earlier versions stay (and citations of them still resolve)."""
    session.require_writable("remove a capability area")
    review = require_review(session, review_id)
    key = area_key(area)
    current = next((a for a in current_areas(session.conn, review.id) if a.area == key), None)
    if current is None:
        raise NotFound(f"Review {review.id} has no capability area {area_title(key)!r}.")
    record = AreaRecord(review.id, key, "", (), current.options, session.user.name, removed=True)
    details = {"area": key, "version": record.uid, "was": current.uid}
    with session.change("determination.remove", review.uid, details) as conn:
        insert_area(conn, record)
    return get_version(session.conn, record.uid)


# --- Results: what the Overview, the report, the command line and packages show -------------

SCHEMA = "reviewstation.determination/1"


@dataclass(frozen=True)
class AreaResult:
    """An area with its comparison (run A the baseline), or why it could not be computed."""

    area: Area
    names: dict[str, str]  # artifact uid -> path, for people
    result: comparison.Comparison | None  # without the per-sample rows
    error: str | None = None


FIGURES = ("raw", "triaged")


def shown(result: comparison.Comparison) -> list[tuple[str, comparison.Comparison]]:
    """The figures every front end and writer shows for one comparison, labelled: the raw
    figures, and the triaged ones (confirmed triage labels counted: invalidated solves
    unsolved) when any sample of these runs is invalidated."""
    out = [("raw", result)]
    if result.triaged is not None:
        out.append(("triaged", result.triaged))
    return out


def figures_json(result: comparison.Comparison) -> dict[str, Any]:
    """One comparison's figures without the per-sample rows (those are ``compare``'s) and
    without its nested ``triaged`` (given beside it)."""
    out = result.to_json()
    for key in ("samples", "filter", "triaged"):
        out.pop(key, None)
    return out


def result_json(item: AreaResult) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if item.result is not None:
        figures = dict.fromkeys(FIGURES)
        figures.update({label: figures_json(result) for label, result in shown(item.result)})
    return {
        **item.area.to_json(),
        "citation": item.area.citation,
        "names": dict(sorted(item.names.items())),
        "error": item.error,
        "figures": figures,
    }


def results_json(review_uid: str, items: Sequence[AreaResult]) -> dict[str, Any]:
    """``determination show --json`` and the package member ``determination.json``."""
    return {"schema": SCHEMA, "review": review_uid, "areas": [result_json(i) for i in items]}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def run_line(run: comparison.RunSummary) -> str:
    """``solved/scored = accuracy [low, high]`` for one run."""
    ci = run.accuracy_ci
    interval = f" [{_pct(ci.low)}, {_pct(ci.high)}]" if ci is not None else ""
    return f"{run.solved}/{run.scored} = {_pct(run.accuracy)}{interval}"


def test_line(test: comparison.PairTest, result: comparison.Comparison) -> str:
    """The difference against the baseline and its tests, in one line."""
    diff = test.accuracy_difference
    text = (
        f"{'-' if diff is None else f'{100 * diff:+.1f} points'} over {test.pairs} pairs"
        f" ({test.base} only {test.base_only}, {test.other} only {test.other_only});"
        f" exact McNemar p = {test.mcnemar_p:.4g}"
    )
    if test.bootstrap_ci is not None and test.mean_difference is not None:
        text += (
            f"; mean score {test.mean_difference:+.4f}"
            f" [{test.bootstrap_ci.low:+.4f}, {test.bootstrap_ci.high:+.4f}],"
            f" paired bootstrap p = {test.bootstrap_p:.4g}"
        )
    return text


def invalidated_line(result: comparison.Comparison, label: str) -> str:
    """How many of a run's solves confirmed triage labels invalidated, and which."""
    gone = result.invalidated.get(label, [])
    listed = ", ".join(gone[:10]) + (", ..." if len(gone) > 10 else "")
    return f"{len(gone)} solve(s) invalidated" + (f" ({listed})" if gone else "")


def settings_line(result: comparison.Comparison) -> str:
    return (
        f"scorer {result.scorer}, solved when >= {result.threshold:g},"
        f" {result.aligned} samples in every run, intervals at {100 * result.level:g}%,"
        f" seed {result.seed}, {result.resamples} resamples"
    )


def area_lines(item: AreaResult) -> list[str]:
    """An area and its figures for people, one line each (the command line prints these)."""
    area = item.area
    lines = [f"{area.title}  (version {area.uid}, cite as {area.citation})"]
    name = item.names.get(area.baseline, area.baseline)
    lines.append(f"  baseline A  {name}")
    if area.note:
        lines.append(f"  note: {area.note.splitlines()[0]}")
    if item.result is None:
        lines.append(f"  no figures: {item.error}")
        return lines
    for label, result in shown(item.result):
        lines.append(f"  {label} figures: {settings_line(result)}")
        for run in result.runs:
            lines.append(f"    {run.label}  {run.name}  ({run.model or '?'})  {run_line(run)}")
            if label == "triaged":
                lines.append(f"       {invalidated_line(result, run.label)}")
        for test in result.tests:
            lines.append(f"    {test.other} vs {test.base}: {test_line(test, result)}")
    return lines
