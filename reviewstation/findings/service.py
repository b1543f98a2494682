"""Create and change findings. Every change is a numbered revision (who, when, old and new).

Two-person rules: a finding is approved by a lead other than the person who last changed its
content (its author while no one else changed it), and the severity of an approved finding is
lowered only by such a lead, with a written reason. So what is approved was always written or
last changed by someone else, and two leads who both edited a finding can still finish: the one
who did not change it last approves. Any other change to an approved finding sends it back to
"confirmed" for approval again. Every refusal names the leads who could do it instead.

The module owns the tables ``findings``, ``finding_revisions``, ``finding_evidence`` and
``finding_links``: nothing else writes them. It has two parts. **Store functions**
(``check_values``, ``check_state``, ``insert_finding``, ``apply_changes``, ``upsert_finding``,
``add_links``) validate a record by this vault's rules and write it inside the caller's
transaction; they check no permission. **Commands** (``add_finding``, ``update_finding``,
``set_status``) check the session's permissions and the workflow, open ``session.change()`` and
call the store functions. A composite write (the package importer) calls the store functions
inside its own single transaction, so an imported finding obeys the same rules as a typed one.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from packageurl import PackageURL

from reviewstation import markings
from reviewstation.checklists.runs import get_run
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.evidence import EvidenceRef, check_shape, resolve_evidence
from reviewstation.findings import location, vers
from reviewstation.findings.scoring import Score, score_cvss4
from reviewstation.reviews.service import require_review
from reviewstation.text import check_line, check_name, check_text
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session
from reviewstation.vault.two_person import who_else

KINDS = ("capability", "safeguard", "vulnerability")
SEVERITIES = ("critical", "high", "medium", "low", "info")  # most severe first
VEX_STATUSES = ("not_affected", "affected", "fixed", "under_investigation")
# Why a product is not affected: the CSAF 2.0 flag labels and OpenVEX 0.2.0 justifications
# (the same five names in both).
JUSTIFICATIONS = (
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
)
MAX_ACTION = 4000
DISCLOSURES = ("not_shared", "sent_to_clearinghouse", "vendor_notified", "cve_assigned")
STATUSES = ("draft", "confirmed", "approved", "disputed", "withdrawn")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("confirmed", "disputed", "withdrawn"),
    "confirmed": ("approved", "draft", "disputed", "withdrawn"),
    "approved": ("confirmed", "disputed", "withdrawn"),
    "disputed": ("draft", "confirmed", "withdrawn"),
    "withdrawn": ("draft",),
}
CWE = re.compile(r"^CWE-[1-9][0-9]{0,5}$")
CVE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,9}$")
PRODUCT_ID = re.compile(r"^(pkg:[a-z][a-z0-9.+-]*/\S+|cpe:2\.3:[aho*-]:\S+)$")
# A CPE 2.3 formatted string (NISTIR 7695, the pattern the CVE and CSAF schemas use): 13
# components, special characters escaped.
_CPE_PART = (
    r"(((\?*|\*?)([a-zA-Z0-9\-._]|(\\[\\*?!\"#$%&'()+,/:;<=>@\[\]^`{|}~]))+(\?*|\*?))|[*\-])"
)
CPE23 = re.compile(
    rf"^cpe:2\.3:[aho*\-](:{_CPE_PART}){{5}}"
    r"(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[*\-]))"
    rf"(:{_CPE_PART}){{4}}$"
)
MAX_TITLE = 500
MAX_BODY = 1024 * 1024
MAX_FIELD = 1000
MAX_NAME = 200  # author and approver names (a foreign name carries its sender's suffix)
STATE = ("status", "approved_by", "author")
EDITABLE = (
    "kind",
    "title",
    "body",
    "severity",
    "cvss_vector",
    "cwe",
    "vendor",
    "product",
    "versions",
    "product_id",
    "vex_status",
    "affected_versions",
    "fixed_versions",
    "justification",
    "action_statement",
    "disclosure",
    "cve_id",
    "portion_marking",
    *location.FIELDS,  # where in the product's source: file, lines, function, commit, repo
)
# Text columns stored as "" when empty (an older package's finding arrives without them).
EMPTY_TEXT = ("affected_versions", "fixed_versions", "action_statement")


@dataclass(frozen=True)
class Finding:
    id: int
    uid: str
    review_id: int
    kind: str
    title: str
    body: str
    severity: str
    cvss_vector: str | None
    cvss_score: float | None  # CVSS-B: from the vector's base metrics alone
    cwe: str | None
    vendor: str
    product: str
    versions: str
    product_id: str
    vex_status: str | None
    affected_versions: str  # vers range of the vulnerable versions, "" when not recorded
    fixed_versions: str  # vers range of the versions that fix it, "" when not recorded
    justification: str | None  # why not_affected (one of JUSTIFICATIONS)
    action_statement: str  # what a user of an affected product should do
    disclosure: str
    cve_id: str | None
    portion_marking: str
    file_path: str | None  # location.py: relative to the repository root
    start_line: int | None
    end_line: int | None
    function_name: str | None
    commit_id: str | None
    repository: str | None
    author: str
    status: str
    approved_by: str | None
    created: str
    updated: str
    revision: int
    evidence: list[EvidenceRef] = field(default_factory=list)
    links: list[tuple[int, str]] = field(default_factory=list)

    @property
    def portion_mark(self) -> str:
        return f"({self.portion_marking})"

    @property
    def cvss(self) -> Score | None:
        """Every named CVSS v4.0 score of the vector (CVSS-B, and CVSS-BT/BE/BTE as it sets
        threat and environmental metrics), or None when the finding has no vector."""
        return score_cvss4(self.cvss_vector) if self.cvss_vector else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        cvss = self.cvss
        if cvss is not None:
            data["cvss_scores"] = {r.name: r.score for r in cvss.ratings}
            data["cvss_nomenclature"] = cvss.nomenclature
        data["evidence"] = [e.to_json() for e in self.evidence]
        data["links"] = [{"run": run, "item": item} for run, item in self.links]
        data["portion_mark"] = self.portion_mark
        return data


_FIELDS = [f for f in Finding.__dataclass_fields__ if f not in ("evidence", "links")]
_SELECT = f"SELECT {', '.join(_FIELDS)} FROM findings"  # noqa: S608


def _row(conn: Connection, row: Any, *, full: bool = True) -> Finding:
    values = dict(zip(_FIELDS, row, strict=True))
    if not full:
        return Finding(**values)
    evidence = [
        EvidenceRef(*r)
        for r in conn.execute(
            "SELECT artifact_uid, sample_id, sample_digest FROM finding_evidence"
            " WHERE finding_id = ? ORDER BY id",
            (values["id"],),
        )
    ]
    links = [
        (int(r[0]), str(r[1]))
        for r in conn.execute(
            "SELECT run_id, item_id FROM finding_links WHERE finding_id = ?"
            " ORDER BY run_id, item_id",
            (values["id"],),
        )
    ]
    return Finding(**values, evidence=evidence, links=links)


def get_finding(conn: Connection, finding_id: int | str) -> Finding:
    key = str(finding_id).strip()
    row = conn.execute(
        f"{_SELECT} WHERE id = ? OR uid = ?", (int(key) if key.isdigit() else -1, key)
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no finding {finding_id!s} in this vault.")
    return _row(conn, row)


def revisions(conn: Connection, finding_id: int) -> list[dict[str, Any]]:
    return [
        {"revision": r[0], "at": r[1], "user": r[2], "changes": json.loads(r[3])}
        for r in conn.execute(
            "SELECT revision, at, user, changes FROM finding_revisions WHERE finding_id = ?"
            " ORDER BY revision",
            (finding_id,),
        )
    ]


def _clean(name: str, value: Any) -> Any:
    """Validate one field's new value; InputError naming the field."""
    if name in location.FIELDS:
        return location.clean(name, value)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"The finding's {name} must be text.")
    text = value.strip()
    if name == "title":
        if not text or len(text) > MAX_TITLE:
            raise InputError(f"A finding needs a title of 1-{MAX_TITLE} characters.")
        return check_line("finding's title", text)
    if name == "body":
        if len(value) > MAX_BODY:
            raise InputError("The finding's body is larger than 1 MiB.")
        return check_text("finding's body", value)
    choices = {
        "kind": KINDS,
        "severity": SEVERITIES,
        "vex_status": VEX_STATUSES,
        "disclosure": DISCLOSURES,
        "justification": JUSTIFICATIONS,
    }
    if name in ("vex_status", "justification") and not text:
        return None  # not assessed; no justification
    if name in ("affected_versions", "fixed_versions"):
        return vers.check(text, name.replace("_", " "))
    if name == "action_statement":
        if len(text) > MAX_ACTION or not all(c.isprintable() or c in "\n\t" for c in text):
            raise InputError(
                f"The action statement is longer than {MAX_ACTION} characters or contains"
                " control characters."
            )
        return text
    if name in choices:
        if text not in choices[name]:
            raise InputError(f"Unknown {name} {text!r}; choose one of {', '.join(choices[name])}.")
        return text
    patterns = {"cwe": (CWE, "like CWE-787"), "cve_id": (CVE, "like CVE-2026-12345")}
    if name in patterns:
        pattern, example = patterns[name]
        if text and not pattern.match(text):
            raise InputError(f"The {name.replace('_', ' ')} {text!r} should look {example}.")
        return text or None
    if name == "product_id":
        if len(text) > MAX_FIELD:
            raise InputError(f"The product id is longer than {MAX_FIELD} characters.")
        check_line("product id", text)
        if text and not PRODUCT_ID.match(text):
            raise InputError(f"The product id {text!r} is neither a purl (pkg:...) nor a CPE 2.3.")
        return _product_id(text)
    if name == "portion_marking":
        # Stored in the portion form (S//NF), whatever was typed (secret//noforn); compared by
        # level against the vault's marking in _portion.
        if not text:
            raise InputError("A finding needs a portion marking, e.g. CUI or U.")
        return markings.parse(text, "portion marking").portion
    if len(text) > MAX_FIELD or not text.isprintable():
        raise InputError(f"The finding's {name} is too long or contains control characters.")
    return text


