"""An export approval binds the review's capability areas: other runs, another baseline or
other options chosen after the approval void it; unchanged, the approved package carries
determination.json (the figures for exactly the approved area versions)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from support.packages import Sender, members, sender
from support.vaults import PASS

from reviewstation.app import determination as app_determination
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.kdf import floor_params
from reviewstation.determination import AreaOptions
from reviewstation.errors import PermissionDenied
from reviewstation.packages import approval
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.packages.plan import plan_export
from reviewstation.vault import policy
from reviewstation.vault.accounts import add_user
from reviewstation.vault.session import open_vault

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"


@pytest.fixture
def made(tmp_path: Path) -> Sender:
    """erin (lead) requests and exports, bob (lead) approves, carol (reviewer) edits areas."""
    made = sender(tmp_path)
    with open_vault(made.vault, PASS) as session:
        for name, role in (("bob", "lead"), ("erin", "lead"), ("carol", "reviewer")):
            add_user(session, name, role, PASS, kdf=floor_params())
        assert policy.set_export_approval(session, "required")
    with open_vault(made.vault, PASS, user="carol") as session:
        logs = add_artifacts(session, 1, [LOGS / "model-a.eval", LOGS / "model-b.eval"]).added
        app_determination.set_area(
            session, 1, "exploitation", baseline=logs[0].uid, runs=[logs[1].uid]
        )
    with open_vault(made.vault, PASS, user="erin") as session:
        request = approval.request_export(session, 1)
    with open_vault(made.vault, PASS, user="bob") as session:
        approval.approve_export(session, request.id)
    return made


def export(made: Sender, out: Path) -> ExportResult:
    with open_vault(made.vault, PASS, user="erin") as session:
        items = app_determination.area_results(session, 1)
        return export_package(session, 1, out, determination=items)


def test_the_approved_areas_travel(made: Sender, tmp_path: Path) -> None:
    result = export(made, tmp_path / "p.rspkg")
    assert result.approved_by == "bob"
    doc = json.loads(members(tmp_path / "p.rspkg")["determination.json"])
    assert [a["area"] for a in doc["areas"]] == ["exploitation"]


def test_an_area_changed_after_approval_voids_it(made: Sender, tmp_path: Path) -> None:
    with open_vault(made.vault, PASS, user="carol") as session:
        [area] = app_determination.area_results(session, 1)
        app_determination.set_area(
            session,
            1,
            "exploitation",
            baseline=area.area.baseline,
            runs=list(area.area.runs),
            options=AreaOptions(seed=99),
        )
    with pytest.raises(PermissionDenied, match=r"void.*changed after"):
        export(made, tmp_path / "p.rspkg")
    assert not (tmp_path / "p.rspkg").exists()


def test_the_plan_names_determination_json_as_the_export_writes_it(
    made: Sender, tmp_path: Path
) -> None:
    with open_vault(made.vault, PASS, user="erin") as session:
        plan = plan_export(session, 1)
    export(made, tmp_path / "p.rspkg")
    with zipfile.ZipFile(tmp_path / "p.rspkg") as archive:
        written = archive.namelist()
    assert "determination.json" in written
    assert sorted(m.name for m in plan.members) == sorted(written)
