"""Genuine OpenSSF model_signing bundles (upstream's own test data, and bundles written by the
upstream writer) verify VALID offline; every tampered variant is INVALID.

Fixtures: tests/fixtures/model-signing/README.md says where each file comes from.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa
from dilithium_py.ml_dsa import ML_DSA_44, ML_DSA_65, ML_DSA_87

from reviewstation.artifacts import attest
from reviewstation.artifacts.attest import verify_model_signature
from reviewstation.artifacts.inspectors import model_signing
from reviewstation.artifacts.inspectors.model_signing import Resource
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.signature_result import Verdict
from reviewstation.errors import InputError
from reviewstation.vault.session import Session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "model-signing"
UPSTREAM = FIXTURES / "upstream"
GENERATED = FIXTURES / "generated"
UPSTREAM_KEY = UPSTREAM / "keys" / "signing-key-pub.pem"  # certtool text before the block
UPSTREAM_CA = UPSTREAM / "keys" / "ca-cert.pem"
FULCIO = FIXTURES / "sigstore" / "fulcio-chain.pem"


@dataclass(frozen=True)
class Case:
    folder: Path
    key: Path  # a public key, or certificates the chain must lead to
    algorithm: str  # the signer's curve / parameter set
    legacy: bool = False  # model_signing v0.2's PAE (and SHA-256 on P-384)
    listed: int = 2

    @property
    def id(self) -> str:
        return f"{self.folder.name}+{self.key.name}"


GENUINE = [
    # upstream scripts/tests: every bundle version it carries, with the key it verifies with
    Case(UPSTREAM / "v0.2.0-certificate", UPSTREAM_CA, "secp384r1", legacy=True),
    Case(UPSTREAM / "v0.2.0-certificate", UPSTREAM_KEY, "secp384r1", legacy=True),
    Case(UPSTREAM / "v0.3.1-certificate", UPSTREAM_CA, "secp384r1"),
    Case(UPSTREAM / "v0.3.1-elliptic-key", UPSTREAM_KEY, "secp384r1", listed=1),  # "."
    Case(UPSTREAM / "v0.3.1-sigstore", FULCIO, "secp256r1"),
    Case(UPSTREAM / "v1.0.0-certificate", UPSTREAM_CA, "secp384r1"),
    Case(UPSTREAM / "v1.0.0-elliptic-key", UPSTREAM_KEY, "secp384r1", listed=1),  # "."
    Case(UPSTREAM / "v1.0.0-sigstore", FULCIO, "secp256r1"),
    Case(UPSTREAM / "v1.0.1-certificate", UPSTREAM_CA, "secp384r1"),
    Case(UPSTREAM / "v1.0.1-elliptic-key", UPSTREAM_KEY, "secp384r1"),
    Case(UPSTREAM / "v1.0.1-sigstore", FULCIO, "secp256r1"),
    Case(UPSTREAM / "v1.1.0-certificate", UPSTREAM_CA, "secp384r1"),
    Case(UPSTREAM / "v1.1.0-certificate", UPSTREAM_KEY, "secp384r1"),
    Case(UPSTREAM / "v1.1.0-elliptic-key", UPSTREAM_KEY, "secp384r1"),
    Case(UPSTREAM / "v1.1.0-sigstore", FULCIO, "secp256r1"),
    # written by model_signing 1.1.1 (tests/fixtures/model-signing/make_bundles.py)
    Case(GENERATED / "files-sha256-p521", GENERATED / "keys/p521.pub.pem", "secp521r1", listed=4),
    Case(GENERATED / "files-blake2-p256", GENERATED / "keys/p256.pub.pem", "secp256r1", listed=4),
    Case(GENERATED / "files-blake3-p256", GENERATED / "keys/p256.pub.pem", "secp256r1", listed=4),
    Case(GENERATED / "shards-sha256-p384", GENERATED / "keys/p384.pub.pem", "secp384r1", listed=16),
    Case(
        GENERATED / "single-file-sha256-p256",
        GENERATED / "keys/p256.pub.pem",
        "secp256r1",
        listed=1,
    ),
    Case(
        GENERATED / "single-file-shards-p384",
        GENERATED / "keys/p384.pub.pem",
        "secp384r1",
        listed=3,
    ),
    Case(
        GENERATED / "certificate-chain-p256", GENERATED / "keys/root-ca.pem", "secp256r1", listed=4
    ),
]


def take_in(session: Session, review: int, src: Path, folder: Path) -> tuple[int, Path]:
    """Copy a fixture model folder onto the medium, import it; the signature's artifact id."""
    copy = src / folder.name
    shutil.copytree(folder, copy)
    added = add_artifacts(session, review, [copy]).added
    return next(a.id for a in added if a.path.endswith("model.sig")), copy


