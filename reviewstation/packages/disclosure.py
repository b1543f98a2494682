"""Selective disclosure: a package for one recipient that withholds chosen findings, fields,
artifacts or checklist runs, each withheld item kept as a salted digest; the policy that says
which markings may go to which recipient; proofs that an item is the one a package digested.

Construction (docs/formats/package.md, "Selective disclosure"):

- Every *item* of the full package has canonical bytes: a finding is its ``findings.json``
  record (revisions included), a field is ``{"finding": uid, "field": name, "value": v}``, an
  artifact its ``artifacts.json`` record, a checklist run its ``checklists.json`` record.
- Each item gets a fresh random 32-byte salt and the digest ``SHA-384(salt || bytes)``.
- ``disclosure.json`` (a signed member, listed in ``SHA384SUMS``) lists every item by kind and
  position with its digest. The salt travels only with an item disclosed whole (its bytes are
  in the package anyway); a withheld item, and an item disclosed in part, has no salt there.
- Salts and bytes of every item stay in the vault (``disclosure_items``, in the encrypted
  database), so a proof can be made later: ``prove`` writes the salt and the bytes of one item.

Policy: a recipient is recorded with its card and the highest marking it is cleared for
(``set_clearance``, a lead, audited); a disclosure of an item marked above it is refused,
naming the item and its marking. The export approval (packages/approval.py) covers the exact
plan: the recipient and the withheld set are part of the digest it is bound to.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Any

from reviewstation import markings
from reviewstation.canonical import canonical, loads_bounded
from reviewstation.crypto.hashing import sha384_hex
from reviewstation.crypto.identity import PublicIdentity, parse_card
from reviewstation.errors import InputError, NotFound
from reviewstation.formats.common import CSAF_TLP, TLP_LABELS
from reviewstation.package_content import PackageContent, Redaction, package_marking
from reviewstation.packages import members
from reviewstation.text import visible
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session
from reviewstation.ziparchive import HostileZip, PackageRefused, Policy

History = dict[int, list[dict[str, Any]]]
FORMAT = "reviewstation-disclosure"
PROOF_FORMAT = "reviewstation-proof"
SALT_BYTES = 32
DEFAULT_TLP = "AMBER"
# Fields of a finding that can be withheld, and what the disclosed copy holds instead: the
# redaction mark (text), None or "" (a value the formats read as "not recorded").
MARK, NONE, EMPTY = "mark", "none", "empty"
FIELDS: dict[str, str] = {
    "title": MARK,
    "body": MARK,
    "action_statement": MARK,
    "product": MARK,
    "versions": MARK,
    "cvss_vector": NONE,  # with its score
    "cwe": NONE,
    "cve_id": NONE,
    "product_id": EMPTY,
    "affected_versions": EMPTY,
    "fixed_versions": EMPTY,
    "file_path": NONE,
    "start_line": NONE,
    "end_line": NONE,
    "function_name": NONE,
    "commit_id": NONE,
    "repository": NONE,
}
MAX_PROOF = 64 * 1024 * 1024
# A proof may be re-zipped by hand (deflated); anything else zipfile could trip over is not.
PROOF_POLICY = Policy(
    "proof",
    frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}),
    max_members=16,
    max_member_bytes=MAX_PROOF,
    large_prefix="",
    max_total_bytes=MAX_PROOF,
)


# -- recipients and their clearance ---------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    card: PublicIdentity
    clearance: str  # full banner form
    set_by: str
    set_at: str

    @property
    def name(self) -> str:
        return self.card.name


def recipients(conn: Connection) -> list[Recipient]:
    return [
        Recipient(parse_card(card.encode(), stored=True), clearance, by, at)
        for card, clearance, by, at in conn.execute(
            "SELECT card, clearance, set_by, set_at FROM disclosure_recipients ORDER BY name"
        )
    ]


def get_recipient(conn: Connection, ref: str) -> Recipient:
    """A recorded recipient by name, or by at least 16 hex digits of its P-384 fingerprint."""
    text = ref.strip()
    found = [
        r
        for r in recipients(conn)
        if r.name == text or (len(text) >= 16 and r.card.fingerprint.startswith(text.lower()))
    ]
    if len(found) != 1:
        raise NotFound(
            f"No recipient {visible(text)!r} is recorded for disclosures; a lead records one with"
            " its card and clearance ('identity clearance')."
        )
    return found[0]


def set_clearance(session: Session, card_bytes: bytes, clearance: str) -> Recipient:
    """Record (or change) a recipient's card and the highest marking it may receive."""
    what = "set a recipient's clearance"
    session.require_writable(what)
    session.require_role(what, "lead")
    card = parse_card(card_bytes)
    level = markings.parse(clearance, "clearance").text
    same_name = session.conn.execute(
        "SELECT fingerprint FROM disclosure_recipients WHERE name = ?", (card.name,)
    ).fetchone()
    if same_name is not None and same_name[0] != card.fingerprint:
        raise InputError(
            f"Another card is already recorded under the name {visible(card.name)!r};"
            " recipients are named by their cards' names, which must differ."
        )
    details = {"name": card.name, "clearance": level}
    with session.change("disclosure.clearance", card.fingerprint, details) as conn:
        conn.execute(
            "INSERT INTO disclosure_recipients (fingerprint, name, card, clearance, set_by,"
            " set_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO UPDATE SET"
            " clearance = excluded.clearance, set_by = excluded.set_by,"
            " set_at = excluded.set_at",
            (
                card.fingerprint,
                card.name,
                card_bytes.decode("utf-8").strip(),
                level,
                session.user.name,
                audit.now(),
            ),
        )
    return get_recipient(session.conn, card.fingerprint)


