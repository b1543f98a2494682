"""Honest VEX and document identity in the CSAF, OpenVEX and CycloneDX members.

Only an approved finding's VEX status is asserted; the CSAF status follows the review; every
export of a review is the next revision of the same documents; the publisher is the vault's.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jsonschema.protocols import Validator

from reviewstation.findings.service import Finding
from reviewstation.formats import csaf, cyclonedx, openvex
from reviewstation.package_content import PackageContent
from reviewstation.vault.publisher import Publisher

from .conftest import APPROVED, CREATED, PACKAGE_ID, Built, errors

LATER = "2026-12-01T08:00:00Z"
EARLIER_ID = "0f3c1d52-8d0e-4bb4-a1f6-6a0e4e3b9c11"


def _with(content: PackageContent, label_uid: str, **changes: Any) -> PackageContent:
    findings = [
        dataclasses.replace(f, **changes) if f.uid == label_uid else f for f in content.findings
    ]
    return dataclasses.replace(content, findings=findings)


def _csaf_status(doc: dict[str, Any], uid: str) -> set[str]:
    (vuln,) = (v for v in doc["vulnerabilities"] if v["ids"][0]["text"] == uid)
    return set(vuln["product_status"])


def _vex_status(doc: dict[str, Any], uid: str) -> set[str]:
    return {
        s["status"] for s in doc["statements"] if s["vulnerability"]["@id"] == f"urn:uuid:{uid}"
    }


@pytest.mark.parametrize("label", APPROVED)
@pytest.mark.parametrize("state", ["draft", "confirmed", "disputed"])
def test_an_unapproved_finding_is_only_under_investigation(
    built: Built, label: str, state: str
) -> None:
    uid = built.uids[label]
    content = _with(built.full, uid, status=state, approved_by=None)
    advisory = csaf.build(content)
    vex = openvex.build(content)
    assert vex is not None
    assert _csaf_status(advisory, uid) == {"under_investigation"}
    assert _vex_status(vex, uid) == {"under_investigation"}
    (vuln,) = (v for v in advisory["vulnerabilities"] if v["ids"][0]["text"] == uid)
    note = {n["title"]: n["text"] for n in vuln["notes"]}["VEX assessment"]
    assert f"The finding is {state}, not approved" in note
    assert "flags" not in vuln  # no justification asserted either
    # The approved finding itself asserts its recorded status.
    assert _vex_status(openvex.build(built.full) or {}, uid) >= {label}


@pytest.mark.parametrize(
    ("review_status", "settle", "expected"),
    [
        ("intake", True, "draft"),
        ("in_review", True, "draft"),
        ("findings_drafted", True, "draft"),
        ("approved", False, "interim"),  # findings still under investigation
        ("approved", True, "final"),
        ("exported", True, "final"),
        ("closed", False, "interim"),
    ],
)
def test_document_status_follows_the_review(
    built: Built, review_status: str, settle: bool, expected: str
) -> None:
    content = built.full
    if settle:  # only the approved, settled findings remain
        kept = [f for f in content.findings if f.kind != "vulnerability" or f.status == "approved"]
        content = dataclasses.replace(content, findings=kept)
    content = dataclasses.replace(
        content, review=dataclasses.replace(content.review, status=review_status)
    )
    assert csaf.build(content)["document"]["tracking"]["status"] == expected


def test_re_export_is_version_2_with_both_revisions(built: Built) -> None:
    first = csaf.build(built.full)
    second_content = dataclasses.replace(
        built.full,
        package_id="6c2a1f0e-5b8d-4c3e-9f7a-1d2e3f4a5b6c",
        created=LATER,
        earlier=((PACKAGE_ID, CREATED),),
    )
    second = csaf.build(second_content)
    a, b = first["document"]["tracking"], second["document"]["tracking"]
    assert a["id"] == b["id"] == f"RS-REVIEW-{built.full.review.uid}"
    assert (a["version"], b["version"]) == ("1", "2")
    assert [r["number"] for r in b["revision_history"]] == ["1", "2"]
    assert [r["date"] for r in b["revision_history"]] == [CREATED, LATER]
    assert PACKAGE_ID in b["revision_history"][0]["summary"]
    assert b["initial_release_date"] == CREATED
    assert b["current_release_date"] == LATER
    vex_a, vex_b = openvex.build(built.full), openvex.build(second_content)
    assert vex_a is not None and vex_b is not None
    assert vex_a["@id"] == vex_b["@id"]
    assert (vex_a["version"], vex_b["version"]) == (1, 2)
    bom_a, bom_b = cyclonedx.build(built.full), cyclonedx.build(second_content)
    assert bom_a["serialNumber"] == bom_b["serialNumber"]
    assert (bom_a["version"], bom_b["version"]) == (1, 2)
    other_review = dataclasses.replace(
        built.capability_only, package_id=PACKAGE_ID, created=CREATED
    )
    assert cyclonedx.build(other_review)["serialNumber"] != bom_a["serialNumber"]
    assert csaf.build(other_review)["document"]["tracking"]["id"] != a["id"]


def test_publisher_is_the_vaults(built: Built) -> None:
    publisher = Publisher(
        "Example AI Safety Institute", "https://aisi.example", "psirt@x", "coordinator"
    )
    content = dataclasses.replace(built.full, publisher=publisher)
    document = csaf.build(content)["document"]
    assert document["publisher"]["name"] == "Example AI Safety Institute"
    assert document["publisher"]["namespace"] == "https://aisi.example"
    assert document["publisher"]["category"] == "coordinator"
    assert document["publisher"]["contact_details"].startswith("psirt@x Exported by")
    vex = openvex.build(content)
    assert vex is not None and vex["author"] == "Example AI Safety Institute"
    # Unset: the vault's own urn, different for every vault, and never a hostname.
    other = dataclasses.replace(built.full, vault_id="2d0c0a35-1b1e-4a51-8b55-7a1c2b3d4e5f")
    namespaces = {csaf.build(c)["document"]["publisher"]["namespace"] for c in (built.full, other)}
    assert namespaces == {f"urn:uuid:{built.full.vault_id}", f"urn:uuid:{other.vault_id}"}


def test_still_schema_valid_and_mandatory_clean_in_every_state(
    built: Built, validators: dict[str, Validator]
) -> None:
    from reviewstation.formats.csaf_checks import mandatory_problems

    for state in ("draft", "approved"):
        finding: Finding = next(f for f in built.full.findings if f.uid == built.uids["fixed"])
        content = _with(
            built.full, finding.uid, status=state, approved_by=None if state == "draft" else "lena"
        )
        content = dataclasses.replace(content, earlier=((PACKAGE_ID, "2026-11-01T00:00:00Z"),))
        doc = csaf.build(content)
        assert errors(validators["csaf"], doc) == []
        assert mandatory_problems(doc) == []
        vex = openvex.build(content)
        assert vex is not None
        assert errors(validators["openvex"], vex) == []
        openvex.self_check(vex)


# Optional-test warnings the data cannot avoid: 6.2.3 (CSAF 2.0 scores hold CVSS v2/v3, the
# findings carry v4.0), 6.2.11 (an unpublished document has no canonical https URL), and 6.2.16
# for a product whose finding records no purl or CPE.
UNAVOIDABLE = {"optionalTest_6_2_3", "optionalTest_6_2_11", "optionalTest_6_2_16"}
VALIDATOR = os.environ.get("RS_CSAF_VALIDATOR_LIB", "")
SCRIPT = """
import validate from '{lib}/validate.js'
import * as schema from '{lib}/schemaTests.js'
import * as mandatory from '{lib}/mandatoryTests.js'
import * as optional from '{lib}/optionalTests.js'
import fs from 'fs'
const doc = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const tests = [...Object.values(schema), ...Object.values(mandatory), ...Object.values(optional)]
const r = await validate(tests, doc)
console.log(JSON.stringify(r.tests.map(t => ({{name: t.name, errors: t.errors,
  warnings: t.warnings}}))))
