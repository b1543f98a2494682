"""A real export carries the standard-format members and the report, valid as published."""

from __future__ import annotations

import json
from pathlib import Path

from support.packages import export, members, sender
from support.schemas import errors, validators


def test_exported_members_validate_against_the_official_schemas(tmp_path: Path) -> None:
    alice = sender(tmp_path)
    package = tmp_path / "p.rspkg"
    export(alice.vault, package, evidence=["1"])
    content = members(package)
    check = validators()
    for name, schema in (
        ("findings.sarif", "sarif"),
        ("vulnerabilities.csaf.json", "csaf"),
        ("vulnerabilities.openvex.json", "openvex"),
    ):
        assert errors(check[schema], json.loads(content[name])) == [], name
    # The sender's affected vulnerability is not approved by a second person: no CVE record
    # claims it (records are validated in tests/formats/test_formats_cve.py and tests/validators).
    assert [name for name in content if name.startswith("cve/")] == []
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    problem = JsonStrictValidator(SchemaVersion.V1_7).validate_str(
        content["artifacts.cdx.json"].decode()
    )
    assert problem is None, problem
    bom = json.loads(content["artifacts.cdx.json"])
    hashes = {h["alg"] for c in bom["components"] for h in c.get("hashes", [])}
    assert {"SHA-256", "SHA-384"} <= hashes
    assert content["report.pdf"].startswith(b"%PDF")
    manifest = json.loads(content["manifest.json"])
    assert manifest["marking"] == "CUI"
    assert manifest["counts"] == {"findings": 1, "checklist_runs": 1, "artifacts": 1, "evidence": 1}