# -- the plan -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What one disclosure withholds from whom: all an approval is bound to, by uid."""

    recipient: str  # the recipient's name
    fingerprints: dict[str, str]  # the card's p384, mldsa87 and recipient fingerprints
    findings: tuple[str, ...] = ()  # uids, sorted
    fields: tuple[tuple[str, str], ...] = ()  # (finding uid, field), sorted
    artifacts: tuple[str, ...] = ()
    runs: tuple[str, ...] = ()
    only_vendor: str = ""
    tlp: str = DEFAULT_TLP

    def to_json(self) -> dict[str, Any]:
        return {
            "recipient": {"name": self.recipient, "fingerprints": self.fingerprints},
            "withheld": {
                "findings": list(self.findings),
                "fields": [list(f) for f in self.fields],
                "artifacts": list(self.artifacts),
                "runs": list(self.runs),
            },
            "only_vendor": self.only_vendor,
            "tlp": self.tlp,
        }

    @property
    def digest(self) -> str:
        return sha384_hex(canonical(self.to_json()))

    @property
    def withheld(self) -> int:
        return len(self.findings) + len(self.fields) + len(self.artifacts) + len(self.runs)


def plan(
    session: Session,
    content: PackageContent,
    recipient: str,
    withhold: list[str] | None = None,
    *,
    only_vendor: str = "",
    tlp: str = DEFAULT_TLP,
) -> Plan:
    """Resolve what the user named (``finding:N``, ``finding:N.FIELD``, ``artifact:N``,
    ``run:N``; a number or a uid) against the content a full export would carry."""
    person = get_recipient(session.conn, recipient)
    label = tlp.strip().upper()
    if label not in TLP_LABELS:
        raise InputError(f"TLP {tlp!r} is not a TLP 2.0 label; use {', '.join(TLP_LABELS)}.")
    findings: set[str] = set()
    fields: set[tuple[str, str]] = set()
    artifacts: set[str] = set()
    runs: set[str] = set()
    for ref in withhold or []:
        kind, _, rest = ref.strip().partition(":")
        if kind == "finding":
            number, dot, name = rest.partition(".")
            finding = _pick(content.findings, number, "finding", lambda f: (f.id, f.uid))
            if dot and not name.strip():
                raise InputError(f"{ref!r} names no field after the dot; write finding:N.FIELD.")
            if name:
                if name not in FIELDS:
                    raise InputError(
                        f"{ref!r}: {name!r} is not a field that can be withheld; use one of"
                        f" {', '.join(FIELDS)}."
                    )
                fields.add((finding.uid, name))
            else:
                findings.add(finding.uid)
        elif kind == "artifact":
            record = _pick(content.artifacts, rest, "artifact", lambda a: (a["id"], a["uid"]))
            artifacts.add(str(record["uid"]))
        elif kind == "run":
            run = _pick(content.runs, rest, "checklist run", lambda r: (r.id, r.uid))
            runs.add(run.uid)
        else:
            raise InputError(
                f"{ref!r} names nothing to withhold; write finding:N, finding:N.FIELD,"
                " artifact:N or run:N."
            )
    vendor = only_vendor.strip()
    if vendor:
        ours = [f for f in content.findings if f.vendor.casefold() == vendor.casefold()]
        if not ours:
            raise InputError(
                f"No finding of review {content.review.id} names the vendor {visible(vendor)!r};"
                " nothing would be disclosed."
            )
        findings |= {f.uid for f in content.findings if f not in ours}
        # A vendor's view carries its findings and their evidence only: no checklist run, no
        # other artifact's record.
        runs |= {r.uid for r in content.runs}
        cited = {e.artifact_uid for f in ours for e in f.evidence}
        artifacts |= {str(a["uid"]) for a in content.artifacts if a["uid"] not in cited}
    inside = sorted(f"finding:{uid}.{name}" for uid, name in fields if uid in findings)
    if inside:
        raise InputError(
            f"{inside[0]} is a field of a withheld finding; withhold the finding or the field."
        )
    return Plan(
        person.name,
        person.card.fingerprints(),
        tuple(sorted(findings)),
        tuple(sorted(fields)),
        tuple(sorted(artifacts)),
        tuple(sorted(runs)),
        vendor,
        label,
    )


