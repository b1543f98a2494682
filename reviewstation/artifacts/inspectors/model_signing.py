"""OpenSSF Model Signing bundles (``model.sig``), parsed and verified offline.

A bundle is a Sigstore bundle (JSON) holding a DSSE envelope whose payload is an in-toto
statement: predicate ``https://model_signing/signature/v1.0`` lists every file of the model
with its SHA-256 under ``predicate.resources``, and the subject's digest is SHA-256 over those
digests in order. Verification here is offline and key-based only: the DSSE signature over the
pre-authentication encoding (PAE) is checked with an EC public key the reviewer supplies.
Transparency-log entries and certificate chains are not checked (no network); a bundle that
carries a certificate is verified against the supplied key all the same, and says so.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from reviewstation.artifacts.inspectors.common import clip_text
from reviewstation.canonical import loads_bounded
from reviewstation.errors import CryptoError, InputError

MAX_BUNDLE = 16 * 1024 * 1024
MAX_RESOURCES = 1_000_000
BUNDLE_MEDIA_TYPES = (
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
)
IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")
PREDICATE_V1 = "https://model_signing/signature/v1.0"
PREDICATE_V02 = "https://model_signing/Digests/v0.1"
_CURVE_HASH: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "secp256r1": hashes.SHA256,
    "secp384r1": hashes.SHA384,
    "secp521r1": hashes.SHA512,
}


@dataclass(frozen=True)
class Resource:
    name: str
    algorithm: str
    digest: str


@dataclass(frozen=True)
class Bundle:
    media_type: str
    payload_type: str
    payload: bytes
    signatures: tuple[bytes, ...]
    statement: dict[str, Any]
    key_hint: str | None
    material: str  # "public-key", "certificate" or "unknown"
    certificate: bytes | None

    @property
    def predicate_type(self) -> str:
        return str(self.statement.get("predicateType", ""))

    def model_name(self) -> str | None:
        subjects = self.statement.get("subject")
        if isinstance(subjects, list) and subjects and isinstance(subjects[0], dict):
            name = subjects[0].get("name")
            return clip_text(name, 300) if isinstance(name, str) else None
        return None


def looks_like(name: str, head: bytes) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    return (base.endswith((".sig", ".sigstore", ".sigstore.json")) or base == "model.sig") and (
        head.lstrip()[:1] == b"{" and b"dsseEnvelope" in head
    )


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise InputError(f"The bundle's {what} is missing.")
    try:
        text = value.strip()
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InputError(f"The bundle's {what} is not base64.") from exc


def parse_bundle(data: bytes) -> Bundle:
    obj = loads_bounded(data, "model signature bundle", MAX_BUNDLE)
    if not isinstance(obj, dict) or not isinstance(obj.get("dsseEnvelope"), dict):
        raise InputError("The file is not a Sigstore bundle with a DSSE envelope.")
    envelope = obj["dsseEnvelope"]
    payload = _b64(envelope.get("payload"), "payload")
    sigs = envelope.get("signatures")
    if not isinstance(sigs, list) or not sigs or len(sigs) > 16:
        raise InputError("The bundle's envelope has no signatures (or too many).")
    signatures = tuple(
        _b64(s.get("sig") if isinstance(s, dict) else None, "signature") for s in sigs
    )
    statement = loads_bounded(payload, "in-toto statement", MAX_BUNDLE)
    if not isinstance(statement, dict):
        raise InputError("The bundle's payload is not an in-toto statement.")
    material = obj.get("verificationMaterial")
    material = material if isinstance(material, dict) else {}
    key_hint = None
    certificate = None
    kind = "unknown"
    if isinstance(material.get("publicKey"), dict):
        kind = "public-key"
        hint = material["publicKey"].get("hint")
        key_hint = hint if isinstance(hint, str) and len(hint) <= 200 else None
    chain = material.get("x509CertificateChain")
    single = material.get("certificate")
    if isinstance(single, dict):
        certificate = _b64(single.get("rawBytes"), "certificate")
        kind = "certificate"
    elif isinstance(chain, dict) and isinstance(chain.get("certificates"), list):
        first = chain["certificates"][0] if chain["certificates"] else None
        certificate = _b64(
            first.get("rawBytes") if isinstance(first, dict) else None, "certificate"
        )
        kind = "certificate"
    media = obj.get("mediaType")
    payload_type = envelope.get("payloadType")
    return Bundle(
        media_type=media if isinstance(media, str) else "",
        payload_type=payload_type if isinstance(payload_type, str) else "",
        payload=payload,
        signatures=signatures,
        statement=statement,
        key_hint=key_hint,
        material=kind,
        certificate=certificate,
    )


def resources(bundle: Bundle) -> tuple[list[Resource], list[str]]:
    """The files the statement lists, and problems with the statement's consistency."""
    problems: list[str] = []
    statement = bundle.statement
    if statement.get("_type") not in STATEMENT_TYPES:
        problems.append("The payload is not an in-toto statement.")
    out: list[Resource] = []
    if bundle.predicate_type == PREDICATE_V1:
        predicate = statement.get("predicate")
        items = predicate.get("resources") if isinstance(predicate, dict) else None
        if not isinstance(items, list):
            raise InputError("The statement's predicate lists no resources.")
        if len(items) > MAX_RESOURCES:
            raise InputError(f"The statement lists more than {MAX_RESOURCES} resources.")
        root = hashlib.sha256()
        for item in items:
            if not isinstance(item, dict):
                raise InputError("A resource in the statement is not an object.")
            name, algorithm, digest = item.get("name"), item.get("algorithm"), item.get("digest")
            if not (
                isinstance(name, str) and isinstance(algorithm, str) and isinstance(digest, str)
            ):
                raise InputError("A resource in the statement lacks its name, algorithm or digest.")
            try:
                root.update(bytes.fromhex(digest))
            except ValueError as exc:
                raise InputError(f"The digest of {name[:100]!r} is not hexadecimal.") from exc
            out.append(Resource(name, algorithm.lower(), digest.lower()))
        subjects = statement.get("subject")
        subject = subjects[0] if isinstance(subjects, list) and len(subjects) == 1 else None
        claimed = subject.get("digest", {}).get("sha256") if isinstance(subject, dict) else None
        if not isinstance(claimed, str) or claimed.lower() != root.hexdigest():
            problems.append(
                "The statement's subject digest does not match its list of files (inconsistent"
                " manifest)."
            )
    elif bundle.predicate_type == PREDICATE_V02:
        subjects = statement.get("subject")
        if not isinstance(subjects, list) or len(subjects) > MAX_RESOURCES:
            raise InputError("The statement's subjects are malformed.")
        for subject in subjects:
            digest = subject.get("digest") if isinstance(subject, dict) else None
            name = subject.get("name") if isinstance(subject, dict) else None
            value = digest.get("sha256") if isinstance(digest, dict) else None
            if not (isinstance(name, str) and isinstance(value, str)):
                raise InputError("A subject in the statement lacks its name or SHA-256.")
            out.append(Resource(name, "sha256", value.lower()))
    else:
        raise InputError(
            f"The statement's predicate type {clip_text(bundle.predicate_type, 100)!r} is not"
            " a model signature."
        )
    return out, problems


