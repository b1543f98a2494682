"""Verify a package the way a vault sees it, and import it: the one home of both use cases.

Verifying inside a vault trusts the vault's trust store (minus revoked cards) plus any cards
the user names for this once, and decrypts with the unlocked user's own recipient key, so an
encrypted package addressed to this user is checked all the way down. ``package verify``
without a vault (the receiving side's first look) stays in ``packages.verify``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewstation.app.custody import CustodyForm, file_sha256
from reviewstation.app.identity import read_card
from reviewstation.canonical import loads_bounded
from reviewstation.packages import members, trust
from reviewstation.packages.importer import MAX_NATIVE, ImportResult, import_package
from reviewstation.packages.verify import VerifyReport, verify_package
from reviewstation.progress import CancelFlag
from reviewstation.vault.session import Session
from reviewstation.ziparchive import PackageRefused


def verify_in_vault(session: Session, path: Path, extra_cards: list[Path]) -> VerifyReport:
    """The verified package's report; raises a ReviewStationError naming the failed check."""
    cards = trust.trusted(session.conn) + [read_card(p) for p in extra_cards]
    revoked = trust.revoked_fingerprints(session.conn)
    recipient = session.identity.recipient if session.identity is not None else None
    with verify_package(path, cards, revoked=revoked, recipient=recipient) as package:
        return package.report()


@dataclass(frozen=True)
class ImportPreview:
    """What an import would bring, from the verified package, for the confirmation."""

    package_id: str
    sequence: int
    marking: str
    encrypted: bool
    signer: str
    signer_role: str
    signer_fingerprint: str
    review_title: str
    model: str
    findings: int
    runs: int
    evidence: int
    sha256: str  # of the package file, to compare with a declared one
    already_in: int  # the local review it was imported into before, else 0


def _document(package: Any, name: str) -> dict[str, Any]:
    if not package.zip.has(name):
        return {}
    doc = loads_bounded(package.read_checked(name), name, MAX_NATIVE)
    return doc if isinstance(doc, dict) else {}


def _count(doc: dict[str, Any], key: str) -> int:
    items = doc.get(key)
    return len(items) if isinstance(items, list) else 0


def preview_import(session: Session, path: Path, extra_cards: list[Path]) -> ImportPreview:
    """Verify the package as the import would, and say what it holds; changes nothing."""
    cards = trust.trusted(session.conn) + [read_card(p) for p in extra_cards]
    revoked = trust.revoked_fingerprints(session.conn)
    recipient = session.identity.recipient if session.identity is not None else None
    with verify_package(path, cards, revoked=revoked, recipient=recipient) as package:
        if package.encrypted and not package.decrypted:
            raise PackageRefused(
                "The package is encrypted for other people: it cannot be imported here."
            )
        manifest = package.manifest
        findings = _document(package, members.FINDINGS)
        runs = _document(package, members.CHECKLISTS)
        artifacts = _document(package, members.ARTIFACTS)
        review = findings.get("review")
        review = review if isinstance(review, dict) else {}
        records = artifacts.get("artifacts")
        evidence = sum(
            1
            for r in (records if isinstance(records, list) else [])
            if isinstance(r, dict) and r.get("evidence_member")
        )
        model = " ".join(str(review.get(k) or "") for k in ("model_name", "model_version")).strip()
        before = session.conn.execute(
            "SELECT review_id FROM package_imports WHERE package_id = ?", (manifest.package_id,)
        ).fetchone()
        return ImportPreview(
            package_id=manifest.package_id,
            sequence=manifest.sequence,
            marking=manifest.marking,
            encrypted=package.encrypted,
            signer=package.signer.name,
            signer_role=package.signer.role,
            signer_fingerprint=package.signer.fingerprint,
            review_title=str(review.get("title") or ""),
            model=model,
            findings=_count(findings, "findings"),
            runs=_count(runs, "runs"),
            evidence=evidence,
            sha256=file_sha256(path),
            already_in=int(before[0]) if before is not None else 0,
        )


def import_into_vault(
    session: Session,
    path: Path,
    extra_cards: list[Path],
    *,
    cancel: CancelFlag = None,
    custody: CustodyForm | None = None,
) -> ImportResult:
    """Verify (trust store plus ``extra_cards``) and import in one transaction.

    ``custody``: how the file arrived. A declared SHA-256 that differs from the file's refuses
    the import (it is not the file the sender described) and the refusal is audited."""
    arrival: dict[str, str] = {}
    if custody is not None:
        facts = custody.custody()
        declared, sums = custody.declared_hashes()
        if sums is not None:
            declared = sums.get(path.name)
            if declared is None:
                raise PackageRefused(
                    f"The declared hashes do not name {path.name}; give its SHA-256 alone."
                )
        arrival = {
            k: v
            for k, v in (
                ("medium", facts.medium),
                ("received_from", facts.received_from),
                ("received_at", facts.received_at),
            )
            if v
        }
        actual = file_sha256(path, cancel)
        arrival["sha256"] = actual
        if declared is not None:
            if actual != declared:
                reason = (
                    f"The package file's SHA-256 is {actual}, not the declared {declared}:"
                    " it is not the file that was described; nothing was imported."
                )
                session.record("package.import_refused", path.name, {"reason": reason})
                raise PackageRefused(reason)
            arrival["declared_sha256"] = declared
    cards = [read_card(p) for p in extra_cards]
    return import_package(session, path, cards, cancel=cancel, custody=arrival)
