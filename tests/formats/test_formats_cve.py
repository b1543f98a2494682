"""cve/<finding uid>.json: CVE JSON 5.1.1 records, valid against the official schema, that say
what the reviewers know and nothing they do not (docs/formats/package-members.md)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from jsonschema.protocols import Validator

from reviewstation import formats
from reviewstation.findings import vers
from reviewstation.findings.service import Finding
from reviewstation.formats import csaf, cve
from reviewstation.formats.common import FormatCheckError
from reviewstation.package_content import PackageContent
from reviewstation.packages import members

from .conftest import CVSS_HIGH, REPOSITORY, Built, errors


def _only(content: PackageContent, uid: str, **changes: Any) -> tuple[PackageContent, Finding]:
    """The content with one finding changed; that finding."""
    findings = [replace(f, **changes) if f.uid == uid else f for f in content.findings]
    changed = replace(content, findings=findings)
    return changed, next(f for f in findings if f.uid == uid)


def _cna(record: dict[str, Any]) -> dict[str, Any]:
    cna = record["containers"]["cna"]
    assert isinstance(cna, dict)
    return cna


@pytest.mark.parametrize(
    ("label", "status", "exported"),
    [
        ("affected", "draft", False),  # a claim only once a second person approved it
        ("affected", "confirmed", False),
        ("affected", "approved", True),
        ("affected", "disputed", False),  # the reviewers do not agree it is one
        ("fixed", "confirmed", False),
        ("fixed", "approved", True),
        ("not_affected", "approved", False),  # no vulnerability of the product
        ("under_investigation", "approved", False),  # not established yet
        ("unassessed", "approved", False),  # no VEX status: under investigation
        ("capability", "approved", False),
        ("safeguard", "approved", False),
    ],
)
def test_one_record_per_established_vulnerability(
    built: Built, label: str, status: str, exported: bool
) -> None:
    uid = built.uids[label]
    content, _ = _only(built.full, uid, status=status)
    names = set(cve.build(content))
    assert (f"cve/{uid}.json" in names) is exported
    assert (f"cve/{uid}.json" in formats.documents(content)) is exported


def test_no_records_without_vulnerabilities(built: Built) -> None:
    assert cve.build(built.capability_only) == {}
    assert cve.build(built.empty) == {}
    assert not any(n.startswith("cve/") for n in formats.documents(built.capability_only))


LONG_BODY = "Der Überlauf in der Zerlegung 解析器 — " * 600  # > 16384 characters
# (case, finding, changes): each variant's records are validated.
VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("as recorded", "affected", {}),
    ("fixed, threat/environmental", "fixed", {}),
    ("long title", "affected", {"title": "Überlauf " * 60}),
    ("long non-Latin body", "affected", {"body": LONG_BODY}),
    ("empty body", "affected", {"body": ""}),
    ("six-digit CWE", "affected", {"cwe": "CWE-123456"}),
    ("range", "affected", {"versions": ">=2.0, <2.4", "product_id": "pkg:npm/%40acme/lib"}),
    ("inclusive range", "affected", {"versions": "<=3.1", "product_id": ""}),
    ("free-text versions", "affected", {"versions": "all before the 2026 rewrite"}),
    (
        "nothing named",
        "affected",
        {"vendor": "", "product": "", "versions": "", "product_id": ""},
    ),
    ("maven", "affected", {"product_id": "pkg:maven/org.acme/widget@2.1", "versions": ""}),
    ("CVE id", "affected", {"cve_id": "CVE-2026-54321", "disclosure": "cve_assigned"}),
    (
        "no location",
        "affected",
        {
            "file_path": None,
            "start_line": None,
            "end_line": None,
            "function_name": None,
            "commit_id": None,
            "repository": None,
        },
    ),
    ("no CVSS", "affected", {"cvss_vector": None, "cvss_score": None}),
]


@pytest.mark.parametrize(("case", "label", "changes"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_every_record_is_valid_against_the_official_schema(
    built: Built, validators: dict[str, Validator], case: str, label: str, changes: Any
) -> None:
    content, finding = _only(built.full, built.uids[label], **changes)
    records = cve.build(content)
    assert records
    for name, record in records.items():
        assert errors(validators["cve"], record) == [], (case, name)
        cve.self_check(name, record)
        # What goes into the package: the same record, as UTF-8 JSON.
        assert json.loads(formats.dumps(record)) == record
    cna = _cna(records[f"cve/{finding.uid}.json"])
    assert len(cna["title"]) <= 256
    assert all(len(d["value"]) <= 4096 for d in cna["descriptions"])


def test_the_validator_refuses_a_broken_record(
    built: Built, validators: dict[str, Validator]
) -> None:
    """The schema test above is real: the same validator refuses what the schema forbids."""
    record = cve.build(built.full)[f"cve/{built.uids['affected']}.json"]
    for path, value in (
        (("cveMetadata", "state"), "RESERVED"),
        (("cveMetadata", "cveId"), "CVE-XXXX-1"),
        (("containers", "cna", "references"), []),
        (("containers", "cna", "descriptions"), [{"lang": "de", "value": "nur Deutsch"}]),
        (("containers", "cna", "marking"), "CUI"),  # not x_: not allowed
    ):
        broken = json.loads(json.dumps(record))
        target = broken
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        assert errors(validators["cve"], broken), path


def test_the_affected_product_and_where_it_lies(built: Built) -> None:
    record = cve.build(built.full)[f"cve/{built.uids['affected']}.json"]
    (product,) = _cna(record)["affected"]
    assert product == {
        "vendor": "Foo Project",
        "product": "libfoo",
        "collectionURL": "https://pypi.python.org",
        "packageName": "libfoo",
        "programRoutines": [{"name": "parse_header"}],
        "programFiles": ["src/parse r/héap.c"],
        "repo": REPOSITORY,
        "defaultStatus": "unknown",
        # The affected range as recorded (vers:pypi/>=1.0|<1.3), not only the version seen.
        "versions": [
            {"version": "1.0", "status": "affected", "versionType": "python", "lessThan": "1.3"}
        ],
    }
    fixed = cve.build(built.full)[f"cve/{built.uids['fixed']}.json"]
    (product,) = _cna(fixed)["affected"]
    assert product["cpes"] == ["cpe:2.3:a:acme:widget:3.1:*:*:*:*:*:*:*"]
    assert (product["vendor"], product["product"]) == ("acme", "widget")
    # VEX fixed, recorded as vers ranges (<3.1.1 affected, >=3.1.1 fixed): the record says
    # exactly those, never "3.1 unaffected" from the CPE's version (3.1 is < 3.1.1).
    assert product["versions"] == [
        {"version": "0", "status": "affected", "versionType": "custom", "lessThan": "3.1.1"},
        {"version": "3.1.1", "status": "unaffected", "versionType": "custom", "lessThan": "*"},
    ]


def _v1(version: str) -> dict[str, Any]:
    return {"version": version, "status": "affected"}


@pytest.mark.parametrize(
    ("versions", "product_id", "expected"),
    [
        ("1.2", "", [{"version": "1.2", "status": "affected"}]),
        (
            ">=2.0, <2.4",
            "pkg:npm/lib",
            [{"version": "2.0", "status": "affected", "versionType": "semver", "lessThan": "2.4"}],
        ),
        (
            "<=3.1",
            "pkg:pypi/lib",
            [
                {
                    "version": "0",
                    "status": "affected",
                    "versionType": "python",
                    "lessThanOrEqual": "3.1",
                }
            ],
        ),
        (
            "< 5",
            "",
            [{"version": "0", "status": "affected", "versionType": "custom", "lessThan": "5"}],
        ),
        ("all before the rewrite", "", None),
        ("1.2, 1.3", "", [_v1("1.2"), _v1("1.3")]),
        ("> 1.0", "", None),  # an exclusive lower bound: CVE cannot say it, so it says nothing
        ("", "", None),
    ],
)
def test_versions_say_no_more_than_was_recorded(
    built: Built, versions: str, product_id: str, expected: list[dict[str, Any]] | None
) -> None:
    uid = built.uids["affected"]
    content, _ = _only(
        built.full,
        uid,
        versions=versions,
        product_id=product_id,
        affected_versions="",  # no vers range recorded: the version text is all there is
        fixed_versions="",
    )
    (product,) = _cna(cve.build(content)[f"cve/{uid}.json"])["affected"]
    assert product["defaultStatus"] == "unknown"  # other versions: not known
    assert product.get("versions") == expected
    extra = _cna(cve.build(content)[f"cve/{uid}.json"])["x_reviewstation"]
    assert extra.get("versions") == (versions or None)


@pytest.mark.parametrize(
    ("product_id", "collection", "package"),
    [
        ("pkg:pypi/libfoo@1.2", "https://pypi.python.org", "libfoo"),
        ("pkg:npm/%40acme/lib@1.0", "https://registry.npmjs.org", "@acme/lib"),
        (
            "pkg:maven/org.acme/widget@2.1",
            "https://repo.maven.apache.org/maven2",
            "org.acme:widget",
        ),
        (
            "pkg:golang/github.com/acme/tool@v1.0.0",
            "https://golang.org/pkg",
            "github.com/acme/tool",
        ),
        ("pkg:generic/thing@1", None, None),  # no package collection the schema names
    ],
)
def test_purl_becomes_collection_and_package_name(
    built: Built, product_id: str, collection: str | None, package: str | None
) -> None:
    uid = built.uids["affected"]
    content, _ = _only(built.full, uid, product_id=product_id)
    (product,) = _cna(cve.build(content)[f"cve/{uid}.json"])["affected"]
    assert product.get("collectionURL") == collection
    assert product.get("packageName") == package
    assert "packageURL" not in product  # CVE 5.2's purl field: not verified, not written


def test_cvss_v4_base_score_and_named_scores(built: Built) -> None:
    record = cve.build(built.full)[f"cve/{built.uids['fixed']}.json"]
    cna = _cna(record)
    (metric,) = cna["metrics"]
    score = metric["cvssV4_0"]
    assert score["vectorString"] == CVSS_HIGH
    # FIRST's calculator: CVSS-B 8.5, CVSS-BT 5.9, CVSS-BTE 8.9. baseScore is CVSS-B; CVE
    # 5.1.1 has no property for the others, so they are named in x_reviewstation.
    assert (score["baseScore"], score["baseSeverity"]) == (8.5, "HIGH")
    assert "threatScore" not in score and "environmentalScore" not in score
    assert score["exploitMaturity"] == "UNREPORTED"
    assert score["modifiedSubConfidentialityImpact"] == "HIGH"
    assert score["modifiedSubIntegrityImpact"] == "SAFETY"
    assert cna["x_reviewstation"]["cvss"] == {"CVSS-B": 8.5, "CVSS-BT": 5.9, "CVSS-BTE": 8.9}


def test_cwe_problem_types(built: Built) -> None:
    record = cve.build(built.full)[f"cve/{built.uids['affected']}.json"]
    assert _cna(record)["problemTypes"] == [
        {
            "descriptions": [
                {
                    "lang": "en",
                    "description": "CWE-787 Out-of-bounds Write",
                    "type": "CWE",
                    "cweId": "CWE-787",
                }
            ]
        }
    ]
    uid = built.uids["affected"]
    content, _ = _only(built.full, uid, cwe="CWE-123456")
    (entry,) = _cna(cve.build(content)[f"cve/{uid}.json"])["problemTypes"][0]["descriptions"]
    assert entry == {"lang": "en", "description": "CWE-123456", "type": "CWE"}  # cweId: max 9
    content, _ = _only(built.full, uid, cwe=None)
    assert "problemTypes" not in _cna(cve.build(content)[f"cve/{uid}.json"])


def test_placeholders_are_named_and_no_date_is_invented(built: Built) -> None:
    records = cve.build(built.full)
    affected = records[f"cve/{built.uids['affected']}.json"]
    assert affected["cveMetadata"] == {
        "cveId": "CVE-0000-0000",
        "assignerOrgId": "00000000-0000-4000-8000-000000000000",
        "state": "PUBLISHED",
    }
    assert _cna(affected)["x_reviewstation"]["placeholders"] == [
        "cveMetadata.cveId",
        "cveMetadata.assignerOrgId",
        "containers.cna.providerMetadata.orgId",
    ]
    fixed = records[f"cve/{built.uids['fixed']}.json"]
    assert fixed["cveMetadata"]["cveId"] == "CVE-2026-12345"
    assert "cveMetadata.cveId" not in _cna(fixed)["x_reviewstation"]["placeholders"]
    text = json.dumps(records)
    for key in ("dateAssigned", "datePublic", "datePublished", "dateReserved", "dateUpdated"):
        assert key not in text


def test_marking_is_carried_and_read_by_verification(built: Built) -> None:
    for name, record in cve.build(built.full).items():
        assert _cna(record)["x_marking"] == built.full.marking
        assert members.member_markings(name, formats.dumps(record)) == [built.full.marking]
    uid = built.uids["not_affected"]
    content, _ = _only(built.full, uid, vex_status="affected")
    record = cve.build(content)[f"cve/{uid}.json"]
    assert _cna(record)["x_reviewstation"]["portionMarking"] == "U"


def test_self_check_refuses_a_record_without_its_marking(built: Built) -> None:
    name, record = next(iter(cve.build(built.full).items()))
    del record["containers"]["cna"]["x_marking"]
    with pytest.raises(FormatCheckError, match="carries no marking"):
        cve.self_check(name, record)


def test_deterministic(built: Built) -> None:
    assert formats.render(built.full) == formats.render(built.full)


@pytest.mark.parametrize("marking", ["UNCLASSIFIED", "CUI", "SECRET//NOFORN", "TOP SECRET//SCI"])
def test_records_at_every_marking_stay_valid_and_say_it(
    built: Built, validators: dict[str, Validator], marking: str
) -> None:
    content = replace(built.full, marking=marking)
    for name, record in cve.build(content).items():
        assert errors(validators["cve"], record) == [], name
        assert _cna(record)["x_marking"] == marking
        assert members.member_markings(name, formats.dumps(record)) == [marking]


# (changes, title, description, media): the finding's text keeps its portion mark in every
# place the record carries it (title, description, supporting media), within the schema's
# limits; shortened text still starts with the mark.
PORTIONS: list[tuple[dict[str, Any], str, str, str | None]] = [
    (
        {},
        "(CUI) Heap overflow in libfoo's parser",
        "(CUI) The model wrote a working exploit for a heap overflow in libfoo.",
        "(CUI) The model wrote a working exploit for a heap overflow in libfoo.",
    ),
    (
        {"body": ""},
        "(CUI) Heap overflow in libfoo's parser",
        "(CUI) Heap overflow in libfoo's parser",
        None,
    ),
    (
        {"portion_marking": "U", "body": "x"},
        "(U) Heap overflow in libfoo's parser",
        "(U) x",
        "(U) x",
    ),
    ({"title": "Ü" * 500}, "(CUI) " + "Ü" * 249 + "…", "(CUI) The model", "(CUI) The model"),
    ({"body": "解" * 5000}, "(CUI) Heap", "(CUI) " + "解" * 10, "(CUI) " + "解" * 10),
    ({"body": "x" * 16384}, "(CUI) Heap", "(CUI) xxx", None),  # media over its limit: left out
]


@pytest.mark.parametrize(("changes", "title", "description", "media"), PORTIONS)
def test_finding_text_keeps_its_portion_mark(
    built: Built,
    validators: dict[str, Validator],
    changes: dict[str, Any],
    title: str,
    description: str,
    media: str | None,
) -> None:
    uid = built.uids["affected"]
    content, _ = _only(built.full, uid, **changes)
    record = cve.build(content)[f"cve/{uid}.json"]
    assert errors(validators["cve"], record) == []
    cna = _cna(record)
    assert cna["title"].startswith(title) and len(cna["title"]) <= 256
    (entry,) = cna["descriptions"]
    assert entry["value"].startswith(description) and len(entry["value"]) <= 4096
    if media is None:
        assert "supportingMedia" not in entry
    else:
        (item,) = entry["supportingMedia"]
        assert item["value"].startswith(media) and len(item["value"]) <= 16384


def _v(version: str, status: str = "affected", kind: str = "semver", **limit: str) -> Any:
    entry: dict[str, Any] = {"version": version, "status": status}
    if limit:
        entry["versionType"] = kind
        entry.update(limit)
    return entry


# (affected vers, fixed vers, CVE versions): the recorded ranges, each in CVE's terms; what
# CVE cannot say (an exclusive lower bound, an excluded version) is left out, never widened.
RANGES: list[tuple[str, str, list[dict[str, Any]] | None]] = [
    ("vers:semver/>=1.0.0|<1.3.0", "", [_v("1.0.0", lessThan="1.3.0")]),
    (
        "vers:semver/<1.3.0",
        "vers:semver/>=1.3.0",
        [_v("0", lessThan="1.3.0"), _v("1.3.0", "unaffected", lessThan="*")],
    ),
    (
        "vers:semver/1.2.0|1.4.0|>=2.0.0|<=2.1.0",
        "",
        [_v("1.2.0"), _v("1.4.0"), _v("2.0.0", lessThanOrEqual="2.1.0")],
    ),
    (
        "vers:semver/<1.0.0|>=1.2.0|<1.3.0|>=2.0.0",
        "",
        [_v("0", lessThan="1.0.0"), _v("1.2.0", lessThan="1.3.0"), _v("2.0.0", lessThan="*")],
    ),
    ("vers:npm/*", "", [_v("0", lessThan="*")]),
    ("vers:maven/>=2.0|<2.4", "", [_v("2.0", kind="maven", lessThan="2.4")]),
    ("vers:deb/>=1.0|<1.1", "", [_v("1.0", kind="deb", lessThan="1.1")]),
    ("vers:semver/>1.0.0", "", None),
    ("vers:semver/!=1.5.0", "", None),
    ("", "vers:semver/>=1.3.0", [_v("1.3.0", "unaffected", lessThan="*")]),
]


@pytest.mark.parametrize(("affected", "fixed", "expected"), RANGES)
def test_recorded_vers_ranges_become_cve_versions(
    built: Built,
    validators: dict[str, Validator],
    affected: str,
    fixed: str,
    expected: list[dict[str, Any]] | None,
) -> None:
    uid = built.uids["fixed"]
    content, _ = _only(built.full, uid, affected_versions=affected, fixed_versions=fixed)
    record = cve.build(content)[f"cve/{uid}.json"]
    assert errors(validators["cve"], record) == []
    (product,) = _cna(record)["affected"]
    assert product["defaultStatus"] == "unknown"
    assert product.get("versions") == expected
    extra = _cna(record)["x_reviewstation"]
    assert (extra.get("affectedVersions"), extra.get("fixedVersions")) == (
        affected or None,
        fixed or None,
    )


@pytest.mark.parametrize(
    ("repository", "repo"),
    [
        (REPOSITORY, REPOSITORY),
        ("ssh://git@git.example.org/foo.git", "ssh://git@git.example.org/foo.git"),
        # A local path means nothing to a CNA and names the reviewers' machines: not the
        # record's repo, only in x_reviewstation.
        ("file:///home/alice/src/libfoo.git", None),
    ],
)
def test_the_repo_is_one_a_cna_can_reach(built: Built, repository: str, repo: str | None) -> None:
    uid = built.uids["affected"]
    content, _ = _only(built.full, uid, repository=repository)
    cna = _cna(cve.build(content)[f"cve/{uid}.json"])
    (product,) = cna["affected"]
    assert product.get("repo") == repo
    assert cna["x_reviewstation"]["repository"] == repository


@pytest.mark.parametrize(
    "versions", [">=2.0, <2.4", "<= 3.1", "1.2, 1.3", "<2.0; >=1.0", "all before the rewrite"]
)
def test_csaf_and_cve_read_the_old_versions_field_alike(built: Built, versions: str) -> None:
    """One reading of the free-text versions field (``vers.legacy_range``) for both writers:
    the CSAF range branch names exactly the versions the CVE record lists."""
    uid = built.uids["affected"]
    content, _ = _only(
        built.full, uid, versions=versions, product_id="", affected_versions="", fixed_versions=""
    )
    (product,) = _cna(cve.build(content)[f"cve/{uid}.json"])["affected"]
    names = [
        branch["name"]
        for branch in _walk(csaf.build(content)["product_tree"]["branches"])
        if branch["category"] == "product_version_range"
    ]
    legacy = vers.legacy_range(versions)
    if legacy is None:
        assert "versions" not in product
        return
    assert legacy.text in names
    listed = {e["version"] for e in product["versions"]} | {
        e.get("lessThan") or e.get("lessThanOrEqual") for e in product["versions"]
    }
    assert {c.version for c in legacy} <= listed


def _walk(branches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for branch in branches:
        out.append(branch)
        out.extend(_walk(branch.get("branches", [])))
    return out
