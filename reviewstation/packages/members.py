"""The JSON members of a package and its manifests, built from ``PackageContent``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from reviewstation import formats
from reviewstation.canonical import canonical, loads_bounded
from reviewstation.crypto.identity import PublicIdentity, b64, unb64
from reviewstation.crypto.signing import HybridSignature
from reviewstation.errors import InputError
from reviewstation.formats import openvex
from reviewstation.package_content import PackageContent
from reviewstation.packages import lineage
from reviewstation.vault.audit import Checkpoint
from reviewstation.ziparchive import PackageRefused

FORMAT = "reviewstation-package"
VERSION = 1
MANIFEST = "manifest.json"
FINDINGS = "findings.json"
CHECKLISTS = "checklists.json"
ARTIFACTS = "artifacts.json"
DETERMINATION = "determination.json"  # only when the review has capability areas
TRIAGE = "triage.json"  # only when the review has triage labels
PAYLOAD = "payload.enc"
RECIPIENTS = "recipients.json"
DISCLOSURE = "disclosure.json"  # a selective disclosure's salted digests (packages/disclosure.py)
# The largest JSON member whose marking verification reads (the importer's limit).
MAX_MARKED = 64 * 1024 * 1024


def pretty(obj: Any) -> bytes:
    """Canonical JSON plus a newline: deterministic, and still readable with ``jq``."""
    return canonical(obj) + b"\n"


def checkpoint_json(vault_id: str, point: Checkpoint) -> dict[str, Any]:
    return {
        "vault_id": vault_id,
        "count": point.count,
        "head": point.head,
        "user": point.user,
        "at": point.at,
        "sig_p384": b64(point.signature.p384_der),
        "sig_mldsa87": b64(point.signature.mldsa87),
    }


def checkpoint_from_json(cp: Any) -> tuple[str, Checkpoint]:
    """(source vault id, checkpoint) from the manifest's ``checkpoint`` (``checkpoint_json``'s
    form); ``ValueError`` when it is malformed. Its signature is the caller's to check."""
    try:
        point = Checkpoint(
            int(cp["count"]),
            str(cp["head"]),
            str(cp["user"]),
            str(cp["at"]),
            HybridSignature(
                unb64(cp["sig_p384"], "checkpoint"), unb64(cp["sig_mldsa87"], "checkpoint")
            ),
        )
        return str(cp["vault_id"]), point
    except (KeyError, TypeError, ValueError, InputError) as exc:
        raise ValueError("malformed audit checkpoint") from exc


def recipients_json(recipients: list[PublicIdentity]) -> list[dict[str, str]]:
    return [
        {"name": r.name, "fingerprint": r.recipient.fingerprint(), "signing": r.fingerprint}
        for r in recipients
    ]


