"""Merge a package into an existing review: stage (a diff that changes nothing), then merge
the items the lead accepts. Both front ends call these two functions; the work is in
``packages.staging`` (docs/formats/package.md, "Lineage and merging into an existing review").
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reviewstation.app.identity import read_card
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError
from reviewstation.packages import staging as core
from reviewstation.packages.staging import Item, MergeResult, Staging
from reviewstation.progress import CancelFlag
from reviewstation.reviews.service import get_review
from reviewstation.vault.session import Session

__all__ = ["Item", "MergeResult", "Staging", "merge", "stage"]
MAX_STAGED = 64 * 1024 * 1024


def stage(
    session: Session,
    package: Path,
    into_review: int | str | None = None,
    *,
    extra_cards: Sequence[Path] = (),
) -> Staging:
    """Verify the package exactly as an import does and compare it, item by item, with the
    review (``into_review``, else the one it matches); writes nothing."""
    if into_review is not None:
        get_review(session.conn, into_review)  # NotFound names the review
    cards = [read_card(p) for p in extra_cards]
    with core.opened(session, package, cards) as verified:
        return core.stage_package(session, verified, into_review)


def merge(
    session: Session,
    package: Path,
    into_review: int | str | None,
    *,
    accept: Sequence[str] = (),
    reject: Sequence[str] = (),
    accept_new: bool = False,
    extra_cards: Sequence[Path] = (),
    cancel: CancelFlag = None,
    staged: Staging | Path | None = None,
) -> MergeResult:
    """Apply the accepted items (ids or keys from ``stage``), record the rejected ones.
    ``staged``: what the lead was shown (the staging, or a file ``package stage --json``
    wrote); an accepted item that stages differently now refuses."""
    if into_review is not None:
        get_review(session.conn, into_review)
    cards = [read_card(p) for p in extra_cards]
    shown = staged.shown() if isinstance(staged, Staging) else None
    if isinstance(staged, Path):
        shown = _read_staged(staged)
    return core.merge_package(
        session,
        package,
        into_review,
        accept=accept,
        reject=reject,
        accept_new=accept_new,
        extra_trust=cards,
        cancel=cancel,
        staged=shown,
    )


def _read_staged(path: Path) -> dict[str, Any]:
    """``package stage --json`` output, as a key -> item map; InputError if it is not one."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path.name}: {exc.strerror}.") from None
    doc = loads_bounded(data, path.name, MAX_STAGED)
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("key"), str) for i in items
    ):
        raise InputError(f"{path.name} is not the output of package stage --json.")
    return {i["key"]: i for i in items}
