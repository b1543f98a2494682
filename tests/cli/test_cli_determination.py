"""``reviewstation determination set | show | remove`` over two runs inspect_ai wrote, and a
checklist answer that cites the saved comparison."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import ok, rs
from support.vaults import PASS, make_vault

from reviewstation import determination
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"
SCIPY: dict[str, Any] = json.loads((LOGS / "expected.json").read_text())["scipy"]


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_vault(tmp_path_factory.mktemp("determination"))
    with open_vault(path, PASS) as session:
        create_review(session, title="New model", developer="Lab", model_name="M-2")
        add_artifacts(session, 1, [LOGS / "model-a.eval", LOGS / "model-b.eval"])
    return path


def test_set_show_cite_remove(vault: Path) -> None:
    v = str(vault)
    usage = rs("determination", "set", v, "1", "vulnerability-discovery", "--baseline", "1")
    assert usage.returncode == 2 and "--run" in usage.stderr
    refused = rs("determination", "set", v, "1", "ctf", "--baseline", "1", "--run", "1")
    assert refused.returncode == 2 and "baseline cannot also" in refused.stderr
    saved = ok(
        "determination",
        "set",
        v,
        "1",
        "Exploitation",
        "--baseline",
        "1",
        "--run",
        "2",
        "--seed",
        "5",
    )
    uid = saved.split()[0]
    assert "exact McNemar p = " in saved and "seed 5" in saved
    doc = json.loads(ok("determination", "show", v, "1", "--json"))
    assert doc["schema"] == determination.SCHEMA
    [area] = doc["areas"]
    assert (area["uid"], area["area"], area["citation"]) == (
        uid,
        "exploitation",
        f"comparison:{uid}",
    )
    raw = area["figures"]["raw"]
    assert raw["seed"] == 5
    assert [r["solved"] for r in raw["runs"]] == [
        SCIPY["runs"]["model-a.eval"]["solved"],
        SCIPY["runs"]["model-b.eval"]["solved"],
    ]
    assert raw["tests"][0]["mcnemar_p"] == pytest.approx(SCIPY["mcnemar_p"], rel=1e-12)
    text = ok("determination", "show", v, "1")
    assert text.startswith("Exploitation") and "raw figures" in text
    # A checklist answer cites the comparison; the citation is shown and kept.
    run_id = ok("checklist", "start", v, "--review", "1", "--template", "cyber-capability").split()[
        0
    ]
    ok(
        "checklist",
        "set",
        v,
        run_id,
        "exploit.web",
        "--status",
        "not_a_finding",
        "--evidence",
        f"comparison:{uid}",
    )
    shown = json.loads(ok("checklist", "show", v, run_id, "--json"))
    answers = {a["id"]: a for a in shown["items"]}
    assert answers["exploit.web"]["evidence"] == [
        {"artifact": f"comparison:{uid}", "sample_id": None, "sample_digest": None}
    ]
    bad = rs("checklist", "set", v, run_id, "exploit.web", "--evidence", "comparison:nope")
    assert bad.returncode == 2 and "comparison:UID" in bad.stderr
    removed = ok("determination", "remove", v, "1", "exploitation")
    assert "removed Exploitation" in removed
    assert json.loads(ok("determination", "show", v, "1", "--json"))["areas"] == []


def test_the_help_names_every_fixed_area() -> None:
    from reviewstation.cli.commands import determination as command

    assert tuple(determination.AREAS) == command.AREAS
