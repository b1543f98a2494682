"""What a VEX statement needs on a finding: vers ranges, a justification, an action statement.

Each rule is a row: the ranges are parsed and compared by the spec's semantics, and the store
refuses an inconsistent finding with one line, whoever writes it (command or import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.vaults import PASS, make_vault

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError
from reviewstation.findings import service, vers
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault

LEAD2 = "second lead passphrase"


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("vers:semver/>=1.0.0|<1.4.0", "vers:semver/>=1.0.0|<1.4.0"),
        ("VERS:SemVer/<1.4.0|>=1.0.0", "vers:semver/>=1.0.0|<1.4.0"),  # sorted, lower case
        ("vers:pypi/2.0|=2.1", "vers:pypi/2.0|2.1"),  # "=" is the default comparator
        ("vers:npm/*", "vers:npm/*"),
        ("vers:generic/<2|>=3|<4", "vers:generic/<2|>=3|<4"),
        ("vers:semver/!=1.2.0", "vers:semver/!=1.2.0"),
    ],
)
def test_vers_ranges_are_normalised(text: str, normalised: str) -> None:
    assert vers.parse(text).text == normalised


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("1.2", "should be a vers range"),
        (">=1.0, <1.4", "should be one vers range"),
        ("vers:semver/", "should be a vers range"),
        ("vers:/1.0", "should be a vers range"),
        ("vers:semver/1.0", "not a semantic version"),
        ("vers:semver/>=1.0.0|>=1.2.0", "two lower bounds in a row"),
        ("vers:semver/<1.0.0|<=1.2.0", "two upper bounds in a row"),
        ("vers:semver/1.0.0|=1.0.0", "names one version twice"),
        ("vers:pypi/>=", "empty or odd constraint"),
        # Percent-decoded versions are checked too: no escapes, bidi controls or spaces
        # smuggled in, and nothing a second decoding would change (the stored text re-parses
        # to the same range).
        ("vers:pypi/1.0%1b[31m", "empty or odd constraint"),
        ("vers:pypi/1.0%E2%80%AE", "empty or odd constraint"),
        ("vers:pypi/>=1.0%20beta", "empty or odd constraint"),
        ("vers:pypi/1.0%2525", "empty or odd constraint"),
    ],
)
def test_bad_vers_ranges_are_refused(text: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        vers.parse(text)


@pytest.mark.parametrize(
    ("affected", "fixed", "overlap"),
    [
        ("vers:semver/>=1.0.0|<1.4.0", "vers:semver/>=1.4.0", False),
        ("vers:semver/>=1.0.0|<=1.4.0", "vers:semver/>=1.4.0", True),  # 1.4.0 in both
        ("vers:semver/>=1.0.0|<1.4.0", "vers:semver/1.3.9", True),
        ("vers:semver/>=1.0.0|<1.4.0", "vers:semver/1.4.0-rc.1", True),  # a pre-release < 1.4.0
        ("vers:semver/>=1.0.0|<1.4.0", "vers:semver/0.9.0", False),
        ("vers:pypi/<2.10", "vers:pypi/>=2.9", True),  # numeric, not text, order
        ("vers:pypi/<2.10", "vers:pypi/>=2.10", False),
        ("vers:generic/<2|>=3|<4", "vers:generic/>=2|<3", False),  # the gap between ranges
        ("vers:generic/<2|>=3|<4", "vers:generic/>=4", False),
        ("vers:generic/*", "vers:generic/9", True),
    ],
)
def test_ranges_overlap_by_version_order(affected: str, fixed: str, overlap: bool) -> None:
    assert vers.parse(affected).overlaps(vers.parse(fixed)) is overlap
    assert vers.parse(fixed).overlaps(vers.parse(affected)) is overlap


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
        accounts.add_user(session, "lena", "lead", LEAD2, kdf=floor_params())
    return path


def _vuln(**fields: Any) -> dict[str, Any]:
    return {"title": "Heap overflow", "severity": "high", "kind": "vulnerability", **fields}


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"vex_status": "not_affected"}, "needs its justification"),
        ({"vex_status": "affected", "justification": "component_not_present"}, "only"),
        ({"justification": "because"}, "Unknown justification"),
        ({"vex_status": "fixed"}, "needs the versions that fix it"),
        (
            {
                "vex_status": "fixed",
                "affected_versions": "vers:semver/>=1.0.0|<1.4.0",
                "fixed_versions": "vers:semver/1.3.0",
            },
            "inside the affected range",
        ),
        (
            {
                "vex_status": "fixed",
                "affected_versions": "vers:semver/<1.4.0",
                "fixed_versions": "vers:pypi/>=1.4.0",
            },
            "different versioning schemes",
        ),
        ({"affected_versions": "1.0 to 1.4"}, "affected versions"),
        ({"fixed_versions": "vers:semver/1.0"}, "semantic version"),
        ({"action_statement": "x" * 5000}, "action statement is longer"),
        ({"action_statement": "upgrade\x00now"}, "control characters"),
    ],
)
def test_inconsistent_vex_is_refused_and_nothing_written(
    vault: Path, fields: dict[str, Any], error: str
) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        with pytest.raises(InputError, match=error) as caught:
            service.add_finding(session, 1, **_vuln(**fields))
        assert "\n" not in str(caught.value)
        count = session.conn.execute("SELECT count(*) FROM findings").fetchone()[0]
    assert count == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"vex_status": "not_affected", "justification": "vulnerable_code_not_present"},
        {
            "vex_status": "fixed",
            "affected_versions": "vers:semver/>=1.0.0|<1.4.0",
            "fixed_versions": "vers:semver/>=1.4.0",
        },
        {"vex_status": "affected", "action_statement": "Disable the parser."},
        {"vex_status": "affected"},  # the action statement is needed only to approve it
        {"vex_status": "under_investigation", "affected_versions": "vers:pypi/>=2.0"},
    ],
)
def test_consistent_vex_is_stored(vault: Path, fields: dict[str, Any]) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        finding = service.add_finding(session, 1, **_vuln(**fields))
    for name, value in fields.items():
        assert getattr(finding, name) == value


def test_an_edit_is_checked_against_the_whole_finding(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        finding = service.add_finding(
            session,
            1,
            **_vuln(
                vex_status="fixed",
                affected_versions="vers:semver/<1.4.0",
                fixed_versions="vers:semver/>=1.4.0",
            ),
        )
        with pytest.raises(InputError, match="inside the affected range"):
            service.update_finding(session, finding.id, affected_versions="vers:semver/<2.0.0")
        with pytest.raises(InputError, match="needs the versions that fix it"):
            service.update_finding(session, finding.id, fixed_versions="")
        assert service.get_finding(session.conn, finding.id).revision == 1
        # Leaving not_affected clears its justification (recorded in the revision).
        service.update_finding(
            session,
            finding.id,
            vex_status="not_affected",
            justification="component_not_present",
        )
        changed = service.update_finding(session, finding.id, vex_status="under_investigation")
        assert changed.justification is None
        history = service.revisions(session.conn, finding.id)
        assert history[-1]["changes"]["justification"] == ["component_not_present", None]


def test_an_affected_finding_is_approved_only_with_its_action_statement(vault: Path) -> None:
    with open_vault(vault, PASS, user="alice") as session:
        finding = service.add_finding(session, 1, **_vuln(vex_status="affected"))
        service.set_status(session, finding.id, "confirmed")
    with (
        open_vault(vault, LEAD2, user="lena") as lena,
        pytest.raises(InputError, match=r"needs an action statement .*before it can be approved"),
    ):
        service.set_status(lena, finding.id, "approved")
    with open_vault(vault, PASS, user="alice") as session:
        service.update_finding(session, finding.id, action_statement="Do not expose it.")
    with open_vault(vault, LEAD2, user="lena") as lena:
        assert service.set_status(lena, finding.id, "approved").status == "approved"


def test_export_refuses_an_approved_finding_it_cannot_assert(vault: Path) -> None:
    """A finding approved before these fields existed (or imported so) stops the export."""
    import dataclasses

    with open_vault(vault, PASS, user="alice") as session:
        finding = service.add_finding(session, 1, **_vuln(vex_status="affected"))
    approved = dataclasses.replace(finding, status="approved", approved_by="lena")
    with pytest.raises(InputError, match=r"approved as affected but lacks an action statement"):
        service.require_assertable([approved])
    service.require_assertable([finding])  # a draft is exported as under investigation
    capability = dataclasses.replace(approved, kind="capability")
    service.require_assertable([capability])  # no VEX statement is made for it
