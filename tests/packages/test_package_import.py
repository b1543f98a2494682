"""The receiving side: import once, merge, refuse replays, rollbacks and strangers."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.packages import CANARY, Sender, export, rewrite, sender
from support.vaults import PASS

from reviewstation.artifacts import catalog
from reviewstation.artifacts.blobstore import iter_plaintext
from reviewstation.artifacts.inspection import PickleScan, SafetensorsSummary
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import CryptoError, InputError
from reviewstation.findings import query, service
from reviewstation.packages import trust
from reviewstation.packages.importer import import_package
from reviewstation.vault import audit
from reviewstation.vault.session import create_vault, open_vault
from reviewstation.vault.verify import verify_vault

HQ = "headquarters passphrase"


@pytest.fixture
def alice(tmp_path: Path) -> Sender:
    return sender(tmp_path)


@pytest.fixture
def hq(tmp_path: Path) -> Path:
    path = tmp_path / "hq.rsvault"
    create_vault(path, "hana", HQ, marking="CUI", kdf=floor_params())
    return path


def state(vault: Path) -> tuple[int, int, list[str]]:
    with open_vault(vault, HQ, mode="read") as session:
        count = audit.head(session.conn, session.vault_id)[0]
        findings = query.count(session.conn)
    blobs = (
        sorted(p.name for p in (vault / "blobs").glob("*")) if (vault / "blobs").exists() else []
    )
    return count, findings, blobs


def test_import_brings_findings_runs_and_evidence(alice: Sender, hq: Path, tmp_path: Path) -> None:
    package = tmp_path / "p.rspkg"
    export(alice.vault, package, evidence=["1"])
    with open_vault(hq, HQ) as session:
        result = import_package(session, package, [alice.card])
        assert (result.findings_added, result.runs_added, result.evidence_added) == (1, 1, 1)
        finding = query.all_findings(session.conn)[0]
        assert CANARY in finding.title
        artifact = catalog.list_artifacts(session.conn, result.review_id)[0]
        content = b"".join(
            iter_plaintext(session.path, artifact.blob_ref(session.master, session.vault_id))
        )
        assert content == alice.evidence.read_bytes()
        actions = [e.action for e in audit.entries(session.conn)]
    assert "package.import" in actions
    assert verify_vault(hq, HQ).intact


def test_exact_replay_is_reported_and_changes_nothing(
    alice: Sender, hq: Path, tmp_path: Path
) -> None:
    package = tmp_path / "p.rspkg"
    export(alice.vault, package)
    with open_vault(hq, HQ) as session:
        import_package(session, package, [alice.card])
    before = state(hq)
    with open_vault(hq, HQ) as session:
        again = import_package(session, package, [alice.card])
    assert again.already
    assert state(hq)[1:] == before[1:]


def test_older_sequence_from_the_same_signer_is_refused(
    alice: Sender, hq: Path, tmp_path: Path
) -> None:
    old, new = tmp_path / "1.rspkg", tmp_path / "2.rspkg"
    export(alice.vault, old)
    export(alice.vault, new)
    with open_vault(hq, HQ) as session:
        import_package(session, new, [alice.card])
        with pytest.raises(InputError, match="older package"):
            import_package(session, old, [alice.card])


def test_later_package_updates_findings_as_revisions(
    alice: Sender, hq: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "1.rspkg", tmp_path / "2.rspkg"
    export(alice.vault, first)
    with open_vault(alice.vault, PASS) as session:
        service.update_finding(session, 1, severity="critical", body="Worse than thought.")
    export(alice.vault, second)
    with open_vault(hq, HQ) as session:
        import_package(session, first, [alice.card])
        result = import_package(session, second, [alice.card])
        assert (result.findings_added, result.findings_updated) == (0, 1)
        findings = query.all_findings(session.conn)
        assert [f.severity for f in findings] == ["critical"]
        history = service.revisions(session.conn, findings[0].id)
    assert history[-1]["changes"]["severity"] == ["high", "critical"]
    assert history[-1]["changes"]["imported"]["package"] == result.package_id


def test_tampered_package_changes_nothing(alice: Sender, hq: Path, tmp_path: Path) -> None:
    package = tmp_path / "p.rspkg"
    export(alice.vault, package, evidence=["1"])

    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m["checklists.json"] = m["checklists.json"].replace(b"open", b"not_a_finding")
        return m

    bad = rewrite(package, tmp_path / "bad.rspkg", edit)
    before = state(hq)
    with open_vault(hq, HQ) as session, pytest.raises(InputError, match="SHA-384"):
        import_package(session, bad, [alice.card])
    after = state(hq)
    assert after[1:] == before[1:]


def test_trust_store_and_revocation(alice: Sender, hq: Path, tmp_path: Path) -> None:
    from reviewstation.crypto.identity import PrivateIdentity, export_card

    package = tmp_path / "p.rspkg"
    export(alice.vault, package)
    with open_vault(hq, HQ) as session, pytest.raises(CryptoError, match="untrusted"):
        import_package(session, package, [])
    with open_vault(alice.vault, PASS) as session:
        assert session.identity is not None
        card = export_card(session.identity, alice.card)
    with open_vault(hq, HQ) as session:
        trust.add(session, card)
        assert import_package(session, package, []).findings_added == 1
        trust.revoke(session, alice.card.fingerprint[:20])
    second = tmp_path / "2.rspkg"
    export(alice.vault, second)
    with open_vault(hq, HQ) as session, pytest.raises(CryptoError, match="revoked"):
        import_package(session, second, [alice.card])
    del PrivateIdentity


def test_encrypted_package_imports_for_its_recipient_only(
    alice: Sender, hq: Path, tmp_path: Path
) -> None:
    with open_vault(hq, HQ) as session:
        hq_card = session.user.public_identity(session.vault_id)
    out = tmp_path / "e.rspkg"
    export(alice.vault, out, recipients=[hq_card], evidence=["1"])
    with open_vault(hq, HQ) as session:
        result = import_package(session, out, [alice.card])
    assert result.evidence_added == 1
    other = tmp_path / "other.rsvault"
    create_vault(other, "olga", HQ, kdf=floor_params())
    with open_vault(other, HQ) as session, pytest.raises(CryptoError, match="not among them"):
        import_package(session, out, [alice.card])


def test_signed_but_unfit_content_is_refused_whole(alice: Sender, hq: Path, tmp_path: Path) -> None:
    """A trusted signer's package whose content breaks this vault's rules imports nothing."""
    import hashlib

    from reviewstation.packages.seal import sign_sums
    from reviewstation.packages.sums import build_sums, parse_sums

    package = tmp_path / "p.rspkg"
    export(alice.vault, package, evidence=["1"])
    with open_vault(alice.vault, PASS) as session:
        assert session.identity is not None
        signing = session.identity.signing

    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m["checklists.json"] = m["checklists.json"].replace(b'"status":"open"', b'"status":"maybe"')
        digests = parse_sums(m["SHA384SUMS"])
        digests["checklists.json"] = hashlib.sha384(m["checklists.json"]).hexdigest()
        m["SHA384SUMS"] = build_sums(digests)
        m.update(sign_sums(signing, m["SHA384SUMS"]))
        return m

    bad = rewrite(package, tmp_path / "bad.rspkg", edit)
    before = state(hq)
    with open_vault(hq, HQ) as session, pytest.raises(InputError, match="nothing was imported"):
        import_package(session, bad, [alice.card])
    assert state(hq)[1:] == before[1:]


def test_links_survive_and_refusals_are_audited(alice: Sender, hq: Path, tmp_path: Path) -> None:
    from reviewstation.checklists.runs import list_runs

    with open_vault(alice.vault, PASS) as session:
        run = list_runs(session.conn)[0]
        service.update_finding(session, 1, links=[(run.id, run.template.items[0].id)])
    package = tmp_path / "p.rspkg"
    export(alice.vault, package)
    with open_vault(hq, HQ) as session:
        with pytest.raises(CryptoError):
            import_package(session, package, [])  # untrusted: refused, and recorded
        import_package(session, package, [alice.card])
        finding = query.all_findings(session.conn)[0]
        links = service.get_finding(session.conn, finding.id).links
        refused = [e for e in audit.entries(session.conn) if e.action == "package.import_refused"]
    assert [item for _, item in links] == [run.template.items[0].id]
    assert "untrusted" in refused[0].details["reason"]


def test_a_package_marked_above_the_vault_is_refused(alice: Sender, tmp_path: Path) -> None:
    low = tmp_path / "unclassified.rsvault"
    create_vault(low, "ulla", HQ, marking="UNCLASSIFIED", kdf=floor_params())
    package = tmp_path / "p.rspkg"
    export(alice.vault, package)  # marked CUI
    with open_vault(low, HQ) as session, pytest.raises(InputError, match="above this vault"):
        import_package(session, package, [alice.card])


def test_imported_evidence_is_inspected_here_not_taken_from_the_sender(
    alice: Sender, hq: Path, tmp_path: Path
) -> None:
    """A sender (with a modified client, or a key it should not hold) labels a pickle that runs
    a command as safetensors, and signs the package. This vault's own inspectors decide what
    the file is; the label is kept only as the sender's claim."""
    import hashlib
    import json

    from support.artifact_files import PICKLE_OS_SYSTEM

    from reviewstation.artifacts.intake import add_artifacts
    from reviewstation.packages.seal import sign_sums
    from reviewstation.packages.sums import build_sums, parse_sums

    pickle_file = tmp_path / "model.bin"
    pickle_file.write_bytes(PICKLE_OS_SYSTEM)
    with open_vault(alice.vault, PASS) as session:
        (added,) = add_artifacts(session, 1, [pickle_file]).added
        assert added.inspection.format == "pickle"  # the sender's vault knew
        assert session.identity is not None
        signing = session.identity.signing
    package = tmp_path / "p.rspkg"
    export(alice.vault, package, evidence=[str(added.id)])
    forged = {"format": "safetensors", "kind": "weights", "tensor_count": 1, "warnings": []}

    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        doc = json.loads(m["artifacts.json"])
        for record in doc["artifacts"]:
            if record["uid"] == added.uid:
                record["inspection"] = forged
        m["artifacts.json"] = json.dumps(doc).encode()
        digests = parse_sums(m["SHA384SUMS"])
        digests["artifacts.json"] = hashlib.sha384(m["artifacts.json"]).hexdigest()
        m["SHA384SUMS"] = build_sums(digests)
        m.update(sign_sums(signing, m["SHA384SUMS"]))
        return m

    lying = rewrite(package, tmp_path / "lying.rspkg", edit)
    with open_vault(hq, HQ) as session:
        result = import_package(session, lying, [alice.card])
        (imported,) = [
            a for a in catalog.list_artifacts(session.conn, result.review_id) if a.uid == added.uid
        ]
    inspection = imported.inspection
    assert isinstance(inspection, PickleScan) and inspection.can_run_code
    risks = {x.callable: x.risk for x in inspection.imports}
    assert risks["os.system"] == "dangerous"
    # The forged summary is kept as the sender's claim, checked and labelled as one.
    claim = inspection.claim
    assert isinstance(claim, SafetensorsSummary) and claim.is_claim and not inspection.is_claim
    assert claim.tensor_count == 1
    assert imported.to_json()["inspection"]["sender_inspection"] == forged  # kept as said
