"""Triage labels travel in packages (``triage.json``): signed with the rest, brought back by
the importer with their decisions, and they invalidate solves in the receiving vault too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.inspect_logs import sample, write_eval
from support.packages import DESIGNATION, members, resign
from support.vaults import PASS, make_vault

from reviewstation.app import compare
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.findings import triage
from reviewstation.packages.export import export_package
from reviewstation.packages.importer import import_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts, users
from reviewstation.vault.session import create_vault, open_vault
from reviewstation.ziparchive import PackageRefused

HQ = "headquarters passphrase"
LEAD2 = "second lead passphrase"


@pytest.fixture
def sender(tmp_path: Path) -> tuple[Path, Any]:
    """Two runs of one task in review 1; alice labels B's solves of samples 1 and 2, lena
    confirms the first; the second stays open."""
    (tmp_path / "sender").mkdir()
    vault = make_vault(tmp_path / "sender")
    run_a = write_eval(tmp_path / "a.eval", [sample(i, "C" if i < 3 else "I") for i in range(1, 6)])
    run_b = write_eval(tmp_path / "b.eval", [sample(i, "C") for i in range(1, 6)])
    with open_vault(vault, PASS) as alice:
        create_review(alice, title="Model X", developer="Lab", model_name="X-1")
        accounts.add_user(alice, "lena", "lead", LEAD2, kdf=floor_params())
        add_artifacts(alice, 1, [run_a, run_b])
        one = triage.add_label(alice, 2, "4@1", "reward-hacking", "edited the test", "message:1")
        triage.add_label(alice, 2, "5@1", "out-of-scope", "looks odd")
        card = alice.user.public_identity(alice.vault_id)
    with open_vault(vault, LEAD2, user="lena") as lena:
        triage.confirm(lena, one.uid, "agreed")
    return vault, card


def _export(vault: Path, out: Path) -> Path:
    with open_vault(vault, PASS, user="alice") as session:
        uids = [str(r[0]) for r in session.conn.execute("SELECT uid FROM artifacts ORDER BY id")]
        return export_package(session, 1, out, evidence=uids, designation=DESIGNATION).path


def test_labels_travel_and_invalidate_on_the_other_side(
    sender: tuple[Path, Any], tmp_path: Path
) -> None:
    vault, card = sender
    package = _export(vault, tmp_path / "p.rspkg")
    doc = json.loads(members(package)["triage.json"])
    assert doc["format"] == "reviewstation-triage" and doc["marking"] == "CUI"
    assert [(x["sample"], x["status"]) for x in doc["labels"]] == [
        ("4@1", "confirmed"),
        ("5@1", "open"),
    ]
    assert "triage.json" in members(package)["SHA384SUMS"].decode()
    hq = tmp_path / "hq.rsvault"
    create_vault(hq, "hana", HQ, marking="CUI", kdf=floor_params())
    with open_vault(hq, HQ) as session:
        result = import_package(session, package, [card])
        assert result.triage_labels == 2
        labels = triage.list_labels(session.conn, review_id=result.review_id)
        assert [(x.sample, x.status, x.part) for x in labels] == [
            ("4@1", "confirmed", "message:1"),
            ("5@1", "open", None),
        ]
        assert labels[0].author == users.foreign_name("alice", card.fingerprint)
        assert labels[0].decided_by == users.foreign_name("lena", card.fingerprint)
        compared = compare.compare_artifacts(session, [1, 2])
    assert compared.invalidated == {"B": ["4@1"]}
    assert compared.triaged is not None
    assert [r.solved for r in compared.runs] == [2, 5]
    assert [r.solved for r in compared.triaged.runs] == [2, 4]


def test_a_later_package_brings_the_new_decision(sender: tuple[Path, Any], tmp_path: Path) -> None:
    vault, card = sender
    first = _export(vault, tmp_path / "p1.rspkg")
    hq = tmp_path / "hq.rsvault"
    create_vault(hq, "hana", HQ, marking="CUI", kdf=floor_params())
    with open_vault(hq, HQ) as session:
        import_package(session, first, [card])
    with open_vault(vault, LEAD2, user="lena") as lena:
        triage.dispute(lena, 1, "the test edit was allowed")
    second = _export(vault, tmp_path / "p2.rspkg")
    with open_vault(hq, HQ) as session:
        result = import_package(session, second, [card])
        assert result.triage_labels == 1
        assert [x.status for x in triage.list_labels(session.conn)] == ["disputed", "open"]
        assert (
            triage.invalidated(
                session.conn, [x.artifact_uid for x in triage.list_labels(session.conn)]
            )
            == {}
        )


def _self_confirmed(doc: dict[str, Any]) -> None:
    doc["labels"][1].update(status="confirmed", decided_by="alice", decided="2026-12-07T10:00:00Z")


def _rewritten_note(doc: dict[str, Any]) -> None:
    doc["labels"][0]["label"] = "in-scope"


@pytest.mark.parametrize(
    ("edit", "message"),
    [(_self_confirmed, "other than its author"), (_rewritten_note, None)],
)
def test_a_label_that_breaks_the_rules_refuses_the_package(
    sender: tuple[Path, Any], tmp_path: Path, edit: Any, message: str | None
) -> None:
    vault, card = sender
    package = _export(vault, tmp_path / "p.rspkg")
    hq = tmp_path / "hq.rsvault"
    create_vault(hq, "hana", HQ, marking="CUI", kdf=floor_params())
    if message is None:  # first the real one, then a re-signed one whose label changed
        with open_vault(hq, HQ) as session:
            import_package(session, package, [card])
        with open_vault(vault, PASS, user="alice") as alice:  # a later sequence number
            triage.add_label(alice, 1, "1@1", "in-scope")
        package = _export(vault, tmp_path / "p2.rspkg")
        message = "differs from the one this vault holds"
    bad = resign(package, tmp_path / "bad.rspkg", signing_key_of(vault), edit, "triage.json")
    with open_vault(hq, HQ) as session:
        before = triage.list_labels(session.conn)
        with pytest.raises(PackageRefused, match=message):
            import_package(session, bad, [card])
        assert triage.list_labels(session.conn) == before


def signing_key_of(vault: Path) -> Any:
    """The sender's own key (a trusted but modified sender; the vault has two users)."""
    with open_vault(vault, PASS, user="alice") as session:
        assert session.identity is not None
        return session.identity.signing


