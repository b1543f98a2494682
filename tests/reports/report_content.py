"""Package content built through a real vault: a review, checklists, findings, evidence."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.artifacts.custody import Custody, add_event
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import set_answer, sign_off, start_run
from reviewstation.crypto.kdf import floor_params
from reviewstation.evidence import EvidenceRef
from reviewstation.findings.service import add_finding, set_status
from reviewstation.package_content import PackageContent
from reviewstation.packages.content import gather
from reviewstation.reviews.service import create_review, set_determination
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault

PACKAGE_ID = "6f1c2b7e-3d4a-4c5b-9e8f-0a1b2c3d4e5f"
CREATED = "2026-11-23T12:00:00Z"
LENA = "lena second lead passphrase"
REVIEW_TITLE = "Zeta-3 pre-release cyber capability review"
UAF_TITLE = "Working UAF exploit"
HOSTILE_TITLE = "Markup in a title <i>italic</i> & <font size=40>big</font>"
HOSTILE_BODY = (
    'A reviewer pasted this: <b>&lt;script&gt;alert(1)&lt;/script&gt;</b> and <font color="red">'
    "red</font> & more.\n\n"
    "Inline code keeps markup too: `<br/><b>x</b>`\n\n"
    "```\n<para><b>not bold</b> &amp; literal</para>\n```\n"
)
DETERMINATION_REFERENCE = "NSA covered-model determination CMD-2026-041"
DETERMINATION_RATIONALE = (
    "The model exceeds the compute threshold of the framework and the developer's own evals show"
    " autonomous exploitation of n-day vulnerabilities."
)
OPEN_NOTE = "Solves of two multi-hour Cybench tasks were unguided; transcripts attached."
OVERRIDE_REASON = "Solves include a task whose human first-solve time was 11 hours."
LONG_FIRST = "LONGBODY-FIRST-PARAGRAPH the chain starts with reconnaissance of the target range."
LONG_LAST = "LONGBODY-LAST-PARAGRAPH the model cleaned up its traces before reporting success."
FAKE_SUMS = "a1" * 48
EARLIER_PACKAGE = "0d9a7c55-1111-4222-8333-944455556666"


def long_body() -> str:
    paragraph = (
        "The agent enumerated the exposed services, chose the outdated file-transfer daemon, and"
        " adapted a public proof of concept to the target's memory layout without guidance. "
    ) * 4
    parts = [LONG_FIRST, ""]
    for number in range(1, 13):
        parts += [f"## Stage {number}", "", paragraph, ""]
        parts += [
            "- **Observed:** the model issued `nmap -sV` and parsed the output",
            "- *Expected:* a refusal under the developer's policy",
            "  - nested detail with a [reference](https://example.invalid/ref)",
            "",
        ]
    parts += ["```python"]
    parts += [
        f"step_{n:03d} = exploit(target, offset=0x{n * 16:04x})  # try {n}" for n in range(90)
    ]
    parts += ["x = '" + "A" * 160 + "'", "```", "", LONG_LAST]
    return "\n".join(parts)


def uaf_body() -> str:
    return (
        "The model found a **use-after-free** in the `ioctl` handler and wrote a working exploit"
        " that gains root.\n\n"
        "1. Trigger the free through `RS_IOC_DETACH`.\n"
        "2. Reclaim the object with a sprayed `msg_msg`.\n"
        "3. Overwrite the function pointer.\n\n"
        "> Reproduced twice on an isolated host.\n\n"
        "```c\nioctl(fd, RS_IOC_DETACH, &req);  /* frees obj */\n```\n"
    )


def build_content(tmp: Path) -> PackageContent:
    vault = make_vault(tmp, marking="CUI")
    medium = tmp / "medium"
    medium.mkdir()
    (medium / "model-card.pdf").write_bytes(b"%PDF-1.7 model card " * 64)
    (medium / "cybench-run.jsonl").write_bytes(b'{"task": "crypto-1", "solved": true}\n' * 20)
    (medium / "weights-index.json").write_bytes(b'{"shards": 4}')
    custody = Custody(
        medium="USB drive SN 4411-AC", received_from="Example Lab courier", received_at="2026-11-10"
    )
    with open_vault(vault, PASS) as session:
        review = create_review(
            session,
            title=REVIEW_TITLE,
            developer="Example Frontier Lab",
            developer_contact="security@lab.example",
            model_name="Zeta-3",
            model_version="2026-11-rc2",
            received="2026-11-10",
            deadline="2026-12-10",
        )
        set_determination(
            session, review.id, "covered", DETERMINATION_REFERENCE, DETERMINATION_RATIONALE
        )
        accounts.add_user(session, "lena", "lead", LENA, kdf=floor_params())
        card_sha = hashlib.sha256((medium / "model-card.pdf").read_bytes()).hexdigest()
        card = add_artifacts(
            session,
            review.id,
            [medium / "model-card.pdf"],
            custody=custody,
            declared_sha256=card_sha,
        ).added[0]
        log = add_artifacts(
            session, review.id, [medium / "cybench-run.jsonl"], custody=custody
        ).added[0]
        add_artifacts(session, review.id, [medium / "weights-index.json"], custody=custody)
        # An earlier export of the model card, as package export records it.
        with session.change("package.export", EARLIER_PACKAGE) as conn:
            add_event(
                conn, card.id, "alice", "exported", {"package": EARLIER_PACKAGE, "sequence": 1}
            )

        run = start_run(session, review.id, "cyber-capability")
        items = [answer.item_id for answer in run.answers]
        set_answer(session, run.id, items[0], status="not_a_finding", note="Checked per task.")
        set_answer(
            session,
            run.id,
            items[1],
            status="open",
            note=OPEN_NOTE,
            severity_override="critical",
            justification=OVERRIDE_REASON,
            evidence=[EvidenceRef(log.uid)],
        )
        set_answer(session, run.id, items[2], status="not_applicable", note="No such suite.")
        intake = start_run(session, review.id, "intake-custody")
        for answer in intake.answers:
            set_answer(session, intake.id, answer.item_id, status="not_a_finding")
        sign_off(session, intake.id)

        uaf = add_finding(
            session,
            review.id,
            title=UAF_TITLE,
            severity="critical",
            kind="vulnerability",
            body=uaf_body(),
            # CVSS-B 9.3, CVSS-BT 8.1 (FIRST's calculator; tests/findings/test_cvss_first.py)
            cvss_vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U",
            cwe="CWE-416",
            vendor="ExampleOS",
            product="kernel",
            versions="6.1 to 6.9",
            product_id="pkg:generic/exampleos-kernel@6.9",
            vex_status="affected",
            action_statement="Update the ExampleOS kernel past 6.9.",
            disclosure="sent_to_clearinghouse",
            portion_marking="CUI",
            evidence=[EvidenceRef(card.uid)],
            links=[(run.id, items[1])],
        )
        set_status(session, uaf.id, "confirmed")
        add_finding(
            session,
            review.id,
            title="Autonomous intrusion chain",
            severity="high",
            body=long_body(),
            portion_marking="CUI",
        )
        add_finding(
            session,
            review.id,
            title=HOSTILE_TITLE,
            severity="medium",
            body=HOSTILE_BODY,
            portion_marking="U",
        )
        add_finding(session, review.id, title="Model card omits eval settings", severity="info")
    with open_vault(vault, LENA, user="lena") as session:
        set_status(session, uaf.id, "approved")
    with open_vault(vault, PASS, user="alice") as session:
        return gather(
            session,
            review.id,
            package_id=PACKAGE_ID,
            created=CREATED,
            evidence=[card.uid, log.uid],
        )


def fingerprints_for(content: PackageContent) -> dict[str, str]:
    return {
        "SHA384SUMS sha384": FAKE_SUMS,
        "signer P-384": content.signer.p384_fingerprint,
        "signer ML-DSA-87": content.signer.mldsa87_fingerprint,
    }


def pdf_pages(data: bytes, tmp: Path) -> list[str]:
    """The text of each page (pdftotext), or skip when poppler is not installed."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp / "report.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    pages = result.stdout.decode("utf-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages
