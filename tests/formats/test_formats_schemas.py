"""The vendored schemas: pinned by hash, documented, and the validators built from them work."""

from __future__ import annotations

import hashlib

import pytest
from jsonschema.protocols import Validator

from .conftest import SCHEMAS, errors

PINNED = {
    "sarif-2.1.0/sarif-schema-2.1.0.json": (
        "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
    ),
    "csaf-2.0/csaf_json_schema.json": (
        "29c114b35b0a30831f1674f2ab8b3ed9b2890cfeaa63b924ac6ed9d70ef44262"
    ),
    "csaf-2.0/cvss-v2.0.json": "cd1a7c0815b7a47dc12fb7dded10622b96d562841f7bc6d2d8765c5d937a28f2",
    "csaf-2.0/cvss-v3.0.json": "b2b587e5dfa6d9a4be89e25cb593df04f14e7ffbe8fe5b167ceee17b6097d919",
    "csaf-2.0/cvss-v3.1.json": "77ff3df106e4588e2bb5c9cf0237f962c62d35c5002443c4bf7cc7ca16ee171f",
    "openvex-0.2.0/openvex_json_schema.json": (
        "9373597734ed1d3ea5161a8b46d3866c4a8cfe76fd632fdd16aef01fb34b3238"
    ),
    "cve-5.1.1/CVE_JSON_bundled_5.1.1.json": (
        "c5f31c951a2934858e0925d40eec81006c9daad554cad133e00bc181ca578c74"
    ),
}


@pytest.mark.parametrize(("name", "digest"), sorted(PINNED.items()))
def test_vendored_schema_is_unchanged(name: str, digest: str) -> None:
    assert hashlib.sha256((SCHEMAS / name).read_bytes()).hexdigest() == digest


def test_every_vendored_schema_is_pinned_and_documented() -> None:
    present = {str(p.relative_to(SCHEMAS)) for p in SCHEMAS.rglob("*.json")}
    assert present == set(PINNED)
    readme = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    for folder in {name.split("/")[0] for name in PINNED}:
        assert folder in readme
    assert "licen" in readme.lower()


def test_csaf_validator_resolves_the_cvss_schemas(validators: dict[str, Validator]) -> None:
    """A CVSS v3.1 score is checked against FIRST's schema, found locally by its URL."""
    document = {
        "document": {
            "category": "csaf_base",
            "csaf_version": "2.0",
            "title": "t",
            "publisher": {"category": "other", "name": "n", "namespace": "urn:reviewstation"},
            "tracking": {
                "id": "x",
                "version": "1",
                "status": "final",
                "initial_release_date": "2026-01-01T00:00:00Z",
                "current_release_date": "2026-01-01T00:00:00Z",
                "revision_history": [
                    {"date": "2026-01-01T00:00:00Z", "number": "1", "summary": "s"}
                ],
            },
        },
        "product_tree": {"full_product_names": [{"name": "p", "product_id": "P1"}]},
        "vulnerabilities": [
            {
                "scores": [
                    {
                        "products": ["P1"],
                        "cvss_v3": {
                            "version": "3.1",
                            "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                            "baseScore": 9.8,
                            "baseSeverity": "CRITICAL",
                        },
                    }
                ]
            }
        ],
    }
    assert errors(validators["csaf"], document) == []
    document["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"] = "SEVERE"  # type: ignore[index]
    assert errors(validators["csaf"], document)


def test_format_checking_is_active(validators: dict[str, Validator]) -> None:
    """The format checkers are installed: a malformed date-time is an error, not ignored."""
    assert not validators["openvex"].is_valid(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "urn:uuid:1",
            "author": "a",
            "timestamp": "yesterday",
            "version": 1,
            "statements": [{"vulnerability": {"name": "v"}, "status": "fixed"}],
        }
    )
