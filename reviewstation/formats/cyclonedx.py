"""``artifacts.cdx.json``: the review's artifacts as a CycloneDX ML-BOM (1.7, or 1.6 on request).

Built with cyclonedx-python-lib, which models the specification, orders components, hashes
and properties canonically and serialises 1.6 and 1.7 JSON. Everything that would otherwise
vary is fixed from the content: the serial number is a name-based UUID of the package id, the
timestamp is the package's creation time, and each component's bom-ref is the artifact uid.

The BOM describes the model under review (metadata.component, bom-ref ``review:<uid>``);
its artifacts are the components. Weights are ``machine-learning-model`` components,
datasets and evaluation logs ``data``, everything else ``file``. The model depends on its
weights and configuration only: evaluation logs, datasets, cards and documents are evidence
about the model, not parts of it, and are linked from its model card instead.

Model cards: cyclonedx-python-lib (11.x) does not model ``modelCard`` yet, so the writer adds
it to the serialised JSON (the same object in 1.6 and 1.7), and the tests validate the result
against the official schema of each version. Every machine-learning-model component gets
one: ``modelParameters`` from what the inspectors read in its safetensors or GGUF header
(architecture, task and input/output where the architecture says so), properties with the
format, parameter count and quantisation. The model under review gets one with the datasets
of the review, ``considerations`` from its confirmed capability and safeguard findings, and
``quantitativeAnalysis`` from the metrics of the review's Inspect evaluation logs.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections.abc import Iterable
from typing import Any

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData, DistributionConstraints, TlpClassification
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import Json, JsonV1Dot6, JsonV1Dot7

from reviewstation.artifacts.inspection import GgufSummary, InspectLog, SafetensorsSummary
from reviewstation.artifacts.inspection import parse_inspection as _parse
from reviewstation.findings.service import Finding
from reviewstation.formats.common import (
    CYCLONEDX_MEMBER,
    CYCLONEDX_TLP,
    TOOL_NAME,
    FormatCheckError,
    content_tlp,
    live_findings,
    review_uuid,
)
from reviewstation.package_content import CYCLONEDX_VERSIONS, PackageContent

PREFIX = "reviewstation"
SERIALISERS: dict[str, type[Json]] = {"1.7": JsonV1Dot7, "1.6": JsonV1Dot6}
assert tuple(SERIALISERS) == CYCLONEDX_VERSIONS
COMPONENT_TYPES = {
    "weights": ComponentType.MACHINE_LEARNING_MODEL,
    "dataset": ComponentType.DATA,
    "eval_log": ComponentType.DATA,
}
# What the model under review is made of (dependsOn). Evaluation logs, datasets, cards,
# reports and signatures are evidence about it, never dependencies.
PART_OF_THE_MODEL = ("weights", "config")
# Findings that a model card may state as considerations: reviewed ones only.
STATED = ("confirmed", "approved")
CUSTODY_FIELDS = (
    "medium",
    "received_from",
    "received_at",
    "imported_at",
    "imported_by",
    "declared_sha256",
    "declared_sha256_match",
)
# Architecture names as GGUF (general.architecture) and Hugging Face (model_type) spell them:
# the architecture family and task each implies. Anything else leaves both out.
# fmt: off
_DECODERS = (
    "baichuan", "bloom", "chatglm", "codeshell", "cohere", "command-r", "dbrx", "deci",
    "deepseek", "deepseek2", "exaone", "falcon", "gemma", "gemma2", "gemma3", "gpt2", "gptj",
    "gptneox", "gpt_neox", "granite", "internlm2", "jais", "llama", "minicpm", "mistral",
    "mixtral", "mpt", "nemotron", "olmo", "olmo2", "olmoe", "orion", "phi", "phi2", "phi3",
    "plamo", "qwen", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "refact", "stablelm", "starcoder",
    "starcoder2", "xverse",
)
# fmt: on
ARCHITECTURES: dict[str, tuple[str, str]] = {
    **{name: ("transformer", "text-generation") for name in _DECODERS},
    "mamba": ("state space model", "text-generation"),
    "rwkv6": ("recurrent neural network (RWKV)", "text-generation"),
    "bert": ("transformer", "fill-mask"),
    "roberta": ("transformer", "fill-mask"),
    "nomic-bert": ("transformer", "feature-extraction"),
    "t5": ("transformer", "text2text-generation"),
}
# Hugging Face class name endings (LlamaForCausalLM): the task they are built for.
HF_TASKS = {
    "ForCausalLM": "text-generation",
    "ForMaskedLM": "fill-mask",
    "ForSequenceClassification": "text-classification",
    "ForTokenClassification": "token-classification",
    "ForQuestionAnswering": "question-answering",
}
TASK_IO = {
    "text-generation": ("text", "text"),
    "text2text-generation": ("text", "text"),
    "fill-mask": ("text", "text"),
    "text-classification": ("text", "class label"),
    "token-classification": ("text", "token labels"),
    "question-answering": ("text", "text span"),
    "feature-extraction": ("text", "embedding vector"),
}


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
    if artifact["kind"] not in PART_OF_THE_MODEL:
        # Related to the model under review as evidence (see its model card), not as a part.
        props.append(Property(name=f"{PREFIX}:evidence_for", value=f"review:{content.review.uid}"))
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
            # The same mapping as CSAF; 1.6 has no distribution constraints, so the property
            # says it in both versions.
            Property(name=f"{PREFIX}:tlp", value=content_tlp(content)),
        ],
        # Written from CycloneDX 1.7 on (metadata.distributionConstraints); 1.6 leaves it out.
        distribution_constraints=DistributionConstraints(
            tlp=TlpClassification(CYCLONEDX_TLP[content_tlp(content)])
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
    parts = [
        c
        for c, a in zip(components, content.artifacts, strict=True)
        if a["kind"] in PART_OF_THE_MODEL
    ]
    bom.register_dependency(subject, parts)
    return bom


# --- model cards ---------------------------------------------------------------------------


def _architecture(name: str | None) -> dict[str, Any]:
    """modelParameters implied by an architecture name (GGUF's, HF's model_type or class)."""
    if not name:
        return {}
    out: dict[str, Any] = {"modelArchitecture": name}
    key = name.lower()
    task = None
    for ending, hf_task in HF_TASKS.items():
        if name.endswith(ending):
            key, task = name[: -len(ending)].lower(), hf_task
    family, implied = ARCHITECTURES.get(key, (None, None))
    task = task or implied
    if family:
        out["architectureFamily"] = family
    if task:
        out["task"] = task
        given, produced = TASK_IO.get(task, (None, None))
        if given and produced:
            out["inputs"] = [{"format": given}]
            out["outputs"] = [{"format": produced}]
    return out


def _metadata_architecture(metadata: dict[str, Any] | None) -> str | None:
    """An architecture a safetensors header's free-form metadata names, if any."""
    for key in ("architecture", "architectures", "model_type"):
        value = (metadata or {}).get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _props(pairs: Iterable[tuple[str, Any]]) -> list[dict[str, str]]:
    return [
        {"name": f"{PREFIX}:{name}", "value": _text(value)}
        for name, value in pairs
        if value is not None and value != ""
    ]