"""


@pytest.mark.skipif(
    not VALIDATOR,
    reason="set RS_CSAF_VALIDATOR_LIB to @secvisogram/csaf-validator-lib (npm; needs node)",
)
def test_secvisogram_mandatory_and_optional_tests(built: Built, tmp_path: Path) -> None:
    script = tmp_path / "check.mjs"
    script.write_text(SCRIPT.format(lib=Path(VALIDATOR).resolve().as_posix()))
    settled = dataclasses.replace(
        built.full, review=dataclasses.replace(built.full.review, status="approved")
    )
    for content in (built.full, settled, built.empty):
        doc = tmp_path / "doc.json"
        doc.write_text(json.dumps(csaf.build(content)))
        run = subprocess.run(
            ["node", str(script), str(doc)], capture_output=True, text=True, timeout=120, check=True
        )
        results = json.loads(run.stdout)
        assert [(t["name"], t["errors"]) for t in results if t["errors"]] == []
        warned = {t["name"] for t in results if t["warnings"]}
        assert warned <= UNAVOIDABLE, [t for t in results if t["warnings"]]


def test_only_the_unavoidable_optional_warnings(built: Built) -> None:
    """ReviewStation's own subset of the optional tests: what remains is 6.2.3 (no CVSS v3
    score) and 6.2.16 for the product nobody recorded a purl or CPE for."""
    from reviewstation.formats.csaf_checks import optional_problems

    for content in (built.full, built.capability_only, built.empty):
        problems = optional_problems(csaf.build(content))
        assert {p.test for p in problems} <= {"6.2.3", "6.2.16"}, problems
    helperless = [p for p in optional_problems(csaf.build(built.full)) if p.test == "6.2.16"]
    assert len(helperless) == 2  # the unnamed product and Contoso Gateway: no purl or CPE


OPTIONAL_CASES = [
    ("6.2.1", lambda d: d["product_tree"]["full_product_names"].append(
        {"name": "spare", "product_id": "CSAFPID-SPARE"})),
    ("6.2.2", lambda d: d["vulnerabilities"][0].pop("remediations")),
    ("6.2.7", lambda d: d["vulnerabilities"][0]["involvements"][0].pop("date")),
    ("6.2.10", lambda d: d["document"]["distribution"].pop("tlp")),
    ("6.2.13", lambda d: d["document"].update({"aaa_first": 1})),
    ("6.2.17", lambda d: d["vulnerabilities"][0]["ids"].append(
        {"system_name": "x", "text": "CVE-2026-0001"})),
    ("6.2.18", lambda d: next(
        b for _, b in _walk_branches(d) if b["category"] == "product_version_range"
    ).update({"name": ">=1.0|<1.3"})),
]  # fmt: skip


def _walk_branches(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []

    def walk(branches: list[dict[str, Any]]) -> None:
        for branch in branches:
            out.append(("", branch))
            walk(branch.get("branches", []))

    walk(doc["product_tree"]["branches"])
    return out


@pytest.mark.parametrize(("test", "spoil"), OPTIONAL_CASES, ids=[c[0] for c in OPTIONAL_CASES])
def test_each_optional_check_sees_its_warning(built: Built, test: str, spoil: Any) -> None:
    from reviewstation.formats.csaf_checks import optional_problems

    doc = json.loads(json.dumps(csaf.build(built.full)))
    before = {p.test for p in optional_problems(doc)}
    assert test not in before
    spoil(doc)
    assert test in {p.test for p in optional_problems(doc)}
