"""What an export would write, worked out without writing anything: for the export wizard's
contents, marking check, manifest preview and approval pages (and any other front end).

It gathers the content exactly as ``export_package`` does and renders the standard-format
members to learn their names and sizes; it records nothing, adds no custody event and signs
nothing. The manifest, ``report.pdf`` and the signature files are described, not built.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from reviewstation import formats
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import InputError, NotFound
from reviewstation.findings.service import require_assertable
from reviewstation.formats.common import document_status
from reviewstation.package_content import PackageContent, highest_marking
from reviewstation.packages import approval as approvals
from reviewstation.packages import disclosure as disclosures
from reviewstation.packages import members, seal
from reviewstation.packages.content import gather
from reviewstation.packages.export import review_exports
from reviewstation.reviews.service import require_review
from reviewstation.vault import audit
from reviewstation.vault.publisher import unset_note
from reviewstation.vault.session import Session

REPORT = "report.pdf"
STANDARD = {
    formats.SARIF_MEMBER: "the findings as SARIF 2.1.0",
    formats.CSAF_MEMBER: "the vulnerability findings as a CSAF 2.0 advisory",
    formats.OPENVEX_MEMBER: "OpenVEX 0.2.0 statements for the vulnerability findings",
    formats.CYCLONEDX_MEMBER: "the artifact inventory and model cards as CycloneDX {cyclonedx}"
    " (ML-BOM)",
}


@dataclass(frozen=True)
class Member:
    name: str
    what: str
    size: int | None = None  # bytes, when known before the export
    inner: bool = False  # travels inside payload.enc (encrypted form)


@dataclass(frozen=True)
class Run:
    title: str
    answered: int
    total: int
    signed_off_by: str | None


@dataclass(frozen=True)
class Evidence:
    uid: str
    number: int
    path: str
    size: int


@dataclass(frozen=True)
class ExportPlan:
    review_id: int
    review_title: str
    determination: str
    vault_marking: str
    review_marking: str
    highest_portion: str  # the highest finding portion marking; "" without findings
    package_marking: str  # what the manifest and the report will say
    findings_by_status: dict[str, int]
    withdrawn: int  # findings left out
    runs: list[Run]
    artifacts: int
    evidence: list[Evidence]
    recipients: list[str]
    members: list[Member]
    approval: approvals.Readiness
    open_requests: list[approvals.ExportRequest] = field(default_factory=list)
    recipient_fingerprints: list[str] = field(default_factory=list)  # P-384, as ``recipients``
    # The advisories' identity ("RS-REVIEW-... version 2, status interim") and what the
    # exporter should know first (no publisher namespace; a finding that cannot be asserted).
    advisory: str = ""
    notes: list[str] = field(default_factory=list)
    # A selective disclosure: what it withholds from whom, in lines for any front end, and
    # why it is refused ("" when the policy allows it).
    disclosure: list[str] = field(default_factory=list)
    policy: str = ""

    @property
    def encrypted(self) -> bool:
        return bool(self.recipients)


def plan_export(
    session: Session,
    review_id: int | str,
    *,
    evidence: list[str] | None = None,
    recipients: list[PublicIdentity] | None = None,
    disclose: disclosures.Choice | None = None,
) -> ExportPlan:
    """``disclose``: the package as a selective disclosure to one recorded recipient; a plan
    the policy refuses (a marking above the recipient's clearance, an unknown recipient or
    item) is still worked out, with the refusal in ``policy``."""
    cards = list(recipients or [])
    # A stand-in id and time: the standard formats need both, and neither changes a size.
    review_ref = require_review(session, review_id)
    content = gather(
        session,
        review_ref.id,
        package_id=str(uuid.uuid4()),
        created=audit.now(),
        evidence=evidence,
        earlier=review_exports(session.conn, review_ref.id),
    )
    history = approvals.history_of(session, content)
    full = content
    chosen: disclosures.Plan | None = None
    lines: list[str] = []
    refusal = ""
    if disclose is not None:
        try:
            chosen = disclose.resolve(session, review_ref.id, evidence)
            shown = disclosures.apply(session, content, history, chosen)
        except (InputError, NotFound) as exc:
            refusal = str(exc)
        else:
            content, history = shown.content, shown.history
            lines = _disclosure_lines(shown)
    review = content.review
    withdrawn = session.conn.execute(
        "SELECT count(*) FROM findings WHERE review_id = ? AND status = 'withdrawn'",
        (review.id,),
    ).fetchone()[0]
    portions = [f.portion_marking for f in content.findings]
    mine = [
        r
        for r in approvals.list_requests(session.conn, review.id)
        if r.requested_by == session.user.name and r.package_id is None
    ]
    return ExportPlan(
        review_id=review.id,
        review_title=review.title,
        determination=review.determination,
        vault_marking=session.marking,
        review_marking=review.marking,
        highest_portion=highest_marking(portions) if portions else "",
        package_marking=content.marking,
        findings_by_status=dict(Counter(f.status for f in content.findings)),
        withdrawn=int(withdrawn),
        runs=[
            Run(
                run.template.title,
                run.progress()["answered"],
                run.progress()["total"],
                run.signed_off_by,
            )
            for run in content.runs
        ],
        artifacts=len(content.artifacts),
        evidence=[
            Evidence(str(a["uid"]), int(a["id"]), str(a["path"]), int(a["size"]))
            for a in content.artifacts
            if a["uid"] in content.evidence_uids
        ],
        recipients=[c.name for c in cards],
        members=_members(content, history, cards, disclosed=chosen is not None and not refusal),
        approval=approvals.readiness(
            session,
            full,
            approvals.history_of(session, full),
            cards,
            chosen.to_json() if chosen else None,
        ),
        open_requests=mine,
        recipient_fingerprints=[c.fingerprint for c in cards],
        advisory=f"{content.tracking_id} version {content.version},"
        f" status {document_status(content)}",
        notes=export_notes(content),
        disclosure=lines,
        policy=refusal,
    )


def _disclosure_lines(shown: disclosures.Disclosure) -> list[str]:
    person = shown.recipient
    withheld = [i.label for i in shown.withheld]
    lines = [
        f"Selective disclosure for {person.name}, cleared for {person.clearance};"
        f" TLP:{shown.plan.tlp}.",
        f"Allowed: nothing disclosed is marked above {person.clearance}.",
        "Withheld: "
        + (", ".join(withheld) if withheld else "nothing")
        + " (each keeps a salted digest in disclosure.json).",
    ]
    partial = [i.label for i in shown.items if i.state == "partial"]
    if partial:
        lines.append(
            "Disclosed in part (withheld fields, or references to withheld items, left out): "
            + ", ".join(partial)
            + "."
        )
    return lines


def export_notes(content: PackageContent) -> list[str]:
    """What an exporter is told before and after an export (both front ends show them)."""
    notes = []
    if content.publisher is None or not content.publisher.configured:
        notes.append(unset_note(content.vault_id))
    try:
        require_assertable(content.findings)
    except InputError as exc:
        notes.append(str(exc))
    return notes


def _members(
    content: PackageContent,
    history: approvals.History,
    cards: list[PublicIdentity],
    *,
    disclosed: bool = False,
) -> list[Member]:
    encrypted = bool(cards)
    findings = members.findings_member(content, history)
    checklists = members.checklists_member(content)
    artifacts = members.artifacts_member(content)
    chosen = [a for a in content.artifacts if a["uid"] in content.evidence_uids]
    body = [
        Member(
            members.MANIFEST,
            "id, signer, sequence, marking, review summary, counts, signed checkpoint",
        ),
        Member(
            members.FINDINGS,
            f"{_count(len(content.findings), 'finding')} with revisions (withdrawn: left out)",
            len(findings),
        ),
        Member(
            members.CHECKLISTS,
            f"{_count(len(content.runs), 'checklist run')} with answers and templates",
            len(checklists),
        ),
        Member(
            members.ARTIFACTS,
            f"records of {_count(len(content.artifacts), 'artifact')} (hashes, custody);"
            f" {len(chosen)} as evidence",
            len(artifacts),
        ),
    ]
    if content.area_versions:  # figures are computed at export: no size here
        body.append(
            Member(
                members.DETERMINATION,
                f"{_count(len(content.area_versions), 'capability area')}: chosen runs,"
                " baseline and figures",
            )
        )
    body.extend(
        Member(name, f"{_count(len(content.triage), 'triage label')} with decisions", len(data))
        for name, data in members.native_members(content).items()
    )
    if disclosed:
        body.append(
            Member(
                members.DISCLOSURE,
                "every item's salted digest; the salts of the items disclosed whole",
            )
        )
    rendered = formats.render(content)
    body.extend(
        Member(name, _standard(name, content), len(data)) for name, data in rendered.items()
    )
    body.append(Member(REPORT, f"the report for people, marked {content.marking} on every page"))
    body.extend(
        Member(
            content.evidence_name(a),
            f"the exact content of artifact {a['id']} ({a['path']})",
            int(a["size"]),
        )
        for a in chosen
    )
    body.extend(_sealing())
    if not encrypted:
        return body
    names = ", ".join(c.name for c in cards)
    outer = [
        Member(
            members.MANIFEST,
            "outer manifest: id, signer, marking, recipients, checkpoint; no content",
        ),
        Member(members.RECIPIENTS, f"the content key, wrapped for {names}"),
        Member(members.PAYLOAD, "the whole package below, encrypted (AES-256-GCM)"),
        *_sealing(),
    ]
    return outer + [Member(m.name, m.what, m.size, inner=True) for m in body]


def _standard(name: str, content: PackageContent) -> str:
    if name.startswith(formats.CVE_DIR):
        return "a CVE JSON 5.1.1 record (CNA container) for one vulnerability finding"
    return STANDARD.get(name, name).format(cyclonedx=content.cyclonedx_version)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _sealing() -> list[Member]:
    return [
        Member("signer-p384.pem", "your ECDSA P-384 public key"),
        Member("signer-mldsa87.pem", "your ML-DSA-87 public key"),
        Member(seal.SUMS, "the SHA-384 of every member above"),
        *(Member(name, "a signature over SHA384SUMS") for name in seal.SIGNATURES),
    ]
