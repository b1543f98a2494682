"""The read models both front ends show, built once in the application layer."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewstation.app.demo import DEMO_PASSPHRASE, DEMO_USER, populate
from reviewstation.app.identity import export_identity
from reviewstation.app.packages import verify_in_vault
from reviewstation.app.views import (
    artifact_details,
    finding_view,
    open_export_requests,
    review_overview,
    review_runs,
)
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import NotFound
from reviewstation.findings.service import SEVERITIES
from reviewstation.packages.export import export_package
from reviewstation.vault.session import create_vault, open_vault


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("views") / "Demo.rsvault"
    create_vault(path, DEMO_USER, DEMO_PASSPHRASE, role="lead", kdf=floor_params())
    populate(path)
    return path


def test_the_overview_counts_runs_and_findings(demo: Path) -> None:
    with open_vault(demo, DEMO_PASSPHRASE, user=DEMO_USER, mode="read") as session:
        overview = review_overview(session, 1)
        runs = review_runs(session, 1)
        with pytest.raises(NotFound):
            review_overview(session, 99)
    assert overview.review.id == 1
    assert list(overview.severities) == list(SEVERITIES)  # every severity named, in order
    assert overview.findings == 3 and overview.severities["high"] == 1
    (run,) = overview.runs
    assert run.answered == 2 and run.total > 2 and run.signed_off_by is None
    assert [r.id for r in runs.runs] == [run.id]
    names = [name for name, _ in runs.templates]
    assert "cyber-capability" in names and len(names) == len(set(names))


def test_a_finding_names_its_evidence_and_an_artifact_its_custody(demo: Path) -> None:
    with open_vault(demo, DEMO_PASSPHRASE, user=DEMO_USER, mode="read") as session:
        view = finding_view(session, 1)
        details = artifact_details(session, 1)
        by_uid = artifact_details(session, details.artifact.uid)
        requests = open_export_requests(session, 1)
    assert view.history and view.history[0]["revision"] >= 1
    assert details.artifact.path in view.paths.values()
    assert by_uid.artifact.id == 1 and by_uid.events == details.events
    assert requests.policy == "off" and requests.requests == []


def test_a_package_is_verified_against_this_vault(demo: Path, tmp_path: Path) -> None:
    package, card = tmp_path / "p.rspkg", tmp_path / "demo.card"
    with open_vault(demo, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        export_identity(session, card)
        export_package(session, 1, package, evidence=["1"])
    with open_vault(demo, DEMO_PASSPHRASE, user=DEMO_USER, mode="read") as session:
        report = verify_in_vault(session, package, [card])
    assert report.signer.name == DEMO_USER
    assert report.manifest.package_id and "all" in " ".join(report.checks)
