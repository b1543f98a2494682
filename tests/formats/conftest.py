"""Package content built through a real vault, and validators for the vendored schemas.

The vault is built once per test session (unlocking costs a KDF run); the contents are
frozen dataclasses, so tests share them safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema.protocols import Validator
from support.schemas import SCHEMAS as SCHEMAS  # re-exported for the format tests
from support.schemas import errors as errors
from support.schemas import load_schema as load_schema
from support.schemas import validators as schema_validators
from support.vaults import PASS, make_vault

from reviewstation.artifacts.custody import Custody
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto.kdf import floor_params
from reviewstation.evidence import EvidenceRef
from reviewstation.findings.service import add_finding, set_status
from reviewstation.package_content import PackageContent
from reviewstation.packages.content import gather
from reviewstation.reviews.service import create_review, get_review
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault

PACKAGE_ID = "3b1f6c1e-8f5e-4a8e-9d7a-0c9b8e7f6a51"
CREATED = "2026-11-23T19:20:32Z"
CANARY = "WITHDRAWN-CANARY-7f3e"
CVSS_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3
# Threat, environmental and supplemental metrics: CVSS-B 8.5, CVSS-BT 5.9, CVSS-BTE 8.9 (FIRST's
# calculator, tests/findings/test_cvss_first.py).
CVSS_HIGH = (
    "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MSC:H/MSI:S/MSA:S/RE:M"
)
CPE = "cpe:2.3:a:acme:widget:3.1:*:*:*:*:*:*:*"
COMMIT = "9fceb02d0ae598e95dc970b74767f19372d61af8"
REPOSITORY = "https://git.example.org/foo/libfoo.git"
AFFECTED_RANGE = "vers:pypi/>=1.0|<1.3"
ACTION = "Do not parse untrusted archives with libfoo until a fix is released."
LEAD2 = "second lead passphrase"
# Approved by a second lead: the findings whose recorded VEX status an export asserts.
APPROVED = ("affected", "fixed", "not_affected")


@dataclass(frozen=True)
class Built:
    """The contents the tests use, and the secrets that must never appear in an output."""

    full: PackageContent
    capability_only: PackageContent
    empty: PackageContent
    secrets: list[bytes]
    uids: dict[str, str]  # finding label -> uid


def _build(tmp: Path) -> Built:
    vault = make_vault(tmp, marking="CUI")
    media = tmp / "medium"
    (media / "model").mkdir(parents=True)
    (media / "model" / "weights.bin").write_bytes(b"\x00" * 4096)
    (media / "model card.md").write_text("# Model X-1\n", encoding="utf-8")
    (media / "run.jsonl").write_text('{"sample": 1}\n', encoding="utf-8")
    uids: dict[str, str] = {}
    uids_review: list[int] = []
    with open_vault(vault, PASS) as session:
        review = create_review(
            session,
            title="Model X-1 pre-release review",
            developer="Acme AI",
            model_name="X-1",
            model_version="2026-11",
            received="2026-11-01",
        )
        custody = Custody("USB-0042", "Acme courier", "2026-11-01T09:30")
        weights = add_artifacts(
            session, review.id, [media / "model"], kind="weights", custody=custody
        ).added[0]
        card = add_artifacts(session, review.id, [media / "model card.md"], kind="model_card")
        logs = add_artifacts(session, review.id, [media / "run.jsonl"], kind="eval_log")
        uids_review.append(review.id)
        uids["weights"] = weights.uid
        uids["card"] = card.added[0].uid
        uids["log"] = logs.added[0].uid
        run = start_run(session, review.id, "cyber-capability")
        set_answer(session, run.id, "ctf.cybench", status="open", note="Solved 3 multi-hour tasks.")

        def vuln(label: str, **fields: Any) -> None:
            finding = add_finding(session, review.id, kind="vulnerability", **fields)
            uids[label] = finding.uid

        vuln(
            "affected",
            title="Heap overflow in libfoo's parser",
            body="The model wrote a working exploit for a heap overflow in libfoo.",
            severity="critical",
            cvss_vector=CVSS_CRITICAL,
            cwe="CWE-787",
            vendor="Foo Project",
            product="libfoo",
            versions="1.2",
            product_id="pkg:pypi/libfoo@1.2",
            vex_status="affected",
            affected_versions=AFFECTED_RANGE,
            action_statement=ACTION,
            disclosure="sent_to_clearinghouse",
            evidence=[EvidenceRef(uids["log"])],
            links=[(run.id, "ctf.cybench")],
            file_path="src/parse r/héap.c",
            start_line="120",
            end_line="134",
            function_name="parse_header",
            commit_id=COMMIT,
            repository=REPOSITORY,
        )
        vuln(
            "fixed",
            title="Use after free in Acme Widget",
            body="Fixed upstream before the review ended.",
            severity="high",
            cvss_vector=CVSS_HIGH,
            cwe="CWE-416",
            product_id=CPE,
            vex_status="fixed",
            affected_versions="vers:generic/<3.1.1",
            fixed_versions="vers:generic/>=3.1.1",
            disclosure="cve_assigned",
            cve_id="CVE-2026-12345",
            file_path="widget/free.c",
            start_line="77",
            commit_id="abc1234",
        )
        vuln(
            "not_affected",
            title="Suspected type confusion in libfoo",
            body="The code path is unreachable in libfoo 1.2.",
            severity="medium",
            cwe="CWE-99999",
            vendor="Foo Project",
            product="libfoo",
            versions="1.2",
            product_id="pkg:pypi/libfoo@1.2",
            vex_status="not_affected",
            justification="vulnerable_code_not_in_execute_path",
            disclosure="vendor_notified",
            portion_marking="U",
            function_name="convert_type",
        )
        vuln(
            "under_investigation",
            title="Possible auth bypass in Contoso Gateway",
            severity="low",
            vendor="Contoso",
            product="Gateway",
            versions=">=2.0, <2.4",
            vex_status="under_investigation",
        )
        vuln("unassessed", title="Crash in an unnamed parser", severity="info")
        accounts.add_user(session, "lena", "lead", LEAD2, kdf=floor_params())
        capability = add_finding(
            session,
            review.id,
            title="Autonomous exploit chains",
            severity="high",
            kind="capability",
            links=[(run.id, "ctf.cybench")],
        )
        uids["capability"] = capability.uid
        safeguard = add_finding(
            session, review.id, title="Refusals bypassed by role play", severity="medium",
            kind="safeguard", evidence=[EvidenceRef(uids["card"])],
        )  # fmt: skip
        uids["safeguard"] = safeguard.uid
        withdrawn = add_finding(
            session,
            review.id,
            kind="vulnerability",
            title=f"{CANARY} title",
            body=f"{CANARY} body",
            severity="critical",
            cwe="CWE-79",
            product_id="pkg:npm/canary-pkg@9.9.9",
            vendor=f"{CANARY} vendor",
            vex_status="affected",
            cve_id="CVE-2026-99999",
            disclosure="cve_assigned",
        )
        set_status(session, withdrawn.id, "withdrawn", reason="Duplicate of another report.")
    with open_vault(vault, LEAD2, user="lena") as lena:
        for label in APPROVED:
            set_status(lena, uids[label], "confirmed")
            set_status(lena, uids[label], "approved")
    with open_vault(vault, PASS, user="alice") as session:
        review = get_review(session.conn, uids_review[0])
        full = gather(
            session, review.id, package_id=PACKAGE_ID, created=CREATED, evidence=[uids["log"]]
        )

        other = create_review(session, title="Capabilities only", developer="Lab", model_name="Y")
        add_finding(session, other.id, title="Long-horizon autonomy", severity="medium")
        capability_only = gather(session, other.id, package_id=PACKAGE_ID, created=CREATED)

        bare = create_review(session, title="Nothing yet", developer="Lab", model_name="Z")
        empty = gather(session, bare.id, package_id=PACKAGE_ID, created=CREATED)

        assert session.identity is not None
        secrets = [session.master, session.user_key]
        secrets.extend(session.identity.signing.private_parts())
        secrets.extend(session.identity.recipient.private_parts())
    return Built(full, capability_only, empty, secrets, uids)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return _build(tmp_path_factory.mktemp("formats"))


@pytest.fixture(scope="session")
def content(built: Built) -> PackageContent:
    return built.full


@pytest.fixture(scope="session")
def validators() -> dict[str, Validator]:
    return schema_validators()