@dataclass(frozen=True)
class Choice:
    """What a front end collected for a disclosure, before it is resolved into a ``Plan``."""

    recipient: str
    withhold: tuple[str, ...] = ()
    only_vendor: str = ""
    tlp: str = DEFAULT_TLP

    def resolve(
        self, session: Session, review_id: int | str, evidence: list[str] | None = None
    ) -> Plan:
        return plan_review(
            session,
            review_id,
            self.recipient,
            list(self.withhold),
            only_vendor=self.only_vendor,
            tlp=self.tlp,
            evidence=evidence,
        )


def plan_review(
    session: Session,
    review_id: int | str,
    recipient: str,
    withhold: list[str] | None = None,
    *,
    only_vendor: str = "",
    tlp: str = DEFAULT_TLP,
    evidence: list[str] | None = None,
) -> Plan:
    """``plan`` against what an export of the review would carry now (both front ends)."""
    from reviewstation.packages.content import gather

    content = gather(session, review_id, package_id="", created="", evidence=evidence)
    return plan(session, content, recipient, withhold, only_vendor=only_vendor, tlp=tlp)


def _pick(items: Any, ref: str, what: str, keys: Any) -> Any:
    text = ref.strip()
    for item in items:
        number, uid = keys(item)
        if text == str(number) or text.lower() == str(uid):
            return item
    raise InputError(
        f"{what.capitalize()} {visible(text)!r} is not in this package (withdrawn, erased or"
        " of another review)."
    )


# -- applying it ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One item of the full package, in a disclosure: its label, its state and salted digest."""

    label: str  # "finding 3", "finding 3 body", "artifact 1", "run 2" (1-based positions)
    kind: str
    state: str  # disclosed (whole), partial (some fields withheld), withheld
    salt: bytes
    data: bytes  # the canonical bytes of the item in the full package
    uid: str | None = None  # of a disclosed or partial item (the recipient has it anyway)

    @property
    def digest(self) -> str:
        return hashlib.sha384(self.salt + self.data).hexdigest()

    def entry(self) -> dict[str, Any]:
        """Its line in disclosure.json: the salt only when the recipient has the bytes."""
        out: dict[str, Any] = {
            "item": self.label,
            "kind": self.kind,
            "state": self.state,
            "digest": self.digest,
        }
        if self.uid is not None:
            out["uid"] = self.uid
        if self.state == "disclosed":
            out["salt"] = self.salt.hex()
        return out


