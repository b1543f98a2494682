"""The standard-format members together: determinism, purity, no keys, no withdrawn findings."""

from __future__ import annotations

import base64
import dataclasses
import json
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest

from reviewstation import formats
from reviewstation.formats import csaf, cyclonedx, openvex, sarif
from reviewstation.formats.common import live_findings, product_of
from reviewstation.package_content import PackageContent

from .conftest import CANARY, CREATED, PACKAGE_ID, Built

MEMBERS = {
    "findings.sarif",
    "vulnerabilities.csaf.json",
    "vulnerabilities.openvex.json",
    "artifacts.cdx.json",
}


def test_documents_names_every_member(built: Built) -> None:
    # One CVE record per vulnerability held affected or fixed (test_formats_cve.py).
    records = {f"cve/{built.uids['affected']}.json", f"cve/{built.uids['fixed']}.json"}
    assert set(formats.documents(built.full)) == MEMBERS | records
    # No vulnerability findings: no OpenVEX member (it cannot be empty), the rest still there.
    assert set(formats.documents(built.capability_only)) == MEMBERS - {
        "vulnerabilities.openvex.json"
    }
    assert set(formats.documents(built.empty)) == MEMBERS - {"vulnerabilities.openvex.json"}


def test_two_exports_give_identical_bytes(built: Built) -> None:
    for content in (built.full, built.capability_only, built.empty):
        assert formats.render(content) == formats.render(content)


def test_output_does_not_depend_on_input_order(built: Built) -> None:
    content = built.full
    shuffled = dataclasses.replace(
        content,
        findings=list(reversed(content.findings)),
        artifacts=list(reversed(content.artifacts)),
        runs=list(reversed(content.runs)),
    )
    assert formats.render(shuffled) == formats.render(content)


def test_output_depends_on_the_package_id_and_time(built: Built) -> None:
    other = dataclasses.replace(
        built.full, package_id=str(uuid.uuid5(uuid.NAMESPACE_URL, "other")), created=CREATED
    )
    later = dataclasses.replace(built.full, created="2026-11-24T08:00:00Z")
    base = formats.render(built.full)
    for changed in (other, later):
        rendered = formats.render(changed)
        # A CVE record states no time (no date it could truthfully give), only the package id;
        # OpenVEX names no package: its @id is the review's, its version the export count.
        same = {n for n in base if n.startswith("cve/")} if changed is later else set()
        same |= {"vulnerabilities.openvex.json"} if changed is other else set()
        assert {name for name in base if rendered[name] == base[name]} == same


def test_no_clock_and_no_randomness(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a format writer read the clock or a random source")

    expected = formats.render(built.full)
    for name in ("time", "time_ns", "gmtime", "localtime"):
        monkeypatch.setattr(time, name, forbidden)
    monkeypatch.setattr(uuid, "uuid4", forbidden)
    monkeypatch.setattr(uuid, "uuid1", forbidden)
    assert formats.render(built.full) == expected


def test_stored_form(content: PackageContent) -> None:
    rendered = formats.render(content)
    for name, data in rendered.items():
        assert data.endswith(b"}\n")
        assert json.loads(data) == formats.documents(content)[name]


def _encodings(secret: bytes) -> list[bytes]:
    return [
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret).rstrip(b"="),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
    ]


def test_no_key_material(built: Built) -> None:
    for content in (built.full, built.capability_only, built.empty):
        for name, data in formats.render(content).items():
            assert b"PRIVATE KEY" not in data, name
            assert b"BEGIN " not in data, name
            for secret in built.secrets:
                assert len(secret) >= 32
                for encoded in _encodings(secret):
                    assert encoded not in data, name


def test_no_text_from_withdrawn_findings(built: Built) -> None:
    # gather leaves withdrawn findings out ...
    assert all(f.status != "withdrawn" for f in built.full.findings)
    assert all(CANARY not in f.title for f in built.full.findings)
    for name, data in formats.render(built.full).items():
        assert CANARY.encode() not in data, name
        assert b"CVE-2026-99999" not in data, name
        assert b"canary-pkg" not in data, name


def test_writers_drop_withdrawn_findings_themselves(built: Built) -> None:
    """... and so do the writers, whoever built the content."""
    finding = next(f for f in built.full.findings if f.kind == "vulnerability")
    withdrawn = dataclasses.replace(
        finding, uid=str(uuid.uuid5(uuid.NAMESPACE_URL, "w")), status="withdrawn",
        title=f"{CANARY} again", body=CANARY,
    )  # fmt: skip
    content = dataclasses.replace(built.full, findings=[*built.full.findings, withdrawn])
    assert withdrawn not in live_findings(content)
    for name, data in formats.render(content).items():
        assert CANARY.encode() not in data, name
    assert formats.render(content) == formats.render(built.full)


def test_each_writer_is_reachable_alone(content: PackageContent) -> None:
    assert sarif.build(content)["version"] == "2.1.0"
    assert csaf.build(content)["document"]["csaf_version"] == "2.0"
    assert openvex.build(content) is not None
    assert cyclonedx.build(content)["specVersion"] == "1.7"


def test_products_from_identifiers(built: Built) -> None:
    by_uid = {f.uid: f for f in built.full.findings}
    fixed = product_of(by_uid[built.uids["fixed"]])
    assert (fixed.vendor, fixed.name, fixed.version) == ("acme", "widget", "3.1")
    purl = dataclasses.replace(by_uid[built.uids["affected"]], vendor="", product="", versions="")
    derived = product_of(purl)
    assert (derived.vendor, derived.name, derived.version) == ("", "libfoo", "1.2")
    assert derived.purl == "pkg:pypi/libfoo@1.2"


def test_formats_import_without_qt() -> None:
    code = (
        "import sys, reviewstation.formats, reviewstation.formats.csaf_checks;"
        " assert 'PySide6' not in sys.modules, 'Qt was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_package_id_is_not_reused_as_a_member_id(built: Built) -> None:
    docs = formats.documents(built.full)
    ids = {
        docs["artifacts.cdx.json"]["serialNumber"],
        docs["vulnerabilities.openvex.json"]["@id"],
        "urn:uuid:" + docs["findings.sarif"]["runs"][0]["automationDetails"]["guid"],
    }
    assert len(ids) == 3
    assert f"urn:uuid:{PACKAGE_ID}" not in ids
