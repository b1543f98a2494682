"""A capability area over the two runs inspect_ai wrote (tests/fixtures/compare-logs) whose
comparison carries triaged figures: three of B's solves invalidated, as confirmed triage labels
would (``comparison.compare(..., invalidated=...)``, the contract app.compare fills)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

from reviewstation.analysis import comparison, runs
from reviewstation.determination import Area, AreaOptions, AreaResult

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"
NAMES = ("model-a.eval", "model-b.eval")
# Solved by B and not by A (10@2, 11@2) and by both (10@1): McNemar's c and "both" change.
INVALIDATED = ["10@1", "10@2", "11@2"]


def triaged_item(review_id: int = 1, options: AreaOptions | None = None) -> AreaResult:
    options = options or AreaOptions()
    loaded = []
    for label, name in zip("AB", NAMES, strict=True):
        data = (LOGS / name).read_bytes()
        loaded.append(
            comparison.Run(label, name, name, runs.read_rows(io.BytesIO(data), len(data)))
        )
    result = comparison.compare(
        loaded, options.to_compare(), invalidated={"model-b.eval": INVALIDATED}
    )
    assert result.triaged is not None
    result = dataclasses.replace(
        result, samples=[], triaged=dataclasses.replace(result.triaged, samples=[])
    )
    area = Area(
        id=1,
        uid="00000000-0000-4000-8000-000000000001",
        review_id=review_id,
        area="exploitation",
        baseline=NAMES[0],
        runs=(NAMES[1],),
        options=options,
        note="",
        removed=False,
        created="2026-12-07T12:00:00Z",
        created_by="alice",
    )
    return AreaResult(area, {n: n for n in NAMES}, result)