@dataclass(frozen=True)
class Disclosure:
    plan: Plan
    recipient: Recipient
    content: PackageContent  # what the recipient's package carries
    history: History
    items: tuple[Item, ...]

    @property
    def withheld(self) -> list[Item]:
        return [i for i in self.items if i.state == "withheld"]

    def member(self) -> bytes:
        return members.pretty(
            {
                "format": FORMAT,
                "version": 1,
                "marking": self.content.marking,
                "recipient": {
                    "name": self.recipient.name,
                    "fingerprint": self.recipient.card.fingerprint,
                },
                "tlp": self.plan.tlp,
                "csaf_tlp": CSAF_TLP[self.plan.tlp],
                "digest": "SHA-384(salt || canonical bytes of the item)",
                "items": [i.entry() for i in self.items],
            }
        )

    def manifest_json(self) -> dict[str, Any]:
        """The manifest's ``disclosure`` object."""
        counts = {
            state: sum(i.state == state for i in self.items)
            for state in ("disclosed", "partial", "withheld")
        }
        return {
            "member": members.DISCLOSURE,
            "recipient": self.recipient.name,
            "tlp": self.plan.tlp,
            "plan_sha384": self.plan.digest,
            **counts,
        }


def _salt() -> bytes:
    return os.urandom(SALT_BYTES)


def _redacted(value_kind: str, mark: str) -> Any:
    return {MARK: mark, NONE: None, EMPTY: ""}[value_kind]


def apply(session: Session, content: PackageContent, history: History, chosen: Plan) -> Disclosure:
    """The recipient's view of ``content``: withheld items left out, withheld fields replaced
    by their redaction marks, each item salted and digested. Refused when the plan is not the
    recorded recipient's or discloses anything above its clearance."""
    person = get_recipient(session.conn, chosen.recipient)
    if person.card.fingerprints() != chosen.fingerprints:
        raise InputError(
            f"The recipient {visible(person.name)!r} recorded here has other keys than the plan"
            " names; make the plan again."
        )
    withheld_fields: dict[str, list[str]] = defaultdict(list)
    for uid, name in chosen.fields:
        withheld_fields[uid].append(name)
    # A kept run's answers lose their evidence references to withheld artifacts.
    runs_kept = [
        replace(
            r,
            answers=[
                replace(
                    a, evidence=[e for e in a.evidence if e.artifact_uid not in chosen.artifacts]
                )
                for a in r.answers
            ],
        )
        for r in content.runs
        if r.uid not in chosen.runs
    ]
    kept_run_ids = {r.id for r in runs_kept}
    items: list[Item] = []
    redactions: list[Redaction] = []
    kept = []
    new_history: History = {}
    positions: dict[str, int] = {}
    for position, finding in enumerate(content.findings, start=1):
        full = members.finding_record(content, finding, history)
        label = f"finding {position}"
        if finding.uid in chosen.findings:
            item = Item(label, "finding", "withheld", _salt(), canonical(full))
            items.append(item)
            redactions.append(Redaction(label, "finding", item.digest))
            continue
        positions[finding.uid] = position
        changes: dict[str, Any] = {}
        names = sorted(withheld_fields.get(finding.uid, []))
        for name in names:
            part = Item(
                f"{label} {name}",
                "field",
                "withheld",
                _salt(),
                canonical({"finding": finding.uid, "field": name, "value": full.get(name)}),
            )
            items.append(part)
            mark = Redaction(part.label, "field", part.digest, finding.uid)
            redactions.append(mark)
            changes[name] = _redacted(FIELDS[name], mark.mark)
            if name == "cvss_vector":
                changes["cvss_score"] = None
        changes["evidence"] = [
            e for e in finding.evidence if e.artifact_uid not in chosen.artifacts
        ]
        changes["links"] = [link for link in finding.links if link[0] in kept_run_ids]
        kept.append(replace(finding, **changes))
        new_history[finding.id] = [_without(rev, names) for rev in history.get(finding.id, [])]
        items.append(Item(label, "finding", "pending", _salt(), canonical(full), finding.uid))
    artifacts_kept = []
    hidden = {*chosen.findings, *chosen.artifacts, *chosen.runs}
    for position, record in enumerate(content.artifacts, start=1):
        data = canonical(members.artifact_record(content, record))
        label = f"artifact {position}"
        if record["uid"] in chosen.artifacts:
            item = Item(label, "artifact", "withheld", _salt(), data)
            redactions.append(Redaction(label, "artifact", item.digest))
        else:
            # A kept record may name a withheld item ("same content as", a signature check
            # in its custody): withheld items carry no uid, so each such reference is null.
            artifacts_kept.append(_scrub(record, hidden))
            item = Item(label, "artifact", "pending", _salt(), data, str(record["uid"]))
        items.append(item)
    for position, run in enumerate(content.runs, start=1):
        data = canonical(members.run_record(run))
        label = f"run {position}"
        if run.uid in chosen.runs:
            item = Item(label, "run", "withheld", _salt(), data)
            redactions.append(Redaction(label, "run", item.digest))
        else:
            item = Item(label, "run", "pending", _salt(), data, run.uid)
        items.append(item)
    # A triage label travels only beside its disclosed log (its note is about that log).
    kept_uids = {str(a["uid"]) for a in artifacts_kept}
    triage_kept = []
    for position, triaged in enumerate(content.triage, start=1):
        data = canonical(triaged.to_json())
        label = f"triage label {position}"
        if triaged.artifact_uid in kept_uids:
            triage_kept.append(triaged)
            items.append(Item(label, "triage", "pending", _salt(), data, triaged.uid))
        else:
            item = Item(label, "triage", "withheld", _salt(), data)
            redactions.append(Redaction(label, "triage", item.digest))
            items.append(item)
    # The capability areas compare logs that may be withheld or of other reviews: a
    # disclosure never carries them (one withheld item, whose digest covers their uids).
    if content.area_versions:
        item = Item(
            "capability areas",
            "determination",
            "withheld",
            _salt(),
            canonical(sorted(content.area_versions)),
        )
        redactions.append(Redaction(item.label, "determination", item.digest))
        items.append(item)
    view = replace(
        content,
        findings=kept,
        runs=runs_kept,
        artifacts=artifacts_kept,
        triage=triage_kept,
        determination=(),
        area_versions=(),
        evidence_uids=[u for u in content.evidence_uids if u not in chosen.artifacts],
        marking=package_marking(session.marking, content.review, kept, new_history),
        redactions=tuple(redactions),
        tlp=chosen.tlp,
    )
    shown = {
        **{f.uid: canonical(members.finding_record(view, f, new_history)) for f in view.findings},
        **{str(a["uid"]): canonical(members.artifact_record(view, a)) for a in view.artifacts},
        **{r.uid: canonical(members.run_record(r)) for r in view.runs},
        **{t.uid: canonical(t.to_json()) for t in view.triage},
    }
    # Disclosed whole when the recipient's copy is byte for byte the item; else in part.
    final = tuple(
        replace(i, state="disclosed" if shown.get(i.uid or "") == i.data else "partial")
        if i.state == "pending"
        else i
        for i in items
    )
    _check_clearance(person, view, positions, new_history)
    return Disclosure(chosen, person, view, new_history, final)


