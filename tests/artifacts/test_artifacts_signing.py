"""OpenSSF model signatures verified offline against the reviewer's key and the imported files."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support import artifact_files as craft

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.attest import verify_model_signature
from reviewstation.artifacts.inspection import ModelSignatureSummary
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.signature_result import Counts, SignatureCheck, Verdict
from reviewstation.errors import InputError
from reviewstation.vault import audit
from reviewstation.vault.session import Session

FILES = {"config.json": b'{"a": 1}', "weights/part-1.bin": b"1" * 100, "README.md": b"# M\n"}
KEY = ec.generate_private_key(ec.SECP256R1())


def model_folder(src: Path, files: dict[str, bytes], signature: bytes) -> Path:
    folder = src / "model"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "model.sig").write_bytes(signature)
    return folder


def take_in(session: Session, review: int, folder: Path) -> int:
    added = add_artifacts(session, review, [folder]).added
    return next(a.id for a in added if a.path.endswith("model.sig"))


def test_valid_signature_is_recorded_in_custody(session: Session, review: int, src: Path) -> None:
    folder = model_folder(src, FILES, craft.model_signature(FILES, KEY))
    sig_id = take_in(session, review, folder)
    sig = catalog.get_artifact(session.conn, sig_id)
    assert isinstance(sig.inspection, ModelSignatureSummary)
    assert sig.kind == "signature" and sig.inspection.resources == 3
    assert sig.inspection.to_json()["verified"] is None  # not before a key is supplied
    result = verify_model_signature(session, sig_id, craft.public_pem(KEY))
    assert result.verdict is Verdict.VALID and result.valid and result.signature_verified
    assert result.counts == Counts(match=3, listed=3)
    assert result.signer.key_hint_matches is True
    assert result.reasons == ()
    events = custody.events(session.conn, sig_id)
    assert events[-1]["event"] == "signature_verified"
    fingerprint = events[-1]["details"]["signer_fingerprint_sha256"]
    assert len(fingerprint) == 64 and fingerprint == result.signer.fingerprint_sha256
    assert SignatureCheck.from_json(events[-1]["details"]) == result.record()
    for artifact in catalog.list_artifacts(session.conn, review):
        if artifact.id != sig_id:
            [event] = custody.events(session.conn, artifact.id)
            assert event["event"] == "signature_checked"
            assert event["details"]["result"] == "match"
            assert event["details"]["signer_fingerprint_sha256"] == fingerprint
    assert [e.action for e in audit.entries(session.conn)][-1] == "artifact.signature_check"


def test_p384_keys_work_too(session: Session, review: int, src: Path) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    folder = model_folder(src, FILES, craft.model_signature(FILES, key))
    result = verify_model_signature(
        session, take_in(session, review, folder), craft.public_pem(key)
    )
    assert result.valid and result.signer.curve == "secp384r1"


def test_wrong_key_fails(session: Session, review: int, src: Path) -> None:
    folder = model_folder(src, FILES, craft.model_signature(FILES, KEY))
    other = ec.generate_private_key(ec.SECP256R1())
    sig_id = take_in(session, review, folder)
    result = verify_model_signature(session, sig_id, craft.public_pem(other))
    # The bundle names the developer's key (its hint); the key supplied is another one.
    assert result.verdict is Verdict.UNKNOWN_KEY and not result.signature_verified
    assert result.signer.key_hint_matches is False
    assert "does not verify" in result.reasons[0] and "another key" in result.reasons[0]
    event = custody.events(session.conn, sig_id)[-1]
    assert event["event"] == "signature_failed"
    assert SignatureCheck.from_json(event["details"]).verdict is Verdict.UNKNOWN_KEY


def test_changed_missing_and_extra_files_are_named(
    session: Session, review: int, src: Path
) -> None:
    received = {
        "config.json": b'{"a": 2}',  # changed after signing
        "README.md": FILES["README.md"],
        "extra.py": b"print('unsigned')",  # not in the signature
    }  # weights/part-1.bin missing
    folder = model_folder(src, received, craft.model_signature(FILES, KEY))
    result = verify_model_signature(
        session, take_in(session, review, folder), craft.public_pem(KEY)
    )
    assert result.signature_verified and result.verdict is Verdict.INVALID
    assert "config.json: mismatch." in result.reasons
    by_name = {f.name: f.result for f in result.files}
    assert by_name == {
        "README.md": "match",
        "config.json": "mismatch",
        "weights/part-1.bin": "missing",
    }
    assert result.unlisted == ("model/extra.py",)
    assert result.counts == Counts(match=1, mismatch=1, missing=1, listed=3, unlisted=1)


def test_tampered_statement_fails(session: Session, review: int, src: Path) -> None:
    bundle = json.loads(craft.model_signature(FILES, KEY))
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["resources"][0]["digest"] = "00" * 32
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    folder = model_folder(src, FILES, json.dumps(bundle).encode())
    result = verify_model_signature(
        session, take_in(session, review, folder), craft.public_pem(KEY)
    )
    # Signed by the right key (the hint matches), but the payload was changed: INVALID.
    assert result.verdict is Verdict.INVALID and not result.signature_verified
    assert any("inconsistent manifest" in p for p in result.reasons)


def test_bad_keys_are_refused(session: Session, review: int, src: Path) -> None:
    folder = model_folder(src, FILES, craft.model_signature(FILES, KEY))
    sig_id = take_in(session, review, folder)
    with pytest.raises(InputError, match="PEM or DER"):
        verify_model_signature(session, sig_id, b"-----BEGIN PUBLIC KEY-----\nnope\n")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    ed = ed25519.Ed25519PrivateKey.generate().public_key()
    pem = ed.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(InputError, match="EC key"):
        verify_model_signature(session, sig_id, pem)
