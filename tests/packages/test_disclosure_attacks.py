"""Attacks on selective disclosure (issue 19 items 2-3): what a recipient could learn of a
withheld item from its package, proofs that should not prove, plans an approval should not
cover. Each variant is one row of a table."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import packages.test_disclosure as base
import pytest
from packages.test_disclosure import BOB, Team, plan_for
from support.packages import DESIGNATION, members
from support.vaults import PASS, make_vault

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.findings.service import add_finding
from reviewstation.packages import approval
from reviewstation.packages import disclosure as disclosures
from reviewstation.packages.content import gather
from reviewstation.packages.export import export_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import policy
from reviewstation.vault.accounts import add_user, change_passphrase
from reviewstation.vault.session import Session, open_vault
from reviewstation.ziparchive import PackageRefused

team = base.team  # the fixture: a sender's vault with three findings and a recipient, hana


def _second_lead(team: Team) -> None:
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        add_user(session, "bob", "lead", PASS, kdf=floor_params())
    with open_vault(team.sender.vault, PASS, user="bob") as session:
        change_passphrase(session, BOB, kdf=floor_params())
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        policy.set_export_approval(session, "required")


# -- unsalted digests of the full package -----------------------------------------------------


@pytest.mark.parametrize(
    "withhold",
    [
        ["finding:3.cve_id"],  # one low-entropy field: guessable from a digest of the whole
        ["finding:1.cwe"],
        ["finding:3"],
    ],
)
def test_an_approved_disclosure_carries_no_digest_of_the_whole_content(
    team: Team, tmp_path: Path, withhold: list[str]
) -> None:
    _second_lead(team)
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        chosen = plan_for(session, withhold)
        request = approval.request_export(session, 1, plan=chosen.to_json())
        full = gather(session, 1, package_id="", created="")
        whole = approval.content_digest(full, approval.history_of(session, full))
    with open_vault(team.sender.vault, BOB, user="bob") as session:
        approval.approve_export(session, request.id)
    out = tmp_path / "d.rspkg"
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        export_package(session, 1, out, disclosure=chosen, designation=DESIGNATION)
    blobs = [out.read_bytes(), *members(out).values()]
    # The approval's digest covers the withheld content, unsalted: a recipient who knows
    # every other byte could try each value of a withheld field against it.
    for digest in (request.content_sha384, whole):
        assert not any(digest.encode() in blob for blob in blobs)
    manifest = json.loads(members(out)["manifest.json"])
    assert manifest["approval"]["approved_by"] == "bob"
    assert manifest["approval"]["plan_sha384"] == chosen.digest


# -- clearances ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vault", "clearance", "portion", "refusal"),
    [
        # SCI is compared control by control, not as "some SCI or none".
        ("TOP SECRET//SI/TK", "TOP SECRET//SI", "TS//TK", "finding 2 .* is marked TOP SECRET//TK"),
        ("TOP SECRET//SI/TK", "TOP SECRET//SCI", "TS//SI", "finding 2 .* is marked TOP SECRET//SI"),
        ("TOP SECRET//SI/TK", "TOP SECRET//TK", "TS", "review 1 is marked TOP SECRET//SI/TK"),
        ("TOP SECRET//HCS/SI", "TOP SECRET//SI", "TS//SI", "review 1 is marked TOP SECRET//HCS/SI"),
        ("TOP SECRET//SI/TK", "TOP SECRET//SI/TK", "TS//TK", None),  # cleared for both
        # Restrictive dissemination controls must be named in the clearance too.
        ("SECRET//NOFORN", "SECRET", "S", "review 1 is marked SECRET//NOFORN"),
        ("SECRET", "SECRET", "S//OC", "finding 2 .* is marked SECRET//ORCON"),
        ("SECRET", "SECRET//NOFORN", "S//NF/PR", "finding 2 .* is marked SECRET//NOFORN/PROPIN"),
        ("SECRET//NOFORN", "SECRET//NOFORN", "S//NF", None),
        ("SECRET", "TOP SECRET//SI//NOFORN", "S//NF", None),
    ],
)
def test_a_clearance_covers_only_the_sci_controls_it_names(
    tmp_path: Path, team: Team, vault: str, clearance: str, portion: str, refusal: str | None
) -> None:
    (tmp_path / "sci").mkdir()
    path = make_vault(tmp_path / "sci", marking=vault)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model Z", developer="Lab C", model_name="Z-1")
        add_finding(session, 1, title="plain", severity="low", portion_marking="U")
        add_finding(session, 1, title="controlled", severity="high", portion_marking=portion)
        disclosures.set_clearance(session, team.hana_card, clearance)
        content = gather(session, 1, package_id="", created="")
        chosen = disclosures.plan(session, content, "hana")
        history = approval.history_of(session, content)
        if refusal is None:
            assert disclosures.apply(session, content, history, chosen).withheld == []
        else:
            with pytest.raises(InputError, match=refusal):
                disclosures.apply(session, content, history, chosen)


# -- proof files zipfile would trip over --------------------------------------------------

SALT = b"s" * 32
ITEM = b'{"title":"x"}'
LISTING = json.dumps(
    {
        "items": [
            {
                "item": "finding 1",
                "kind": "finding",
                "state": "withheld",
                "digest": hashlib.sha384(SALT + ITEM).hexdigest(),
            }
        ]
    }
).encode()


def _headers(proof: bytes, central: int, local: int, value: Callable[[int], int]) -> bytes:
    """Every entry's 2-byte field at ``central`` / ``local`` offset set to value(old)."""
    data = bytearray(proof)
    for magic, at in ((b"PK\x01\x02", central), (b"PK\x03\x04", local)):
        i = data.find(magic)
        while i >= 0:
            old = struct.unpack_from("<H", data, i + at)[0]
            struct.pack_into("<H", data, i + at, value(old))
            i = data.find(magic, i + 4)
    return bytes(data)


