"""The standard-format members of a findings package, as pure functions of its content.

``documents(content)`` builds every member (name -> JSON-able dict) and runs each writer's
cheap structural self-check; ``render(content)`` gives the bytes to store. The same content
always gives the same bytes: identifiers come from uids and the package id, times from
``content.created``, and every list has a defined order.

Schema validation against the official schemas happens in the test suite (tests/formats),
not at export: the writers are deterministic code whose every branch the tests cover, and
jsonschema with its format checkers would add a dozen packages, one of them native, to an
air-gapped install for no gain. The self-checks catch what depends on the data instead
(CSAF's mandatory tests above all).
"""

from __future__ import annotations

import json
from typing import Any

from reviewstation.formats import csaf, cve, cyclonedx, openvex, sarif
from reviewstation.formats.common import (
    CSAF_MEMBER,
    CVE_DIR,
    CYCLONEDX_MEMBER,
    OPENVEX_MEMBER,
    SARIF_MEMBER,
    FormatCheckError,
)
from reviewstation.package_content import PackageContent

__all__ = [
    "CSAF_MEMBER",
    "CVE_DIR",
    "CYCLONEDX_MEMBER",
    "OPENVEX_MEMBER",
    "SARIF_MEMBER",
    "FormatCheckError",
    "documents",
    "dumps",
    "render",
]


def documents(content: PackageContent) -> dict[str, dict[str, Any]]:
    """Member name -> document, self-checked. OpenVEX is absent without vulnerability findings;
    ``cve/<finding uid>.json`` is one CVE record per vulnerability that qualifies (cve.py)."""
    out: dict[str, dict[str, Any]] = {}
    log = sarif.build(content)
    sarif.self_check(log)
    out[SARIF_MEMBER] = log
    advisory = csaf.build(content)
    csaf.self_check(advisory)
    out[CSAF_MEMBER] = advisory
    vex = openvex.build(content)
    if vex is not None:
        openvex.self_check(vex)
        out[OPENVEX_MEMBER] = vex
    bom = cyclonedx.build(content)
    cyclonedx.self_check(bom)
    out[CYCLONEDX_MEMBER] = bom
    for name, record in cve.build(content).items():
        cve.self_check(name, record)
        out[name] = record
    return out


def dumps(document: dict[str, Any]) -> bytes:
    """The stored form: UTF-8 JSON, two-space indent, keys in the writers' order, final LF."""
    text = json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def render(content: PackageContent) -> dict[str, bytes]:
    """Member name -> bytes, for the package writer."""
    return {name: dumps(doc) for name, doc in sorted(documents(content).items())}