def _product_id(text: str) -> str:
    """A purl that package-url's parser reads, or a well-formed CPE 2.3 string: what the
    writers copy into SARIF, CSAF, OpenVEX, CycloneDX and CVE records as an identifier."""
    if text.startswith("pkg:"):
        try:
            PackageURL.from_string(text)
        except ValueError as exc:
            raise InputError(f"The product id {text!r} is not a valid purl: {exc}.") from None
    elif text and not CPE23.match(text):
        raise InputError(
            f"The product id {text!r} is not a well-formed CPE 2.3 name (13 parts, like"
            " cpe:2.3:a:acme:widget:3.1:*:*:*:*:*:*:*, special characters escaped with \\)."
        )
    return text


def _portion(marking: str, value: str) -> str:
    """A clean portion mark that this vault may hold: one above its marking is a spill,
    refused rather than recorded."""
    portion = str(_clean("portion_marking", value))
    markings.within(portion, marking, "portion marking")
    return portion


def cvss_fields(vector: str | None) -> dict[str, Any]:
    """The stored CVSS columns for a vector: the clean vector and its CVSS-B score (base
    metrics alone; the other named scores are derived from the vector when read)."""
    if not vector:
        return {"cvss_vector": None, "cvss_score": None}
    score = score_cvss4(vector)
    return {"cvss_vector": score.vector, "cvss_score": score.base.score}


