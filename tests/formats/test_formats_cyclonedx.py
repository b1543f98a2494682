"""artifacts.cdx.json: a CycloneDX ML-BOM (1.7 by default, 1.6 on request) with model cards."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from support.realistic import INSPECT_LOG, build_vault
from support.vaults import PASS

from reviewstation.errors import InputError
from reviewstation.formats import cyclonedx
from reviewstation.formats.common import NAMESPACE, FormatCheckError
from reviewstation.package_content import CYCLONEDX_VERSIONS, PackageContent
from reviewstation.packages.content import gather
from reviewstation.vault.session import open_vault

from .conftest import CREATED, PACKAGE_ID, Built


def _validate(bom: dict[str, Any]) -> None:
    version = SchemaVersion.from_version(bom["specVersion"])
    error = JsonStrictValidator(version).validate_str(json.dumps(bom))
    assert error is None, str(error)


def _in(content: PackageContent, version: str) -> PackageContent:
    return dataclasses.replace(content, cyclonedx_version=version)


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> PackageContent:
    """Safetensors and GGUF weights, a dataset, an Inspect log, reviewed and draft findings."""
    vault = build_vault(tmp_path_factory.mktemp("realistic"))
    with open_vault(vault, PASS) as session:
        return gather(session, 1, package_id=PACKAGE_ID, created=CREATED)


def _components(bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["bom-ref"]: c for c in bom["components"]}


def _props(component: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in component.get("properties", [])}


@pytest.mark.parametrize("version", CYCLONEDX_VERSIONS)
def test_valid_against_the_official_schema_of_each_version(
    built: Built, realistic: PackageContent, version: str
) -> None:
    for content in (built.full, built.capability_only, built.empty, realistic):
        bom = cyclonedx.build(_in(content, version))
        assert bom["specVersion"] == version
        _validate(bom)


def test_17_is_the_default_and_adds_distribution_constraints(content: PackageContent) -> None:
    assert content.cyclonedx_version == "1.7"
    new = cyclonedx.build(content)
    old = cyclonedx.build(_in(content, "1.6"))
    assert new["metadata"]["distributionConstraints"] == {"tlp": "AMBER"}
    assert "distributionConstraints" not in old["metadata"]
    # Everything else is the same BOM.
    del new["metadata"]["distributionConstraints"]
    assert {**new, "specVersion": "1.6", "$schema": None} == {**old, "$schema": None}


@pytest.mark.parametrize("version", ["1.5", "1.8", "", "1.6 "])
def test_another_version_is_one_clear_error(content: PackageContent, version: str) -> None:
    with pytest.raises(InputError, match=r"CycloneDX .* cannot be written; choose 1\.7 or 1\.6"):
        _in(content, version)


def test_bom_header(content: PackageContent) -> None:
    bom = cyclonedx.build(content)
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.7"
    assert bom["version"] == 1
    # The same serial number in every export of the review; version counts the exports.
    expected = uuid.uuid5(NAMESPACE, f"review/{content.review.uid}/artifacts.cdx.json")
    assert bom["serialNumber"] == f"urn:uuid:{expected}"
    metadata = bom["metadata"]
    assert metadata["timestamp"] == "2026-11-23T19:20:32+00:00"
    assert metadata["tools"]["components"][0]["name"] == "ReviewStation"
    assert {"name": "reviewstation:tlp", "value": "AMBER"} in metadata["properties"]
    subject = metadata["component"]
    assert subject["type"] == "machine-learning-model"
    assert subject["name"] == "X-1"
    assert subject["version"] == "2026-11"
    assert subject["supplier"] == {"name": "Acme AI"}
    assert {"name": "reviewstation:marking", "value": "CUI"} in metadata["properties"]


def test_a_component_per_artifact(built: Built) -> None:
    bom = cyclonedx.build(built.full)
    components = _components(bom)
    assert set(components) == {a["uid"] for a in built.full.artifacts}
    for artifact in built.full.artifacts:
        component = components[artifact["uid"]]
        assert component["name"] == artifact["path"]
        assert component["hashes"] == [
            {"alg": "SHA-256", "content": artifact["sha256"]},
            {"alg": "SHA-384", "content": artifact["sha384"]},
        ]
        props = _props(component)
        assert props["reviewstation:kind"] == artifact["kind"]
        assert props["reviewstation:size"] == str(artifact["size"])


def test_component_types_and_custody(built: Built) -> None:
    components = _components(cyclonedx.build(built.full))
    weights = components[built.uids["weights"]]
    assert weights["type"] == "machine-learning-model"
    assert weights["name"] == "model/weights.bin"
    props = _props(weights)
    assert props["reviewstation:custody:medium"] == "USB-0042"
    assert props["reviewstation:custody:received_from"] == "Acme courier"
    assert props["reviewstation:custody:imported_by"] == "alice"
    assert components[built.uids["log"]]["type"] == "data"
    assert components[built.uids["card"]]["type"] == "file"
    assert components[built.uids["card"]]["name"] == "model card.md"
    # Evidence that travels in the package names its member.
    assert _props(components[built.uids["log"]])["reviewstation:package_member"] == (
        f"evidence/{built.uids['log']}/run.jsonl"
    )
    assert "reviewstation:package_member" not in _props(weights)


@pytest.mark.parametrize("version", CYCLONEDX_VERSIONS)
def test_the_model_depends_on_its_weights_not_on_its_evidence(
    built: Built, realistic: PackageContent, version: str
) -> None:
    assert "config" in {a["kind"] for a in realistic.artifacts}
    for content in (built.full, realistic):
        bom = cyclonedx.build(_in(content, version))
        root = bom["metadata"]["component"]["bom-ref"]
        assert root == f"review:{content.review.uid}"
        dependencies = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
        kinds = {a["uid"]: a["kind"] for a in content.artifacts}
        parts = {uid for uid, kind in kinds.items() if kind in ("weights", "config")}
        assert sorted(dependencies[root]) == sorted(parts)
        # No one depends on an evaluation log, a dataset or a card: they are evidence.
        evidence = set(kinds) - parts
        assert evidence and not evidence & {d for deps in dependencies.values() for d in deps}
        for component in bom["components"]:
            related = _props(component).get("reviewstation:evidence_for")
            assert related == (root if component["bom-ref"] in evidence else None)


def test_no_artifacts(built: Built) -> None:
    bom = cyclonedx.build(built.empty)
    assert bom.get("components", []) == []
    assert bom["metadata"]["component"]["name"] == "Z"


def _lose_hash(bom: dict[str, Any], uids: dict[str, str]) -> None:
    bom["components"][0]["hashes"] = bom["components"][0]["hashes"][:1]


def _depend_on_log(bom: dict[str, Any], uids: dict[str, str]) -> None:
    root = bom["metadata"]["component"]["bom-ref"]
    next(d for d in bom["dependencies"] if d["ref"] == root)["dependsOn"].append(uids["log"])


def _drop_card(bom: dict[str, Any], uids: dict[str, str]) -> None:
    next(c for c in bom["components"] if c["bom-ref"] == uids["weights"]).pop("modelCard")


def _card_on_data(bom: dict[str, Any], uids: dict[str, str]) -> None:
    next(c for c in bom["components"] if c["bom-ref"] == uids["log"])["modelCard"] = {}


def _old_version(bom: dict[str, Any], uids: dict[str, str]) -> None:
    bom["specVersion"] = "1.5"


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_lose_hash, "lacks its hashes"),
        (_depend_on_log, "the model depends on .*, which is not part of it"),
        (_drop_card, "has a model card wrongly"),
        (_card_on_data, "has a model card wrongly"),
        (_old_version, "not a CycloneDX 1.7 or 1.6 BOM"),
    ],
)
def test_self_check(built: Built, spoil: Any, message: str) -> None:
    for version in CYCLONEDX_VERSIONS:
        bom = cyclonedx.build(_in(built.full, version))
        cyclonedx.self_check(bom)
        spoil(bom, built.uids)
        with pytest.raises(FormatCheckError, match=message):
            cyclonedx.self_check(bom)


# --- model cards ---------------------------------------------------------------------------


def _by_name(bom: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in bom["components"]}


def test_every_model_component_has_a_model_card_and_nothing_else_has(
    realistic: PackageContent,
) -> None:
    bom = cyclonedx.build(realistic)
    for component in bom["components"]:
        assert ("modelCard" in component) == (component["type"] == "machine-learning-model")
    assert "modelCard" in bom["metadata"]["component"]


def test_weights_cards_from_the_safetensors_and_gguf_headers(realistic: PackageContent) -> None:
    components = _by_name(cyclonedx.build(realistic))
    st = components["model.safetensors"]["modelCard"]
    assert st["modelParameters"] == {
        "modelArchitecture": "LlamaForCausalLM",  # the header's __metadata__ names it
        "architectureFamily": "transformer",
        "task": "text-generation",
        "inputs": [{"format": "text"}],
        "outputs": [{"format": "text"}],
    }
    assert _props(st) == {
        "reviewstation:format": "safetensors",
        "reviewstation:header_trusted": "true",
        "reviewstation:parameter_count": "64",  # two F16 tensors of 8 x 4
        "reviewstation:tensor_count": "2",
        "reviewstation:dtypes": "F16: 2",
    }
    gg = components["x-1-q4.gguf"]["modelCard"]
    assert gg["modelParameters"]["modelArchitecture"] == "llama"  # general.architecture
    assert gg["modelParameters"]["task"] == "text-generation"
    props = _props(gg)
    assert props["reviewstation:quantization"] == "MOSTLY_Q4_K_M"  # general.file_type 15
    assert props["reviewstation:context_length"] == "8192"  # llama.context_length
    assert props["reviewstation:name"] == "X-1"


# One row per architecture a header can name: (name, family, task).
ARCHITECTURE_ROWS = [
    ("llama", "transformer", "text-generation"),
    ("qwen2", "transformer", "text-generation"),
    ("MistralForCausalLM", "transformer", "text-generation"),
    ("BertForMaskedLM", "transformer", "fill-mask"),
    ("RobertaForSequenceClassification", "transformer", "text-classification"),
    ("mamba", "state space model", "text-generation"),
    ("t5", "transformer", "text2text-generation"),
    ("MysteryNet", None, None),
    ("MysteryForCausalLM", None, "text-generation"),
]


@pytest.mark.parametrize(("name", "family", "task"), ARCHITECTURE_ROWS)
def test_architecture_table(name: str, family: str | None, task: str | None) -> None:
    for inspection in (
        {"format": "gguf", "architecture": name, "trusted": True},
        {"format": "safetensors", "trusted": True, "metadata": {"architecture": name}},
    ):
        card = cyclonedx.weights_card({"inspection": inspection})
        params = card["modelParameters"]
        assert params["modelArchitecture"] == name
        assert params.get("architectureFamily") == family
        assert params.get("task") == task
        assert ("inputs" in params) == (task is not None)


def test_a_header_that_names_nothing_claims_nothing() -> None:
    for inspection in (
        {"format": "safetensors", "trusted": True, "metadata": {"format": "pt"}},
        {"format": "gguf", "trusted": False},
        {"format": "pickle"},
        {"format": "safetensors", "error": "The header is not JSON."},
        None,
    ):
        card = cyclonedx.weights_card({"inspection": inspection})
        assert "modelParameters" not in card, inspection


def test_the_models_card_has_the_inspect_metrics(realistic: PackageContent) -> None:
    """Each metric of the Inspect log, read here from the fixture log itself."""
    log = json.loads(Path(INSPECT_LOG).read_text(encoding="utf-8"))
    want = {
        (f"{name} ({score['name']})", repr(metric["value"]))
        for score in log["results"]["scores"]
        for name, metric in score["metrics"].items()
    }
    card = cyclonedx.build(realistic)["metadata"]["component"]["modelCard"]
    metrics = card["quantitativeAnalysis"]["performanceMetrics"]
    assert {(m["type"], m["value"]) for m in metrics} == want
    uid = next(a["uid"] for a in realistic.artifacts if a["kind"] == "eval_log")
    for m in metrics:
        assert f"log {uid}" in m["slice"]
        assert f"Inspect task {log['eval']['task']}" in m["slice"]
        assert f"model as logged {log['eval']['model']}" in m["slice"]
    assert {"name": "reviewstation:evaluation_log", "value": uid} in card["properties"]
    datasets = card["modelParameters"]["datasets"]
    dataset_uid = next(a["uid"] for a in realistic.artifacts if a["kind"] == "dataset")
    assert datasets == [
        {"ref": dataset_uid},
        {"type": "dataset", "name": log["eval"]["dataset"]["name"]},
    ]
    # Both weights files agree on these, so the model under review states them too.
    assert card["modelParameters"]["task"] == "text-generation"
    assert "modelArchitecture" not in card["modelParameters"]  # they disagree on the name


def test_no_inspect_log_no_quantitative_analysis(built: Built) -> None:
    card = cyclonedx.build(built.full)["metadata"]["component"]["modelCard"]
    assert "quantitativeAnalysis" not in card  # run.jsonl is no Inspect log


def test_considerations_are_the_reviewed_capability_and_safeguard_findings(
    realistic: PackageContent,
) -> None:
    card = cyclonedx.build(realistic)["metadata"]["component"]["modelCard"]
    considerations = card["considerations"]
    by_title = {f.title: f for f in realistic.findings}
    risks = [r["name"] for r in considerations["ethicalConsiderations"]]
    limits = considerations["technicalLimitations"]
    stated = " ".join(risks + limits)
    for finding in realistic.findings:
        expected = finding.kind in ("capability", "safeguard") and finding.status in (
            "confirmed",
            "approved",
        )
        assert (finding.uid in stated) == expected, finding.title
    capability = next(f for f in by_title.values() if f.kind == "capability" and f.uid in stated)
    assert risks == [f"(S) {capability.title} (high, finding {capability.uid})"]
    assert all(text.startswith("(S) ") for text in limits)


def test_a_draft_only_review_states_no_considerations(built: Built) -> None:
    drafts = [dataclasses.replace(f, status="draft") for f in built.full.findings]
    content = dataclasses.replace(built.full, findings=drafts)
    assert "considerations" not in cyclonedx.build(content)["metadata"]["component"]["modelCard"]


def test_the_model_cards_are_the_same_in_both_versions(realistic: PackageContent) -> None:
    new, old = (cyclonedx.build(_in(realistic, v)) for v in CYCLONEDX_VERSIONS)
    assert new["metadata"]["component"]["modelCard"] == old["metadata"]["component"]["modelCard"]
    assert [c.get("modelCard") for c in new["components"]] == [
        c.get("modelCard") for c in old["components"]
    ]
    assert copy.deepcopy(new["dependencies"]) == old["dependencies"]


def test_model_cards_carry_no_content_of_artifacts_left_behind(
    realistic: PackageContent,
) -> None:
    """No artifact is evidence here: the cards state facts (names, counts, metric values),
    never a sample, a transcript or a preview, which leave only with chosen evidence."""
    assert realistic.evidence_uids == []
    log = json.loads(Path(INSPECT_LOG).read_text(encoding="utf-8"))
    samples = log["samples"]
    text = json.dumps(cyclonedx.build(realistic), ensure_ascii=False)
    assert samples
    for sample in samples:
        for message in sample["input"]:
            assert message["content"] not in text
        assert sample["output"]["choices"][0]["message"]["content"] not in text
    assert "# X-1" not in text  # the model card file's preview
    assert "Explain CVE triage" not in text  # the dataset's first record
