"""Runs: answers persist, evidence links, sign-off, and migration to a new template version."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.checklists import library, runs
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.evidence import EvidenceRef
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts, audit
from reviewstation.vault.session import open_vault

V1 = b"""
[template]
id = "custom-check"
version = VERSION
title = "Custom"
description = "A small custom checklist."
sources = ["internal"]

[[items]]
id = "kept"
section = "One"
prompt = "Unchanged question?"
guidance = "Same guidance."
evidence = ["a log"]

[[items]]
id = "reworded"
section = "One"
prompt = "Old wording?"
guidance = "Guidance."
evidence = ["a log"]
"""
V2_EXTRA = b"""
[[items]]
id = "added"
section = "Two"
prompt = "A new question?"
guidance = "New."
evidence = ["a report"]
"""


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
        accounts.add_user(session, "rita", "reviewer", "rita passphrase", kdf=floor_params())
    return path


def test_answers_and_notes_persist_in_show_json(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        run = runs.start_run(session, 1, "cyber-capability")
        first = run.template.items[0].id
        runs.set_answer(session, run.id, first, status="open", note="solved 12 hard tasks")
        runs.set_answer(
            session, run.id, first, severity_override="critical", justification="chained exploits"
        )
    with open_vault(vault, PASS, user="alice", mode="read") as session:
        shown = runs.get_run(session.conn, 1).to_json()
        actions = [e.action for e in audit.entries(session.conn)]
    item = shown["items"][0]
    assert (item["status"], item["note"]) == ("open", "solved 12 hard tasks")
    assert item["severity_override"] == "critical"
    assert item["override_justification"] == "chained exploits"
    assert shown["progress"]["answered"] == 1 and shown["progress"]["open"] == 1
    assert shown["template"]["id"] == "cyber-capability"
    assert actions.count("checklist.answer") == 2


def test_bad_answers_change_nothing(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        run = runs.start_run(session, 1, "intake-custody")
        item = run.template.items[0].id
        with pytest.raises(InputError):
            runs.set_answer(session, run.id, item, status="maybe")
        with pytest.raises(InputError, match="justification"):
            runs.set_answer(session, run.id, item, severity_override="high")
        with pytest.raises(InputError, match="no item"):
            runs.set_answer(session, run.id, "no.such.item", status="open")
        with pytest.raises(NotFound):
            runs.set_answer(session, run.id, item, evidence=[EvidenceRef("missing-artifact")])
        assert runs.get_run(session.conn, run.id).progress()["answered"] == 0


def test_sign_off_needs_a_lead_and_every_item_answered(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        run = runs.start_run(session, 1, "determination-signoff")
    with open_vault(vault, "rita passphrase", user="rita") as rita:
        for item in run.template.items:
            runs.set_answer(rita, run.id, item.id, status="not_applicable")
        with pytest.raises(PermissionDenied, match="lead"):
            runs.sign_off(rita, run.id)
    with open_vault(vault, PASS, user="alice") as session:
        signed = runs.sign_off(session, run.id)
        assert signed.signed_off_by == "alice"
        with pytest.raises(PermissionDenied, match="final"):
            runs.set_answer(session, run.id, run.template.items[0].id, status="open")


def test_sign_off_refuses_unanswered_items(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        run = runs.start_run(session, 1, "determination-signoff")
        with pytest.raises(InputError, match="not reviewed"):
            runs.sign_off(session, run.id)


def test_migration_carries_only_unchanged_items(vault: Path, tmp_path: Path) -> None:
    v1, v2 = tmp_path / "v1.toml", tmp_path / "v2.toml"
    v1.write_bytes(V1.replace(b"VERSION", b"1"))
    v2.write_bytes(
        V1.replace(b"VERSION", b"2").replace(b"Old wording?", b"New wording?") + V2_EXTRA
    )
    with open_vault(vault, PASS, user="alice") as session:
        library.import_template(session, v1)
        run = runs.start_run(session, 1, "custom-check@1")
        runs.set_answer(session, run.id, "kept", status="not_a_finding", note="fine")
        runs.set_answer(session, run.id, "reworded", status="open", note="worry")
        library.import_template(session, v2)
        moved = runs.migrate_run(session, run.id)
        assert moved.carried == ["kept"]
        assert moved.to_review == ["reworded", "added"]
        new = moved.run
        answers = {a.item_id: a for a in new.answers}
        assert (answers["kept"].status, answers["kept"].note) == ("not_a_finding", "fine")
        assert answers["kept"].carried_from == run.id
        assert answers["reworded"].status == "not_reviewed"
        assert runs.get_run(session.conn, run.id).superseded_by == new.id
        with pytest.raises(PermissionDenied, match="moved"):
            runs.set_answer(session, run.id, "kept", status="open")


def test_a_changed_template_needs_a_new_version(vault: Path, tmp_path: Path) -> None:
    v1 = tmp_path / "v1.toml"
    v1.write_bytes(V1.replace(b"VERSION", b"1"))
    with open_vault(vault, PASS, user="alice") as session:
        library.import_template(session, v1)
        v1.write_bytes(V1.replace(b"VERSION", b"1").replace(b"Guidance.", b"Other."))
        with pytest.raises(InputError, match="new version"):
            library.import_template(session, v1)


def test_auditor_cannot_answer(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        accounts.add_user(session, "audra", "auditor", "audra passphrase", kdf=floor_params())
        run = runs.start_run(session, 1, "intake-custody")
    with (
        open_vault(vault, "audra passphrase", user="audra") as audra,
        pytest.raises(PermissionDenied),
    ):
        runs.set_answer(audra, run.id, run.template.items[0].id, status="open")


def test_a_custom_template_cannot_take_a_shipped_id(vault: Path, tmp_path: Path) -> None:
    hijack = tmp_path / "intake.toml"
    hijack.write_bytes(V1.replace(b'"custom-check"', b'"intake-custody"').replace(b"VERSION", b"9"))
    with open_vault(vault, PASS, user="alice") as session:
        with pytest.raises(InputError, match="shipped"):
            library.import_template(session, hijack)
        assert library.resolve(session.conn, "intake-custody").version == 1