def _check_disclosure(values: Mapping[str, Any]) -> None:
    """Checks across fields of a finding's whole (merged) state."""
    if values.get("disclosure") == "cve_assigned" and not values.get("cve_id"):
        raise InputError("Disclosure 'cve_assigned' needs the CVE id.")
    location.check(values)


def check_vex(values: Mapping[str, Any]) -> None:
    """What a VEX statement needs, checked on every write of a finding: ``not_affected``
    names its justification (and only it does); ``fixed`` names the versions that fix it; a
    fixed range shares no version with the affected range. (``affected`` needs its action
    statement only before it is asserted: see ``vex_missing``.)"""
    status = values.get("vex_status")
    if status == "not_affected" and not values.get("justification"):
        raise InputError(
            f"A not_affected finding needs its justification: one of {', '.join(JUSTIFICATIONS)}."
        )
    if status != "not_affected" and values.get("justification"):
        raise InputError("A justification belongs to a not_affected finding only; clear it.")
    if status == "fixed" and not values.get("fixed_versions"):
        raise InputError(
            "A fixed finding needs the versions that fix it (fixed versions, a vers range"
            " like vers:semver/>=1.4.0)."
        )
    affected, fixed = values.get("affected_versions"), values.get("fixed_versions")
    if affected and fixed:
        a, f = vers.parse(affected, "affected versions"), vers.parse(fixed, "fixed versions")
        if a.scheme != f.scheme:
            raise InputError(
                f"The affected versions ({a.scheme}) and fixed versions ({f.scheme}) use"
                " different versioning schemes."
            )
        if a.overlaps(f):
            raise InputError(
                f"The fixed versions {f.text} include a version inside the affected range {a.text}."
            )