@pytest.mark.parametrize("case", GENUINE, ids=lambda c: c.id)
def test_genuine_bundle_is_valid(session: Session, review: int, src: Path, case: Case) -> None:
    sig_id, _ = take_in(session, review, src, case.folder)
    # v1.0 bundles do not record their ignored file; upstream verifies them with
    # --ignore-paths ignore-me, as a reviewer does here.
    unsigned = ["ignore-me"] if (case.folder / "ignore-me").exists() else []
    result = verify_model_signature(session, sig_id, case.key.read_bytes(), ignore=unsigned)
    assert result.reasons == ()
    assert result.verdict is Verdict.VALID and result.signature_verified
    assert result.counts.listed == case.listed == result.counts.match
    assert result.signer.curve == case.algorithm
    assert result.signer.legacy_encoding is case.legacy
    if (case.folder / "ignore-me").exists():  # unsigned on purpose: listed in ignore_paths
        ignore = f"{case.folder.name}/ignore-me"
        assert result.unlisted == (ignore,)
        if case.folder.name.startswith("v1.1"):
            assert result.excluded_by_signer == (ignore,)
    else:
        assert result.unlisted == result.excluded_by_signer == ()
    if case.key.name.endswith(".pub.pem") or case.key == UPSTREAM_KEY:
        assert result.signer.trust_anchor is None
    else:
        assert result.signer.trust_anchor and result.signer.certificate_subject


def _flip(path: Path, offset: int = -1) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _edit_bundle(copy: Path, change: Callable[[dict[str, object]], None]) -> None:
    bundle = json.loads((copy / "model.sig").read_bytes())
    change(bundle)
    (copy / "model.sig").write_text(json.dumps(bundle))


def _change_entry(bundle: dict[str, object]) -> None:
    envelope = bundle["dsseEnvelope"]
    assert isinstance(envelope, dict)
    statement = json.loads(base64.b64decode(envelope["payload"]))
    listed = statement["predicate"]["resources"] if "resources" in str(statement) else None
    entries = listed if listed else statement["subject"]
    entry = entries[-1]
    if "digest" in entry and isinstance(entry["digest"], dict):
        entry["digest"]["sha256"] = hashlib.sha256(b"other").hexdigest()
    else:
        entry["digest"] = hashlib.sha256(b"other").hexdigest()
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()


