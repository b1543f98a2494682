"""``artifacts.cdx.json``: the review's artifacts as a CycloneDX 1.6 ML-BOM.

Built with cyclonedx-python-lib, which models the specification, orders components, hashes
and properties canonically and serialises 1.6 JSON. Everything that would otherwise vary is
fixed from the content: the serial number is a name-based UUID of the package id, the
timestamp is the package's creation time, and each component's bom-ref is the artifact uid.

The BOM describes the model under review (metadata.component, bom-ref ``review:<uid>``); its
artifacts are the components it depends on. Weights are ``machine-learning-model``
components, datasets and evaluation logs ``data``, everything else ``file``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData, DistributionConstraints, TlpClassification
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6

from reviewstation.formats.common import (
    CYCLONEDX_MEMBER,
    TOOL_NAME,
    FormatCheckError,
    review_uuid,
    tlp_label,
)
from reviewstation.package_content import PackageContent

PREFIX = "reviewstation"
COMPONENT_TYPES = {
    "weights": ComponentType.MACHINE_LEARNING_MODEL,
    "dataset": ComponentType.DATA,
    "eval_log": ComponentType.DATA,
}
CUSTODY_FIELDS = (
    "medium",
    "received_from",
    "received_at",
    "imported_at",
    "imported_by",
    "declared_sha256",
    "declared_sha256_match",
)


def _timestamp(created: str) -> dt.datetime:
    return dt.datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(dt.UTC)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _properties(content: PackageContent, artifact: dict[str, Any]) -> list[Property]:
    props = [
        Property(name=f"{PREFIX}:kind", value=str(artifact["kind"])),
        Property(name=f"{PREFIX}:size", value=str(artifact["size"])),
    ]
    custody = artifact.get("custody") or {}
    for name in CUSTODY_FIELDS:
        value = custody.get(name)
        if value is not None and value != "":
            props.append(Property(name=f"{PREFIX}:custody:{name}", value=_text(value)))
    events = custody.get("events")
    if isinstance(events, list):
        props.append(Property(name=f"{PREFIX}:custody:events", value=str(len(events))))
    inspection = artifact.get("inspection") or {}
    if isinstance(inspection.get("format"), str):
        props.append(Property(name=f"{PREFIX}:format", value=inspection["format"]))
    if artifact.get("erased"):
        props.append(Property(name=f"{PREFIX}:erased", value="true"))
        if artifact.get("erased_at"):
            props.append(Property(name=f"{PREFIX}:erased_at", value=str(artifact["erased_at"])))
    if artifact.get("duplicate_of"):
        props.append(Property(name=f"{PREFIX}:duplicate_of", value=str(artifact["duplicate_of"])))
    if artifact["uid"] in content.evidence_uids:
        props.append(
            Property(name=f"{PREFIX}:package_member", value=content.evidence_name(artifact))
        )
    return props


def _component(content: PackageContent, artifact: dict[str, Any]) -> Component:
    hashes = [
        HashType(alg=alg, content=str(artifact[field]).lower())
        for alg, field in ((HashAlgorithm.SHA_256, "sha256"), (HashAlgorithm.SHA_384, "sha384"))
        if artifact.get(field)
    ]
    return Component(
        name=str(artifact["path"]),
        type=COMPONENT_TYPES.get(str(artifact["kind"]), ComponentType.FILE),
        bom_ref=str(artifact["uid"]),
        hashes=hashes,
        properties=_properties(content, artifact),
    )


def _bom(content: PackageContent) -> Bom:
    review = content.review
    subject = Component(
        name=review.model_name,
        version=review.model_version or None,
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=f"review:{review.uid}",
        supplier=OrganizationalEntity(name=review.developer),
        description=f"The model under the pre-release review {review.title!r}.",
    )
    tool = Component(name=TOOL_NAME, version=content.tool_version, type=ComponentType.APPLICATION)
    metadata = BomMetaData(
        timestamp=_timestamp(content.created),
        tools=ToolRepository(components=[tool]),
        authors=[OrganizationalContact(name=content.signer.name or "ReviewStation reviewer")],
        component=subject,
        properties=[
            Property(name=f"{PREFIX}:package_id", value=content.package_id),
            Property(name=f"{PREFIX}:review_uid", value=review.uid),
            Property(name=f"{PREFIX}:marking", value=content.marking),
            # CycloneDX 1.6 has no distribution constraints (1.7 adds TLP); same mapping as CSAF.
            Property(name=f"{PREFIX}:tlp", value=tlp_label(content.marking)),
        ],
        # Written from CycloneDX 1.7 on (metadata.distributionConstraints); 1.6 leaves it out.
        distribution_constraints=DistributionConstraints(
            tlp=TlpClassification(tlp_label(content.marking))
        ),
    )
    components = [_component(content, a) for a in content.artifacts]
    bom = Bom(
        # The same serial number in every export of the review; version counts the exports.
        serial_number=review_uuid(content, CYCLONEDX_MEMBER),
        version=content.version,
        metadata=metadata,
        components=components,
    )
    bom.register_dependency(subject, components)
    return bom


def build(content: PackageContent) -> dict[str, Any]:
    """The CycloneDX 1.6 BOM (a JSON-able dict) of this review's artifacts."""
    text = JsonV1Dot6(_bom(content)).output_as_string()
    data = json.loads(text)
    if not isinstance(data, dict):  # pragma: no cover - the library always writes an object
        raise FormatCheckError(f"{CYCLONEDX_MEMBER} is not a JSON object.")
    return data


def self_check(bom: dict[str, Any]) -> None:
    """Cheap structural checks at export time; FormatCheckError names the first problem."""
    problems = []
    if bom.get("bomFormat") != "CycloneDX" or bom.get("specVersion") != "1.6":
        problems.append("it is not a CycloneDX 1.6 BOM")
    refs = [c.get("bom-ref") for c in bom.get("components", [])]
    if len(set(refs)) != len(refs) or None in refs:
        problems.append("component bom-refs are missing or repeat")
    for component in bom.get("components", []):
        algorithms = {h.get("alg") for h in component.get("hashes", [])}
        if not {"SHA-256", "SHA-384"} <= algorithms:
            problems.append(f"component {component.get('bom-ref')} lacks its hashes")
    if problems:
        raise FormatCheckError(f"{CYCLONEDX_MEMBER} failed its self-check: {problems[0]}.")
