"""Custody declared at intake, for artifacts and for packages: the form's checks, the preview
before a package import, and the custody recorded (or the import refused on a wrong hash)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from support.packages import CANARY, Sender, export, sender
from support.vaults import PASS, make_vault

from reviewstation.app.custody import CustodyForm, import_artifacts
from reviewstation.app.identity import export_identity
from reviewstation.app.packages import import_into_vault, preview_import
from reviewstation.artifacts import catalog, custody
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError
from reviewstation.reviews.service import create_review
from reviewstation.vault import audit
from reviewstation.vault.session import create_vault, open_vault
from reviewstation.ziparchive import PackageRefused

HQ = "headquarters passphrase"
SHA_A = "a" * 64


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        (CustodyForm(received_at="23/11/2026"), "is not like 2026-11-23"),
        (CustodyForm(declared="abc"), "64 hexadecimal digits"),
        (CustodyForm(declared=f"{SHA_A}  a.bin\nnonsense"), "Line 2 of the declared hashes"),
        (CustodyForm(medium="x" * 201), "source medium label must be at most 200"),
    ],
)
def test_a_malformed_custody_form_says_what_is_wrong(form: CustodyForm, problem: str) -> None:
    with pytest.raises(InputError, match=problem):
        form.check()


@pytest.mark.parametrize(
    ("declared", "single", "sums"),
    [
        ("", None, None),
        (f"sha256:{SHA_A.upper()}", SHA_A, None),
        (f"{SHA_A}  a.bin\n\n{'b' * 64} *b.bin\n", None, {"a.bin": SHA_A, "b.bin": "b" * 64}),
    ],
)
def test_declared_hashes_are_one_sha256_or_a_list(
    declared: str, single: str | None, sums: dict[str, str] | None
) -> None:
    assert CustodyForm(declared=declared).declared_hashes() == (single, sums)


def test_artifact_import_records_every_custody_field(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    good, bad = tmp_path / "good.bin", tmp_path / "bad.bin"
    good.write_bytes(b"good")
    bad.write_bytes(b"bad")
    declared = f"{hashlib.sha256(b'good').hexdigest()}  good.bin\n{SHA_A}  bad.bin"
    form = CustodyForm("USB #4 (SN 77)", "Courier K. Ng", "2026-11-23T14:05", declared)
    with open_vault(vault, PASS) as session:
        review = create_review(session, title="R", developer="D", model_name="M")
        result = import_artifacts(session, review.id, [good, bad], form)
        by_path = {a.path: a for a in catalog.list_artifacts(session.conn, review.id)}
    assert len(result.added) == 2 and len(result.mismatches) == 1
    artifact = by_path["good.bin"]
    assert (artifact.medium, artifact.received_from, artifact.received_at) == (
        "USB #4 (SN 77)",
        "Courier K. Ng",
        "2026-11-23T14:05:00",
    )
    assert artifact.declared_match and not by_path["bad.bin"].declared_match


@pytest.fixture
def alice(tmp_path: Path) -> Sender:
    return sender(tmp_path)


@pytest.fixture
def hq(tmp_path: Path) -> Path:
    path = tmp_path / "hq.rsvault"
    create_vault(path, "hana", HQ, marking="CUI", kdf=floor_params())
    return path


def test_preview_says_what_an_import_brings_and_changes_nothing(
    alice: Sender, hq: Path, tmp_path: Path
) -> None:
    package, card = tmp_path / "p.rspkg", tmp_path / "alice.card"
    export(alice.vault, package, evidence=["1"])
    with open_vault(alice.vault, PASS) as session:
        export_identity(session, card)
    with open_vault(hq, HQ) as session:
        before = audit.head(session.conn, session.vault_id)[0]
        preview = preview_import(session, package, [card])
        assert audit.head(session.conn, session.vault_id)[0] == before
    assert (preview.signer, preview.signer_fingerprint) == ("alice", alice.card.fingerprint)
    assert (preview.findings, preview.runs, preview.evidence) == (1, 1, 1)
    assert preview.review_title == f"Model X {CANARY}" and preview.model == "X-1"
    assert preview.marking.startswith("CUI") and preview.already_in == 0
    assert preview.sha256 == hashlib.sha256(package.read_bytes()).hexdigest()


def test_package_import_records_its_custody_or_refuses_a_wrong_hash(
    alice: Sender, hq: Path, tmp_path: Path
) -> None:
    package, card = tmp_path / "p.rspkg", tmp_path / "alice.card"
    export(alice.vault, package, evidence=["1"])
    with open_vault(alice.vault, PASS) as session:
        export_identity(session, card)
    actual = hashlib.sha256(package.read_bytes()).hexdigest()
    with open_vault(hq, HQ) as session:
        with pytest.raises(PackageRefused, match="not the declared"):
            import_into_vault(session, package, [card], custody=CustodyForm(declared=SHA_A))
        assert session.conn.execute("SELECT count(*) FROM package_imports").fetchone()[0] == 0
        form = CustodyForm("DVD #2", "Lab A courier", "2026-11-24", f"{actual}  p.rspkg")
        result = import_into_vault(session, package, [card], custody=form)
        entries = list(audit.entries(session.conn, 0))
        (artifact,) = catalog.list_artifacts(session.conn, result.review_id)
        events = custody.events(session.conn, artifact.id)
    refused = [e for e in entries if e.action == "package.import_refused"]
    assert refused and "not the declared" in refused[0].details["reason"]
    (entry,) = [e for e in entries if e.action == "package.import"]
    expected = {
        "medium": "DVD #2",
        "received_from": "Lab A courier",
        "received_at": "2026-11-24",
        "sha256": actual,
        "declared_sha256": actual,
    }
    assert entry.details["custody"] == expected
    (imported,) = [e for e in events if e["event"] == "imported_from_package"]
    assert imported["details"]["package_custody"] == expected
