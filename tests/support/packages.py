"""Building packages for tests, and rewriting them the way an attacker would."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewstation.app.determination import area_results
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.crypto.signing import HybridSigningKey
from reviewstation.findings.service import add_finding
from reviewstation.package_content import Designation
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.packages.seal import sign_sums
from reviewstation.packages.sums import build_sums, parse_sums
from reviewstation.packages.writer import ZipBuilder
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
            action_statement="Update libfoo.",
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
            session,
            1,
            out,
            recipients=recipients,
            evidence=evidence,
            designation=designation,
            determination=area_results(session, 1),
        )


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(src: Path, dst: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Path:
    """The changed members, written as the package writer writes (so that only the change,
    not the ZIP layout, is what a check can object to)."""
    content = change(members(src))
    with dst.open("wb") as out:
        builder = ZipBuilder(out)
        for name, data in content.items():
            builder.add(name, data, hashed=False)
        builder.close()
    return dst


def signing_key(vault: Path) -> HybridSigningKey:
    """The sender's own signing key: what a trusted but modified sender holds."""
    with open_vault(vault, PASS) as session:
        assert session.identity is not None
        return session.identity.signing


def resign(
    src: Path,
    dst: Path,
    key: HybridSigningKey,
    edit: Callable[[dict[str, Any]], object],
    member: str = "findings.json",
) -> Path:
    """A package as its (modified) sender would make it: one JSON member changed by ``edit``
    (in place), the checksums list recomputed and signed again with the sender's own key, so
    it verifies as the trusted sender's."""

    def change(m: dict[str, bytes]) -> dict[str, bytes]:
        doc = json.loads(m[member])
        edit(doc)
        m[member] = json.dumps(doc).encode()
        digests = parse_sums(m["SHA384SUMS"])
        digests[member] = hashlib.sha384(m[member]).hexdigest()
        m["SHA384SUMS"] = build_sums(digests)
        m.update(sign_sums(key, m["SHA384SUMS"]))
        return m

    return rewrite(src, dst, change)
