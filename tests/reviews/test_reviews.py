"""Reviews: the 30-day clock, the status workflow, determinations and assignments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.reviews import service
from reviewstation.vault import accounts, audit
from reviewstation.vault.session import open_vault

RITA = "rita passphrase"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path, marking="CUI")
    with open_vault(path, PASS) as session:
        accounts.add_user(session, "rita", "reviewer", RITA, kdf=floor_params())
    return path


def test_deadline_defaults_to_thirty_days_and_the_clock_warns(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        review = service.create_review(
            session, title="Model X", developer="Lab A", model_name="X-1", received="2026-11-01"
        )
    assert review.deadline == "2026-12-01"
    assert review.marking == "CUI"
    assert review.assignees == ["alice"]
    assert review.days_left(dt.date(2026, 11, 20)) == 11
    assert review.clock(dt.date(2026, 11, 20)) == "ok"
    assert review.clock(dt.date(2026, 11, 24)) == "warning"
    assert review.clock(dt.date(2026, 12, 1)) == "warning"
    assert review.clock(dt.date(2026, 12, 2)) == "overdue"
    assert review.to_json(dt.date(2026, 12, 3))["days_left"] == -2


def test_bad_input_changes_nothing(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        for kwargs in (
            {"received": "2026-13-01"},
            {"received": "2026-11-10", "deadline": "2026-11-01"},
            {"access_mode": "telepathy"},
        ):
            with pytest.raises(InputError):
                service.create_review(session, title="T", developer="D", model_name="M", **kwargs)
        with pytest.raises(InputError):
            service.create_review(session, title=" ", developer="D", model_name="M")
        assert service.list_reviews(session.conn) == []
        with pytest.raises(NotFound):
            service.get_review(session.conn, 99)


def test_status_workflow_with_lead_only_steps(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        review = service.create_review(session, title="T", developer="D", model_name="M")
        service.assign(session, review.id, "rita")
    with open_vault(vault, RITA, user="rita") as rita:
        service.set_status(rita, review.id, "in_review")
        with pytest.raises(InputError, match="cannot go from in_review to approved"):
            service.set_status(rita, review.id, "approved")
        service.set_status(rita, review.id, "findings_drafted")
        with pytest.raises(PermissionDenied, match="lead"):
            service.set_status(rita, review.id, "approved")
        with pytest.raises(PermissionDenied):
            service.set_determination(rita, review.id, "covered", "ref", "because")
    with open_vault(vault, PASS, user="alice") as session:
        assert service.set_status(session, review.id, "approved").status == "approved"
        decided = service.set_determination(
            session, review.id, "covered", "NSA-2026-0042", "Autonomous exploitation shown."
        )
        assert (decided.determination, decided.determination_by) == ("covered", "alice")
        with pytest.raises(InputError, match="rationale"):
            service.set_determination(session, review.id, "not_covered", "ref", " ")
        actions = [e.action for e in audit.entries(session.conn)]
    assert actions.count("review.status") == 3
    assert "review.determination" in actions and "review.assign" in actions


def test_update_records_old_and_new_values(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        review = service.create_review(session, title="T", developer="D", model_name="M")
        updated = service.update_review(session, review.id, title="T2", model_version="2.1")
        entry = list(audit.entries(session.conn))[-1]
    assert (updated.title, updated.model_version) == ("T2", "2.1")
    assert entry.action == "review.update"
    assert entry.details["title"] == {"from": "T", "to": "T2"}


def test_closed_review_refuses_changes_until_reopened(vault: Path) -> None:
    from reviewstation.findings.service import add_finding

    with open_vault(vault, PASS, user="alice") as session:
        review = service.create_review(session, title="T", developer="D", model_name="M")
        for status in ("in_review", "findings_drafted", "approved", "exported", "closed"):
            service.set_status(session, review.id, status)
        with pytest.raises(PermissionDenied, match="closed"):
            add_finding(session, review.id, title="late", severity="low")
        service.set_status(session, review.id, "in_review")
        add_finding(session, review.id, title="late", severity="low")


def test_closed_review_refuses_every_change(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        review = service.create_review(session, title="T", developer="D", model_name="M")
        for status in ("in_review", "findings_drafted", "approved", "exported", "closed"):
            service.set_status(session, review.id, status)
        with pytest.raises(PermissionDenied, match="closed"):
            service.update_review(session, review.id, title="changed")
        with pytest.raises(PermissionDenied, match="closed"):
            service.set_determination(session, review.id, "covered", "r", "why")
        with pytest.raises(PermissionDenied, match="closed"):
            service.assign(session, review.id, "rita")
        assert service.get_review(session.conn, review.id).title == "T"


@pytest.mark.parametrize(
    ("who", "parts", "refusal"),
    [
        # a reviewer may change fields, but not approve: nothing of the update happens
        ("rita", {"fields": {"title": "Renamed"}, "status": "approved"}, PermissionDenied),
        ("rita", {"fields": {"title": "Renamed"}, "assign": ["alice"]}, PermissionDenied),
        ("alice", {"fields": {"title": "Renamed"}, "assign": ["nobody"]}, NotFound),
        (
            "alice",
            {"fields": {"title": "Renamed"}, "determination": "covered", "rationale": ""},
            InputError,
        ),
        ("alice", {"fields": {"title": "Renamed"}, "status": "closed"}, InputError),
        ("alice", {"fields": {"title": "Renamed", "deadline": "2000-01-01"}}, InputError),
    ],
)
def test_review_update_is_one_transaction(
    vault: Path, who: str, parts: dict[str, object], refusal: type[Exception]
) -> None:
    """``review update`` with several parts: one refused part leaves the review as it was."""
    with open_vault(vault, PASS, user="alice") as session:
        review = service.create_review(session, title="T", developer="D", model_name="M")
        service.assign(session, review.id, "rita")
        service.set_status(session, review.id, "in_review")
        service.set_status(session, review.id, "findings_drafted")
        before = service.get_review(session.conn, review.id)
        entries = len(list(audit.entries(session.conn)))
    secret = PASS if who == "alice" else RITA
    with open_vault(vault, secret, user=who) as session:
        with pytest.raises(refusal):
            service.apply_update(session, review.id, **parts)  # type: ignore[arg-type]
        assert service.get_review(session.conn, review.id) == before
        later = [e.action for e in audit.entries(session.conn)][entries:]
    assert not [action for action in later if action.startswith("review.")]


def test_review_update_writes_every_part_with_its_own_entry(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        review = service.create_review(session, title="T", developer="D", model_name="M")
        service.set_status(session, review.id, "in_review")
        service.set_status(session, review.id, "findings_drafted")
        done = service.apply_update(
            session,
            review.id,
            fields={"title": "Renamed", "model_version": None},
            assign=["rita"],
            determination="covered",
            reference="REF-1",
            rationale="Over the threshold.",
            status="approved",
        )
        actions = [e.action for e in audit.entries(session.conn)][-4:]
    assert (done.title, done.status, done.determination) == ("Renamed", "approved", "covered")
    assert done.assignees == ["alice", "rita"] and done.determination_by == "alice"
    assert actions == ["review.update", "review.assign", "review.determination", "review.status"]
