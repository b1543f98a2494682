"""A trusted but modified sender: imported content obeys the receiving vault's rules.

The sender builds a real package, changes its content and signs it again with her own key, so
it verifies as hers. Whatever she wrote, this vault checks it as it checks its own typed
content (lengths, one-line fields, statuses, the two-person rule): a package that breaks a rule
is refused whole and nothing of it stays. Names of people from her vault are attributed to her
signature (``name@<16 hex of her fingerprint>``), never to the people here, and her checklist
templates never shadow the shipped ones. A new variant is one line in ``REFUSED`` or
``ATTRIBUTED``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.packages import Sender, export, resign, sender, signing_key

from reviewstation.checklists import library
from reviewstation.checklists.runs import list_runs, start_run
from reviewstation.checklists.templates import builtin_templates
from reviewstation.crypto.kdf import floor_params
from reviewstation.crypto.signing import HybridSigningKey
from reviewstation.errors import InputError
from reviewstation.findings import query
from reviewstation.findings.service import get_finding, set_status
from reviewstation.packages.importer import import_package
from reviewstation.reviews.service import get_review
from reviewstation.vault.session import Session, create_vault, open_vault
from reviewstation.vault.users import check_name

HQ = "headquarters passphrase"
LEAD = "hana"  # the receiving vault's own lead
SIGNED = "2026-12-01T09:00:00Z"

Edit = tuple[str, Callable[[dict[str, Any]], object]]


def finding(**change: Any) -> Edit:
    return "findings.json", lambda doc: doc["findings"][0].update(change)


def review(**change: Any) -> Edit:
    return "findings.json", lambda doc: doc["review"].update(change)


def run(**change: Any) -> Edit:
    return "checklists.json", lambda doc: doc["runs"][0].update(change)


def answer(**change: Any) -> Edit:
    return "checklists.json", lambda doc: doc["runs"][0]["items"][0].update(change)


def signed_off(by: str, at: str = SIGNED) -> Edit:
    """Every item answered, and the run signed off by ``by`` at ``at``."""

    def edit(doc: dict[str, Any]) -> None:
        for item in doc["runs"][0]["items"]:
            item["status"] = "not_applicable"
        doc["runs"][0].update(signed_off_by=by, signed_off_at=at)

    return "checklists.json", edit


def template(**change: Any) -> Edit:
    """The run's template body changed under the shipped template's own id."""

    def edit(doc: dict[str, Any]) -> None:
        body = doc["runs"][0]["template_body"]
        body["template"].update({k: v for k, v in change.items() if k != "prompt"})
        if "prompt" in change:
            body["items"][0]["prompt"] = change["prompt"]

    return "checklists.json", edit


# (variant, edit, what the refusal names)
REFUSED: list[tuple[str, Edit, str]] = [
    ("finding title too long", finding(title="x" * 501), "title"),
    ("finding title with an escape sequence", finding(title="Heap \x1b[2J overflow"), "title"),
    ("finding title over two lines", finding(title="Heap overflow\nApproved: hana"), "title"),
    ("unknown finding status", finding(status="certified"), "status"),
    ("approved by its own author", finding(status="approved", approved_by="alice"), "author"),
    ("approved by nobody", finding(status="approved", approved_by=None), "approved it"),
    ("an approver on a draft", finding(approved_by=LEAD), "no approver"),
    ("author with control characters", finding(author="hana\x1b[8m"), "name"),
    # What the package's SARIF, CVE and CSAF members would carry to other tools unescaped.
    ("finding body with an OSC 52 clipboard write", finding(body="x\x1b]52;c;AAAA\x07"), "body"),
    ("finding body with a bidi override", finding(body="call \u202eevil()"), "body"),
    ("product id with an escape sequence", finding(product_id="pkg:npm/x\x1b[2J@1"), "product id"),
    ("product id that is no CPE 2.3 name", finding(product_id="cpe:2.3:a:acme:w"), "CPE 2.3"),
    (
        "repository URI with a password",
        finding(repository="https://u:pw@git.example.org/x"),
        "password",
    ),
    (
        "vers range smuggling an escape",
        finding(affected_versions="vers:pypi/1.0%1b[2J"),
        "odd constraint",
    ),
    ("author name too long", finding(author="a" * 300), "name"),
    ("portion marked above the vault", finding(portion_marking="S"), "cannot hold SECRET"),
    ("unknown finding kind", finding(kind="backdoor"), "kind"),
    ("CVSS vector that is not one", finding(cvss_vector="CVSS:4.0/AV:X"), "CVSS|vector"),
    (
        "evidence sample without its digest",
        finding(evidence=[{"artifact": "x", "sample_id": "s", "sample_digest": "00"}]),
        "digest",
    ),
    ("review title with an escape sequence", review(title="Model X\x1b[1A"), "title"),
    ("unknown review access mode", review(access_mode="root"), "access mode"),
    ("review deadline before it was received", review(deadline="2000-01-01"), "deadline"),
    ("unknown determination", review(determination="waived"), "determination"),
    ("unknown answer status", answer(status="maybe"), "status"),
    ("answer note too long", answer(note="n" * 20_001), "at most"),
    (
        "severity override without justification",
        answer(severity_override="critical", override_justification=""),
        "justification",
    ),
    ("an answer to an item not in the template", answer(id="no.such.item"), "item"),
    (
        "a sign-off with items not reviewed",
        run(signed_off_by="alice", signed_off_at=SIGNED),
        "not reviewed",
    ),
    ("a sign-off that is not a time", signed_off("alice", "yesterday"), "time"),
    ("a sign-off by a name with escapes", signed_off("alice\x1b[2J"), "name"),
]


def approved_by_lead(session: Session, fp: str) -> None:
    (f,) = query.all_findings(session.conn)
    assert (f.status, f.approved_by) == ("approved", f"{LEAD}@{fp}")
    assert f.approved_by != LEAD


def written_by_lead(session: Session, fp: str) -> None:
    """Credited to the sender: the lead here is not its author, so she may approve it."""
    (f,) = query.all_findings(session.conn)
    assert f.author == f"{LEAD}@{fp}"
    set_status(session, f.id, "confirmed")
    assert set_status(session, f.id, "approved").approved_by == LEAD


def run_signed_by_lead(session: Session, fp: str) -> None:
    (r,) = list_runs(session.conn)
    assert r.signed_off_by == f"{LEAD}@{fp}"
    assert {a.updated_by for a in r.answers if a.updated_by} <= {f"alice@{fp}"}


def determination_by_lead(session: Session, fp: str) -> None:
    (r,) = list_runs(session.conn)
    decided = get_review(session.conn, r.review_id)
    assert (decided.determination, decided.determination_by) == ("covered", f"{LEAD}@{fp}")


def template_not_shadowed(session: Session, fp: str) -> None:
    shipped = next(t for t in builtin_templates() if t.id == "intake-custody")
    (imported,) = list_runs(session.conn)
    assert imported.template.hash != shipped.hash  # the imported run keeps what it was
    assert library.resolve(session.conn, "intake-custody").hash == shipped.hash
    assert all(a.template.hash != imported.template.hash for a in library.available(session.conn))
    fresh = start_run(session, imported.review_id, "intake-custody")
    assert fresh.template.hash == shipped.hash  # the receiver's own new runs use hers
    row = session.conn.execute(
        "SELECT template_key FROM checklist_runs WHERE id = ?", (imported.id,)
    ).fetchone()
    assert row[0].startswith(f"package/{fp}/")


# (variant, edit, what this vault must show afterwards)
ATTRIBUTED: list[tuple[str, Edit, Callable[[Session, str], None]]] = [
    (
        "approved by the receiver's lead",
        finding(status="approved", approved_by=LEAD),
        approved_by_lead,
    ),
    ("written by the receiver's lead", finding(author=LEAD), written_by_lead),
    ("a run signed off in the receiver's name", signed_off(LEAD), run_signed_by_lead),
    (
        "a determination in the receiver's name",
        review(
            determination="covered",
            determination_by=LEAD,
            determination_at=SIGNED,
            determination_rationale="Covered.",
        ),
        determination_by_lead,
    ),
    (
        "a shipped template changed",
        template(prompt="Skip the custody check."),
        template_not_shadowed,
    ),
    ("a shipped template's id, version 99", template(version=99), template_not_shadowed),
]


@pytest.fixture(scope="module")
def alice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Sender, Path, HybridSigningKey]:
    tmp = tmp_path_factory.mktemp("alice")
    who = sender(tmp)
    package = tmp / "p.rspkg"
    export(who.vault, package, evidence=["1"])
    return who, package, signing_key(who.vault)


@pytest.fixture
def hq(tmp_path: Path) -> Path:
    path = tmp_path / "hq.rsvault"
    create_vault(path, LEAD, HQ, marking="CUI", kdf=floor_params())
    return path


TABLES = (
    "reviews",
    "review_assignees",
    "review_sources",
    "findings",
    "finding_revisions",
    "finding_evidence",
    "finding_links",
    "checklist_templates",
    "checklist_runs",
    "checklist_answers",
    "checklist_evidence",
    "artifacts",
    "custody_events",
    "package_imports",
)


def state(vault: Path) -> dict[str, object]:
    with open_vault(vault, HQ, mode="read") as session:
        counts: dict[str, object] = {
            table: session.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in TABLES
        }
    blobs = vault / "blobs"
    counts["blobs"] = sorted(p.name for p in blobs.rglob("*")) if blobs.exists() else []
    return counts


@pytest.mark.parametrize(("variant", "edit", "names"), REFUSED, ids=[v[0] for v in REFUSED])
def test_content_that_breaks_a_rule_here_is_refused_whole(
    variant: str,
    edit: Edit,
    names: str,
    alice: tuple[Sender, Path, HybridSigningKey],
    hq: Path,
    tmp_path: Path,
) -> None:
    who, package, key = alice
    member, change = edit
    hostile = resign(package, tmp_path / "hostile.rspkg", key, change, member)
    before = state(hq)
    with open_vault(hq, HQ) as session, pytest.raises(InputError) as refused:
        import_package(session, hostile, [who.card])
    message = str(refused.value)
    assert "nothing was imported" in message
    assert re.search(names, message, re.IGNORECASE), message
    assert "\x1b" not in message and "\n" not in message
    assert state(hq) == before


@pytest.mark.parametrize(("variant", "edit", "check"), ATTRIBUTED, ids=[v[0] for v in ATTRIBUTED])
def test_names_from_the_sender_stay_hers(
    variant: str,
    edit: Edit,
    check: Callable[[Session, str], None],
    alice: tuple[Sender, Path, HybridSigningKey],
    hq: Path,
    tmp_path: Path,
) -> None:
    who, package, key = alice
    member, change = edit
    hostile = resign(package, tmp_path / "hostile.rspkg", key, change, member)
    with open_vault(hq, HQ) as session:
        import_package(session, hostile, [who.card])
        check(session, who.card.fingerprint[:16])


def test_the_untouched_package_imports(
    alice: tuple[Sender, Path, HybridSigningKey], hq: Path
) -> None:
    """The baseline the variants change: it imports, and every name in it is the sender's."""
    who, package, _ = alice
    fp = who.card.fingerprint[:16]
    with open_vault(hq, HQ) as session:
        result = import_package(session, package, [who.card])
        (f,) = query.all_findings(session.conn)
        (r,) = list_runs(session.conn)
        full = get_finding(session.conn, f.id)
    assert (result.findings_added, result.runs_added, result.evidence_added) == (1, 1, 1)
    assert full.author == f"alice@{fp}" and r.started_by == f"alice@{fp}"


@pytest.mark.parametrize("name", ["hana@0123456789abcdef", "x@ffffffffffffffff"])
def test_no_local_user_can_take_a_foreign_name(name: str) -> None:
    with pytest.raises(InputError, match="another vault"):
        check_name(name)


def test_a_shipped_template_pinned_by_an_older_import_is_never_offered(tmp_path: Path) -> None:
    """Before package templates were namespaced, an import pinned them under their own key;
    such a copy of a shipped id (a text that is not the shipped one) is not offered either."""
    from dataclasses import replace

    vault = tmp_path / "old.rsvault"
    create_vault(vault, LEAD, HQ, marking="CUI", kdf=floor_params())
    shipped = next(t for t in builtin_templates() if t.id == "intake-custody")
    with open_vault(vault, HQ) as session:
        for version in (shipped.version, 99):
            forged = replace(shipped, version=version, title="Skip the custody check")
            with session.change("test.legacy_pin") as conn:
                library.pin(conn, forged, "imported", by="alice")
        assert library.resolve(session.conn, "intake-custody").hash == shipped.hash
        offered = [a.template for a in library.available(session.conn)]
        assert [t.hash for t in offered if t.id == "intake-custody"] == [shipped.hash]