def _deflated_and_damaged(proof: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(proof)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for name in source.namelist():
            archive.writestr(name, source.read(name) * (50 if name == "item.json" else 1))
    data = bytearray(out.getvalue())
    start = data.find(b"item.json") + len("item.json") + 4
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])
    return bytes(data)


@pytest.mark.parametrize(
    ("spoil", "refusal"),
    [
        (lambda p: _headers(p, 8, 6, lambda f: f | 1), "encrypted"),  # ZIP encryption flag
        (lambda p: _headers(p, 10, 8, lambda m: 99), "compression method"),  # AES
        (lambda p: _headers(p, 10, 8, lambda m: 14), "compression method"),  # LZMA
        (lambda p: _headers(p, 10, 8, lambda m: 8), "damaged"),  # stored bytes read as deflate
        (_deflated_and_damaged, "damaged"),
        (lambda p: p[: len(p) // 2], "not a ReviewStation proof"),
    ],
)
def test_a_proof_file_zipfile_cannot_read_is_refused_in_one_line(
    spoil: Callable[[bytes], bytes], refusal: str
) -> None:
    good = disclosures.proof_bytes("P", "finding 1", "finding", SALT, ITEM)
    assert disclosures.check_proof(LISTING, "P", good).item == "finding 1"
    with pytest.raises(PackageRefused, match=refusal):
        disclosures.check_proof(LISTING, "P", spoil(good))


@pytest.mark.parametrize(
    ("earlier", "now", "refusal"),
    [
        # An earlier revision's text carried a control the recipient is not cleared for.
        ("S//NF", "S", "finding 2 .* was marked SECRET//NOFORN in revision 1"),
        ("S//OC", "S", "finding 2 .* was marked SECRET//ORCON in revision 1"),
        ("S", "S//NF", "finding 2 .* is marked SECRET//NOFORN"),
        ("S", "S", None),
    ],
)
def test_a_findings_earlier_marking_counts_against_the_clearance(
    tmp_path: Path, team: Team, earlier: str, now: str, refusal: str | None
) -> None:
    from reviewstation.findings.service import update_finding

    (tmp_path / "history").mkdir()
    path = make_vault(tmp_path / "history", marking="SECRET")
    with open_vault(path, PASS) as session:
        create_review(session, title="Model H", developer="Lab H", model_name="H-1")
        add_finding(session, 1, title="plain", severity="low", portion_marking="U")
        add_finding(
            session,
            1,
            title="was caveated",
            severity="high",
            body="F2Text",
            portion_marking=earlier,
        )
        update_finding(session, 2, body="sanitized", portion_marking=now)
        disclosures.set_clearance(session, team.hana_card, "SECRET")
        content = gather(session, 1, package_id="", created="")
        history = approval.history_of(session, content)
        chosen = disclosures.plan(session, content, "hana")
        if refusal is None:
            disclosures.apply(session, content, history, chosen)
        else:
            with pytest.raises(InputError, match=refusal):
                disclosures.apply(session, content, history, chosen)


@pytest.mark.parametrize(
    ("earlier", "now", "marking"),
    [
        ("S//NF", "S", "SECRET//NOFORN"),  # the old text is in the revisions
        ("S//OC", "U", "SECRET//ORCON"),
        ("S", "U", "SECRET"),
    ],
)
def test_a_package_is_marked_for_every_portion_mark_its_revisions_hold(
    tmp_path: Path, earlier: str, now: str, marking: str
) -> None:
    from reviewstation.findings.service import update_finding

    (tmp_path / "history").mkdir()
    path = make_vault(tmp_path / "history", marking="SECRET")
    with open_vault(path, PASS) as session:
        create_review(session, title="Model H", developer="Lab H", model_name="H-1")
        add_finding(session, 1, title="once caveated", severity="high", portion_marking=earlier)
        update_finding(session, 1, body="sanitized", portion_marking=now)
        assert gather(session, 1, package_id="", created="").marking == marking


def _counts(session: Session) -> tuple[int, int]:
    """Rows of the audit trail and of disclosure_items: a refusal adds none."""
    audit = session.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    items = session.conn.execute("SELECT count(*) FROM disclosure_items").fetchone()[0]
    return int(audit), int(items)


@pytest.mark.parametrize(
    ("withhold", "refusal"),
    [
        (["finding:3."], "names no field after the dot"),  # was: the whole finding, silently
        (["finding:3. "], "names no field after the dot"),
        (["finding:3.body.title"], "is not a field that can be withheld"),
        (["finding:"], "Finding '' is not in this package"),
        ([":3"], "names nothing to withhold"),
    ],
)
def test_a_withhold_written_wrong_is_refused_and_nothing_is_recorded(
    team: Team, withhold: list[str], refusal: str
) -> None:
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        before = _counts(session)
        with pytest.raises(InputError, match=refusal):
            plan_for(session, withhold)
        after = _counts(session)
        assert after == before


def _lower_clearance(session: Session, team: Team, chosen: disclosures.Plan) -> dict[str, Any]:
    disclosures.set_clearance(session, team.hana_card, "UNCLASSIFIED")
    return {"disclosure": chosen}


def _other_keys(session: Session, team: Team, chosen: disclosures.Plan) -> dict[str, Any]:
    prints = {**chosen.fingerprints, "p384": "0" * 96}
    return {"disclosure": dataclasses.replace(chosen, fingerprints=prints)}


def _unrecorded(session: Session, team: Team, chosen: disclosures.Plan) -> dict[str, Any]:
    return {"disclosure": dataclasses.replace(chosen, recipient="vera")}


def _sealed_for_another(session: Session, team: Team, chosen: disclosures.Plan) -> dict[str, Any]:
    return {"disclosure": chosen, "recipients": [team.sender.card]}


def _approval_wanted(session: Session, team: Team, chosen: disclosures.Plan) -> dict[str, Any]:
    policy.set_export_approval(session, "required")
    return {"disclosure": chosen}


@pytest.mark.parametrize(
    ("setup", "error", "refusal"),
    [
        (_lower_clearance, InputError, "is marked CUI, above hana, who is cleared for UNCLASS"),
        (_other_keys, InputError, "other keys than the plan names"),
        (_unrecorded, NotFound, "No recipient 'vera' is recorded"),
        (_sealed_for_another, InputError, "encrypted for that recipient alone"),
        (_approval_wanted, PermissionDenied, "requires a second person's approval"),
    ],
)
def test_a_refused_disclosure_writes_and_records_nothing(
    team: Team, tmp_path: Path, setup: Any, error: type[Exception], refusal: str
) -> None:
    out = tmp_path / "refused.rspkg"
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        chosen = plan_for(session, ["finding:3"])
        options = setup(session, team, chosen)
        before = _counts(session)
        with pytest.raises(error, match=refusal):
            export_package(session, 1, out, designation=DESIGNATION, **options)
        assert _counts(session) == before
        assert session.conn.execute("SELECT count(*) FROM package_exports").fetchone()[0] == 0
    assert not out.exists()


# -- references from kept items to withheld ones ------------------------------------------


def _duplicate(session: Session, tmp_path: Path, withheld: str) -> None:
    from reviewstation.artifacts.intake import add_artifacts

    copy = tmp_path / "copy" / "same.txt"
    copy.parent.mkdir()
    copy.write_bytes((tmp_path / "globex.txt").read_bytes())
    add_artifacts(session, 1, [copy], allow_duplicates=True)  # artifact 3, duplicate of 2


def _custody_event(session: Session, tmp_path: Path, withheld: str) -> None:
    """As a signature check writes on each file it covers (artifacts/attest.py)."""
    from reviewstation.artifacts import custody
    from reviewstation.artifacts.intake import add_artifacts

    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.bin").write_bytes(b"\0" * 64)
    add_artifacts(session, 1, [tmp_path / "model" / "weights.bin"])  # artifact 3
    with session.change("artifact.signature_check", withheld, {}) as conn:
        custody.add_event(conn, 3, "alice", "signature_checked", {"signature": withheld})


@pytest.mark.parametrize("refer", [_duplicate, _custody_event])
@pytest.mark.parametrize("withhold", [["artifact:2"], ["artifact:2", "finding:3"]])
def test_no_kept_record_names_a_withheld_item(
    team: Team, tmp_path: Path, withhold: list[str], refer: Any
) -> None:
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        withheld = session.conn.execute("SELECT uid FROM artifacts WHERE id = 2").fetchone()[0]
        refer(session, tmp_path, withheld)
        chosen = plan_for(session, withhold)
        out = tmp_path / "d.rspkg"
        export_package(session, 1, out, designation=DESIGNATION, disclosure=chosen)
    blobs = [out.read_bytes(), *members(out).values()]
    assert not any(withheld.encode() in blob for blob in blobs)
    listing = json.loads(members(out)["disclosure.json"])
    assert {i["item"]: i["state"] for i in listing["items"]}["artifact 3"] == "partial"