def summarize(data: bytes) -> dict[str, Any]:
    bundle = parse_bundle(data)
    listed, problems = resources(bundle)
    predicate = bundle.statement.get("predicate")
    serialization_ = predicate.get("serialization") if isinstance(predicate, dict) else None
    method = serialization_.get("method") if isinstance(serialization_, dict) else None
    return {
        "format": "model-signing",
        "kind": "signature",
        "media_type": clip_text(bundle.media_type, 200),
        "predicate_type": clip_text(bundle.predicate_type, 200),
        "model_name": bundle.model_name(),
        "serialization": clip_text(method, 40) if isinstance(method, str) else None,
        "resources": len(listed),
        "files": [r.name[:300] for r in listed[:50]],
        "verification_material": bundle.material,
        "key_hint": bundle.key_hint,
        "verified": None,
        "problems": problems,
        "warnings": [
            "Not verified yet: check it with 'artifact verify-signature' and the developer's"
            " public key."
        ],
    }


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _pae_legacy(payload_type: str, payload: bytes) -> bytes:
    """model_signing v0.2 signed a mis-encoded PAE (Python's repr of the bytes); accepted."""
    return f"DSSEV1 {len(payload_type)} {payload_type} {len(payload)} {payload!r}".encode()


def load_public_key(data: bytes) -> ec.EllipticCurvePublicKey:
    try:
        key: Any = (
            serialization.load_pem_public_key(data)
            if data.lstrip().startswith(b"-----")
            else serialization.load_der_public_key(data)
        )
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError("The public key is not a PEM or DER public key.") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name not in _CURVE_HASH:
        raise InputError("The public key must be an EC key on P-256, P-384 or P-521.")
    return key


def fingerprint(key: ec.EllipticCurvePublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo (what ``openssl pkey -pubin -outform DER |
    sha256sum`` prints)."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def key_hint(key: ec.EllipticCurvePublicKey) -> str:
    """The hint model_signing writes: SHA-256 of the PEM SubjectPublicKeyInfo."""
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(pem).hexdigest()


@dataclass(frozen=True)
class Verified:
    fingerprint: str
    curve: str
    legacy_encoding: bool
    hint_matches: bool | None
    certificate_key_matches: bool | None


def verify(bundle: Bundle, key: ec.EllipticCurvePublicKey) -> Verified:
    """Check the DSSE signature with ``key``; CryptoError if it does not verify."""
    if bundle.media_type and bundle.media_type not in BUNDLE_MEDIA_TYPES:
        raise InputError(f"The bundle's media type {bundle.media_type[:100]!r} is not known.")
    if bundle.payload_type != IN_TOTO_PAYLOAD:
        raise InputError("The envelope's payload is not an in-toto statement.")
    algorithm = ec.ECDSA(_CURVE_HASH[key.curve.name]())
    legacy = False
    for signature in bundle.signatures:
        try:
            key.verify(signature, pae(bundle.payload_type, bundle.payload), algorithm)
            break
        except InvalidSignature:
            try:
                key.verify(signature, _pae_legacy(bundle.payload_type, bundle.payload), algorithm)
                legacy = True
                break
            except InvalidSignature:
                continue
    else:
        raise CryptoError("The model signature does not verify with the supplied public key.")
    cert_match = None
    if bundle.certificate is not None:
        from cryptography import x509

        try:
            cert_key = x509.load_der_x509_certificate(bundle.certificate).public_key()
            cert_match = isinstance(cert_key, ec.EllipticCurvePublicKey) and fingerprint(
                cert_key
            ) == fingerprint(key)
        except ValueError:
            cert_match = False
    return Verified(
        fingerprint=fingerprint(key),
        curve=key.curve.name,
        legacy_encoding=legacy,
        hint_matches=None if bundle.key_hint is None else bundle.key_hint == key_hint(key),
        certificate_key_matches=cert_match,
    )
