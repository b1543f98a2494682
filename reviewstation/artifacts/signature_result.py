"""The outcome of checking a model signature, as types.

``attest.verify_model_signature`` returns a ``SignatureResult``: a verdict, who signed (the
key's identity as far as an offline check can tell), what the signature covers and how each
covered file compared, and the reasons behind the verdict. What it writes into the custody
record is its ``record()`` (a ``SignatureCheck``); the GUI reads that back through
``SignatureCheck.from_json``, the one validating constructor for stored checks (records
written before verdicts existed are read too: the verdict is derived from ``valid``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

TEXT = 2_000
MAX_REASONS = 50
FILE_RESULTS = ("match", "mismatch", "missing")
OFFLINE_LIMITS = (
    "Transparency log not checked (offline); a certificate chain is checked only against the"
    " certificates supplied here."
)


class Verdict(StrEnum):
    VALID = "VALID"  # the signature verifies and every listed file matches
    INVALID = "INVALID"  # it does not verify, the manifest is inconsistent, or files differ
    UNKNOWN_KEY = "UNKNOWN-KEY"  # it does not verify, and the bundle names another key
    INCOMPLETE = "INCOMPLETE"  # it verifies and nothing differs, but not every file was compared


@dataclass(frozen=True)
class Signer:
    """The key the signature was checked with (supplied by the reviewer, or taken from the
    bundle's signing certificate once its chain led to a certificate the reviewer supplied)."""

    fingerprint_sha256: str | None  # SHA-256 of the DER SubjectPublicKeyInfo (None: no key)
    curve: str | None  # EC curve name or ML-DSA parameter set
    key_hint_matches: bool | None  # the bundle's key hint names this key (None: no hint)
    certificate_key_matches: bool | None  # the bundle's certificate holds this key (None: none)
    legacy_encoding: bool | None  # signed over model_signing v0.2's mis-encoded PAE
    certificate_subject: str | None = None  # the signing certificate's subject (chain checked)
    trust_anchor: str | None = None  # the supplied certificate its chain led to


@dataclass(frozen=True)
class FileCheck:
    name: str  # as the statement lists it (a shard carries ``:start:end``)
    algorithm: str
    result: str  # "match", "mismatch", "missing" or "not compared (ALGORITHM)"
    artifact: str | None = None  # the uid of the imported artifact compared

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "algorithm": self.algorithm}
        if self.artifact is not None:
            out["artifact"] = self.artifact
        out["result"] = self.result
        return out


@dataclass(frozen=True)
class Counts:
    match: int = 0
    mismatch: int = 0
    missing: int = 0
    listed: int = 0
    unlisted: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "match": self.match,
            "mismatch": self.mismatch,
            "missing": self.missing,
            "listed": self.listed,
            "unlisted": self.unlisted,
        }


@dataclass(frozen=True)
class SignatureCheck:
    """What the custody record keeps of a check (``signature_verified`` / ``_failed``)."""

    verdict: Verdict
    signature_verified: bool
    signer_fingerprint_sha256: str | None
    counts: Counts | None
    reasons: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what the constructor refused; not stored

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "valid": self.valid,
            "signature_verified": self.signature_verified,
            "signer_fingerprint_sha256": self.signer_fingerprint_sha256,
            "counts": None if self.counts is None else self.counts.to_json(),
            "problems": list(self.reasons),
        }

    @classmethod
    def from_json(cls, obj: object) -> SignatureCheck:
        """A stored record, checked: wrong types are dropped with a note, and a record that
        does not say it verified is never read as valid."""
        notes: list[str] = []
        if not isinstance(obj, dict):
            return cls(Verdict.INVALID, False, None, None, (), ("The record is not an object.",))
        verified = obj.get("signature_verified") is True
        valid = obj.get("valid") is True
        raw = obj.get("verdict")
        try:
            verdict = Verdict(raw) if raw is not None else None
        except ValueError:
            notes.append("The recorded verdict is not one this version knows; read as INVALID.")
            verdict = Verdict.INVALID
        if verdict is None:  # written before verdicts were recorded
            verdict = Verdict.VALID if valid and verified else Verdict.INVALID
        if verdict is Verdict.VALID and not (valid and verified):
            notes.append("The record says VALID but not that the signature verified; INVALID.")
            verdict = Verdict.INVALID
        fingerprint = obj.get("signer_fingerprint_sha256")
        if fingerprint is not None and not (
            isinstance(fingerprint, str) and len(fingerprint) <= 128
        ):
            notes.append("The recorded signer fingerprint is malformed; it is not shown.")
            fingerprint = None
        counts = None
        raw_counts = obj.get("counts")
        if isinstance(raw_counts, dict):
            values = {k: raw_counts.get(k) for k in Counts.__dataclass_fields__}
            if all(type(v) is int and v >= 0 for v in values.values()):
                counts = Counts(**values)  # type: ignore[arg-type]
            else:
                notes.append("The recorded file counts are malformed; they are not shown.")
        problems = obj.get("problems")
        reasons = tuple(
            p[:TEXT]
            for p in (problems if isinstance(problems, list) else [])[:MAX_REASONS]
            if isinstance(p, str)
        )
        return cls(verdict, verified, fingerprint, counts, reasons, tuple(notes))


