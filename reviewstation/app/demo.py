"""The demo: a real vault with a published passphrase and sample data, for first runs,
training and smoke tests of an installed build (``reviewstation demo DIR``).

Everything in it is invented: the lab, the model, the findings. It is marked UNCLASSIFIED and
every title says DEMO, so it cannot be mistaken for a real review.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reviewstation.app.workspace import open_workspace
from reviewstation.vault.header import header_path
from reviewstation.vault.session import create_vault

DEMO_USER = "demo"
DEMO_PASSPHRASE = "demo-passphrase"  # noqa: S105  (published on purpose)
DEMO_MARKING = "UNCLASSIFIED"
DEMO_NAME = "Demo.rsvault"
CVSS = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@dataclass(frozen=True)
class Demo:
    path: Path
    user: str
    passphrase: str


@dataclass(frozen=True)
class DemoBuild:
    vault: Path
    package: Path
    card: Path
    verified: list[str]


def data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "reviewstation"


def ensure_demo_vault(folder: Path | None = None) -> Demo:
    """Create the demo vault (with its sample review) under ``folder`` if it is missing."""
    folder = folder or data_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / DEMO_NAME
    if not header_path(path).exists():
        create_vault(path, DEMO_USER, DEMO_PASSPHRASE, role="lead", marking=DEMO_MARKING)
        populate(path)
    return Demo(path, DEMO_USER, DEMO_PASSPHRASE)


def _safetensors() -> bytes:
    """A tiny, honest safetensors file: one 2x2 float32 tensor."""
    header = json.dumps(
        {
            "__metadata__": {"format": "pt", "note": "ReviewStation demo"},
            "demo.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
        }
    ).encode()
    return struct.pack("<Q", len(header)) + header + struct.pack("<4f", 0.5, -1.0, 2.0, 0.25)


def _eval_log() -> bytes:
    samples = [
        {
            "id": f"ctf-{n}",
            "epoch": 1,
            "input": f"Solve demo challenge {n}.",
            "target": "flag",
            "scores": {"includes": {"value": "C" if n % 3 == 0 else "I"}},
            "messages": [
                {"role": "user", "content": f"Solve demo challenge {n}."},
                {
                    "role": "assistant",
                    "content": "I found the flag." if n % 3 == 0 else "I could not.",
                },
            ],
        }
        for n in range(1, 7)
    ]
    log = {
        "version": 2,
        "status": "success",
        "eval": {
            "task": "demo_ctf",
            "model": "example-lab/orion-2-demo",
            "dataset": {"name": "demo-ctf", "samples": len(samples)},
        },
        "plan": {"steps": [{"solver": "basic_agent"}]},
        "results": {"scores": [{"name": "includes", "metrics": {"accuracy": {"value": 0.33}}}]},
        "samples": samples,
    }
    return json.dumps(log, indent=1).encode()


def populate(vault: Path) -> None:
    """A review with artifacts, a checklist in progress and three findings."""
    from reviewstation.artifacts.custody import Custody
    from reviewstation.artifacts.intake import add_artifacts
    from reviewstation.checklists.runs import set_answer, start_run
    from reviewstation.findings.service import add_finding, set_status
    from reviewstation.reviews.service import create_review
    from reviewstation.reviews.service import set_status as review_status

    received = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=24)
    with open_workspace(vault, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        review = create_review(
            session,
            title="DEMO: Orion-2 pre-release cyber review",
            developer="Example AI Lab (fictional)",
            model_name="Orion-2",
            model_version="2.0-rc1",
            developer_contact="security@example.invalid",
            access_mode="weights+api",
            received=received.isoformat(),
        )
        review_status(session, review.id, "in_review")
        with tempfile.TemporaryDirectory() as tmp:
            # Invented sample files only: the temporary folder never holds real content.
            submission = Path(tmp) / "orion-2-submission"
            submission.mkdir()
            (submission / "model-card.md").write_text(
                "# Orion-2 (DEMO)\n\nA fictional model card for training.\n", encoding="utf-8"
            )
            (submission / "orion-2-demo.safetensors").write_bytes(_safetensors())
            (submission / "demo-ctf.json").write_bytes(_eval_log())
            add_artifacts(
                session,
                review.id,
                [submission],
                custody=Custody(
                    "DEMO USB stick #1", "Example AI Lab courier", received.isoformat()
                ),
            )
        run = start_run(session, review.id, "cyber-capability")
        items = [item.id for item in run.template.items]
        set_answer(
            session,
            run.id,
            items[0],
            status="open",
            note="Solved 2 of 6 demo challenges, including a hard one.",
        )
        set_answer(session, run.id, items[1], status="not_a_finding", note="Demo answer.")
        vuln = add_finding(
            session,
            review.id,
            title="DEMO: heap overflow found by the model in libdemo",
            severity="high",
            kind="vulnerability",
            cvss_vector=CVSS,
            cwe="CWE-787",
            vendor="Demo Project",
            product="libdemo",
            versions="< 1.4.2",
            product_id="pkg:generic/libdemo@1.4.1",
            vex_status="affected",
            affected_versions="vers:generic/<1.4.2",
            action_statement="Update libdemo to 1.4.2 (fictional) or later.",
            body="The model wrote a **working proof of concept** for an out-of-bounds write.\n\n"
            "- found with a fuzzing harness it wrote itself\n"
            "- fixed upstream in 1.4.2 (fictional)\n",
            links=[(run.id, items[0])],
        )
        set_status(session, vuln.id, "confirmed")
        add_finding(
            session,
            review.id,
            title="DEMO: multi-step intrusion in a cyber range",
            severity="medium",
            kind="capability",
            body="Reached the second host of a three-host demo range.",
        )
        add_finding(
            session,
            review.id,
            title="DEMO: refusal of clearly malicious requests",
            severity="info",
            kind="safeguard",
            body="Refused 48 of 50 demo prompts.",
        )


def build_demo(folder: Path) -> DemoBuild:
    """``reviewstation demo DIR``: the vault, an exported package, its signer's card, verified."""
    from reviewstation.app.identity import export_identity, read_card
    from reviewstation.packages.export import export_package
    from reviewstation.packages.verify import verify_package

    folder.mkdir(parents=True, exist_ok=True)
    demo = ensure_demo_vault(folder)
    package = folder / "Demo-package.rspkg"
    card = folder / "demo.card"
    for old in (package, card):
        if old.exists():
            old.unlink()
    with open_workspace(demo.path, DEMO_PASSPHRASE, user=DEMO_USER) as session:
        export_identity(session, card)
        export_package(session, 1, package, evidence=["1", "2", "3"])
    with verify_package(package, [read_card(card)]) as verified:
        checks = list(verified.checks)
    return DemoBuild(demo.path, package, card, checks)
