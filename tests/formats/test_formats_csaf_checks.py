"""The CSAF 2.0 mandatory tests that ReviewStation implements, each shown failing once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema.protocols import Validator

from reviewstation.formats.csaf_checks import mandatory_problems

from .conftest import errors

Doc = dict[str, Any]
DATE = "2026-11-23T19:20:32Z"
LATER = "2026-11-24T08:00:00Z"
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def base() -> Doc:
    """A small csaf_vex document that passes every implemented test."""
    return {
        "document": {
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "title": "t",
            "lang": "en",
            "publisher": {"category": "other", "name": "n", "namespace": "urn:reviewstation"},
            "tracking": {
                "id": "pkg-1",
                "version": "2",
                "status": "final",
                "initial_release_date": DATE,
                "current_release_date": LATER,
                "revision_history": [
                    {"date": DATE, "number": "1", "summary": "first"},
                    {"date": LATER, "number": "2", "summary": "second"},
                ],
            },
        },
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "Foo",
                    "branches": [
                        {
                            "category": "product_name",
                            "name": "libfoo",
                            "branches": [
                                {
                                    "category": "product_version",
                                    "name": "1.2",
                                    "product": {
                                        "name": "Foo libfoo 1.2",
                                        "product_id": "P1",
                                        "product_identification_helper": {
                                            "purl": "pkg:pypi/libfoo@1.2"
                                        },
                                    },
                                }
                            ],
                        }
                    ],
                }
            ],
            "full_product_names": [{"name": "Bar 2", "product_id": "P2"}],
            "product_groups": [{"group_id": "G1", "product_ids": ["P1", "P2"]}],
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2026-0001",
                "cwe": {"id": "CWE-787", "name": "Out-of-bounds Write"},
                "notes": [{"category": "description", "text": "d"}],
                "product_status": {"known_affected": ["P1"], "known_not_affected": ["P2"]},
                "remediations": [
                    {"category": "none_available", "details": "none", "product_ids": ["P1"]}
                ],
                "flags": [{"label": "component_not_present", "product_ids": ["P2"]}],
                "scores": [
                    {
                        "products": ["P1"],
                        "cvss_v3": {
                            "version": "3.1",
                            "vectorString": V31,
                            "baseScore": 9.8,
                            "baseSeverity": "CRITICAL",
                            "attackVector": "NETWORK",
                        },
                    }
                ],
                "involvements": [{"party": "vendor", "status": "open", "date": DATE}],
            },
            {
                "cve": "CVE-2026-0002",
                "notes": [{"category": "description", "text": "d"}],
                "product_status": {"under_investigation": ["P1"]},
            },
        ],
    }


def _set(path: str, value: Any) -> Callable[[Doc], None]:
    """A mutation that sets the value at a slash-separated path."""

    def apply(doc: Doc) -> None:
        *parents, last = path.split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return apply


def _delete(path: str) -> Callable[[Doc], None]:
    def apply(doc: Doc) -> None:
        *parents, last = path.split("/")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[last]

    return apply


def _append_product(doc: Doc) -> None:
    doc["product_tree"]["full_product_names"].append({"name": "again", "product_id": "P1"})


def _circular(doc: Doc) -> None:
    doc["product_tree"]["relationships"] = [
        {
            "category": "installed_on",
            "product_reference": "P1",
            "relates_to_product_reference": "P3",
            "full_product_name": {"name": "P1 on P3", "product_id": "P3"},
        }
    ]


def _second_group(doc: Doc) -> None:
    doc["product_tree"]["product_groups"].append({"group_id": "G1", "product_ids": ["P1", "P2"]})


def _second_score(doc: Doc) -> None:
    scores = doc["vulnerabilities"][0]["scores"]
    scores.append(copy.deepcopy(scores[0]))


def _second_flag(doc: Doc) -> None:
    doc["vulnerabilities"][0]["flags"].append(
        {"label": "vulnerable_code_not_present", "group_ids": ["G1"]}
    )


def _repeat_hash(doc: Doc) -> None:
    doc["product_tree"]["full_product_names"][0]["product_identification_helper"] = {
        "hashes": [
            {
                "filename": "bar.bin",
                "file_hashes": [
                    {"algorithm": "sha256", "value": "a" * 64},
                    {"algorithm": "sha256", "value": "b" * 64},
                ],
            }
        ]
    }


def _semver(version: str, *numbers: str) -> Callable[[Doc], None]:
    """Switch the document to semantic versioning: this version, these revision numbers."""

    def apply(doc: Doc) -> None:
        tracking = doc["document"]["tracking"]
        tracking["version"] = version
        tracking["revision_history"] = [
            {"date": f"2026-11-{10 + i}T00:00:00Z", "number": number, "summary": "s"}
            for i, number in enumerate(numbers)
        ]

    return apply


PRODUCT_VERSION = "product_tree/branches/0/branches/0/branches/0"
VULN = "vulnerabilities/0"
CVSS = f"{VULN}/scores/0/cvss_v3"
HISTORY = "document/tracking/revision_history"

CASES: list[tuple[str, Callable[[Doc], None]]] = [
    ("6.1.1", _set(f"{VULN}/product_status/known_affected", ["P9"])),
    ("6.1.2", _append_product),
    ("6.1.3", _circular),
    ("6.1.4", _set(f"{VULN}/flags/0/group_ids", ["G9"])),
    ("6.1.5", _second_group),
    ("6.1.6", _set(f"{VULN}/product_status/fixed", ["P1"])),
    ("6.1.7", _second_score),
    ("6.1.8", _set(f"{CVSS}/vectorString", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
    ("6.1.9", _set(f"{CVSS}/baseScore", 7.5)),
    ("6.1.10", _set(f"{CVSS}/attackVector", "LOCAL")),
    ("6.1.11", _set(f"{VULN}/cwe/name", "Heap overflow")),
    ("6.1.13", _set(f"{PRODUCT_VERSION}/product/product_identification_helper/purl", "pkg:x")),
    ("6.1.14", _set(f"{HISTORY}/0/date", "2026-11-25T00:00:00Z")),
    ("6.1.15", _set("document/publisher/category", "translator")),
    ("6.1.16", _set("document/tracking/version", "1")),
    ("6.1.17", _semver("2.0.0-rc1", "1.0.0", "2.0.0")),
    ("6.1.18", _set(f"{HISTORY}/0/number", "0")),
    ("6.1.19", _semver("2.0.0", "1.0.0-rc1", "1.0.0", "2.0.0")),
    ("6.1.20", _semver("2.0.0-rc1", "1.0.0", "2.0.0-rc1")),
    ("6.1.21", _set(f"{HISTORY}/1/number", "3")),
    ("6.1.22", _set(f"{HISTORY}/1/number", "1")),
    ("6.1.23", _set("vulnerabilities/1/cve", "CVE-2026-0001")),
    ("6.1.24", _set(f"{VULN}/involvements", [{"party": "vendor", "status": "open"}] * 2)),
    ("6.1.25", _repeat_hash),
    ("6.1.26", _set("document/category", "CSAF_VEX")),
    ("6.1.27.1", _set("document/category", "csaf_informational_advisory")),
    ("6.1.27.2", _set("document/category", "csaf_informational_advisory")),
    ("6.1.27.3", _set("document/category", "csaf_informational_advisory")),
    ("6.1.27.4", _delete("product_tree")),
    ("6.1.27.5", _delete(f"{VULN}/notes")),
    ("6.1.27.6", _set(f"{VULN}/product_status", {})),
    ("6.1.27.7", _set(f"{VULN}/product_status", {"first_affected": ["P1"]})),
    ("6.1.27.8", _delete(f"{VULN}/cve")),
    ("6.1.27.9", _delete(f"{VULN}/flags")),
    ("6.1.27.10", _delete(f"{VULN}/remediations")),
    ("6.1.27.11", _delete("vulnerabilities")),
    ("6.1.28", _set("document/source_lang", "en")),
    ("6.1.29", _set(f"{VULN}/remediations/0", {"category": "mitigation", "details": "x"})),
    ("6.1.30", _set(f"{HISTORY}/1/number", "2.0.0")),
    ("6.1.31", _set(f"{PRODUCT_VERSION}/name", "<1.3")),
    ("6.1.32", _set(f"{VULN}/flags/0", {"label": "component_not_present"})),
    ("6.1.33", _second_flag),
]
# Tests of other profiles than csaf_vex need the document in that profile first.
PROFILE = {"6.1.27.6": "csaf_security_advisory"}


def test_the_base_document_is_valid_and_clean(validators: dict[str, Validator]) -> None:
    doc = base()
    assert errors(validators["csaf"], doc) == []
    assert mandatory_problems(doc) == []
    _semver("2.1.0", "1.0.0", "2.0.0", "2.1.0")(doc)
    assert mandatory_problems(doc) == []


@pytest.mark.parametrize(("test", "mutate"), CASES, ids=[c[0] for c in CASES])
def test_each_mandatory_test_fails_when_it_should(test: str, mutate: Callable[[Doc], None]) -> None:
    doc = base()
    if test in PROFILE:
        doc["document"]["category"] = PROFILE[test]
    mutate(doc)
    found = {p.test for p in mandatory_problems(doc)}
    assert test in found, f"{test} not reported; got {sorted(found)}"


def test_problems_name_a_pointer_and_are_sorted() -> None:
    doc = base()
    doc["vulnerabilities"][0]["product_status"]["known_affected"] = ["P9"]
    doc["vulnerabilities"][1]["product_status"]["under_investigation"] = ["P8"]
    problems = mandatory_problems(doc)
    missing = [p for p in problems if p.test == "6.1.1"]
    assert [p.path for p in missing] == [
        "/vulnerabilities/0/product_status/known_affected/0",
        "/vulnerabilities/1/product_status/under_investigation/0",
    ]
    assert problems == sorted(problems, key=lambda p: (p.test, p.path, p.message))


def test_hostile_shapes_do_not_crash() -> None:
    """The checker reads documents from elsewhere too: wrong types are problems or ignored."""
    docs: list[Doc] = [
        {},
        {"document": [], "vulnerabilities": {}},
        {"product_tree": {"branches": [1, "x", {"branches": None}]}},
        {"product_tree": {"relationships": [None, {"full_product_name": []}]}},
        {"vulnerabilities": [None, {"product_status": {"fixed": "P1"}}]},
        {
            "vulnerabilities": [
                {
                    "product_status": {"known_affected": [["P1"], {"x": 1}]},
                    "involvements": [None, 3],
                    "threats": ["impact"],
                    "flags": [{"group_ids": [[1]], "product_ids": [{}]}],
                    "scores": [{"cvss_v3": {"version": "3.1", "vectorString": "CVSS:3.1/XX"}}],
                }
            ],
            "document": {"tracking": {"version": 7, "revision_history": [{"number": None}]}},
        },
    ]
    for doc in docs:
        mandatory_problems(doc)


# CVSS 3.1 with temporal metrics. Scores from FIRST's CVSS v3.1 specification formulas
# (section 7.2/7.3): base 9.8; temporal = roundup(9.8 x 0.91 (E:U) x 0.95 (RL:O) x 1 (RC:C))
# = 8.5; environmental with no environmental metric set = 8.5.
V31_TEMPORAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C"


def _v31_temporal(**change: object) -> Doc:
    doc = base()
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"] = {
        "version": "3.1",
        "vectorString": V31_TEMPORAL,
        "baseScore": 9.8,
        "baseSeverity": "CRITICAL",
        "temporalScore": 8.5,
        "temporalSeverity": "HIGH",
        "environmentalScore": 8.5,
        "environmentalSeverity": "HIGH",
        **change,
    }
    return doc


def test_cvss31_scores_are_checked_under_their_own_names(
    validators: dict[str, Validator],
) -> None:
    doc = _v31_temporal()
    assert errors(validators["csaf"], doc) == []
    assert mandatory_problems(doc) == []
    for change in (
        {"baseScore": 8.5, "baseSeverity": "HIGH"},  # the temporal score named "base"
        {"temporalScore": 9.8, "temporalSeverity": "CRITICAL"},  # the base named "temporal"
        {"environmentalScore": 9.8},
        {"temporalSeverity": "CRITICAL"},
    ):
        found = [p for p in mandatory_problems(_v31_temporal(**change)) if p.test == "6.1.9"]
        assert found, change
