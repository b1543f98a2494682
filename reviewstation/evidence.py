"""References from checklist answers and findings to evidence: an artifact, or one sample of
an evaluation log inside it (by sample id and the SHA-384 digest of that sample's record),
optionally narrowed to one part of that sample.

As typed: ``ARTIFACT``, ``ARTIFACT#SAMPLE`` or ``ARTIFACT#SAMPLE/PART``, where ``SAMPLE`` is
``ID`` or ``ID@EPOCH`` and ``PART`` is ``message:N`` or ``event:N`` (index from 0) or
``message:ID`` / ``event:ID`` (the id the log gives it), or ``triage:LABEL`` (a triage label
on that sample, by number or uid; stored by uid). The part travels inside ``sample_id``
(``5@1/message:2``) so references keep their three fields everywhere (tables, packages); the
digest is always the whole sample's. A sample id that merely contains ``/`` is not split
unless what follows the last ``/`` has a part's form.
Or a saved comparison of a capability area (``comparison:UID``, one version of the area in
``reviewstation.determination``: its runs and options, so the figures reproduce).

The reference is the artifact's uid, not its row id, so it still means the same thing inside
an exported package and after import into another vault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from reviewstation.errors import InputError, NotFound
from reviewstation.vault.database import Connection

DIGEST = re.compile(r"[0-9a-f]{96}")
MAX_SAMPLE_ID = 200
# A cited comparison travels in the artifact field as ``comparison:UID`` (no sample).
COMPARISON = "comparison:"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def comparison_uid(text: str) -> str | None:
    """The area version a ``comparison:UID`` reference cites; None for any other."""
    return text[len(COMPARISON) :] if text.startswith(COMPARISON) else None


PART = re.compile(r"(?P<kind>message|event|triage):(?P<ref>[^\s/:][^\s/]{0,110})")


def split_sample(sample_id: str) -> tuple[str, str | None]:
    """``("5@1", "message:2")`` for ``5@1/message:2``; ``(sample_id, None)`` without a part."""
    head, slash, tail = sample_id.rpartition("/")
    if slash and head and PART.fullmatch(tail):
        return head, tail
    return sample_id, None


def locate(record: dict[str, Any], part: str) -> None:
    """NotFound unless ``part`` (``message:…`` or ``event:…``) names a message or event of the
    sample ``record``: an index from 0, or the id the log gives it (``id``; an event's
    ``uuid`` or ``id``)."""
    kind, _, ref = part.partition(":")
    items = record.get("messages" if kind == "message" else "events")
    items = items if isinstance(items, list) else []
    if ref.isdigit():
        if int(ref) >= len(items):
            raise NotFound(
                f"The sample has {len(items)} {kind}s; there is no {kind} {ref} (counted from 0)."
            )
        return
    names = ("id",) if kind == "message" else ("uuid", "id")
    if not any(isinstance(i, dict) and any(i.get(n) == ref for n in names) for i in items):
        raise NotFound(f"The sample has no {kind} with the id {ref[:80]!r}.")


@dataclass(frozen=True)
class EvidenceRef:
    artifact_uid: str
    sample_id: str | None = None
    sample_digest: str | None = None

    @property
    def comparison(self) -> str | None:
        """The cited area version's uid, when this cites a comparison."""
        return comparison_uid(self.artifact_uid)

    def to_json(self) -> dict[str, Any]:
        return {
            "artifact": self.artifact_uid,
            "sample_id": self.sample_id,
            "sample_digest": self.sample_digest,
        }


def parse_ref(text: str) -> EvidenceRef:
    """``ARTIFACT``, ``ARTIFACT#SAMPLE_ID`` or ``comparison:UID`` (as typed on the command
    line)."""
    if text.strip().startswith(COMPARISON):
        return check_shape(EvidenceRef(text.strip()))
    artifact, _, sample = text.strip().partition("#")
    if not artifact:
        raise InputError(f"Evidence {text!r} names no artifact.")
    if sample and (len(sample) > MAX_SAMPLE_ID or not sample.isprintable()):
        raise InputError(f"Evidence {text!r} has an unusable sample id.")
    return EvidenceRef(artifact, sample or None)


MAX_ARTIFACT = 200