def _change_signature(bundle: dict[str, object]) -> None:
    envelope = bundle["dsseEnvelope"]
    assert isinstance(envelope, dict)
    raw = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
    raw[len(raw) // 2] ^= 0x40
    envelope["signatures"][0]["sig"] = base64.b64encode(bytes(raw)).decode()


def _signed_file(copy: Path) -> Path:
    """The last file the bundle lists (shards: the file of the last shard)."""
    bundle = model_signing.parse_bundle((copy / "model.sig").read_bytes())
    listed, _ = model_signing.resources(bundle)
    return copy / listed[-1].path


def _other_key(case: Case, tmp: Path) -> Path:
    if case.key.suffix == ".pem" and b"CERTIFICATE" in case.key.read_bytes():
        # another CA: the same chain must not lead to it
        other = GENERATED / "keys/root-ca.pem"
        return other if case.key != other else UPSTREAM_CA
    curve = {"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1()}.get(
        case.algorithm, ec.SECP521R1()
    )
    pem = (
        ec.generate_private_key(curve)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp / "other.pem").write_bytes(pem)
    return tmp / "other.pem"


TAMPERS = ("file changed", "manifest entry changed", "signature changed", "wrong key")


@pytest.mark.parametrize("tamper", TAMPERS)
@pytest.mark.parametrize("case", GENUINE, ids=lambda c: c.id)
def test_tampered_bundle_is_invalid(
    session: Session, review: int, src: Path, tmp_path: Path, case: Case, tamper: str
) -> None:
    copy = src / case.folder.name
    shutil.copytree(case.folder, copy)
    key = case.key
    if tamper == "file changed":
        _flip(_signed_file(copy))
    elif tamper == "manifest entry changed":
        _edit_bundle(copy, _change_entry)
    elif tamper == "signature changed":
        _edit_bundle(copy, _change_signature)
    else:
        key = _other_key(case, tmp_path)
    added = add_artifacts(session, review, [copy]).added
    sig_id = next(a.id for a in added if a.path.endswith("model.sig"))
    result = verify_model_signature(session, sig_id, key.read_bytes())
    assert result.verdict in (Verdict.INVALID, Verdict.UNKNOWN_KEY), result.reasons
    assert not result.valid and result.reasons
    if tamper == "file changed":
        assert result.signature_verified and result.counts.mismatch == 1
    else:
        assert not result.signature_verified


def test_blake3_without_the_package_is_said_not_guessed(
    session: Session, review: int, src: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attest, "_blake3", lambda: None)
    sig_id, _ = take_in(session, review, src, GENERATED / "files-blake3-p256")
    result = verify_model_signature(session, sig_id, (GENERATED / "keys/p256.pub.pem").read_bytes())
    assert result.signature_verified and result.verdict is Verdict.INCOMPLETE
    assert attest.NO_BLAKE3 in result.reasons
    assert {f.result for f in result.files} == {"not compared (blake3)"}


# ML-DSA: model_signing does not write ML-DSA bundles yet; Sigstore's specs define ML-DSA keys
# (pure ML-DSA, empty context). The bundle is made here as upstream's key signer makes an EC
# one, and the signature is checked with the independent dilithium-py too.
MLDSA = [
    (mldsa.MLDSA44PrivateKey, ML_DSA_44, "ML-DSA-44"),
    (mldsa.MLDSA65PrivateKey, ML_DSA_65, "ML-DSA-65"),
    (mldsa.MLDSA87PrivateKey, ML_DSA_87, "ML-DSA-87"),
]


def _mldsa_bundle(files: dict[str, bytes], key: object) -> bytes:
    resources = [
        {"name": n, "algorithm": "sha256", "digest": hashlib.sha256(d).hexdigest()}
        for n, d in sorted(files.items())
    ]
    root = hashlib.sha256(b"".join(bytes.fromhex(r["digest"]) for r in resources)).hexdigest()
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "model", "digest": {"sha256": root}}],
        "predicateType": "https://model_signing/signature/v1.0",
        "predicate": {
            "serialization": {"method": "files", "hash_type": "sha256", "allow_symlinks": False},
            "resources": resources,
        },
    }
    payload = json.dumps(statement).encode()
    message = model_signing.pae(model_signing.IN_TOTO_PAYLOAD, payload)
    signature = key.sign(message)  # type: ignore[attr-defined]
    pem = key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return json.dumps(
        {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "publicKey": {"hint": hashlib.sha256(pem).hexdigest()},
                "tlogEntries": [],
            },
            "dsseEnvelope": {
                "payload": base64.b64encode(payload).decode(),
                "payloadType": model_signing.IN_TOTO_PAYLOAD,
                "signatures": [{"sig": base64.b64encode(signature).decode(), "keyid": ""}],
            },
        }
    ).encode()


