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
from reviewstation.artifacts.intake import add_artifacts
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
    assert sig.kind == "signature" and sig.inspection["resources"] == 3
    assert sig.inspection["verified"] is None  # not before a key is supplied
    result = verify_model_signature(session, sig_id, craft.public_pem(KEY))
    assert result["valid"] is True and result["signature_verified"] is True
    assert result["counts"] == {"match": 3, "mismatch": 0, "missing": 0, "listed": 3, "unlisted": 0}
    assert result["key_hint_matches"] is True
    events = custody.events(session.conn, sig_id)
    assert events[-1]["event"] == "signature_verified"
    fingerprint = events[-1]["details"]["signer_fingerprint_sha256"]
    assert len(fingerprint) == 64
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
    assert result["valid"] and result["curve"] == "secp384r1"


def test_wrong_key_fails(session: Session, review: int, src: Path) -> None:
    folder = model_folder(src, FILES, craft.model_signature(FILES, KEY))
    other = ec.generate_private_key(ec.SECP256R1())
    sig_id = take_in(session, review, folder)
    result = verify_model_signature(session, sig_id, craft.public_pem(other))
    assert result["valid"] is False and result["signature_verified"] is False
    assert "does not verify" in result["problems"][0]
    assert custody.events(session.conn, sig_id)[-1]["event"] == "signature_failed"


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
    assert result["signature_verified"] is True and result["valid"] is False
    by_name = {f["name"]: f["result"] for f in result["files"]}
    assert by_name == {
        "README.md": "match",
        "config.json": "mismatch",
        "weights/part-1.bin": "missing",
    }
    assert result["unlisted"] == ["model/extra.py"]


def test_tampered_statement_fails(session: Session, review: int, src: Path) -> None:
    bundle = json.loads(craft.model_signature(FILES, KEY))
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["resources"][0]["digest"] = "00" * 32
    bundle["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    folder = model_folder(src, FILES, json.dumps(bundle).encode())
    result = verify_model_signature(
        session, take_in(session, review, folder), craft.public_pem(KEY)
    )
    assert result["valid"] is False and result["signature_verified"] is False
    assert any("inconsistent manifest" in p for p in result["problems"])


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