def vex_missing(finding: Finding) -> str | None:
    """What a vulnerability finding lacks before its VEX status can be asserted (e.g. "an
    action statement (--action-statement)"), or None when nothing is missing."""
    status = finding.vex_status
    if status == "affected" and not finding.action_statement.strip():
        return "an action statement (--action-statement)"
    if status == "not_affected" and not finding.justification:
        return "a justification (--justification)"
    if status == "fixed" and not finding.fixed_versions:
        return "its fixed versions (--fixed-versions)"
    return None


def require_assertable(findings: Sequence[Finding]) -> None:
    """Every approved vulnerability finding can be asserted as a VEX statement; InputError
    names the first that cannot and what it lacks (an export checks this before it writes)."""
    for finding in findings:
        missing = vex_missing(finding) if finding.kind == "vulnerability" else None
        if missing and asserted(finding):
            raise InputError(
                f"Finding {finding.id} is approved as {finding.vex_status} but lacks {missing};"
                " add it before exporting."
            )


def asserted(finding: Finding) -> bool:
    """Whether the export asserts the finding's own VEX status: only a finding approved by a
    second person is the reviewers' claim; any other is exported as under investigation."""
    return finding.status == "approved"


# --- Store functions: validate by this vault's rules and write inside the caller's
# transaction. They check no permission; commands and composite writes do that first.

UID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
REQUIRED = ("title", "severity", "kind", "portion_marking")


@dataclass(frozen=True)
class FindingRecord:
    """A finding to store: its fields (names from ``EDITABLE``; ``cvss_score`` is always
    computed here from the vector) and its state. ``insert_finding`` and ``upsert_finding``
    check it; building one checks nothing."""

    review_id: int
    fields: Mapping[str, Any]
    author: str
    status: str = "draft"
    approved_by: str | None = None
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    evidence: Sequence[EvidenceRef] = ()
    links: Sequence[tuple[int | str, str]] = ()


def check_values(values: Mapping[str, Any], marking: str) -> dict[str, Any]:
    """A finding's fields checked by this vault's rules: known names only, each value by its
    kind, the portion marking not above ``marking`` (the vault's), and the CVSS score computed
    from the vector (a score that came with the values is never taken)."""
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise InputError(f"Unknown finding field(s): {', '.join(sorted(unknown))}.")
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in EMPTY_TEXT and value is None:
            out[name] = ""
        elif name == "cvss_vector":
            out.update(cvss_fields(_clean(name, value) or None))
        elif name == "portion_marking":
            out[name] = None if value is None else _portion(marking, value)
        else:
            out[name] = _clean(name, value)
    return out


def check_state(status: object, approved_by: object, author: object) -> None:
    """The workflow state: a known status; an approved finding names its approver, who is not
    its author (the two-person rule); any other finding names no approver."""
    if status not in STATUSES:
        raise InputError(f"Unknown finding status {status!r}; one of {', '.join(STATUSES)}.")
    check_name(author, "finding's author", MAX_NAME)
    if status == "approved":
        if approved_by is None:
            raise InputError("An approved finding names the lead who approved it.")
        if check_name(approved_by, "finding's approver", MAX_NAME) == author:
            raise InputError("A finding is approved by a lead other than its author.")
    elif approved_by is not None:
        raise InputError(f"A {status} finding has no approver.")


def check_link(
    conn: Connection, review_id: int, run_id: int | str, item_id: str
) -> tuple[int, str]:
    """A link to a checklist item of a run of the same review, as (run id, item id)."""
    run = get_run(conn, run_id)
    if run.review_id != review_id:
        raise InputError(f"Checklist run {run.id} belongs to another review.")
    run.template.item(item_id)
    return run.id, item_id