def _scrub(value: Any, uids: set[str]) -> Any:
    """``value`` (JSON) with every string that is one of ``uids`` replaced by None."""
    if isinstance(value, str):
        return None if value in uids else value
    if isinstance(value, dict):
        return {k: _scrub(v, uids) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, uids) for v in value]
    return value


def _without(revision: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """A revision without the changes of withheld fields (their old values are content too)."""
    if not names:
        return revision
    changes = revision.get("changes")
    if not isinstance(changes, dict):
        return revision
    kept = {k: v for k, v in changes.items() if k not in names and k != "cvss_score"}
    if "cvss_vector" not in names and "cvss_score" in changes:
        kept["cvss_score"] = changes["cvss_score"]
    return {**revision, "changes": kept}


def _check_clearance(
    person: Recipient, view: PackageContent, positions: dict[str, int], history: History
) -> None:
    """Refuse, naming the item, anything disclosed above the recipient's clearance: a
    finding's portion mark now and every one its disclosed revisions held (their old values
    travel with it)."""
    ceiling = markings.parse(person.clearance, f"clearance of {person.name}")
    who = f"{visible(person.name)}, who is cleared for {ceiling.text}"
    for finding in view.findings:
        what = f"portion marking of finding {finding.id}"
        held = [("is marked {}", markings.parse(finding.portion_marking, what))]
        for revision in history.get(finding.id, []):
            changes = revision.get("changes")
            change = changes.get("portion_marking") if isinstance(changes, dict) else None
            if isinstance(change, list) and len(change) == 2:
                n = revision.get("revision")
                held += [
                    (f"was marked {{}} {when} revision {n}", markings.parse(value, what))
                    for when, value in zip(("before", "in"), change, strict=True)
                    if isinstance(value, str)
                ]
        for said, marked in held:
            if markings.beyond_clearance(marked, ceiling):
                raise InputError(
                    f"Disclosure refused: finding {finding.id} (finding {positions[finding.uid]}"
                    f" of the package) {said.format(marked.text)}, above {who}; withhold it"
                    f" (--withhold finding:{finding.id})."
                )
    review = markings.parse(view.review.marking, f"marking of review {view.review.id}")
    if markings.beyond_clearance(review, ceiling):
        raise InputError(
            f"Disclosure refused: review {view.review.id} is marked {review.text}, above {who}."
        )
    overall = markings.parse(view.marking, "package marking")
    if markings.beyond_clearance(overall, ceiling):
        raise InputError(
            f"Disclosure refused: the package would be marked {overall.text} (the vault's"
            f" marking), above {who}."
        )


# -- the vault's record of the items, and proofs --------------------------------------------


def store(conn: Connection, package_id: str, disclosure: Disclosure) -> None:
    """Inside the export's first transaction: every item's salt and bytes, for later proofs."""
    for item in disclosure.items:
        conn.execute(
            "INSERT INTO disclosure_items (package_id, item, kind, state, digest, salt, bytes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (package_id, item.label, item.kind, item.state, item.digest, item.salt, item.data),
        )


@dataclass(frozen=True)
class StoredItem:
    package_id: str
    label: str
    kind: str
    state: str
    digest: str
    salt: bytes
    data: bytes


def stored_items(conn: Connection, package_id: str) -> list[StoredItem]:
    return [
        StoredItem(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), bytes(r[5]), bytes(r[6]))
        for r in conn.execute(
            "SELECT package_id, item, kind, state, digest, salt, bytes FROM disclosure_items"
            " WHERE package_id = ? ORDER BY rowid",
            (package_id,),
        )
    ]


