"""OpenSSF Model Signing bundles (``model.sig``), parsed and verified offline.

A bundle is a Sigstore bundle (JSON) holding a DSSE envelope whose payload is an in-toto
statement: predicate ``https://model_signing/signature/v1.0`` lists every file (``files``
serialization) or every shard ``path:start:end`` (``shards``, algorithm ``sha256-sharded-N``)
of the model with its digest (SHA-256, BLAKE2b or BLAKE3) under ``predicate.resources``; the
subject's digest is SHA-256 over those digests in order. A single-file model is listed as
``.`` (the subject names the file). The v0.2 predicate (``Digests/v0.1``) lists files as
subjects.

Verification is offline, with what the reviewer supplies: either a public key (EC P-256, P-384
or P-521 as model_signing writes them, or ML-DSA-44/65/87), PEM with any explanatory text
before the block (as ``certtool --pubkey-info`` writes it) or DER; or certificates (PEM) that
the bundle's certificate chain must lead to. The DSSE signature over the pre-authentication
encoding (PAE) is checked with the key; model_signing v0.2's mis-encoded PAE is accepted, with
SHA-256 on every curve (as v0.2 hard-coded it) or the curve's own hash. Transparency-log entries
are not checked (no network).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa
from cryptography.x509.oid import ExtendedKeyUsageOID

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
MLDSA_KEYS: dict[type, str] = {  # abstract classes: check with isinstance
    mldsa.MLDSA44PublicKey: "ML-DSA-44",
    mldsa.MLDSA65PublicKey: "ML-DSA-65",
    mldsa.MLDSA87PublicKey: "ML-DSA-87",
}
PublicKey = (
    ec.EllipticCurvePublicKey
    | mldsa.MLDSA44PublicKey
    | mldsa.MLDSA65PublicKey
    | mldsa.MLDSA87PublicKey
)
# Digest algorithms of a resource: the content hash, optionally ``-sharded-N``.
CONTENT_ALGORITHMS = ("sha256", "blake2b", "blake3")
_SHARDED = re.compile(r"^([a-z0-9]+)-sharded-([0-9]{1,15})$")
_SHARD_NAME = re.compile(r"^(.*):([0-9]{1,19}):([0-9]{1,19})$", re.DOTALL)
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,40})-----(.*?)-----END \1-----", re.DOTALL)
MAX_CHAIN = 10


@dataclass(frozen=True)
class Resource:
    name: str  # as listed
    algorithm: str  # as listed, lower-cased
    digest: str
    path: str = ""  # the file, relative to the model folder (``.`` resolved to the subject)
    start: int | None = None  # a shard's byte range [start, end); None for a whole file
    end: int | None = None
    content: str = ""  # the hash over the bytes: sha256, blake2b, blake3 (or unknown)
    shard_size: int | None = None

    @property
    def shown(self) -> str:
        """The resource named by the file it covers (a shard carries ``:start:end``)."""
        return self.path if self.start is None else f"{self.path}:{self.start}:{self.end}"


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
    chain: tuple[bytes, ...] = ()  # every certificate the bundle carries, signing one first

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
    carried: tuple[bytes, ...] = ()
    if isinstance(single, dict):
        certificate = _b64(single.get("rawBytes"), "certificate")
        carried = (certificate,)
        kind = "certificate"
    elif isinstance(chain, dict) and isinstance(chain.get("certificates"), list):
        listed = chain["certificates"][:MAX_CHAIN]
        carried = tuple(
            _b64(c.get("rawBytes") if isinstance(c, dict) else None, "certificate") for c in listed
        )
        certificate = carried[0] if carried else None
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
        chain=carried,
    )


def _resource(name: str, algorithm: str, digest: str, method: Any, model: str | None) -> Resource:
    """One listed resource, its shard range and content hash made explicit."""
    algorithm = algorithm.lower()
    sharded = _SHARDED.match(algorithm)
    content = sharded.group(1) if sharded else algorithm
    path, start, end = name, None, None
    if method == "shards" or sharded:
        parts = _SHARD_NAME.match(name)
        if parts is None:
            raise InputError(f"The shard {name[:100]!r} is not named path:start:end.")
        path, start, end = parts.group(1), int(parts.group(2)), int(parts.group(3))
        if end < start:
            raise InputError(f"The shard {name[:100]!r} ends before it starts.")
    if path == "." and model:
        path = model  # a single-file model: the subject names the file
    return Resource(
        name,
        algorithm,
        digest.lower(),
        path=path,
        start=start,
        end=end,
        content=content,
        shard_size=int(sharded.group(2)) if sharded else None,
    )


def resources(bundle: Bundle) -> tuple[list[Resource], list[str]]:
    """The files (or shards) the statement lists, and problems with its consistency."""
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
        described = predicate.get("serialization") if isinstance(predicate, dict) else None
        method = described.get("method") if isinstance(described, dict) else None
        model = bundle.model_name()
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
            out.append(_resource(name, algorithm, digest, method, model))
        subjects = statement.get("subject")
        subject = subjects[0] if isinstance(subjects, list) and len(subjects) == 1 else None
        claimed = subject.get("digest", {}).get("sha256") if isinstance(subject, dict) else None
        if not isinstance(claimed, str) or claimed.lower() != root.hexdigest():
            problems.append(
                "The statement's subject digest does not match its list of files (inconsistent"
                " manifest)."
            )
        if len({(r.path, r.start, r.end) for r in out}) != len(out):
            problems.append("The statement lists the same file or shard twice.")
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
            out.append(Resource(name, "sha256", value.lower(), path=name, content="sha256"))
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
        "files": [r.shown[:300] for r in listed[:50]],
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


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block in ``data`` (label, DER), whatever text stands around them."""
    blocks = []
    for match in _PEM_BLOCK.finditer(data[:MAX_BUNDLE]):
        body = b"".join(match.group(2).split())
        try:
            blocks.append((match.group(1).decode(), base64.b64decode(body, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise InputError(f"The {match.group(1).decode()} block is not base64.") from exc
    return blocks


def key_name(key: PublicKey) -> str:
    """The curve (``secp384r1``) or the ML-DSA parameter set (``ML-DSA-65``)."""
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.curve.name
    return _mldsa_name(key) or "ML-DSA"


def _mldsa_name(key: object) -> str | None:
    return next((name for kind, name in MLDSA_KEYS.items() if isinstance(key, kind)), None)


def load_public_key(data: bytes) -> PublicKey:
    """A public key from PEM (explanatory text around the block is fine) or DER."""
    blocks = [der for label, der in _pem_blocks(data) if label == "PUBLIC KEY"]
    if len(blocks) > 1:
        raise InputError("The file holds more than one public key; supply the one to check.")
    try:
        key: Any = serialization.load_der_public_key(blocks[0] if blocks else data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise InputError("The public key is not a PEM or DER public key.") from exc
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _CURVE_HASH:
        return key
    if _mldsa_name(key) is not None:
        return key  # type: ignore[no-any-return]
    raise InputError("The public key must be an EC key on P-256, P-384 or P-521, or ML-DSA.")


@dataclass(frozen=True)
class Anchors:
    """Certificates the reviewer supplies: a bundle's chain must lead to one of them."""

    certificates: tuple[x509.Certificate, ...]


def load_supplied(data: bytes) -> PublicKey | Anchors:
    """What the reviewer supplied: certificates (PEM, any number) or one public key."""
    certs = [der for label, der in _pem_blocks(data) if label == "CERTIFICATE"]
    if not certs:
        return load_public_key(data)
    try:
        return Anchors(tuple(x509.load_der_x509_certificate(der) for der in certs[:100]))
    except ValueError as exc:
        raise InputError("A supplied certificate is not an X.509 certificate.") from exc


def fingerprint(key: PublicKey) -> str:
    """SHA-256 of the DER SubjectPublicKeyInfo (what ``openssl pkey -pubin -outform DER |
    sha256sum`` prints)."""
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def key_hint(key: PublicKey) -> str:
    """The hint model_signing writes: SHA-256 of the PEM SubjectPublicKeyInfo."""
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(pem).hexdigest()


@dataclass(frozen=True)
class Verified:
    fingerprint: str
    curve: str  # the key's algorithm: an EC curve name or an ML-DSA parameter set
    legacy_encoding: bool
    hint_matches: bool | None
    certificate_key_matches: bool | None
    certificate_subject: str | None = None  # the signing certificate, when a chain was checked
    trust_anchor: str | None = None  # the supplied certificate the chain led to


def _checks(key: PublicKey, bundle: Bundle) -> list[tuple[bytes, Any, bool]]:
    """(message, ECDSA algorithm or None, legacy) in the order upstream tries them."""
    current = pae(bundle.payload_type, bundle.payload)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return [(current, None, False)]  # ML-DSA: pure, empty context (as Sigstore specifies)
    own = _CURVE_HASH[key.curve.name]
    legacy = _pae_legacy(bundle.payload_type, bundle.payload)
    out = [(current, ec.ECDSA(own()), False), (legacy, ec.ECDSA(own()), True)]
    if own is not hashes.SHA256:  # v0.2 signed with SHA-256 whatever the curve
        out.append((legacy, ec.ECDSA(hashes.SHA256()), True))
    return out


def verify(bundle: Bundle, key: PublicKey) -> Verified:
    """Check the DSSE signature with ``key``; CryptoError if it does not verify."""
    if bundle.media_type and bundle.media_type not in BUNDLE_MEDIA_TYPES:
        raise InputError(f"The bundle's media type {bundle.media_type[:100]!r} is not known.")
    if bundle.payload_type != IN_TOTO_PAYLOAD:
        raise InputError("The envelope's payload is not an in-toto statement.")
    legacy = None
    for signature in bundle.signatures:
        for message, algorithm, is_legacy in _checks(key, bundle):
            try:
                if isinstance(key, ec.EllipticCurvePublicKey):
                    key.verify(signature, message, algorithm)
                else:
                    key.verify(signature, message)
            except InvalidSignature:
                continue
            legacy = is_legacy
            break
        if legacy is not None:
            break
    else:
        raise CryptoError("The model signature does not verify with the supplied public key.")
    cert_match = None
    if bundle.certificate is not None:
        try:
            cert_key = x509.load_der_x509_certificate(bundle.certificate).public_key()
            cert_match = fingerprint(cert_key) == fingerprint(key)  # type: ignore[arg-type]
        except (ValueError, UnsupportedAlgorithm):
            cert_match = False
    return Verified(
        fingerprint=fingerprint(key),
        curve=key_name(key),
        legacy_encoding=legacy,
        hint_matches=None if bundle.key_hint is None else bundle.key_hint == key_hint(key),
        certificate_key_matches=cert_match,
    )


def _subject(cert: x509.Certificate) -> str:
    """The subject's name, or (a Sigstore certificate has none) its e-mail / URI names."""
    name = cert.subject.rfc4514_string()
    if not name:
        try:
            alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = alt.get_values_for_type(x509.RFC822Name) + alt.get_values_for_type(
                x509.UniformResourceIdentifier
            )
            name = ", ".join(names)
        except x509.ExtensionNotFound:
            pass
    return clip_text(name or "(no subject)", 300)


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _may_sign(cert: x509.Certificate) -> bool:
    """Key usage digitalSignature, or extended key usage code signing (as upstream)."""
    try:
        if cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature:
            return True
    except x509.ExtensionNotFound:
        pass
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        return ExtendedKeyUsageOID.CODE_SIGNING in usage
    except x509.ExtensionNotFound:
        return False


def verify_chain(bundle: Bundle, anchors: Anchors) -> tuple[PublicKey, Verified]:
    """Check that the bundle's signing certificate leads, through the certificates it carries,
    to one the reviewer supplied (signatures, CA flags, validity when the signing certificate
    was issued, as model_signing does), then the DSSE signature with its key."""
    if not bundle.chain:
        raise CryptoError(
            "The bundle carries no certificate: supply the signer's public key instead."
        )
    try:
        carried = [x509.load_der_x509_certificate(der) for der in bundle.chain]
    except ValueError as exc:
        raise CryptoError("A certificate in the bundle is not an X.509 certificate.") from exc
    leaf = carried[0]
    when = leaf.not_valid_before_utc  # the signing time upstream checks the chain at
    trusted = {a.fingerprint(hashes.SHA256()): a for a in anchors.certificates}
    anchor = trusted.get(leaf.fingerprint(hashes.SHA256()))  # the signing certificate itself
    current, pool = leaf, carried[1:] + list(anchors.certificates)
    for _ in range(MAX_CHAIN):
        if anchor is not None:
            break
        issuer = next(
            (c for c in pool if c is not current and _issued_by(current, c)),
            None,
        )
        if issuer is None:
            raise CryptoError(
                f"The signing certificate ({_subject(leaf)}) does not lead to a certificate"
                " you supplied."
            )
        if not (_is_ca(issuer) and _valid_at(issuer, when)):
            raise CryptoError(
                f"The certificate {_subject(issuer)} in the chain is not a CA valid when the"
                " signing certificate was issued."
            )
        anchor = trusted.get(issuer.fingerprint(hashes.SHA256()))
        current = issuer
    if anchor is None:
        raise CryptoError("The bundle's certificate chain is too long.")
    if not _may_sign(leaf):
        raise CryptoError(f"The signing certificate ({_subject(leaf)}) may not sign.")
    key: Any = leaf.public_key()
    if (
        not (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in _CURVE_HASH)
        and _mldsa_name(key) is None
    ):
        raise CryptoError("The signing certificate's key is not EC (P-256/384/521) or ML-DSA.")
    verified = verify(bundle, key)
    return key, Verified(
        fingerprint=verified.fingerprint,
        curve=verified.curve,
        legacy_encoding=verified.legacy_encoding,
        hint_matches=verified.hint_matches,
        certificate_key_matches=True,
        certificate_subject=_subject(leaf),
        trust_anchor=_subject(anchor),
    )
