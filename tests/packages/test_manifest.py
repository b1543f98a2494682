"""The typed manifest: ``parse_manifest`` is the one place a manifest is validated; every
reader gets attributes. A malformed variant is one row."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.packages import export, members, sender

from reviewstation.packages.manifest import Manifest, Recipient, parse_manifest
from reviewstation.packages.members import pretty
from reviewstation.ziparchive import PackageRefused


@pytest.fixture(scope="module")
def manifest_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("manifest")
    alice = sender(folder)
    export(alice.vault, folder / "p.rspkg")
    return members(folder / "p.rspkg")["manifest.json"]


def test_a_real_manifest_parses_to_attributes(manifest_bytes: bytes) -> None:
    manifest = parse_manifest(manifest_bytes)
    raw = json.loads(manifest_bytes)
    assert isinstance(manifest, Manifest)
    assert (manifest.package_id, manifest.sequence, manifest.marking) == (
        raw["package_id"],
        raw["sequence"],
        raw["marking"],
    )
    assert manifest.signer.p384_fingerprint == raw["signer"]["p384_fingerprint"]
    assert manifest.recipients == ()
    assert manifest.checkpoint.to_json() == raw["checkpoint"]
    with pytest.raises(AttributeError):
        manifest.sequence = 2  # type: ignore[misc]  # frozen


FP = "ab" * 48
BAD: dict[str, tuple[Callable[[dict[str, Any]], object], str]] = {
    "not an object": (lambda m: m.clear(), "not a ReviewStation package manifest"),
    "another format": (lambda m: m.update(format="zip"), "not a ReviewStation"),
    "version 2": (lambda m: m.update(version=2), "version 2 is not supported"),
    "version as text": (lambda m: m.update(version="1"), "version '1' is not supported"),
    "version true": (lambda m: m.update(version=True), "not supported"),
    "package id upper case": (
        lambda m: m.update(package_id=m["package_id"].upper()),
        "package id is malformed",
    ),
    "sequence 0": (lambda m: m.update(sequence=0), "sequence number is malformed"),
    "sequence 2**53": (lambda m: m.update(sequence=2**53), "sequence number is malformed"),
    "sequence float": (lambda m: m.update(sequence=1.0), "sequence number is malformed"),
    "no created": (lambda m: m.pop("created"), "lacks its created"),
    "empty marking": (lambda m: m.update(marking=""), "lacks its marking"),
    "source vault a number": (lambda m: m.update(source_vault=7), "lacks its source_vault"),
    "encrypted as text": (lambda m: m.update(encrypted="no"), "whether the package is encrypted"),
    "signer without role": (lambda m: m["signer"].pop("role"), "signer is malformed"),
    "recipients not a list": (lambda m: m.update(recipients={}), "recipient list is malformed"),
    "recipient short fingerprint": (
        lambda m: m.update(recipients=[{"name": "b", "fingerprint": "ab", "signing": FP}]),
        "recipient list is malformed",
    ),
    "recipient named twice": (
        lambda m: m.update(recipients=[{"name": "b", "fingerprint": FP, "signing": FP}] * 2),
        "twice",
    ),
    "encrypted with no recipients": (
        lambda m: m.update(encrypted=True),
        "must name 1 to 64 recipients",
    ),
    "checkpoint missing": (lambda m: m.pop("checkpoint"), "checkpoint is malformed"),
    "checkpoint count as text": (
        lambda m: m["checkpoint"].update(count="13"),
        "checkpoint is malformed",
    ),
    "checkpoint signature not base64": (
        lambda m: m["checkpoint"].update(sig_p384="***"),
        "checkpoint is malformed",
    ),
}


@pytest.mark.parametrize("row", sorted(BAD))
def test_a_malformed_manifest_is_refused_in_one_line(manifest_bytes: bytes, row: str) -> None:
    change, match = BAD[row]
    manifest = json.loads(manifest_bytes)
    change(manifest)
    with pytest.raises(PackageRefused, match=match) as caught:
        parse_manifest(pretty(manifest))
    assert "\n" not in str(caught.value)


def test_recipients_parse_to_values(manifest_bytes: bytes, tmp_path: Path) -> None:
    manifest = json.loads(manifest_bytes)
    manifest.update(encrypted=True, recipients=[{"name": "bob", "fingerprint": FP, "signing": FP}])
    parsed = parse_manifest(pretty(manifest))
    assert parsed.recipients == (Recipient("bob", FP, FP),)
    assert parsed.recipients[0].to_json() == manifest["recipients"][0]
    del tmp_path