def prove(session: Session, package_id: str, label: str) -> bytes:
    """A proof file for one item of a disclosure package this vault wrote: a ZIP holding
    ``salt`` (32 bytes), ``item.json`` (the item's canonical bytes) and ``proof.json``.
    Audited: the salt of a withheld item leaves the vault with it."""
    session.require_writable("make a disclosure proof")
    wanted = " ".join(label.replace(":", " ").split())
    found = [i for i in stored_items(session.conn, package_id.strip()) if i.label == wanted]
    if not found:
        raise NotFound(
            f"Package {visible(package_id)!r} has no disclosure item {visible(label)!r} in this"
            " vault."
        )
    item = found[0]
    details = {"item": item.label, "state": item.state, "digest": item.digest}
    with session.change("disclosure.prove", item.package_id, details):
        pass
    return proof_bytes(item.package_id, item.label, item.kind, item.salt, item.data)


def proof_bytes(package_id: str, label: str, kind: str, salt: bytes, data: bytes) -> bytes:
    meta = {
        "format": PROOF_FORMAT,
        "version": 1,
        "package_id": package_id,
        "item": label,
        "kind": kind,
        "digest": hashlib.sha384(salt + data).hexdigest(),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, value in (
            ("proof.json", members.pretty(meta)),
            ("salt", salt),
            ("item.json", data),
        ):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            archive.writestr(info, value)
    return out.getvalue()


def proof_from_package(read: Any, package_id: str, label: str) -> bytes:
    """The proof of an item a (verified) disclosure package holds whole, made by anyone who
    holds the package: its record from the native member and its salt from disclosure.json.
    ``read(name)`` gives a verified member's bytes."""
    listing = loads_bounded(read(members.DISCLOSURE), members.DISCLOSURE, members.MAX_MARKED)
    wanted = " ".join(label.replace(":", " ").split())
    entry = next(
        (e for e in listing.get("items", []) if isinstance(e, dict) and e.get("item") == wanted),
        None,
    )
    if entry is None:
        raise PackageRefused(f"The package lists no item {visible(label)!r}.")
    if entry.get("state") != "disclosed" or not isinstance(entry.get("salt"), str):
        raise PackageRefused(
            f"{wanted} is {entry.get('state')} in this package: only an item disclosed whole"
            " carries its salt; its sender can make the proof ('package prove VAULT')."
        )
    where = {
        "finding": (members.FINDINGS, "findings"),
        "artifact": (members.ARTIFACTS, "artifacts"),
        "run": (members.CHECKLISTS, "runs"),
        "triage": (members.TRIAGE, "labels"),
    }.get(str(entry.get("kind")))
    if where is None:
        raise PackageRefused(f"{wanted} is of an unknown kind.")
    document = loads_bounded(read(where[0]), where[0], members.MAX_MARKED)
    record = next(
        (
            r
            for r in document.get(where[1], [])
            if isinstance(r, dict) and r.get("uid") == entry.get("uid")
        ),
        None,
    )
    if record is None:
        raise PackageRefused(f"{where[0]} does not hold {wanted}.")
    try:
        salt = bytes.fromhex(entry["salt"])
    except ValueError as exc:
        raise PackageRefused(f"The salt of {wanted} is not hex.") from exc
    data = canonical(record)
    if hashlib.sha384(salt + data).hexdigest() != entry.get("digest"):
        raise PackageRefused(f"{wanted} in this package does not match its listed digest.")
    return proof_bytes(package_id, wanted, str(entry["kind"]), salt, data)


@dataclass(frozen=True)
class ProofResult:
    item: str
    kind: str
    state: str  # as the package lists it
    digest: str
    item_json: Any  # the proven item, parsed


def check_proof(disclosure_member: bytes, package_id: str, proof: bytes) -> ProofResult:
    """Whether ``proof`` opens an item of the (verified) package whose ``disclosure.json`` is
    ``disclosure_member``: SHA-384(salt || item bytes) must equal the digest listed there for
    that item. PackageRefused (one sentence) when it does not."""
    if len(proof) > MAX_PROOF:
        raise PackageRefused("The proof file is too large.")
    # The hardened reader, as for packages: encryption, another compression method, a damaged
    # stream, links, unsafe or duplicate names are each refused in one line, never a traceback.
    try:
        with HostileZip(io.BytesIO(proof), PROOF_POLICY, label="the proof file") as archive:
            if sorted(archive.names()) != ["item.json", "proof.json", "salt"]:
                raise PackageRefused(
                    "The proof file must hold exactly proof.json, salt and item.json."
                )
            # Sizes before reading: no member may expand beyond what it declares.
            if sum(m.size for m in archive.members) > MAX_PROOF:
                raise PackageRefused("The proof file's members are too large.")
            meta = loads_bounded(archive.read("proof.json"), "proof", 1024 * 1024)
            salt = archive.read("salt")
            data = archive.read("item.json")
    except PackageRefused as exc:
        raise PackageRefused(f"The proof file is not a ReviewStation proof: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != PROOF_FORMAT:
        raise PackageRefused("The proof file is not a ReviewStation proof.")
    if len(salt) != SALT_BYTES:
        raise PackageRefused(f"The proof's salt is not {SALT_BYTES} bytes.")
    if meta.get("package_id") != package_id:
        raise PackageRefused(
            f"The proof is for package {visible(str(meta.get('package_id')))!r}, not {package_id}."
        )
    listing = loads_bounded(disclosure_member, members.DISCLOSURE, members.MAX_MARKED)
    entries = {e.get("item"): e for e in listing.get("items", []) if isinstance(e, dict)}
    label = str(meta.get("item"))
    entry = entries.get(label)
    if entry is None:
        raise PackageRefused(f"The package lists no item {visible(label)!r}.")
    digest = hashlib.sha384(salt + data).hexdigest()
    if not hmac.compare_digest(digest, str(entry.get("digest"))):
        raise PackageRefused(
            f"NOT PROVEN: SHA-384(salt || item) is {digest[:16]}…, but the package lists"
            f" {str(entry.get('digest'))[:16]}… for {label}; this is not the item that was signed."
        )
    return ProofResult(
        label,
        str(entry.get("kind")),
        str(entry.get("state")),
        digest,
        loads_bounded(data, "proven item", MAX_PROOF),
    )