def insert_finding(
    conn: Connection,
    record: FindingRecord,
    *,
    marking: str,
    by: str,
    note: Mapping[str, Any] | None = None,
) -> int:
    """Check ``record`` and store it as revision 1 (``by`` is the user who records it;
    ``note`` goes into that revision, e.g. the package it came from). Returns its row id."""
    if not UID.fullmatch(record.uid):
        raise InputError(f"A finding's uid {record.uid[:60]!r} is not a UUID.")
    values = check_values(record.fields, marking)
    missing = [name for name in REQUIRED if values.get(name) is None]
    if missing:
        raise InputError(f"A finding needs its {', '.join(missing)}.")
    _check_disclosure(values)
    check_vex(values)
    check_state(record.status, record.approved_by, record.author)
    refs = [check_shape(ref) for ref in record.evidence]
    links = [check_link(conn, record.review_id, run, item) for run, item in record.links]
    now = audit.now()
    state = {"author": record.author, "status": record.status, "approved_by": record.approved_by}
    row = {
        **{name: value for name, value in values.items() if value is not None},
        **state,
        "uid": record.uid,
        "review_id": record.review_id,
        "created": now,
        "updated": now,
        "revision": 1,
    }
    cursor = conn.execute(
        f"INSERT INTO findings ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608
        list(row.values()),
    )
    finding_id = int(cursor.lastrowid)
    changes: dict[str, Any] = {k: [None, v] for k, v in values.items()}
    if note is not None:
        changes.update({k: [None, v] for k, v in state.items() if v not in (None, "draft")})
        changes["imported"] = dict(note)
    _add_revision(conn, finding_id, 1, by, changes)
    _attach(conn, finding_id, refs, links)
    return finding_id


def apply_changes(
    conn: Connection,
    finding: Finding,
    new: Mapping[str, Any],
    *,
    marking: str,
    by: str,
    extra: Mapping[str, Any] | None = None,
    evidence: Sequence[EvidenceRef] = (),
    links: Sequence[tuple[int | str, str]] = (),
) -> int:
    """Check ``new`` (fields and state) against the finding as it is and store it as the next
    revision, with ``extra`` (a reason, an import note) in the revision. Returns its number."""
    state = {k: v for k, v in new.items() if k in STATE}
    fields = {k: v for k, v in new.items() if k not in STATE and k != "cvss_score"}
    checked = {**check_values(fields, marking), **state}
    merged = {**asdict(finding), **checked}
    missing = [name for name in REQUIRED if merged.get(name) is None]
    if missing:
        raise InputError(f"A finding needs its {', '.join(missing)}.")
    _check_disclosure(merged)
    check_vex(merged)
    check_state(merged["status"], merged["approved_by"], merged["author"])
    refs = [check_shape(ref) for ref in evidence]
    checked_links = [check_link(conn, finding.review_id, run, item) for run, item in links]
    revision = finding.revision + 1
    diff: dict[str, Any] = {k: [getattr(finding, k), v] for k, v in checked.items()}
    if refs:
        diff["evidence_added"] = [r.to_json() for r in refs]
    if checked_links:
        diff["links_added"] = [{"run": r, "item": i} for r, i in checked_links]
    diff.update(extra or {})
    sets = "".join(f"{name} = ?, " for name in checked)
    conn.execute(
        f"UPDATE findings SET {sets}updated = ?, revision = ? WHERE id = ?",  # noqa: S608
        [*checked.values(), audit.now(), revision, finding.id],
    )
    _add_revision(conn, finding.id, revision, by, diff)
    _attach(conn, finding.id, refs, checked_links)
    return revision