@pytest.mark.parametrize(("private", "reference", "name"), MLDSA, ids=[m[2] for m in MLDSA])
@pytest.mark.parametrize("tamper", ["none", "file changed", "signature changed", "wrong key"])
def test_mldsa_keys(
    session: Session,
    review: int,
    src: Path,
    private: type[mldsa.MLDSA65PrivateKey],
    reference: object,
    name: str,
    tamper: str,
) -> None:
    files = {"config.json": b'{"a": 1}', "weights.bin": b"w" * 300}
    key = private.generate()
    bundle = _mldsa_bundle(files, key)
    envelope = json.loads(bundle)["dsseEnvelope"]
    message = model_signing.pae(
        model_signing.IN_TOTO_PAYLOAD, base64.b64decode(envelope["payload"])
    )
    assert reference.verify(  # type: ignore[attr-defined]
        key.public_key().public_bytes_raw(),
        message,
        base64.b64decode(envelope["signatures"][0]["sig"]),
    )
    folder = src / "model"
    folder.mkdir()
    for file, data in files.items():
        (folder / file).write_bytes(b"W" + data[1:] if tamper == "file changed" else data)
    if tamper == "signature changed":
        raw = bytearray(base64.b64decode(envelope["signatures"][0]["sig"]))
        raw[7] ^= 1
        obj = json.loads(bundle)
        obj["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(raw)).decode()
        bundle = json.dumps(obj).encode()
    (folder / "model.sig").write_bytes(bundle)
    supplied = private.generate() if tamper == "wrong key" else key
    pem = supplied.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    added = add_artifacts(session, review, [folder]).added
    sig_id = next(a.id for a in added if a.path.endswith("model.sig"))
    result = verify_model_signature(session, sig_id, b"An ML-DSA key, as issued:\n" + pem)
    assert result.signer.curve == name
    if tamper == "none":
        assert result.verdict is Verdict.VALID and result.counts.match == 2
    else:
        assert result.verdict in (Verdict.INVALID, Verdict.UNKNOWN_KEY) and result.reasons


def _shard(start: int, end: int, size: int | None = 64) -> Resource:
    return Resource(f"f:{start}:{end}", "sha256-sharded-64", "00", "f", start, end, "sha256", size)


@pytest.mark.parametrize(
    ("size", "shards", "problem"),
    [
        (140, [(0, 64), (64, 128), (128, 140)], None),
        (140, [(64, 128), (0, 64), (128, 140)], None),  # any order
        (64, [(0, 64)], None),
        (140, [(0, 64), (128, 140)], "bytes 64..128 are not covered"),
        (140, [(0, 64), (64, 128)], "bytes 128..140 are not covered"),
        (140, [(0, 64), (60, 128), (128, 140)], "shards overlap at byte 60"),
        (140, [(0, 32), (32, 96), (96, 140)], "shard 0:32 is not 64 bytes long"),
        (140, [(0, 140)], "shard 0:140 is not 64 bytes long"),
        (140, [(0, 64), (64, 140)], "shard 64:140 is not 64 bytes long"),
        (140, [(0, 64), (64, 128), (128, 140), (128, 140)], "shards overlap at byte 128"),
    ],
)
def test_shards_must_cover_the_file_exactly(
    size: int, shards: list[tuple[int, int]], problem: str | None
) -> None:
    assert attest.shard_gaps(size, [_shard(a, b) for a, b in shards]) == problem


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (UPSTREAM_KEY.read_bytes(), "secp384r1"),  # certtool's explanatory text first
        (
            b"\r\n" + (GENERATED / "keys/p521.pub.pem").read_bytes().replace(b"\n", b"\r\n"),
            "secp521r1",
        ),
        (
            serialization.load_pem_public_key(UPSTREAM_KEY.read_bytes()).public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            "secp384r1",
        ),
    ],
)
def test_public_key_files(data: bytes, expected: str) -> None:
    key = model_signing.load_supplied(data)
    assert not isinstance(key, model_signing.Anchors)
    assert model_signing.key_name(key) == expected


