"""The export plan (the wizard's preview) names exactly the members the export then writes,
and writes nothing itself."""

from __future__ import annotations

import zipfile
from pathlib import Path

from support.packages import Sender, export, sender
from support.vaults import PASS

from reviewstation.packages.plan import plan_export
from reviewstation.vault import audit
from reviewstation.vault.session import open_vault


def test_plan_lists_the_members_the_export_writes(tmp_path: Path) -> None:
    alice: Sender = sender(tmp_path)
    with open_vault(alice.vault, PASS) as session:
        before = audit.head(session.conn, session.vault_id)
        plan = plan_export(session, 1, evidence=["1"])
        assert audit.head(session.conn, session.vault_id) == before  # nothing recorded
        custody = session.conn.execute("SELECT count(*) FROM custody_events").fetchone()[0]
    assert plan.package_marking == "CUI" and plan.vault_marking == "CUI"
    assert plan.findings_by_status == {"draft": 1}
    assert [e.path for e in plan.evidence] == ["eval-notes.txt"]
    assert not plan.encrypted and not plan.approval.required
    out = tmp_path / "p.rspkg"
    export(alice.vault, out, evidence=["1"])
    with zipfile.ZipFile(out) as archive:
        written = archive.namelist()
    assert sorted(m.name for m in plan.members) == sorted(written)
    sizes = {m.name: m.size for m in plan.members if m.size is not None}
    with zipfile.ZipFile(out) as archive:
        for name in ("findings.json", "checklists.json", "findings.sarif"):
            assert sizes[name] == archive.getinfo(name).file_size
    with open_vault(alice.vault, PASS, mode="read") as session:
        after = session.conn.execute("SELECT count(*) FROM custody_events").fetchone()[0]
    assert after == custody + 1  # the export's own "exported" event, none from the plan


def test_encrypted_plan_shows_the_outer_layer_and_what_is_inside(tmp_path: Path) -> None:
    alice = sender(tmp_path)
    with open_vault(alice.vault, PASS) as session:
        plan = plan_export(session, 1, recipients=[alice.card])
    outer = [m.name for m in plan.members if not m.inner]
    inner = [m.name for m in plan.members if m.inner]
    assert plan.encrypted and plan.recipients == ["alice"]
    assert {"manifest.json", "recipients.json", "payload.enc", "SHA384SUMS"} <= set(outer)
    assert "findings.json" in inner and "findings.json" not in outer