def manifest(
    content: PackageContent,
    sequence: int,
    point: Checkpoint,
    recipients: list[PublicIdentity],
    *,
    encrypted: bool,
    inner: bool = False,
    approval: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest. The outer manifest of an encrypted package says nothing of the content:
    only what a courier or guard needs (id, signer, marking, recipients, checkpoint, and who
    approved the export when the vault's policy asked for a second person)."""
    review = content.review
    base: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "package_id": content.package_id,
        "sequence": sequence,
        "created": content.created,
        "tool": {"name": "ReviewStation", "version": content.tool_version},
        "source_vault": content.vault_id,
        "signer": {
            "name": content.signer.name,
            "role": content.signer.role,
            "p384_fingerprint": content.signer.p384_fingerprint,
            "mldsa87_fingerprint": content.signer.mldsa87_fingerprint,
        },
        "marking": content.marking,
        "encrypted": encrypted and not inner,
        "recipients": recipients_json(recipients),
        "checkpoint": checkpoint_json(content.vault_id, point),
    }
    if approval is not None:
        base["approval"] = approval
    if content.designation.to_json():
        # The classification authority block / CUI designation, as entered at export: what a
        # guard handling the package at its marking needs, so the outer manifest has it too.
        base["designation"] = content.designation.to_json()
    if encrypted and not inner:
        base["payload"] = {"member": PAYLOAD, "keys": RECIPIENTS}
        return base
    base["review"] = {
        "uid": review.uid,
        "title": review.title,
        "developer": review.developer,
        "model_name": review.model_name,
        "model_version": review.model_version,
        "access_mode": review.access_mode,
        "received": review.received,
        "deadline": review.deadline,
        "status": review.status,
        "determination": review.determination,
        "marking": review.marking,
    }
    base["counts"] = {
        "findings": len(content.findings),
        "checklist_runs": len(content.runs),
        "artifacts": len(content.artifacts),
        "evidence": len(content.evidence_uids),
    }
    return base


def finding_record(
    content: PackageContent, f: Any, revisions: dict[int, list[dict[str, Any]]]
) -> dict[str, Any]:
    """One finding as ``findings.json`` carries it (also what a disclosure digests)."""
    run_uids = {run.id: run.uid for run in content.runs}
    history = revisions.get(f.id, [])
    data = {**f.to_json(), "revisions": history}
    data["lineage"] = lineage.lineage(data, history)  # for a three-way merge (staging.py)
    # Run numbers are this vault's; the uid is what the receiving side can match.
    data["links"] = [
        {**link, "run_uid": run_uids.get(link["run"])} for link in data.get("links", [])
    ]
    return data


def findings_member(content: PackageContent, revisions: dict[int, list[dict[str, Any]]]) -> bytes:
    return pretty(
        {
            "format": "reviewstation-findings",
            "version": 1,
            "marking": content.marking,
            "review": content.review.to_json(),
            "findings": [finding_record(content, f, revisions) for f in content.findings],
            "based_on": [dict(entry) for entry in content.based_on],
        }
    )


def run_record(run: Any) -> dict[str, Any]:
    """One checklist run as ``checklists.json`` carries it."""
    return {**run.to_json(), "template_body": run.template.body()}


def checklists_member(content: PackageContent) -> bytes:
    return pretty(
        {
            "format": "reviewstation-checklists",
            "version": 1,
            "marking": content.marking,
            "runs": [run_record(run) for run in content.runs],
        }
    )


def artifacts_member(content: PackageContent) -> bytes:
    """Native records of the review's artifacts (hashes, custody, inspection); which of them
    travel as evidence, and under which member name."""
    return pretty(
        {
            "format": "reviewstation-artifacts",
            "version": 1,
            "marking": content.marking,
            "artifacts": [artifact_record(content, record) for record in content.artifacts],
        }
    )


def determination_member(content: PackageContent) -> bytes:
    """The review's capability areas: chosen runs, baseline, options and figures."""
    from reviewstation.determination import results_json  # not for the command's help

    return pretty(
        {
            "format": "reviewstation-determination",
            "version": 1,
            "marking": content.marking,
            **results_json(content.review.uid, content.determination),
        }
    )


def artifact_record(content: PackageContent, record: dict[str, Any]) -> dict[str, Any]:
    """An artifact's record. Only evidence keeps its inspector output: previews and
    transcripts are content, and content leaves the room only when chosen as evidence."""
    chosen = record["uid"] in content.evidence_uids
    out = {**record, "evidence_member": content.evidence_name(record) if chosen else None}
    if not chosen:
        inspection = record.get("inspection")
        kept = {"format": inspection.get("format")} if isinstance(inspection, dict) else {}
        out["inspection"] = kept
    return out


def triage_member(content: PackageContent) -> bytes:
    """The review's triage labels (``findings/triage.py``), each with its decision."""
    return pretty(
        {
            "format": "reviewstation-triage",
            "version": 1,
            "marking": content.marking,
            "labels": [label.to_json() for label in content.triage],
        }
    )


def native_members(content: PackageContent) -> dict[str, bytes]:
    """The optional native members this content carries (name -> bytes)."""
    return {TRIAGE: triage_member(content)} if content.triage else {}


# Where each JSON member carries the package's overall marking (docs/formats/package-members.md,
# "Markings"). A reader returns every marking the document states, in every place it states
# one; verification refuses a member any of whose markings differs from the manifest's. A new
# member that carries content is one row here (and one in the test table of
# tests/packages/test_member_markings.py).
def _get(doc: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            doc = doc[step] if isinstance(doc, list) and len(doc) > step else None
        else:
            doc = doc.get(step) if isinstance(doc, dict) else None
    return doc


def _strings(*values: Any) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def _top(doc: Any) -> list[str]:
    return _strings(_get(doc, "marking"))


def _sarif(doc: Any) -> list[str]:
    return _strings(*(_get(run, "properties", "marking") for run in _get(doc, "runs") or []))


def _csaf(doc: Any) -> list[str]:
    text = _get(doc, "document", "distribution", "text")
    notes = [
        _get(note, "text")
        for note in _get(doc, "document", "notes") or []
        if _get(note, "title") == "Marking"
    ]
    return _strings(text.split(". ", 1)[0] if isinstance(text, str) else None, *notes)


def _openvex(doc: Any) -> list[str]:
    # A statement without the marking gives "": never taken for the right one.
    return [openvex.statement_marking(s) or "" for s in _get(doc, "statements") or []]


def _cve(doc: Any) -> list[str]:
    return _strings(_get(doc, "containers", "cna", "x_marking"))


def _cyclonedx(doc: Any) -> list[str]:
    return _strings(
        *(
            _get(p, "value")
            for p in _get(doc, "metadata", "properties") or []
            if _get(p, "name") == "reviewstation:marking"
        )
    )


MARKING_READERS: dict[str, Callable[[Any], list[str]]] = {
    MANIFEST: _top,
    FINDINGS: _top,
    CHECKLISTS: _top,
    ARTIFACTS: _top,
    DETERMINATION: _top,
    TRIAGE: _top,
    DISCLOSURE: _top,
    formats.SARIF_MEMBER: _sarif,
    formats.CSAF_MEMBER: _csaf,
    formats.OPENVEX_MEMBER: _openvex,
    formats.CYCLONEDX_MEMBER: _cyclonedx,
    formats.CVE_DIR: _cve,  # a folder: every member under it
}


def _reader_key(name: str) -> str | None:
    """The MARKING_READERS row of a member: its name, or the folder ("cve/") it is in."""
    if name in MARKING_READERS:
        return name
    folder = name.split("/", 1)[0] + "/" if "/" in name else None
    return folder if folder in MARKING_READERS else None


def member_markings(name: str, data: bytes) -> list[str]:
    """Every overall marking the JSON member ``name`` states ([] for a member without one)."""
    key = _reader_key(name)
    reader = MARKING_READERS[key] if key is not None else None
    if reader is None:
        return []
    return reader(loads_bounded(data, name, MAX_MARKED))


# The native members always state the overall marking at their top level, and so do the
# standard formats that always have a place for it (SARIF run properties, CSAF distribution
# and notes, CycloneDX metadata properties, the CVE container); only an OpenVEX document
# without statements has none. Packages from before members carried markings are refused
# anyway: their members were compressed.
MUST_STATE_MARKING = frozenset(
    {
        FINDINGS,
        CHECKLISTS,
        ARTIFACTS,
        DETERMINATION,
        TRIAGE,
        DISCLOSURE,
        formats.CVE_DIR,
        formats.SARIF_MEMBER,
        formats.CSAF_MEMBER,
        formats.CYCLONEDX_MEMBER,
    }
)


def check_markings(names: Iterable[str], read: Callable[[str], bytes], marking: str) -> None:
    """Refuse (one sentence) a member whose stated marking is not the manifest's ``marking``,
    or a native member that states none."""
    for name in sorted(n for n in set(names) if _reader_key(n) not in (None, MANIFEST)):
        stated_all = member_markings(name, read(name))
        if not stated_all and _reader_key(name) in MUST_STATE_MARKING:
            raise PackageRefused(f"The member {name} carries no marking; refused.")
        for stated in stated_all:
            if stated != marking:
                raise PackageRefused(
                    f"The member {name} is marked {stated!r}, not {marking!r} as the manifest"
                    " says; refused."
                )