@dataclass(frozen=True)
class SignatureResult:
    """A full check: the verdict and its reasons, the signer, and what the signature covers."""

    signature: str  # the uid of the signature artifact
    verdict: Verdict
    signature_verified: bool
    signer: Signer
    verification_material: str  # what the bundle carries: "public-key", "certificate", …
    predicate_type: str
    model_name: str | None
    files: tuple[FileCheck, ...]  # what the signature covers, each compared
    unlisted: tuple[str, ...]  # imported beside it but not covered
    counts: Counts
    reasons: tuple[str, ...]  # why the verdict is not VALID (empty when it is)
    excluded_by_signer: tuple[str, ...] = ()  # of ``unlisted``: in the bundle's ignore_paths

    @property
    def valid(self) -> bool:
        return self.verdict is Verdict.VALID

    def record(self) -> SignatureCheck:
        return SignatureCheck(
            self.verdict,
            self.signature_verified,
            self.signer.fingerprint_sha256,
            self.counts,
            self.reasons[:20],
        )

    def to_json(self) -> dict[str, Any]:
        """The ``artifact verify-signature --json`` form (docs/formats/blobs.md)."""
        return {
            "signature": self.signature,
            "verdict": self.verdict.value,
            "valid": self.valid,
            "signature_verified": self.signature_verified,
            "signer_fingerprint_sha256": self.signer.fingerprint_sha256,
            "curve": self.signer.curve,
            "key_hint_matches": self.signer.key_hint_matches,
            "certificate_key_matches": self.signer.certificate_key_matches,
            "legacy_encoding": self.signer.legacy_encoding,
            "certificate_subject": self.signer.certificate_subject,
            "trust_anchor": self.signer.trust_anchor,
            "verification_material": self.verification_material,
            "predicate_type": self.predicate_type,
            "model_name": self.model_name,
            "counts": self.counts.to_json(),
            "problems": list(self.reasons),
            "files": [f.to_json() for f in self.files],
            "unlisted": list(self.unlisted),
            "excluded_by_signer": list(self.excluded_by_signer),
            "offline_limits": OFFLINE_LIMITS,
        }


def decide(
    *,
    verified: bool,
    hint_names_another_key: bool,
    statement_problems: list[str],
    files: list[FileCheck],
    failure: str | None = None,
    notes: list[str] | None = None,
    uncovered: Sequence[str] = (),
) -> tuple[Verdict, list[str]]:
    """The verdict and its reasons, from the facts of a check (``failure``: why the signature
    or its certificate chain did not verify; ``notes``: said when files went uncompared;
    ``uncovered``: files imported beside the signed ones that the signature neither covers
    nor was told to leave out; as upstream's verifier refuses such a folder, they make a
    verified signature INCOMPLETE: a loader may read or run them, e.g. remote code)."""
    reasons: list[str] = []
    if not verified:
        if failure is not None and not failure.startswith("The model signature does not"):
            reasons.append(failure)
        elif hint_names_another_key:
            reasons.append(
                "The model signature does not verify with the supplied public key: the bundle"
                " names another key (its key hint differs), so it was signed with a key not"
                " supplied here."
            )
        else:
            reasons.append("The model signature does not verify with the supplied public key.")
    reasons.extend(statement_problems)
    differ = [f for f in files if f.result in ("mismatch", "missing")]
    for f in differ[:20]:
        reasons.append(f"{f.name[:200]}: {f.result}.")
    if len(differ) > 20:
        reasons.append(f"… and {len(differ) - 20} more files that differ or are missing.")
    uncompared = [f for f in files if f.result not in FILE_RESULTS]
    if not verified:
        return (Verdict.UNKNOWN_KEY if hint_names_another_key else Verdict.INVALID), reasons
    if statement_problems or differ:
        return Verdict.INVALID, reasons
    if uncovered:
        shown = ", ".join(path[:200] for path in uncovered[:5])
        more = f" and {len(uncovered) - 5} more" if len(uncovered) > 5 else ""
        reasons.append(
            f"{len(uncovered)} files beside the signed model are not covered by the signature"
            f" ({shown}{more}): a loader may read or run them."
        )
    if uncompared:
        algorithms = sorted({f.algorithm[:20] for f in uncompared})
        reasons.append(
            f"{len(uncompared)} listed files use digest algorithms not compared here"
            f" ({', '.join(algorithms)})."
        )
        reasons.extend(notes or [])
    if uncompared or uncovered:
        return Verdict.INCOMPLETE, reasons
    return Verdict.VALID, reasons
