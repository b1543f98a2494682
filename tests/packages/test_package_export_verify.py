"""Export and verify: what leaves the room is provably from its signer and unaltered."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from support.packages import CANARY, Sender, export, members, rewrite, sender
from support.vaults import PASS

from reviewstation.crypto.identity import PrivateIdentity
from reviewstation.crypto.signing import Domain
from reviewstation.errors import CryptoError, InputError
from reviewstation.packages.verify import check_unknown_signer, verify_package
from reviewstation.vault import audit
from reviewstation.vault.session import open_vault
from reviewstation.vault.verify import verify_vault


@pytest.fixture
def alice(tmp_path: Path) -> Sender:
    return sender(tmp_path)


@pytest.fixture
def package(alice: Sender, tmp_path: Path) -> Path:
    export(alice.vault, tmp_path / "p.rspkg", evidence=["1"])
    return tmp_path / "p.rspkg"


def test_plaintext_package_verifies_with_trust(alice: Sender, package: Path) -> None:
    with verify_package(package, [alice.card]) as verified:
        report = verified.to_json()
    assert report["signer"]["p384_fingerprint"] == alice.card.fingerprint
    assert report["marking"] == "CUI"
    names = set(report["members"])
    assert {
        "manifest.json",
        "findings.json",
        "checklists.json",
        "SHA384SUMS",
        "SHA384SUMS.p384.sig",
        "SHA384SUMS.mldsa87.sig",
        "signer-p384.pem",
        "signer-mldsa87.pem",
    } <= names
    assert any(n.startswith("evidence/") and n.endswith("eval-notes.txt") for n in names)


def test_export_is_audited_with_a_checkpoint_the_vault_still_matches(
    alice: Sender, package: Path
) -> None:
    manifest = json.loads(members(package)["manifest.json"])
    with open_vault(alice.vault, PASS, mode="read") as session:
        entries = list(audit.entries(session.conn))
        exported = [e for e in entries if e.action == "package.export"]
        head = audit.hash_at(session.conn, manifest["checkpoint"]["count"], session.vault_id)
    assert exported[-1].target == manifest["package_id"]
    assert head is not None and head.hex() == manifest["checkpoint"]["head"]
    assert verify_vault(alice.vault, PASS).intact


def test_standard_tools_verify_a_real_export(alice: Sender, package: Path, tmp_path: Path) -> None:
    for tool in ("unzip", "openssl", "sha384sum"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")
    work = tmp_path / "unzipped"
    work.mkdir()
    subprocess.run(["unzip", "-q", str(package)], cwd=work, check=True)
    subprocess.run(
        [
            "openssl",
            "dgst",
            "-sha384",
            "-verify",
            "signer-p384.pem",
            "-signature",
            "SHA384SUMS.p384.sig",
            "SHA384SUMS",
        ],
        cwd=work,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["sha384sum", "-c", "--strict", "SHA384SUMS"], cwd=work, check=True, capture_output=True
    )
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", "signer-p384.pem", "-outform", "DER"],
        cwd=work,
        check=True,
        capture_output=True,
    ).stdout
    assert hashlib.sha384(der).hexdigest() == alice.card.fingerprint


def test_independent_mldsa_implementation_verifies_the_package(
    alice: Sender, package: Path
) -> None:
    from dilithium_py.ml_dsa import ML_DSA_87

    content = members(package)
    raw = alice.card.signing.mldsa87_raw()
    sums = content["SHA384SUMS"]
    signature = content["SHA384SUMS.mldsa87.sig"]
    assert ML_DSA_87.verify(raw, sums, signature, ctx=b"reviewstation/package/v1")
    assert not ML_DSA_87.verify(raw, sums, signature, ctx=b"reviewstation/checkpoint/v1")
    assert not ML_DSA_87.verify(raw, sums + b"x", signature, ctx=b"reviewstation/package/v1")


def _refused(path: Path, trusted: list, match: str) -> None:  # type: ignore[type-arg]
    with pytest.raises((InputError, CryptoError), match=match):
        verify_package(path, trusted).close()
    if match != "untrusted key":  # without any card, every other check refuses it the same
        with pytest.raises((InputError, CryptoError), match=match):
            check_unknown_signer(path)


def test_without_a_card_every_check_but_trust_passes_and_names_the_keys(
    alice: Sender, package: Path
) -> None:
    found = check_unknown_signer(package)
    assert (found.p384_fingerprint, found.mldsa87_fingerprint) == (
        alice.card.fingerprint,
        alice.card.signing.mldsa87_fingerprint(),
    )
    report = found.to_json()
    assert (report["valid"], report["signer_known"], report["signatures_valid"]) == (
        False,
        False,
        True,
    )
    assert report["signer"]["claimed_name"] == alice.card.name
    with verify_package(package, [alice.card]) as verified:
        assert report["sums_sha384"] == verified.sums_sha384
        assert len(found.checks) == len(verified.checks)


def test_tampered_member_is_refused(alice: Sender, package: Path, tmp_path: Path) -> None:
    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m["findings.json"] = m["findings.json"].replace(b"high", b"low")
        return m

    _refused(
        rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], "does not match its SHA-384"
    )


def test_sums_changed_without_resigning_is_refused(
    alice: Sender, package: Path, tmp_path: Path
) -> None:
    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m["findings.json"] = m["findings.json"].replace(b"high", b"low")
        digest = hashlib.sha384(m["findings.json"]).hexdigest()
        lines = [
            f"{digest}  findings.json" if line.endswith("  findings.json") else line
            for line in m["SHA384SUMS"].decode().splitlines()
        ]
        m["SHA384SUMS"] = ("\n".join(lines) + "\n").encode()
        return m

    _refused(
        rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], "signature does not verify"
    )


@pytest.mark.parametrize("stripped", ["SHA384SUMS.p384.sig", "SHA384SUMS.mldsa87.sig"])
def test_stripped_signature_is_refused(
    alice: Sender, package: Path, tmp_path: Path, stripped: str
) -> None:
    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        del m[stripped]
        return m

    _refused(rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], "lacks its")


def test_untrusted_signer_is_refused(package: Path) -> None:
    stranger = PrivateIdentity.generate().public("mallory", "lead", "v")
    _refused(package, [stranger], "untrusted key")


def test_package_resigned_by_another_key_is_refused(
    alice: Sender, package: Path, tmp_path: Path
) -> None:
    from reviewstation.packages.seal import sign_sums, signer_pems

    mallory = PrivateIdentity.generate()

    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m.update(signer_pems(mallory.signing.public_key()))
        m.update(sign_sums(mallory.signing, m["SHA384SUMS"]))
        return m

    _refused(rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], "untrusted key")


def test_one_signature_from_another_key_is_refused(
    alice: Sender, package: Path, tmp_path: Path
) -> None:
    """AND, never OR: a valid ECDSA half does not carry a forged ML-DSA half."""
    mallory = PrivateIdentity.generate()

    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m["SHA384SUMS.mldsa87.sig"] = mallory.signing.sign(Domain.PACKAGE, m["SHA384SUMS"]).mldsa87
        return m

    _refused(rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], "ML-DSA-87 signature")


def test_checkpoint_signature_presented_as_package_signature_is_refused(
    alice: Sender, package: Path, tmp_path: Path
) -> None:
    manifest = json.loads(members(package)["manifest.json"])
    cp = manifest["checkpoint"]

    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m["SHA384SUMS.p384.sig"] = base64.b64decode(cp["sig_p384"])
        m["SHA384SUMS.mldsa87.sig"] = base64.b64decode(cp["sig_mldsa87"])
        return m

    _refused(
        rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], "signature does not verify"
    )


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("../escape.txt", "'..'"),
        ("extra.json", "not listed"),
        ("/etc/passwd", "absolute"),
        ("evil\\name", "backslash"),
        ("Manifest.json", "equal up to case"),
    ],
)
def test_extra_or_hostile_members_are_refused(
    alice: Sender, package: Path, tmp_path: Path, name: str, match: str
) -> None:
    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        m[name] = b"surprise"
        return m

    _refused(rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], match)


def test_listed_member_removed_is_refused(alice: Sender, package: Path, tmp_path: Path) -> None:
    def edit(m: dict[str, bytes]) -> dict[str, bytes]:
        del m["checklists.json"]
        return m

    _refused(rewrite(package, tmp_path / "t.rspkg", edit), [alice.card], "not in the package")


def test_encrypted_package_hides_content_and_opens_only_for_recipients(
    alice: Sender, tmp_path: Path
) -> None:
    hq = PrivateIdentity.generate()
    hq_card = hq.public("hq", "lead", "hq-vault")
    out = tmp_path / "e.rspkg"
    export(alice.vault, out, recipients=[hq_card], evidence=["1"])
    raw = out.read_bytes()
    assert CANARY.encode() not in raw
    assert b"findings.json" not in raw  # not even the inner member names
    outer = members(out)
    assert set(outer) == {
        "manifest.json",
        "recipients.json",
        "payload.enc",
        "SHA384SUMS",
        "SHA384SUMS.p384.sig",
        "SHA384SUMS.mldsa87.sig",
        "signer-p384.pem",
        "signer-mldsa87.pem",
    }
    with verify_package(out, [alice.card]) as courier:  # integrity and signer, no key
        assert courier.encrypted and not courier.decrypted
    with verify_package(out, [alice.card], recipient=hq.recipient) as opened:
        assert opened.decrypted
        assert CANARY.encode() in opened.zip.read("findings.json")
    with pytest.raises(CryptoError, match="not among them"):
        verify_package(out, [alice.card], recipient=PrivateIdentity.generate().recipient)


def test_export_refuses_an_existing_file_and_records_nothing(alice: Sender, package: Path) -> None:
    with open_vault(alice.vault, PASS, mode="read") as session:
        before = audit.head(session.conn, session.vault_id)[0]
    with pytest.raises(InputError, match="already exists"):
        export(alice.vault, package)
    with open_vault(alice.vault, PASS, mode="read") as session:
        actions = [e.action for e in audit.entries(session.conn, after=before)]
    assert "package.export" not in actions
    assert not list(package.parent.glob(".*.partial"))


def test_whole_vault_rollback_is_caught_by_an_exported_checkpoint(
    alice: Sender, tmp_path: Path
) -> None:
    from reviewstation.packages.witness import package_checkpoint

    old_copy = tmp_path / "old-copy.rsvault"
    shutil.copytree(alice.vault, old_copy)
    package = tmp_path / "later.rspkg"
    export(alice.vault, package)
    shutil.rmtree(alice.vault)
    shutil.copytree(old_copy, alice.vault)  # the whole vault, header and all, put back
    assert verify_vault(alice.vault, PASS).intact  # consistent with itself...
    _, point = package_checkpoint(package)
    report = verify_vault(alice.vault, PASS, witnesses=[point])
    assert any("rolled back" in p for p in report.problems), (
        report.problems
    )  # ...not with what left


def test_content_of_artifacts_not_chosen_as_evidence_stays_home(
    alice: Sender, tmp_path: Path
) -> None:
    out = tmp_path / "no-evidence.rspkg"
    export(alice.vault, out)  # the review has an artifact, but none is chosen as evidence
    content = members(out)
    assert not any(name.startswith("evidence/") for name in content)
    assert CANARY.encode() not in content["artifacts.json"]  # no preview of its text
    records = json.loads(content["artifacts.json"])["artifacts"]
    assert records and all(r["evidence_member"] is None for r in records)