def upsert_finding(
    conn: Connection,
    record: FindingRecord,
    *,
    marking: str,
    by: str,
    note: Mapping[str, Any],
) -> str:
    """A finding that arrived from elsewhere, matched by uid: stored when new ("added"), else
    its differences stored as a new revision ("updated") or nothing done ("unchanged")."""
    row = conn.execute("SELECT id FROM findings WHERE uid = ?", (record.uid,)).fetchone()
    if row is None:
        insert_finding(conn, record, marking=marking, by=by, note=note)
        return "added"
    finding = get_finding(conn, int(row[0]))
    if finding.review_id != record.review_id:
        raise InputError(f"The finding {record.uid} already belongs to another review here.")
    wanted = {
        **check_values(record.fields, marking),
        "author": record.author,
        "status": record.status,
        "approved_by": record.approved_by,
    }
    diff = {k: v for k, v in wanted.items() if getattr(finding, k) != v}
    refs = [check_shape(ref) for ref in record.evidence]
    refs = [ref for ref in refs if ref not in finding.evidence]
    links = [check_link(conn, finding.review_id, run, item) for run, item in record.links]
    links = [link for link in links if link not in finding.links]
    if not diff and not refs and not links:
        return "unchanged"
    if "cvss_score" in diff and "cvss_vector" not in diff:
        diff.pop("cvss_score")
    apply_changes(
        conn,
        finding,
        diff,
        marking=marking,
        by=by,
        extra={"imported": dict(note)},
        evidence=refs,
        links=links,
    )
    return "updated"


def _attach(
    conn: Connection, finding_id: int, refs: list[EvidenceRef], links: list[tuple[int, str]]
) -> None:
    for ref in refs:
        conn.execute(
            "INSERT OR IGNORE INTO finding_evidence (finding_id, artifact_uid, sample_id,"
            " sample_digest) VALUES (?, ?, ?, ?)",
            (finding_id, ref.artifact_uid, ref.sample_id, ref.sample_digest),
        )
    for run_id, item_id in links:
        conn.execute(
            "INSERT OR IGNORE INTO finding_links (finding_id, run_id, item_id) VALUES (?, ?, ?)",
            (finding_id, run_id, item_id),
        )


def _add_revision(
    conn: Connection, finding_id: int, revision: int, user: str, changes: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO finding_revisions (finding_id, revision, at, user, changes)"
        " VALUES (?, ?, ?, ?, ?)",
        (finding_id, revision, audit.now(), user, json.dumps(changes, sort_keys=True)),
    )


# --- Commands: permissions and workflow, then one ``session.change()`` around store functions.


def add_finding(
    session: Session,
    review_id: int | str,
    *,
    title: str,
    severity: str,
    kind: str = "capability",
    body: str = "",
    cvss_vector: str | None = None,
    portion_marking: str | None = None,
    evidence: list[EvidenceRef] | None = None,
    links: list[tuple[int | str, str]] | None = None,
    **extra: str | None,
) -> Finding:
    session.require_writable("add a finding")
    review = require_review(session, review_id)
    fields: dict[str, Any] = {name: value for name, value in extra.items() if value is not None}
    fields.update(
        kind=kind,
        title=title,
        body=body,
        severity=severity,
        portion_marking=portion_marking or review.marking,
        cvss_vector=cvss_vector,
    )
    values = check_values(fields, session.marking)  # a clear error before anything is written
    record = FindingRecord(
        review.id,
        fields,
        session.user.name,
        evidence=[resolve_evidence(session, ref, review_id=review.id) for ref in evidence or []],
        links=[check_link(session.conn, review.id, run, item) for run, item in links or []],
    )
    details = {"review": review.uid, "title": values["title"]}
    with session.change("finding.add", record.uid, details) as conn:
        finding_id = insert_finding(conn, record, marking=session.marking, by=session.user.name)
    return get_finding(session.conn, finding_id)


def _is_downgrade(old: str, new: str) -> bool:
    return SEVERITIES.index(new) > SEVERITIES.index(old)