# Attacks: an imported label acts only on its own review's logs, and never overrides a
# decision taken here.


def _hq_with_runs(tmp_path: Path) -> tuple[Path, list[str]]:
    """hq's own review 1 with two runs of its own: the artifacts a forged label aims at."""
    hq = tmp_path / "hq.rsvault"
    create_vault(hq, "hana", HQ, marking="CUI", kdf=floor_params())
    run_a = write_eval(
        tmp_path / "ha.eval", [sample(i, "C" if i < 3 else "I") for i in range(1, 6)]
    )
    run_b = write_eval(tmp_path / "hb.eval", [sample(i, "C") for i in range(1, 6)])
    with open_vault(hq, HQ) as session:
        create_review(session, title="HQ's own", developer="Lab", model_name="X-1")
        added = add_artifacts(session, 1, [run_a, run_b]).added
        return hq, [a.uid for a in added]


def test_an_imported_label_cannot_invalidate_a_log_of_another_review(
    sender: tuple[Path, Any], tmp_path: Path
) -> None:
    """A trusted sender re-signs triage.json so its confirmed label names a log of the
    receiver's own review (whose uid travelled to them earlier): it lands in the imported
    review and changes no figure of the receiver's comparison."""
    vault, card = sender
    hq, (_, theirs_b) = _hq_with_runs(tmp_path)

    def aim(doc: dict[str, Any]) -> None:
        doc["labels"][0]["artifact_uid"] = theirs_b

    package = _export(vault, tmp_path / "p.rspkg")
    bad = resign(package, tmp_path / "aimed.rspkg", signing_key_of(vault), aim, "triage.json")
    with open_vault(hq, HQ) as session:
        result = import_package(session, bad, [card])
        assert result.review_id != 1
        assert triage.invalidated(session.conn, [theirs_b]) == {}
        compared = compare.compare_artifacts(session, [1, 2])
    assert compared.invalidated == {} and compared.triaged is None


def _reopened(doc: dict[str, Any]) -> None:
    doc["labels"][0].update(status="open", decided_by=None, decided=None, reason="")


def _confirmed_again(doc: dict[str, Any]) -> None:
    pass  # the sender's own (older) decision, confirmed by lena, as it was


@pytest.mark.parametrize("edit", [_reopened, _confirmed_again])
def test_a_package_never_overrides_a_decision_taken_here(
    sender: tuple[Path, Any], tmp_path: Path, edit: Any
) -> None:
    """hq's lead disputes an imported confirmed label; a later package of the sender carrying
    the label confirmed (or reopened) leaves hq's own decision as it is."""
    vault, card = sender
    hq = tmp_path / "hq.rsvault"
    create_vault(hq, "hana", HQ, marking="CUI", kdf=floor_params())
    with open_vault(hq, HQ) as session:
        import_package(session, _export(vault, tmp_path / "p1.rspkg"), [card])
        first = triage.list_labels(session.conn)[0]
        triage.dispute(session, first.uid, "not what the task forbids")
    with open_vault(vault, PASS, user="alice") as alice:  # a later sequence number
        triage.add_label(alice, 1, "1@1", "in-scope")
    later = _export(vault, tmp_path / "p2.rspkg")
    later = resign(later, tmp_path / "p2e.rspkg", signing_key_of(vault), edit, "triage.json")
    with open_vault(hq, HQ) as session:
        import_package(session, later, [card])
        kept = triage.get_label(session.conn, first.uid)
    assert (kept.status, kept.decided_by) == ("disputed", "hana")
