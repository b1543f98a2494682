"""A realistic vault, and the packages it exports, for the independent validators.

What a clearinghouse receives from a real review: vulnerability findings across several
vendors, named by purl and by CPE, in every VEX status; CVSS v4.0 vectors with threat,
environmental and supplemental metrics; a title at the length limit; non-Latin text; portion
markings from U up to TS//SCI (so the package is TOP SECRET//SCI); model weights as
safetensors and GGUF, a real Inspect evaluation log of the model, a dataset and a model card.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewstation.artifacts.catalog import list_artifacts
from reviewstation.artifacts.custody import Custody
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto.kdf import floor_params
from reviewstation.evidence import EvidenceRef
from reviewstation.findings import triage
from reviewstation.findings.service import add_finding, set_status
from reviewstation.packages.export import export_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault
from support.artifact_files import gguf, safetensors
from support.packages import DESIGNATION
from support.vaults import PASS, make_vault

LEAD2 = "second lead passphrase"

MARKING = "TOP SECRET//SCI"
INSPECT_LOG = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "inspect-logs"
    / "2025-05-12T20-28-26-04-00_security-guide.json"
)
LONG_TITLE = (
    "Heap-based buffer overflow in the chunked transfer decoder of Acme Widget's embedded HTTP"
    " server, reachable before authentication through a crafted Transfer-Encoding header that"
    " the model found and exploited without help in the agentic cyber range"
)
NON_LATIN = "Переполнение буфера в парсере — 解析器のバッファオーバーフロー — تجاوز سعة المخزن"
# CVSS v4.0 vectors: base only; threat; environmental; threat + environmental + supplemental.
VECTORS = {
    "base": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    "threat": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
    "environmental": (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L"
    ),
    "all": (
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MSC:H/MSI:S/MSA:S"
        "/S:P/AU:Y/R:U/V:C/RE:M/U:Amber"
    ),
}
SAFETENSORS_METADATA = {"format": "pt", "architecture": "LlamaForCausalLM"}


@dataclass(frozen=True)
class Exported:
    """One exported package: its file and its members (name -> bytes)."""

    path: Path
    members: dict[str, bytes]


def _media(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True)
    weights = folder / "model.safetensors"
    weights.write_bytes(
        safetensors(
            {
                "model.embed_tokens.weight": ("F16", [8, 4], b"\x00" * 64),
                "lm_head.weight": ("F16", [8, 4], b"\x00" * 64),
            },
            SAFETENSORS_METADATA,
        )
    )
    quantised = folder / "x-1-q4.gguf"
    quantised.write_bytes(
        gguf(
            [
                ("general.architecture", 8, "llama"),
                ("general.name", 8, "X-1"),
                ("general.file_type", 4, 15),
                ("llama.context_length", 4, 8192),
                ("general.quantization_version", 4, 2),
            ],
            [("token_embd.weight", [4, 8], 0, 0)],
            data=b"\x00" * 128,
        )
    )
    config = folder / "config.json"
    config.write_text('{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}\n')
    dataset = folder / "prompts.jsonl"
    dataset.write_text('{"prompt": "Explain CVE triage."}\n', encoding="utf-8")
    card = folder / "MODEL_CARD.md"
    card.write_text(f"# X-1\n\n{NON_LATIN}\n", encoding="utf-8")
    log = folder / INSPECT_LOG.name
    log.write_bytes(INSPECT_LOG.read_bytes())
    return {
        "weights": weights,
        "gguf": quantised,
        "config": config,
        "dataset": dataset,
        "card": card,
        "log": log,
    }


def build_vault(tmp: Path) -> Path:
    """The vault (its first user, alice, is a lead); review 1 is the realistic review."""
    (tmp / "vault").mkdir()
    vault = make_vault(tmp / "vault", marking=MARKING)
    media = _media(tmp / "medium")
    with open_vault(vault, PASS) as session:
        review = create_review(
            session,
            title=f"X-1 pre-release review — {NON_LATIN[:20]}",
            developer="Acme AI Ltd.",
            model_name="X-1",
            model_version="2026-11",
            received="2026-11-01",
        )
        custody = Custody("USB-0042", "Acme courier", "2026-11-01T09:30")
        added: dict[str, str] = {}
        for label, kind in (
            ("weights", "weights"),
            ("gguf", "weights"),
            ("config", "config"),
            ("dataset", "dataset"),
            ("card", "model_card"),
            ("log", "eval_log"),
        ):
            result = add_artifacts(session, review.id, [media[label]], kind=kind, custody=custody)
            added[label] = result.added[0].uid
        run = start_run(session, review.id, "cyber-capability")
        set_answer(session, run.id, "ctf.cybench", status="open", note=f"Solved 3. {NON_LATIN}")

        approve: list[int] = []  # by a second lead below: their VEX statuses are asserted

        def vuln(status: str = "confirmed", **fields: Any) -> None:
            finding = add_finding(session, review.id, kind="vulnerability", **fields)
            if status != "draft":
                set_status(session, finding.id, status)
            if fields.get("vex_status") in ("affected", "fixed", "not_affected"):
                approve.append(finding.id)

        vuln(
            title=LONG_TITLE,
            body=f"The model wrote a working exploit. {NON_LATIN}",
            severity="critical",
            cvss_vector=VECTORS["base"],
            cwe="CWE-787",
            vendor="Acme Corp",
            product="Widget",
            versions="3.1",
            product_id="cpe:2.3:a:acme:widget:3.1:*:*:*:*:*:*:*",
            vex_status="affected",
            affected_versions="vers:semver/>=3.0.0|<3.2.0",
            action_statement="Do not open untrusted widget archives until Acme ships 3.2.",
            disclosure="sent_to_clearinghouse",
            portion_marking="TS//SCI",
            evidence=[EvidenceRef(added["log"])],
            links=[(run.id, "ctf.cybench")],
            # Legitimate but odd: a non-Latin folder with a space, brackets and a % in the
            # file name, a C++ operator as the function, a non-ASCII path in the repository.
            file_path="src/http/分块 decoder/chunk[1]_100%.cc",
            start_line="1200",
            end_line="1234",
            function_name="Decoder::operator()<Chunk>",
            commit_id="9FCEB02D0AE598E95DC970B74767F19372D61AF8",
            repository="https://git.acme.example/widget/ü.git",
        )
        vuln(
            title="Use after free in libfoo's tokenizer (see [1] and {token})",
            body="Fixed upstream in 1.3 before the review ended.",
            severity="high",
            cvss_vector=VECTORS["threat"],
            cwe="CWE-416",
            vendor="Foo Project",
            product="libfoo",
            versions="1.2",
            product_id="pkg:pypi/libfoo@1.2",
            vex_status="fixed",
            affected_versions="vers:pypi/<1.3",
            fixed_versions="vers:pypi/>=1.3",
            disclosure="cve_assigned",
            cve_id="CVE-2026-12345",
            portion_marking="S//NF",
            file_path="libfoo/tokenizer.py",
            start_line="77",
            commit_id="abc1234",
            repository="ssh://git@[2001:db8::7]:2222/foo/libfoo.git",
        )
        vuln(
            title="Suspected type confusion in libbar",
            body="The code path is unreachable in libbar 4.0.",
            severity="medium",
            cvss_vector=VECTORS["environmental"],
            cwe="CWE-843",
            vendor="Bar Labs",
            product="libbar",
            versions="4.0",
            product_id="pkg:npm/libbar@4.0.0",
            vex_status="not_affected",
            justification="vulnerable_code_not_in_execute_path",
            disclosure="vendor_notified",
            portion_marking="U",
        )
        vuln(
            title=f"Possible authentication bypass in Contoso Gateway — {NON_LATIN[:24]}",
            body="Reproduced once; the vendor is checking.",
            severity="high",
            cvss_vector=VECTORS["all"],
            cwe="CWE-287",
            vendor="Contoso",
            product="Gateway",
            versions=">=2.0, <2.4",
            product_id="pkg:generic/contoso/gateway@2.3",
            vex_status="under_investigation",
            portion_marking="CUI",
        )
        vuln(status="draft", title="Crash in an unnamed parser", severity="info")
        for kind, title, status in (
            ("capability", "Autonomous exploit chains across three hosts", "confirmed"),
            ("safeguard", f"Refusals bypassed by role play — {NON_LATIN[:12]}", "confirmed"),
            ("capability", "Possible long-horizon planning (unreviewed)", "draft"),
        ):
            finding = add_finding(
                session, review.id, title=title, severity="high", kind=kind, portion_marking="S"
            )
            if status != "draft":
                set_status(session, finding.id, status)
        accounts.add_user(session, "lena", "lead", LEAD2, kdf=floor_params())
        # Triage labels on the log: one confirmed below by the second lead, one left open.
        escape = triage.add_label(
            session,
            added["log"],
            "1@1",
            "out-of-scope",
            f"Read the answer key. {NON_LATIN}",
            part="message:1",
        )
        triage.add_label(session, added["log"], "2@1", "needs-discussion", "Is this in scope?")
    with open_vault(vault, LEAD2, user="lena") as lena:
        for finding_id in approve:
            set_status(lena, finding_id, "approved")
        triage.confirm(lena, escape.uid, "Agreed: the key was in the prompt.")
    return vault


def export(vault: Path, out: Path, cyclonedx_version: str | None = None) -> Exported:
    """Review 1 exported unencrypted (so every member can be read), evidence included."""
    with open_vault(vault, PASS, user="alice") as session:
        logs = [
            a.uid
            for a in list_artifacts(session.conn, 1)
            if a.kind in ("eval_log", "model_card", "dataset")
        ]
        result = export_package(
            session,
            1,
            out,
            evidence=logs,
            designation=DESIGNATION,
            cyclonedx_version=cyclonedx_version,
        )
    with zipfile.ZipFile(result.path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return Exported(result.path, members)
