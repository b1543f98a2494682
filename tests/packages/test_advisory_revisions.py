"""Each export of a review is the next revision of the same advisories, counted from the
vault's own export records; only exports whose file was written count."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.packages import DESIGNATION, export, members, sender
from support.vaults import PASS

from reviewstation.errors import Cancelled, InputError, PermissionDenied
from reviewstation.packages.export import export_package, review_exports
from reviewstation.packages.plan import plan_export
from reviewstation.vault import publisher
from reviewstation.vault.session import open_vault


def _csaf(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(members(path)["vulnerabilities.csaf.json"])
    return doc


def test_re_export_is_version_2_with_both_revisions(tmp_path: Path) -> None:
    vault = sender(tmp_path).vault
    first = export(vault, tmp_path / "first.rspkg")
    assert first.advisory_version == 1
    assert any("names no publisher namespace" in note for note in first.notes)
    # An export cancelled after it was recorded (sequence, audit entry) is no revision.
    with open_vault(vault, PASS) as session, pytest.raises(Cancelled):
        export_package(
            session, 1, tmp_path / "cancelled.rspkg", designation=DESIGNATION, cancel=lambda: True
        )
    second = export(vault, tmp_path / "second.rspkg")
    assert second.advisory_version == 2
    a, b = _csaf(tmp_path / "first.rspkg"), _csaf(tmp_path / "second.rspkg")
    assert a["document"]["tracking"]["id"] == b["document"]["tracking"]["id"]
    assert b["document"]["tracking"]["version"] == "2"
    history = b["document"]["tracking"]["revision_history"]
    assert [r["number"] for r in history] == ["1", "2"]
    assert first.package_id in history[0]["summary"]
    assert second.package_id in history[1]["summary"]
    assert history[0]["date"] == a["document"]["tracking"]["current_release_date"]
    vex = [json.loads(members(p)["vulnerabilities.openvex.json"]) for p in (
        tmp_path / "first.rspkg", tmp_path / "second.rspkg")]  # fmt: skip
    assert vex[0]["@id"] == vex[1]["@id"] and [v["version"] for v in vex] == [1, 2]
    boms = [json.loads(members(p)["artifacts.cdx.json"]) for p in (
        tmp_path / "first.rspkg", tmp_path / "second.rspkg")]  # fmt: skip
    assert boms[0]["serialNumber"] == boms[1]["serialNumber"]
    assert [b["version"] for b in boms] == [1, 2]
    with open_vault(vault, PASS) as session:
        assert [pid for pid, _ in review_exports(session.conn, 1)] == [
            first.package_id,
            second.package_id,
        ]
        plan = plan_export(session, 1)
    assert plan.advisory.endswith("version 3, status draft")
    assert any("names no publisher namespace" in note for note in plan.notes)


def test_publisher_is_set_by_a_lead_and_used(tmp_path: Path) -> None:
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.vault import accounts

    vault = sender(tmp_path).vault
    with open_vault(vault, PASS) as session:
        accounts.add_user(session, "rita", "reviewer", "rita passphrase", kdf=floor_params())
    with (
        open_vault(vault, "rita passphrase", user="rita") as rita,
        pytest.raises(PermissionDenied),
    ):
        publisher.set_publisher(rita, namespace="https://aisi.example")
    with open_vault(vault, PASS, user="alice") as session:
        for bad in ("urn:reviewstation", "http://aisi.example", "aisi.example", "https://a b"):
            with pytest.raises(InputError):
                publisher.set_publisher(session, namespace=bad)
        publisher.set_publisher(
            session,
            name="Example AI Safety Institute",
            namespace="https://aisi.example",
            contact="psirt@aisi.example",
        )
        entry = session.conn.execute(
            "SELECT details FROM audit WHERE action = 'vault.publisher'"
        ).fetchone()
        result = export_package(session, 1, tmp_path / "p.rspkg", designation=DESIGNATION)
    assert "aisi.example" in entry[0]
    assert result.notes == ()
    pub = _csaf(tmp_path / "p.rspkg")["document"]["publisher"]
    assert pub["name"] == "Example AI Safety Institute"
    assert pub["namespace"] == "https://aisi.example"
    assert pub["contact_details"].startswith("psirt@aisi.example")
