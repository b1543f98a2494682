"""Building packages for tests, and rewriting them the way an attacker would."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.findings.service import add_finding
from reviewstation.package_content import Designation
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault
from support.vaults import PASS, make_vault

CANARY = "CanaryPackage5d1e"
# What an exporter enters for a classified (or CUI) package, as test packages carry it.
DESIGNATION = Designation(
    classified_by="R. Reviewer, Review Lead",
    derived_from="AI Review SCG, 2026-03-01",
    declassify_on="20511231",
    controlled_by="AI Safety Office",
    cui_category="CTI",
    dissemination="FEDCON",
    poc="R. Reviewer, +1 555 0100",
)


@dataclass
class Sender:
    vault: Path
    card: PublicIdentity
    evidence: Path


def sender(tmp: Path) -> Sender:
    (tmp / "sender").mkdir()
    vault = make_vault(tmp / "sender", marking="CUI")
    evidence = tmp / "eval-notes.txt"
    evidence.write_text(f"notes {CANARY}\n" * 1000)
    with open_vault(vault, PASS) as session:
        create_review(session, title=f"Model X {CANARY}", developer="Lab A", model_name="X-1")
        add_finding(
            session,
            1,
            title=f"Heap overflow {CANARY}",
            severity="high",
            kind="vulnerability",
            body=f"Found by fuzzing. {CANARY}",
            cvss_vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            cwe="CWE-787",
            product_id="pkg:pypi/libfoo@1.2",
            vex_status="affected",
        )
        run = start_run(session, 1, "intake-custody")
        set_answer(session, run.id, run.template.items[0].id, status="open", note=CANARY)
        add_artifacts(session, 1, [evidence])
        card = session.user.public_identity(session.vault_id)
    return Sender(vault, card, evidence)


def export(
    vault: Path,
    out: Path,
    *,
    recipients: list[PublicIdentity] | None = None,
    evidence: list[str] | None = None,
    designation: Designation | None = DESIGNATION,
) -> ExportResult:
    with open_vault(vault, PASS) as session:
        return export_package(
            session, 1, out, recipients=recipients, evidence=evidence, designation=designation
        )


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(src: Path, dst: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    content = change(members(src))
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in content.items():
            archive.writestr(name, data)
    return dst