def _tally(counts: dict[str, int] | None) -> str | None:
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) if counts else None


def weights_card(artifact: dict[str, Any]) -> dict[str, Any]:
    """The model card of one weights artifact, from what its inspector read."""
    summary = _parse(artifact.get("inspection"))
    params: dict[str, Any] = {}
    facts: list[tuple[str, Any]] = [("format", summary.format)]
    if isinstance(summary, GgufSummary):
        params = _architecture(summary.architecture)
        context = (summary.metadata or {}).get(f"{summary.architecture}.context_length")
        facts += [
            ("header_trusted", summary.layout_trusted),
            ("name", summary.name),
            ("parameter_count", summary.parameter_count),
            ("tensor_count", summary.tensor_count),
            ("tensor_types", _tally(summary.tensor_types)),
            ("quantization", summary.file_type),
            ("context_length", context if isinstance(context, int) else None),
            ("chat_template", "present" if summary.chat_templates else None),
        ]
    elif isinstance(summary, SafetensorsSummary):
        params = _architecture(_metadata_architecture(summary.metadata))
        facts += [
            ("header_trusted", summary.header_trusted),
            ("parameter_count", summary.parameter_count),
            ("tensor_count", summary.tensor_count),
            ("dtypes", _tally(summary.dtypes)),
        ]
    card: dict[str, Any] = {}
    if params:
        card["modelParameters"] = params
    card["properties"] = _props(facts)
    return card


def _agreed(cards: list[dict[str, Any]]) -> dict[str, Any]:
    """The model parameters every weights file that states one agrees on."""
    out: dict[str, Any] = {}
    for key in ("modelArchitecture", "architectureFamily", "task", "inputs", "outputs"):
        values = [c["modelParameters"][key] for c in cards if key in c.get("modelParameters", {})]
        if values and all(v == values[0] for v in values):
            out[key] = values[0]
    return out


def _considerations(findings: list[Finding]) -> dict[str, Any]:
    """Reviewed capability findings as ethical considerations (risks), safeguard findings as
    technical limitations; each with its portion mark, severity and uid."""
    risks = []
    limits = []
    for finding in findings:
        if finding.status not in STATED:
            continue
        text = f"{finding.portion_mark} {finding.title} ({finding.severity}, finding {finding.uid})"
        if finding.kind == "capability":
            risks.append({"name": text})
        elif finding.kind == "safeguard":
            limits.append(text)
    out: dict[str, Any] = {}
    if limits:
        out["technicalLimitations"] = limits
    if risks:
        out["ethicalConsiderations"] = risks
    return out