def check_shape(ref: EvidenceRef) -> EvidenceRef:
    """The form of a reference, whatever its origin (typed here or carried in a package): an
    artifact uid and sample id of bounded printable text, a sample with its SHA-384 digest.
    Whether the artifact is in this vault is ``check_evidence``'s question."""
    for value, what, limit in (
        (ref.artifact_uid, "artifact", MAX_ARTIFACT),
        (ref.sample_id, "sample id", MAX_SAMPLE_ID),
    ):
        if value is None and what == "sample id":
            continue
        if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
            raise InputError(f"An evidence reference has an unusable {what}.")
    if ref.sample_id is None and ref.sample_digest is not None:
        raise InputError("An evidence reference has a sample digest but no sample.")
    cited = comparison_uid(ref.artifact_uid)
    if cited is not None and (not UUID.fullmatch(cited) or ref.sample_id is not None):
        raise InputError("A cited comparison is comparison:UID, with no sample.")
    if ref.sample_id is not None and (
        not isinstance(ref.sample_digest, str) or not DIGEST.fullmatch(ref.sample_digest)
    ):
        raise InputError(f"Evidence sample {ref.sample_id!r} needs its SHA-384 digest.")
    return ref


def from_json(obj: object) -> EvidenceRef:
    """A reference as ``EvidenceRef.to_json`` writes it, checked by ``check_shape``."""
    if not isinstance(obj, dict):
        raise InputError("An evidence reference is not an object.")
    return check_shape(
        EvidenceRef(obj.get("artifact"), obj.get("sample_id"), obj.get("sample_digest"))  # type: ignore[arg-type]
    )


def check_evidence(conn: Connection, ref: EvidenceRef, *, review_id: int) -> EvidenceRef:
    """Resolve the artifact (id or uid) to its uid; it must belong to ``review_id`` (evidence
    of another review would leave a package as a dangling reference); a sample needs its
    digest. A cited comparison must be a saved area version of ``review_id``."""
    from reviewstation.artifacts.catalog import get_artifact

    cited = comparison_uid(ref.artifact_uid)
    if cited is not None:
        check_shape(ref)
        from reviewstation.determination import get_version

        version = get_version(conn, cited)
        if version.review_id != review_id or version.removed:
            raise InputError(
                f"Comparison {cited} is not a saved capability area of review {review_id}."
            )
        return ref

    artifact = get_artifact(conn, ref.artifact_uid)
    if artifact.review_id != review_id:
        raise InputError(
            f"Artifact {artifact.id} belongs to review {artifact.review_id}, not review"
            f" {review_id}: evidence must come from the same review (import it there)."
        )
    if ref.sample_id is not None and (
        ref.sample_digest is None or not DIGEST.fullmatch(ref.sample_digest)
    ):
        raise InputError(f"Evidence sample {ref.sample_id!r} needs its SHA-384 digest.")
    return EvidenceRef(artifact.uid, ref.sample_id, ref.sample_digest)


def resolve_evidence(session: Any, ref: EvidenceRef, *, review_id: int) -> EvidenceRef:
    """``check_evidence``, computing a sample's digest from the log when none was given; a
    part of the sample must exist (a message or event in the log, a triage label on that
    sample), and a triage label is recorded by its uid."""
    if ref.comparison is not None:
        return check_evidence(session.conn, ref, review_id=review_id)
    check_evidence(session.conn, EvidenceRef(ref.artifact_uid), review_id=review_id)
    if ref.sample_id is not None and ref.sample_digest is None:
        from reviewstation.artifacts.samples import find_sample

        sample, part = split_sample(ref.sample_id)
        uid, digest = find_sample(session, ref.artifact_uid, sample)
        if part is not None and not part.startswith("triage:"):
            _locate_in_log(session, uid, sample, part)
        elif part is not None:
            part = "triage:" + _triage_label(session.conn, uid, sample, part.partition(":")[2])
        ref = EvidenceRef(uid, sample if part is None else f"{sample}/{part}", digest)
    return check_evidence(session.conn, ref, review_id=review_id)


def _locate_in_log(session: Any, artifact_uid: str, sample: str, part: str) -> None:
    from reviewstation.analysis.transcripts import load_sample
    from reviewstation.artifacts.blobstore import BlobReader
    from reviewstation.artifacts.catalog import get_artifact

    artifact = get_artifact(session.conn, artifact_uid)
    with BlobReader(session.path, artifact.blob_ref(session.master, session.vault_id)) as stream:
        locate(load_sample(stream, artifact.size, sample), part)  # type: ignore[arg-type]


def _triage_label(conn: Connection, artifact_uid: str, sample: str, label: str) -> str:
    """The uid of triage label ``label`` (number or uid), which must be on this sample."""
    row = conn.execute(
        "SELECT uid, artifact_uid, sample FROM triage_labels WHERE id = ? OR uid = ?",
        (int(label) if label.isdigit() else -1, label),
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no triage label {label[:80]} in this vault.")
    wanted = sample if "@" in sample else f"{sample}@1"
    if (str(row[1]), str(row[2])) != (artifact_uid, wanted):
        raise InputError(
            f"Triage label {label[:80]} is on {row[1]}#{row[2]}, not on {artifact_uid}#{sample}."
        )
    return str(row[0])