def update_finding(
    session: Session,
    finding_id: int | str,
    *,
    reason: str = "",
    evidence: list[EvidenceRef] | None = None,
    links: list[tuple[int | str, str]] | None = None,
    **changes: str | None,
) -> Finding:
    """Change fields (only those given). ``reason`` is required for a severity downgrade."""
    session.require_writable("change a finding")
    finding = get_finding(session.conn, finding_id)
    require_review(session, finding.review_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InputError(f"Unknown finding field(s): {', '.join(sorted(unknown))}.")
    new: dict[str, Any] = {}
    for name, value in changes.items():
        if value is None:
            continue
        if name == "cvss_vector":
            fields = cvss_fields(value.strip() or None)
            if fields["cvss_vector"] != finding.cvss_vector:
                new.update(fields)
            continue
        cleaned = (
            _portion(session.marking, value) if name == "portion_marking" else _clean(name, value)
        )
        if name in ("cwe", "cve_id", "vex_status", "justification") and cleaned == "":
            cleaned = None
        if cleaned != getattr(finding, name):
            new[name] = cleaned
    if new.get("vex_status", "not_affected") != "not_affected" and finding.justification:
        new.setdefault("justification", None)  # a justification belongs to not_affected only
    _check_disclosure({**asdict(finding), **new})
    check_vex({**asdict(finding), **new})
    refs = [resolve_evidence(session, ref, review_id=finding.review_id) for ref in evidence or []]
    checked = [check_link(session.conn, finding.review_id, r, i) for r, i in links or []]
    if not new and not refs and not checked:
        return finding
    status = finding.status
    if finding.status == "approved" and new:
        downgrade = "severity" in new and _is_downgrade(finding.severity, new["severity"])
        if downgrade:
            _require_second_lead(session, finding, "lower the severity of an approved finding")
            if not reason.strip():
                raise InputError("Lowering the severity of an approved finding needs a reason.")
        if set(new) - {"severity"} or not downgrade:
            status = "confirmed"  # content changed after approval: approve again
    if status != finding.status:
        new["status"] = status
        new["approved_by"] = None
    return _write(session, finding, new, refs, checked, reason)


def _write(
    session: Session,
    finding: Finding,
    new: dict[str, Any],
    refs: list[EvidenceRef],
    links: list[tuple[int, str]],
    reason: str,
) -> Finding:
    action = "finding.status" if set(new) <= {"status", "approved_by"} else "finding.update"
    details = {"revision": finding.revision + 1, "fields": sorted(new)}
    extra = {"reason": reason.strip()} if reason.strip() else {}
    with session.change(action, finding.uid, details) as conn:
        apply_changes(
            conn,
            finding,
            new,
            marking=session.marking,
            by=session.user.name,
            extra=extra,
            evidence=refs,
            links=[(run, item) for run, item in links],
        )
    return get_finding(session.conn, finding.id)


def last_writer(conn: Connection, finding: Finding) -> tuple[str, int]:
    """Who changed the finding's content last, and in which revision: the user of its newest
    revision that changed a field (an import's revision records the importer, not a writer,
    and is skipped); its author (revision 1) when there is none."""
    rows = conn.execute(
        "SELECT user, changes, revision FROM finding_revisions WHERE finding_id = ?"
        " ORDER BY revision DESC",
        (finding.id,),
    )
    for user, changes_text, revision in rows:
        changes = json.loads(changes_text)
        if set(changes) & set(EDITABLE) and "imported" not in changes:
            return str(user), int(revision)
    return finding.author, 1


def _require_second_lead(session: Session, finding: Finding, what: str) -> None:
    session.require_role(what, "lead")
    writer, revision = last_writer(session.conn, finding)
    if session.user.name == writer:
        others = who_else(session.conn, apart_from=[writer], besides=writer, links=False)
        whose = "you wrote it" if revision == 1 else f"you changed it last (revision {revision})"
        raise PermissionDenied(
            f"Cannot {what}: {whose}, and a lead other than the last person who changed it"
            f" must do it; {others}."
        )


def set_status(session: Session, finding_id: int | str, status: str, reason: str = "") -> Finding:
    session.require_writable("change a finding's status")
    finding = get_finding(session.conn, finding_id)
    require_review(session, finding.review_id)
    if status not in STATUSES:
        raise InputError(f"Unknown status {status!r}; choose one of {', '.join(STATUSES)}.")
    if status not in TRANSITIONS[finding.status]:
        raise InputError(
            f"A finding cannot go from {finding.status} to {status}; next: "
            f"{', '.join(TRANSITIONS[finding.status])}."
        )
    new: dict[str, Any] = {"status": status}
    if status == "approved":
        missing = vex_missing(finding) if finding.kind == "vulnerability" else None
        if missing:
            raise InputError(
                f"Finding {finding.id} is {finding.vex_status}: it needs {missing} before it"
                " can be approved."
            )
        _require_second_lead(session, finding, "approve a finding")
        new["approved_by"] = session.user.name
    elif finding.status == "approved":
        session.require_role("reopen an approved finding", "lead")
        new["approved_by"] = None
    if status in ("disputed", "withdrawn") and not reason.strip():
        raise InputError(f"Marking a finding {status} needs a reason.")
    return _write(session, finding, new, [], [], reason)