def _metric_value(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def _performance(content: PackageContent) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Performance metrics from the review's Inspect logs, the logs' uids, and their datasets."""
    metrics: list[dict[str, Any]] = []
    logs: list[str] = []
    datasets: list[str] = []
    for artifact in content.artifacts:
        if artifact["kind"] != "eval_log" or artifact.get("erased"):
            continue
        log = _parse(artifact.get("inspection"))
        if not isinstance(log, InspectLog):
            continue
        logs.append(str(artifact["uid"]))
        if log.dataset.name and log.dataset.name not in datasets:
            datasets.append(log.dataset.name)
        where = [f"Inspect task {log.task or 'unnamed'}"]
        if log.dataset.name:
            where.append(f"dataset {log.dataset.name}")
        if log.completed_samples is not None and log.total_samples is not None:
            where.append(f"{log.completed_samples} of {log.total_samples} samples")
        if log.model:
            where.append(f"model as logged {log.model}")
        if log.status and log.status != "success":
            where.append(f"run status {log.status}")
        where.append(f"log {artifact['uid']}")
        for m in log.metrics:
            if m.value is None or not m.metric:
                continue
            scorer = m.name or m.scorer
            metrics.append(
                {
                    "type": f"{m.metric} ({scorer})" if scorer else m.metric,
                    "value": _metric_value(m.value),
                    "slice": "; ".join(where),
                }
            )
    return metrics, logs, datasets


def subject_card(content: PackageContent, weights: list[dict[str, Any]]) -> dict[str, Any]:
    """The model card of the model under review."""
    params = _agreed(weights)
    metrics, logs, inspect_datasets = _performance(content)
    datasets: list[dict[str, Any]] = [
        {"ref": str(a["uid"])}
        for a in content.artifacts
        if a["kind"] == "dataset" and not a.get("erased")
    ]
    datasets += [{"type": "dataset", "name": name} for name in inspect_datasets]
    if datasets:
        params["datasets"] = datasets
    card: dict[str, Any] = {}
    if params:
        card["modelParameters"] = params
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    considerations = _considerations(live_findings(content))
    if considerations:
        card["considerations"] = considerations
    properties = _props(("evaluation_log", uid) for uid in logs)
    if properties:
        card["properties"] = properties
    return card


def _add_model_cards(content: PackageContent, bom: dict[str, Any]) -> None:
    by_ref = {c.get("bom-ref"): c for c in bom.get("components", [])}
    cards = []
    for artifact in content.artifacts:
        if artifact["kind"] == "weights":
            card = weights_card(artifact)
            by_ref[str(artifact["uid"])]["modelCard"] = card
            cards.append(card)
    bom["metadata"]["component"]["modelCard"] = subject_card(content, cards)


def build(content: PackageContent) -> dict[str, Any]:
    """The CycloneDX BOM (a JSON-able dict) of this review's artifacts, in the content's
    CycloneDX version."""
    serialiser = SERIALISERS[content.cyclonedx_version]
    with warnings.catch_warnings():
        # A review whose artifacts hold no weights: the model then has no recorded part, and
        # the library warns that its dependency graph is incomplete. It is, and says so.
        warnings.filterwarnings("ignore", "The Component this BOM is describing", UserWarning)
        text = serialiser(_bom(content)).output_as_string()
    data = json.loads(text)
    if not isinstance(data, dict):  # pragma: no cover - the library always writes an object
        raise FormatCheckError(f"{CYCLONEDX_MEMBER} is not a JSON object.")
    _add_model_cards(content, data)
    return data


def self_check(bom: dict[str, Any]) -> None:
    """Cheap structural checks at export time; FormatCheckError names the first problem."""
    problems = []
    if bom.get("bomFormat") != "CycloneDX" or bom.get("specVersion") not in CYCLONEDX_VERSIONS:
        problems.append(f"it is not a CycloneDX {' or '.join(CYCLONEDX_VERSIONS)} BOM")
    refs = [c.get("bom-ref") for c in bom.get("components", [])]
    if len(set(refs)) != len(refs) or None in refs:
        problems.append("component bom-refs are missing or repeat")
    kinds: dict[str, str] = {}
    for component in bom.get("components", []):
        algorithms = {h.get("alg") for h in component.get("hashes", [])}
        if not {"SHA-256", "SHA-384"} <= algorithms:
            problems.append(f"component {component.get('bom-ref')} lacks its hashes")
        is_model = component.get("type") == "machine-learning-model"
        if is_model != ("modelCard" in component):
            problems.append(f"component {component.get('bom-ref')} has a model card wrongly")
        for prop in component.get("properties", []):
            if prop.get("name") == f"{PREFIX}:kind":
                kinds[component.get("bom-ref")] = prop.get("value")
    root = (bom.get("metadata") or {}).get("component") or {}
    for dependency in bom.get("dependencies", []):
        if dependency.get("ref") == root.get("bom-ref"):
            wrong = [
                d for d in dependency.get("dependsOn", []) if kinds.get(d) not in PART_OF_THE_MODEL
            ]
            if wrong:
                problems.append(f"the model depends on {wrong[0]}, which is not part of it")
    if problems:
        raise FormatCheckError(f"{CYCLONEDX_MEMBER} failed its self-check: {problems[0]}.")