def test_key_and_certificate_files_refused_or_read_as_anchors() -> None:
    anchors = model_signing.load_supplied(UPSTREAM_CA.read_bytes() + FULCIO.read_bytes())
    assert isinstance(anchors, model_signing.Anchors) and len(anchors.certificates) == 4
    two = UPSTREAM_KEY.read_bytes() + (GENERATED / "keys/p256.pub.pem").read_bytes()
    with pytest.raises(InputError, match="more than one public key"):
        model_signing.load_supplied(two)
    with pytest.raises(InputError, match="not base64"):
        model_signing.load_supplied(b"-----BEGIN PUBLIC KEY-----\n@@@\n-----END PUBLIC KEY-----\n")


def test_chain_to_an_unrelated_ca_names_the_signing_certificate(
    session: Session, review: int, src: Path
) -> None:
    sig_id, _ = take_in(session, review, src, UPSTREAM / "v1.1.0-certificate")
    result = verify_model_signature(session, sig_id, FULCIO.read_bytes())
    assert result.verdict is Verdict.INVALID and not result.signature_verified
    assert "does not lead to a certificate you supplied" in result.reasons[0]
    assert result.signer.fingerprint_sha256 is None


def test_der_key_ending_in_a_whitespace_byte_is_read_whole() -> None:
    for _ in range(5000):
        public = ec.generate_private_key(ec.SECP256R1()).public_key()
        der = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if der[-1:] in (b"\n", b" ", b"\t", b"\r"):
            break
    else:
        pytest.skip("no key ended in a whitespace byte")
    key = model_signing.load_public_key(der)
    assert model_signing.fingerprint(key) == hashlib.sha256(der).hexdigest()


def test_fixtures_are_unedited() -> None:
    """Every fixture file is as copied or generated (tests/fixtures/model-signing/SHA256SUMS)."""
    listed = {}
    for line in (FIXTURES / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    present = {
        str(p.relative_to(FIXTURES))
        for folder in ("upstream", "generated", "sigstore")
        for p in (FIXTURES / folder).rglob("*")
        if p.is_file()
    }
    assert present == set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize(
    ("extra", "ignore", "verdict"),
    [
        ("modeling_evil.py", [], Verdict.INCOMPLETE),  # remote code beside a signed model
        ("sub/evil.py", [], Verdict.INCOMPLETE),
        ("modeling_evil.py", ["modeling_evil.py"], Verdict.VALID),  # left out on purpose
        ("sub/evil.py", ["sub"], Verdict.VALID),
        ("sub/evil.py", ["su"], Verdict.INCOMPLETE),  # a prefix is not a folder
    ],
)
def test_a_file_the_signature_does_not_cover_is_named(
    session: Session, review: int, src: Path, extra: str, ignore: list[str], verdict: Verdict
) -> None:
    """As upstream's verifier refuses a folder with unsigned files it was not told to ignore,
    a verified signature with such a file beside it is INCOMPLETE, naming the file."""
    case = next(c for c in GENUINE if not (c.folder / "ignore-me").exists())
    folder = src / "staging" / case.folder.name
    shutil.copytree(case.folder, folder)
    (folder / extra).parent.mkdir(parents=True, exist_ok=True)
    (folder / extra).write_text("import os\n", encoding="utf-8")
    sig_id, _ = take_in(session, review, src, folder)
    result = verify_model_signature(session, sig_id, case.key.read_bytes(), ignore=ignore)
    assert result.verdict is verdict
    if verdict is Verdict.INCOMPLETE:
        assert any(extra in reason and "not covered" in reason for reason in result.reasons)
