"""The VEX fields of a finding and the vault's publisher on the command line."""

from __future__ import annotations

import json

import pytest
from support.cli import ok, rs


def refused(*args: str) -> str:
    result = rs(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("vex") / "case.rsvault")
    ok("vault", "init", path, "--user", "alice", "--marking", "CUI")
    ok("review", "create", path, "--title", "Model X", "--developer", "Lab A", "--model", "X-1")
    return path


BASE = (
    "--review",
    "1",
    "--title",
    "Heap overflow",
    "--severity",
    "high",
    "--kind",
    "vulnerability",
)


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (("--vex", "not_affected"), "needs its justification"),
        (("--vex", "fixed"), "needs the versions that fix it"),
        (
            (
                "--vex",
                "fixed",
                "--affected-versions",
                "vers:semver/<1.4.0",
                "--fixed-versions",
                "vers:semver/1.3.0",
            ),
            "inside the affected range",
        ),
        (("--affected-versions", ">=1.0"), "should be a vers range"),
        (("--vex", "affected", "--justification", "component_not_present"), "only"),
    ],
)
def test_inconsistent_vex_is_one_line_and_exit_2(
    vault: str, options: tuple[str, ...], error: str
) -> None:
    assert error in refused("finding", "add", vault, *BASE, *options)


def test_vex_fields_are_stored_and_shown(vault: str) -> None:
    out = ok(
        "finding", "add", vault, *BASE, "--vex", "fixed",
        "--affected-versions", "vers:semver/<1.4.0|>=1.0.0",
        "--fixed-versions", "vers:semver/>=1.4.0", "--json",
    )  # fmt: skip
    finding = json.loads(out)
    assert finding["affected_versions"] == "vers:semver/>=1.0.0|<1.4.0"  # normalised
    assert finding["fixed_versions"] == "vers:semver/>=1.4.0"
    ident = str(finding["id"])
    ok("finding", "update", vault, ident, "--vex", "not_affected",
       "--justification", "component_not_present")  # fmt: skip
    shown = ok("finding", "show", vault, ident)
    assert "Why not" in shown and "component_not_present" in shown
    assert "Fixed in    vers:semver/>=1.4.0" in shown


def test_vault_settings_publisher(vault: str) -> None:
    shown = ok("vault", "settings", vault)
    assert "Namespace  urn:uuid:" in shown and "not set" in shown
    assert "shared" in refused(
        "vault", "settings", vault, "--publisher-namespace", "urn:reviewstation"
    )
    assert "should be an https URL" in refused(
        "vault", "settings", vault, "--publisher-namespace", "ftp://x"
    )
    out = ok(
        "vault", "settings", vault, "--publisher-name", "Example AISI",
        "--publisher-namespace", "https://aisi.example",
        "--publisher-contact", "psirt@aisi.example", "--json",
    )  # fmt: skip
    data = json.loads(out)
    assert data["changed"] is True
    assert data["publisher"]["namespace"] == data["namespace_used"] == "https://aisi.example"
    assert "Example AISI" in ok("vault", "settings", vault)
