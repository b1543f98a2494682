"""What a piece of work changed, read from the audit entries it appended."""

from __future__ import annotations

from pathlib import Path

from reviewstation.app import changes
from reviewstation.crypto.kdf import floor_params
from reviewstation.findings.service import add_finding
from reviewstation.reviews.service import create_review, list_reviews
from reviewstation.vault.session import create_vault, open_vault

PASS = "a passphrase for changes"


def test_writes_name_what_they_changed_and_reads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "v.rsvault"
    create_vault(path, "lee", PASS, kdf=floor_params())
    with open_vault(path, PASS, user="lee") as session:
        before = changes.mark(session)
        list_reviews(session.conn)
        assert changes.changed_since(session, before) == frozenset()
        review = create_review(
            session, title="T", developer="D", model_name="M", received="2026-11-01"
        )
        middle = changes.mark(session)
        assert changes.changed_since(session, before) == {changes.REVIEWS, changes.AUDIT}
        add_finding(session, review.id, title="F", severity="low")
        assert changes.changed_since(session, middle) == {changes.FINDINGS, changes.AUDIT}
        assert changes.changed_since(session, before) == {
            changes.REVIEWS,
            changes.FINDINGS,
            changes.AUDIT,
        }


def test_every_action_names_what_it_changes() -> None:
    assert changes.affected("finding.status") == {changes.FINDINGS, changes.AUDIT}
    assert changes.affected("artifact.view") == {changes.AUDIT}
    assert changes.REVIEWS in changes.affected("package.import")
    # An action nobody has listed yet refreshes everything rather than too little.
    assert changes.affected("newfeature.frobnicate") == changes.ALL
