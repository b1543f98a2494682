"""Selective disclosure (issue 19 items 2 and 3): a package for one recipient that withholds
chosen findings, fields, artifacts and runs, each kept as a salted digest; nothing withheld is
anywhere in the package; a later proof opens one item; clearance and approval policies."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.packages import DESIGNATION, Sender, members, sender
from support.vaults import PASS, make_vault

from reviewstation import markings
from reviewstation.app import disclosures as app_disclosures
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.crypto.identity import PublicIdentity, export_card
from reviewstation.errors import InputError, NotFound, PermissionDenied
from reviewstation.evidence import EvidenceRef
from reviewstation.findings.service import add_finding
from reviewstation.packages import approval
from reviewstation.packages import disclosure as disclosures
from reviewstation.packages.content import gather
from reviewstation.packages.export import ExportResult, export_package
from reviewstation.packages.verify import verify_package
from reviewstation.vault import policy
from reviewstation.vault.accounts import add_user, change_passphrase
from reviewstation.vault.session import Session, open_vault
from reviewstation.ziparchive import PackageRefused

SENTINEL = "ZebraQuokka7731Sentinel"
WITHHELD_TEXT = {
    "title": f"Globex auth bypass {SENTINEL}",
    "body": f"Steps to reproduce the Globex bypass. {SENTINEL}-body",
    "cve": "CVE-2026-48213",
    "product": "GlobexWidgetServer",
    "evidence": f"globex transcript {SENTINEL}-evidence",
}
BOB = "bob's own passphrase"
# docs/formats/package.md, "Checking a proof with standard tools" (after unzip of the proof).
RECIPE = (
    'd=$(cat proof/salt proof/item.json | openssl dgst -sha384 -r | cut -d" " -f1);'
    ' grep -c "{\\"digest\\":\\"$d\\",\\"item\\":\\"finding 3\\"" pkg/disclosure.json'
)


@dataclass
class Team:
    sender: Sender
    hana: PublicIdentity  # the vendor's card
    hana_card: bytes


@pytest.fixture
def team(tmp_path: Path) -> Team:
    made = sender(tmp_path)  # finding 1 (libfoo, no vendor), artifact 1, a checklist run
    globex = tmp_path / "globex.txt"
    globex.write_text(WITHHELD_TEXT["evidence"] + "\n")
    with open_vault(made.vault, PASS) as session:
        add_artifacts(session, 1, [globex])
        add_finding(
            session,
            1,
            title="Acme parser overflow",
            severity="high",
            kind="vulnerability",
            body="Acme's parser overflows on long names.",
            vendor="Acme",
            product="AcmeParser",
            versions="2.0",
            cwe="CWE-787",
            vex_status="affected",
            action_statement="Update AcmeParser to 2.1.",
            evidence=[EvidenceRef("1")],
        )
        add_finding(
            session,
            1,
            title=WITHHELD_TEXT["title"],
            severity="critical",
            kind="vulnerability",
            body=WITHHELD_TEXT["body"],
            vendor="Globex",
            product=WITHHELD_TEXT["product"],
            versions="9.9",
            cve_id=WITHHELD_TEXT["cve"],
            vex_status="affected",
            action_statement=f"Patch it {SENTINEL}-action",
            evidence=[EvidenceRef("2")],
        )
    (tmp_path / "hana").mkdir()
    vendor = make_vault(tmp_path / "hana", user="hana")
    with open_vault(vendor, PASS) as session:
        assert session.identity is not None
        card = session.user.public_identity(session.vault_id)
        card_bytes = export_card(session.identity, card)
    with open_vault(made.vault, PASS) as session:
        disclosures.set_clearance(session, card_bytes, "CUI")
    return Team(made, card, card_bytes)


def plan_for(
    session: Session, withhold: list[str] | None = None, **options: str
) -> disclosures.Plan:
    content = gather(session, 1, package_id="", created="")
    return disclosures.plan(session, content, "hana", withhold, **options)


def disclose(
    team: Team,
    out: Path,
    withhold: list[str] | None = None,
    *,
    encrypted: bool = False,
    evidence: list[str] | None = None,
    **options: str,
) -> ExportResult:
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        chosen = plan_for(session, withhold, **options)
        return export_package(
            session,
            1,
            out,
            recipients=[team.hana] if encrypted else None,
            evidence=evidence,
            designation=DESIGNATION,
            disclosure=chosen,
        )


def assert_absent(blobs: list[bytes], needles: list[str]) -> None:
    for needle in needles:
        for form in {needle, needle.lower(), needle.upper()}:
            data = form.encode()
            assert not any(data in blob for blob in blobs), f"{form!r} leaked"


def disclosure_json(path: Path) -> dict[str, Any]:
    data = json.loads(members(path)["disclosure.json"])
    assert isinstance(data, dict)
    return data


# -- the vendor's view ----------------------------------------------------------------------


def test_only_vendor_view_keeps_its_findings_and_withholds_everything_else(
    team: Team, tmp_path: Path
) -> None:
    out = tmp_path / "acme.rspkg"
    disclose(team, out, only_vendor="Acme", evidence=["1", "2"])
    content = members(out)
    findings = json.loads(content["findings.json"])["findings"]
    assert [f["title"] for f in findings] == ["Acme parser overflow"]
    assert json.loads(content["checklists.json"])["runs"] == []
    evidence = [n for n in content if n.startswith("evidence/")]
    assert len(evidence) == 1 and evidence[0].endswith("eval-notes.txt")
    listing = disclosure_json(out)
    states = [(i["item"], i["state"]) for i in listing["items"]]
    assert states == [
        ("finding 1", "withheld"),
        ("finding 2", "disclosed"),
        ("finding 3", "withheld"),
        ("artifact 1", "disclosed"),
        ("artifact 2", "withheld"),
        ("run 1", "withheld"),
    ]
    assert listing["tlp"] == "AMBER" and listing["recipient"]["name"] == "hana"
    manifest = json.loads(content["manifest.json"])
    assert manifest["disclosure"]["withheld"] == 4
    assert manifest["counts"]["findings"] == 1
    # Nothing withheld anywhere: raw bytes and every member (JSON, CSAF, OpenVEX, CVE, SARIF,
    # CycloneDX, the PDF).
    report = content["report.pdf"]
    assert _pdf_text(report).count("[WITHHELD: ") == 2 * 2 + 1 + 1  # summary + findings
    assert_absent(
        [out.read_bytes(), *content.values(), _pdf_text(report).encode()],
        [*WITHHELD_TEXT.values(), SENTINEL, "globex", "libfoo"],
    )
    # The CSAF member still names the kept vendor's product.
    csaf = json.loads(content["vulnerabilities.csaf.json"])
    assert "AcmeParser" in json.dumps(csaf)
    assert csaf["document"]["distribution"]["tlp"]["label"] == "AMBER"


def _pdf_text(data: bytes) -> str:
    """The report's text as pdftotext reads it (the PDF's own bytes are searched too)."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    result = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def test_a_disclosed_item_carries_its_salt_and_a_withheld_one_never_does(
    team: Team, tmp_path: Path
) -> None:
    out = tmp_path / "d.rspkg"
    result = disclose(team, out, ["finding:3"])
    listing = disclosure_json(out)
    with open_vault(team.sender.vault, PASS, mode="read") as session:
        stored = {i.label: i for i in disclosures.stored_items(session.conn, result.package_id)}
    blob = [out.read_bytes(), *members(out).values()]
    by_label = {i["item"]: i for i in listing["items"]}
    withheld = by_label["finding 3"]
    assert "salt" not in withheld and "uid" not in withheld
    salt = stored["finding 3"].salt
    assert not any(salt in b or salt.hex().encode() in b for b in blob)
    # A disclosed finding: its salt and its bytes in findings.json give the listed digest.
    shown = by_label["finding 2"]
    record = next(
        f for f in json.loads(members(out)["findings.json"])["findings"] if f["uid"] == shown["uid"]
    )
    canonical = json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert hashlib.sha384(bytes.fromhex(shown["salt"]) + canonical).hexdigest() == shown["digest"]
    # Every item's salt is fresh.
    assert len({i.salt for i in stored.values()}) == len(stored)


def test_withheld_fields_are_redacted_in_every_member_and_revision(
    team: Team, tmp_path: Path
) -> None:
    from reviewstation.findings.service import update_finding

    with open_vault(team.sender.vault, PASS, user="alice") as session:
        update_finding(session, 3, body=f"Second draft {SENTINEL}-draft")
    out = tmp_path / "fields.rspkg"
    disclose(team, out, ["finding:3.body", "finding:3.cve_id", "finding:3.title"])
    listing = disclosure_json(out)
    labels = {i["item"]: i for i in listing["items"]}
    assert labels["finding 3"]["state"] == "partial" and "salt" not in labels["finding 3"]
    assert labels["finding 3 body"]["state"] == "withheld"
    finding = json.loads(members(out)["findings.json"])["findings"][2]
    assert (
        finding["body"]
        == f"[WITHHELD: finding 3 body \u2014 digest sha384:{labels['finding 3 body']['digest']}]"
    )
    assert finding["cve_id"] is None
    content = members(out)
    assert_absent(
        [out.read_bytes(), *content.values(), _pdf_text(content["report.pdf"]).encode()],
        [
            WITHHELD_TEXT["body"],
            WITHHELD_TEXT["cve"],
            WITHHELD_TEXT["title"],
            f"{SENTINEL}-draft",
            f"{SENTINEL}-body",
        ],
    )
    # The product was not withheld: it is there.
    assert WITHHELD_TEXT["product"].encode() in content["vulnerabilities.csaf.json"]
    assert "[WITHHELD: finding 3 body" in _pdf_text(content["report.pdf"]).replace("\n", " ")


# -- verification with standard tools, and proofs --------------------------------------------


def _tools() -> None:
    for tool in ("unzip", "openssl", "sha384sum"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")


def test_a_redacted_package_verifies_with_standard_tools_and_a_proof_opens_one_item(
    team: Team, tmp_path: Path
) -> None:
    _tools()
    out = tmp_path / "d.rspkg"
    result = disclose(team, out, ["finding:3"], tlp="AMBER+STRICT")
    work = tmp_path / "unzipped"
    work.mkdir()
    subprocess.run(["unzip", "-q", str(out)], cwd=work, check=True)
    for command in (
        [
            "openssl",
            "dgst",
            "-sha384",
            "-verify",
            "signer-p384.pem",
            "-signature",
            "SHA384SUMS.p384.sig",
            "SHA384SUMS",
        ],
        ["sha384sum", "-c", "--strict", "SHA384SUMS"],
    ):
        subprocess.run(command, cwd=work, check=True, capture_output=True)
    listed = (work / "SHA384SUMS").read_text()
    assert "  disclosure.json\n" in listed
    assert sorted(
        subprocess.run(
            ["unzip", "-Z1", str(out)], capture_output=True, text=True, check=True
        ).stdout.split()
    ) == sorted(
        [line.split("  ", 1)[1] for line in listed.splitlines()]
        + ["SHA384SUMS", "SHA384SUMS.p384.sig", "SHA384SUMS.mldsa87.sig"]
    )
    # The lead later proves finding 3 to the vendor: the proof file, then the recipe of
    # docs/formats/package.md with unzip, cat and openssl alone.
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        proof = disclosures.prove(session, result.package_id, "finding 3")
    (tmp_path / "finding3.rsproof").write_bytes(proof)
    # Exactly the recipe of docs/formats/package.md, "Proofs".
    (tmp_path / "pkg").symlink_to(work)
    subprocess.run(["unzip", "-q", "finding3.rsproof", "-d", "proof"], cwd=tmp_path, check=True)
    found = subprocess.run(
        ["sh", "-c", RECIPE], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert (found.returncode, found.stdout) == (0, "1\n"), found.stderr
    check = tmp_path / "proof"
    item = json.loads((check / "item.json").read_bytes())
    assert item["title"] == WITHHELD_TEXT["title"]
    # And the tool's own check: the package verified, then the proof against it.
    with verify_package(out, [team.sender.card]) as verified:
        listing = verified.read_checked("disclosure.json")
    proven = disclosures.check_proof(listing, result.package_id, proof)
    assert proven.item == "finding 3" and proven.state == "withheld"
    assert proven.item_json["cve_id"] == WITHHELD_TEXT["cve"]
    # A modified item fails, with the tool and with the recipe.
    altered = _rezip(
        proof, "item.json", (check / "item.json").read_bytes().replace(b"critical", b"low")
    )
    with pytest.raises(PackageRefused, match="NOT PROVEN"):
        disclosures.check_proof(listing, result.package_id, altered)
    (check / "item.json").write_bytes(
        (check / "item.json").read_bytes().replace(b"critical", b"low")
    )
    found = subprocess.run(
        ["sh", "-c", RECIPE], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert (found.returncode, found.stdout) == (1, "0\n")
    # The salt of another item does not open it either.
    other = _rezip(proof, "salt", b"\x00" * 32)
    with pytest.raises(PackageRefused, match="NOT PROVEN"):
        disclosures.check_proof(listing, result.package_id, other)


def _rezip(proof: bytes, name: str, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(proof)) as archive:
        content = {n: archive.read(n) for n in archive.namelist()}
    content[name] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for key, value in content.items():
            archive.writestr(key, value)
    return out.getvalue()


def test_an_encrypted_disclosure_holds_nothing_withheld_even_decrypted(
    team: Team, tmp_path: Path
) -> None:
    out = tmp_path / "enc.rspkg"
    disclose(team, out, ["finding:3", "artifact:2"], encrypted=True, evidence=["1", "2"])
    blobs = [out.read_bytes(), *members(out).values()]
    hana_vault = tmp_path / "hana" / "case.rsvault"
    with open_vault(hana_vault, PASS, mode="read") as session:
        assert session.identity is not None
        with verify_package(out, [team.sender.card], recipient=session.identity.recipient) as inner:
            assert inner.decrypted
            blobs += [inner.zip.read(n) for n in inner.zip.names()]
            listing = json.loads(inner.read_checked("disclosure.json"))
            pdf = inner.read_checked("report.pdf")
    assert [i["state"] for i in listing["items"] if i["item"] == "finding 3"] == ["withheld"]
    assert_absent([*blobs, _pdf_text(pdf).encode()], [*WITHHELD_TEXT.values(), SENTINEL])


def test_a_disclosure_with_another_card_as_recipient_is_refused(team: Team, tmp_path: Path) -> None:
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        chosen = plan_for(session, ["finding:3"])
        with pytest.raises(InputError, match="encrypted for that recipient alone"):
            export_package(
                session,
                1,
                tmp_path / "x.rspkg",
                recipients=[team.sender.card],
                designation=DESIGNATION,
                disclosure=chosen,
            )
    assert not (tmp_path / "x.rspkg").exists()


# -- policies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clearance", "vault", "portion", "refusal"),
    [
        # An item above the recipient's clearance is refused by name and marking.
        (
            "CUI",
            "SECRET",
            "S//NF",
            "finding 4 .* is marked SECRET//NOFORN, above hana, who is"
            " cleared for CUI; withhold it",
        ),
        ("SECRET", "TOP SECRET//SCI", "TS//SCI", "finding 4 .* is marked TOP SECRET//SCI"),
        # Nothing above it, but the package carries the vault's own marking.
        (
            "UNCLASSIFIED",
            "CUI",
            "U",
            "review 1 is marked CUI, above hana, who is cleared for UNCLASSIFIED",
        ),
    ],
)
def test_a_marking_above_the_recipients_clearance_is_refused_by_name(
    tmp_path: Path, team: Team, clearance: str, vault: str, portion: str, refusal: str
) -> None:
    (tmp_path / "other").mkdir()
    path = make_vault(tmp_path / "other", marking=vault)
    with open_vault(path, PASS) as session:
        from reviewstation.reviews.service import create_review

        create_review(session, title="Model Y", developer="Lab B", model_name="Y-1")
        for n in range(3):
            add_finding(session, 1, title=f"ok {n}", severity="low", portion_marking="U")
        add_finding(session, 1, title="secret one", severity="high", portion_marking=portion)
        disclosures.set_clearance(session, team.hana_card, clearance)
        chosen = plan_for(session)
        with pytest.raises(InputError, match=refusal):
            export_package(
                session, 1, tmp_path / "y.rspkg", disclosure=chosen, designation=DESIGNATION
            )
        # Withholding the item (where the vault allows it) lets it go.
        if portion != "U" and vault == "SECRET":
            disclosures.set_clearance(session, team.hana_card, "SECRET")
            withheld = plan_for(session, ["finding:4"])
            done = export_package(
                session, 1, tmp_path / "y.rspkg", disclosure=withheld, designation=DESIGNATION
            )
            assert done.sequence == 1
    assert not (tmp_path / "z.rspkg").exists()


def test_a_recipient_without_a_recorded_clearance_is_refused(team: Team) -> None:
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        content = gather(session, 1, package_id="", created="")
        with pytest.raises(Exception, match="No recipient 'vera' is recorded"):
            disclosures.plan(session, content, "vera", ["finding:3"])


def test_only_a_lead_sets_a_clearance_and_it_is_audited(team: Team) -> None:
    from reviewstation.vault import audit

    with open_vault(team.sender.vault, PASS, user="alice") as session:
        add_user(session, "rita", "reviewer", PASS)
        entries = [e for e in audit.entries(session.conn) if e.action == "disclosure.clearance"]
    assert [e.target for e in entries] == [team.hana.fingerprint]
    with (
        open_vault(team.sender.vault, PASS, user="rita") as session,
        pytest.raises(PermissionDenied),
    ):
        disclosures.set_clearance(session, team.hana_card, "SECRET")


def test_the_approval_covers_the_exact_disclosure_plan(team: Team, tmp_path: Path) -> None:
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.vault.accounts import add_user

    with open_vault(team.sender.vault, PASS, user="alice") as session:
        add_user(session, "bob", "lead", PASS, kdf=floor_params())
    with open_vault(team.sender.vault, PASS, user="bob") as session:
        change_passphrase(session, BOB, kdf=floor_params())
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        policy.set_export_approval(session, "required")
        one = plan_for(session, ["finding:3"])
        other = plan_for(session, ["finding:2"])
        stricter = plan_for(session, ["finding:3"], tlp="RED")
        request = approval.request_export(session, 1, plan=one.to_json())
        whole = approval.request_export(session, 1)
    with open_vault(team.sender.vault, BOB, user="bob") as session:
        # What bob sees before approving: for whom, and every item withheld, by name.
        shown = approval.view(session, request, for_approval=True).lines()
        assert "Selective disclosure for hana, TLP:AMBER" in shown
        assert f"  finding 3: {WITHHELD_TEXT['title']}" in shown
        approval.approve_export(session, request.id)
        approval.approve_export(session, whole.id)
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        # Another withheld set, another TLP: not approved, and the refusal says why.
        for plan in (other, stricter):
            with pytest.raises(PermissionDenied, match="another disclosure"):
                export_package(
                    session, 1, tmp_path / "o.rspkg", disclosure=plan, designation=DESIGNATION
                )
        done = export_package(
            session, 1, tmp_path / "a.rspkg", disclosure=one, designation=DESIGNATION
        )
        assert done.approved_by == "bob"
        # Used once; and the whole-package approval does not approve a disclosure.
        with pytest.raises(PermissionDenied):
            export_package(
                session, 1, tmp_path / "b.rspkg", disclosure=one, designation=DESIGNATION
            )
        assert (
            export_package(session, 1, tmp_path / "w.rspkg", designation=DESIGNATION).approved_by
            == "bob"
        )
        assert approval.get_request(session.conn, request.id).disclosure == one.to_json()


# -- the command line ----------------------------------------------------------------------


def test_the_command_line_discloses_proves_and_checks(team: Team, tmp_path: Path) -> None:
    from support.cli import ok, rs

    vault = str(team.sender.vault)
    (tmp_path / "hana.card").write_bytes(team.hana_card)
    assert "may receive disclosures up to SECRET" in ok(
        "identity", "clearance", vault, str(tmp_path / "hana.card"), "--highest", "secret"
    )
    assert "hana" in ok("identity", "recipients", vault)
    ok("identity", "export", vault, "--out", str(tmp_path / "alice.card"))
    designation = [f"--{k.replace('_', '-')}={v}" for k, v in DESIGNATION.to_json().items()]
    out = tmp_path / "acme.rspkg"
    printed = ok(
        "package",
        "export",
        vault,
        "--review",
        "1",
        "--out",
        str(out),
        "--plaintext",
        "--disclose-to",
        "hana",
        "--only-vendor",
        "acme",
        "--tlp",
        "green",
        *designation,
    )
    assert "selective disclosure for hana, TLP:GREEN: 4 items withheld" in printed
    package_id = printed.split()[0]
    assert_absent([out.read_bytes()], [WITHHELD_TEXT["title"], SENTINEL])
    # Misuse: one clear line each, nothing written.
    refused = rs(
        "package",
        "export",
        vault,
        "--review",
        "1",
        "--out",
        str(tmp_path / "x"),
        "--withhold",
        "finding:3",
    )
    assert refused.returncode == 2 and "need --disclose-to" in refused.stderr
    refused = rs(
        "package",
        "export",
        vault,
        "--review",
        "1",
        "--out",
        str(tmp_path / "x"),
        "--disclose-to",
        "hana",
        "--withhold",
        "finding:3.severity",
        "--plaintext",
        *designation,
    )
    assert refused.returncode == 2 and "'severity' is not a field" in refused.stderr
    assert not (tmp_path / "x").exists()
    proof = tmp_path / "f3.rsproof"
    ok(
        "package",
        "prove",
        vault,
        "--package",
        package_id,
        "--item",
        "finding 3",
        "--out",
        str(proof),
    )
    checked = ok(
        "package", "check-proof", str(out), str(proof), "--trust", str(tmp_path / "alice.card")
    )
    assert checked.startswith("PROVEN: finding 3 (finding, withheld in package")
    report = json.loads(
        ok(
            "package",
            "check-proof",
            str(out),
            str(proof),
            "--trust",
            str(tmp_path / "alice.card"),
            "--json",
        )
    )
    assert report["content"]["title"] == WITHHELD_TEXT["title"]
    wrong = _rezip(proof.read_bytes(), "item.json", b'{"title":"something else"}')
    (tmp_path / "wrong.rsproof").write_bytes(wrong)
    failed = rs(
        "package",
        "check-proof",
        str(out),
        str(tmp_path / "wrong.rsproof"),
        "--trust",
        str(tmp_path / "alice.card"),
    )
    assert failed.returncode == 2 and "NOT PROVEN" in failed.stderr


# -- the standard members still validate ---------------------------------------------------


@pytest.mark.parametrize(
    ("withhold", "options", "csaf_tlp"),
    [
        ([], {"only_vendor": "Acme", "tlp": "CLEAR"}, "WHITE"),
        (
            ["finding:3.title", "finding:3.cve_id", "finding:3.product_id"],
            {"tlp": "AMBER+STRICT"},
            "AMBER",
        ),
    ],
)
def test_a_disclosures_standard_members_pass_the_independent_validators(
    team: Team, tmp_path: Path, withhold: list[str], options: dict[str, str], csaf_tlp: str
) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from jsonschema import Draft7Validator, FormatChecker
    from support import external
    from support.schemas import errors, load_schema, validators

    out = tmp_path / "d.rspkg"
    disclose(team, out, withhold, only_vendor=options.get("only_vendor", ""), tlp=options["tlp"])
    content = members(out)
    csaf = json.loads(content["vulnerabilities.csaf.json"])
    assert csaf["document"]["distribution"]["tlp"]["label"] == csaf_tlp
    assert f"TLP:{options['tlp']}" in csaf["document"]["distribution"]["text"]
    bom = json.loads(content["artifacts.cdx.json"])
    assert bom["metadata"]["distributionConstraints"]["tlp"] == options["tlp"].replace("+", "_AND_")
    assert json.loads(content["findings.sarif"])["runs"][0]["properties"]["tlp"] == options["tlp"]
    assert (
        JsonStrictValidator(SchemaVersion.from_version(bom["specVersion"])).validate_str(
            content["artifacts.cdx.json"].decode()
        )
        is None
    )
    assert (
        errors(validators()["openvex"], json.loads(content["vulnerabilities.openvex.json"])) == []
    )
    cve = Draft7Validator(
        load_schema("cve-5.1.1/CVE_JSON_bundled_5.1.1.json"), format_checker=FormatChecker()
    )
    for name in (n for n in content if n.startswith("cve/")):
        assert errors(cve, json.loads(content[name])) == [], name
    (tmp_path / "csaf.json").write_bytes(content["vulnerabilities.csaf.json"])
    report = external.csaf_validator(tmp_path / "csaf.json")[0]
    mandatory = {k: v for k, v in report.items() if v["kind"] in ("schema", "mandatory")}
    assert len(mandatory) >= 40
    assert {k: v["errors"] for k, v in mandatory.items() if v["errors"] or not v["valid"]} == {}


def test_the_recipient_proves_a_disclosed_item_and_imports_the_view(
    team: Team, tmp_path: Path
) -> None:
    """The vendor holds finding 2 whole (its salt is in disclosure.json): it can show anyone
    who trusts the package that this is the item; it cannot for a withheld one. The package
    imports into the vendor's vault like any other."""
    from support.cli import ok, rs

    from reviewstation.packages.importer import import_package

    out = tmp_path / "v.rspkg"
    disclose(team, out, only_vendor="Acme", evidence=["1"])
    ok("identity", "export", str(team.sender.vault), "--out", str(tmp_path / "alice.card"))
    alice = str(tmp_path / "alice.card")
    proof = tmp_path / "f2.rsproof"
    ok(
        "package",
        "prove",
        "--from",
        str(out),
        "--trust",
        alice,
        "--item",
        "finding 2",
        "--out",
        str(proof),
    )
    assert "PROVEN: finding 2 (finding, disclosed" in ok(
        "package", "check-proof", str(out), str(proof), "--trust", alice
    )
    refused = rs(
        "package",
        "prove",
        "--from",
        str(out),
        "--trust",
        alice,
        "--item",
        "finding 3",
        "--out",
        str(tmp_path / "f3.rsproof"),
    )
    assert refused.returncode == 2 and "finding 3 is withheld in this package" in refused.stderr
    assert not (tmp_path / "f3.rsproof").exists()
    hana_vault = tmp_path / "hana" / "case.rsvault"
    with open_vault(hana_vault, PASS) as session:
        result = import_package(session, out, [team.sender.card])
        titles = [r[0] for r in session.conn.execute("SELECT title FROM findings ORDER BY id")]
    assert result.findings_added == 1 and titles == ["Acme parser overflow"]


def test_a_withheld_artifact_leaves_no_reference_in_kept_findings_or_answers(
    team: Team, tmp_path: Path
) -> None:
    from reviewstation.checklists.runs import list_runs, set_answer

    with open_vault(team.sender.vault, PASS, user="alice") as session:
        run = list_runs(session.conn, 1)[0]
        set_answer(
            session, run.id, run.template.items[1].id, status="open", evidence=[EvidenceRef("2")]
        )
        uid = session.conn.execute("SELECT uid FROM artifacts WHERE id = 2").fetchone()[0]
    out = tmp_path / "a.rspkg"
    # Finding 3 cites artifact 2 too: it stays, in part.
    disclose(team, out, ["artifact:2"], evidence=["1", "2"])
    states = {i["item"]: i["state"] for i in disclosure_json(out)["items"]}
    assert states["artifact 2"] == "withheld"
    assert states["run 1"] == "partial" and states["finding 3"] == "partial"
    assert states["finding 2"] == "disclosed"
    assert_absent(
        [out.read_bytes(), *members(out).values()], [uid, WITHHELD_TEXT["evidence"], "globex.txt"]
    )


def test_the_vendor_view_has_only_its_own_cve_record_and_vex_statement(
    team: Team, tmp_path: Path
) -> None:
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.findings.service import set_status
    from reviewstation.vault import accounts

    lead2 = "lena's passphrase 1"
    with open_vault(team.sender.vault, PASS) as session:
        for number in (2, 3):
            set_status(session, number, "confirmed")
        accounts.add_user(session, "lena", "lead", lead2, kdf=floor_params())
        uids = {
            n: session.conn.execute("SELECT uid FROM findings WHERE id = ?", (n,)).fetchone()[0]
            for n in (2, 3)
        }
    with open_vault(team.sender.vault, lead2, user="lena") as lena:
        for number in (2, 3):
            set_status(lena, number, "approved")  # only an approved one gets a CVE record
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        accounts.remove_user(session, "lena")
    whole = tmp_path / "whole.rspkg"
    with open_vault(team.sender.vault, PASS) as session:
        export_package(session, 1, whole, designation=DESIGNATION)
    assert {f"cve/{uids[2]}.json", f"cve/{uids[3]}.json"} <= set(members(whole))
    out = tmp_path / "acme.rspkg"
    disclose(team, out, only_vendor="Acme")
    content = members(out)
    assert [n for n in content if n.startswith("cve/")] == [f"cve/{uids[2]}.json"]
    vex = json.loads(content["vulnerabilities.openvex.json"])
    assert len(vex["statements"]) == 1 and "AcmeParser" in json.dumps(vex)
    csaf = json.loads(content["vulnerabilities.csaf.json"])
    assert len(csaf["vulnerabilities"]) == 1
    assert_absent([out.read_bytes(), *content.values()], [*WITHHELD_TEXT.values(), uids[3]])


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        (lambda m: {**m, "extra.txt": b"x"}, "exactly proof.json, salt and item.json"),
        (lambda m: {**m, "salt": b"short"}, "salt is not 32 bytes"),
        (lambda m: {**m, "proof.json": b"[]"}, "not a ReviewStation proof"),
        (
            lambda m: {
                **m,
                "proof.json": m["proof.json"].replace(b'"item":"finding 3"', b'"item":"finding 2"'),
            },
            "NOT PROVEN",  # finding 3's salt and bytes do not open finding 2
        ),
        (lambda m: {**m, "item.json": b"\0" * (disclosures.MAX_PROOF + 1)}, "larger than"),
    ],
)
def test_a_malformed_or_misdirected_proof_is_refused(
    team: Team, tmp_path: Path, change: Any, refusal: str
) -> None:
    out = tmp_path / "d.rspkg"
    result = disclose(team, out, ["finding:3"])
    with open_vault(team.sender.vault, PASS) as session:
        proof = disclosures.prove(session, result.package_id, "finding:3")
    with zipfile.ZipFile(io.BytesIO(proof)) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    spoilt = io.BytesIO()
    with zipfile.ZipFile(spoilt, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in change(parts).items():
            archive.writestr(name, data)
    with pytest.raises(PackageRefused, match=refusal):
        disclosures.check_proof(disclosure_json_bytes(out), result.package_id, spoilt.getvalue())


def disclosure_json_bytes(path: Path) -> bytes:
    return members(path)["disclosure.json"]


@pytest.mark.parametrize(
    ("withhold", "options", "refusal"),
    [
        (["finding:9"], {}, "Finding '9' is not in this package"),
        (["artifact:7"], {}, "Artifact '7' is not in this package"),
        (["run:4"], {}, "Checklist run '4' is not in this package"),
        (["finding:3.severity"], {}, "'severity' is not a field that can be withheld"),
        (["review:1"], {}, "names nothing to withhold"),
        (["finding:3", "finding:3.body"], {}, "is a field of a withheld finding"),
        ([], {"tlp": "WHITE"}, "not a TLP 2.0 label"),
        ([], {"only_vendor": "Initech"}, "names the vendor 'Initech'"),
    ],
)
def test_a_plan_naming_what_is_not_there_is_refused_in_one_line(
    team: Team, withhold: list[str], options: dict[str, str], refusal: str
) -> None:
    with open_vault(team.sender.vault, PASS) as session, pytest.raises(InputError, match=refusal):
        plan_for(session, withhold, **options)


def test_a_clearance_must_be_a_marking(team: Team) -> None:
    with open_vault(team.sender.vault, PASS) as session, pytest.raises(InputError):
        disclosures.set_clearance(session, team.hana_card, "banana")
    with open_vault(team.sender.vault, PASS, mode="read") as session:
        assert [r.clearance for r in disclosures.recipients(session.conn)] == ["CUI"]


# -- triage labels and capability areas -----------------------------------------------------

LOGS = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"


@pytest.mark.parametrize(
    ("withhold", "options"), [([], {"only_vendor": "Acme"}), (["finding:3"], {})]
)
def test_triage_travels_only_beside_its_log_and_areas_never(
    team: Team, tmp_path: Path, withhold: list[str], options: dict[str, str]
) -> None:
    """A triage label's note is about its log: it goes only where the log goes. Capability
    areas compare logs that may be withheld: a disclosure never carries them, each kept as a
    withheld item with its salted digest."""
    from reviewstation.app.determination import area_results, set_area
    from reviewstation.findings import triage

    note = f"read the flag file {SENTINEL}-triage"
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        add_artifacts(session, 1, [LOGS / "model-a.eval", LOGS / "model-b.eval"])
        triage.add_label(session, 4, "1@1", "out-of-scope", note)
        set_area(session, 1, "exploitation", baseline=3, runs=[4])
        chosen = plan_for(session, withhold, **options)
        out = tmp_path / "d.rspkg"
        export_package(
            session,
            1,
            out,
            designation=DESIGNATION,
            disclosure=chosen,
            determination=area_results(session, 1),
        )
    content = members(out)
    assert "determination.json" not in content
    states = {i["item"]: i["state"] for i in disclosure_json(out)["items"]}
    assert states["capability areas"] == "withheld"
    if options:  # the vendor view withholds the uncited logs, so their label too
        assert states["triage label 1"] == "withheld"
        assert "triage.json" not in content
        assert_absent([out.read_bytes(), *content.values()], [f"{SENTINEL}-triage"])
    else:  # the logs are disclosed: their label goes with them, whole
        assert states["triage label 1"] == "disclosed"
        labels = json.loads(content["triage.json"])["labels"]
        assert [label["note"] for label in labels] == [note]


# -- the application layer both front ends share (app/disclosures.py) -----------------------


@pytest.mark.parametrize(
    ("vault_marking", "offered"),
    [
        ("UNCLASSIFIED", ["UNCLASSIFIED"]),
        ("CUI", ["UNCLASSIFIED", "CUI"]),
        ("S//NF", ["UNCLASSIFIED", "CUI", "CONFIDENTIAL", "SECRET", "SECRET//NOFORN"]),
        ("TOP SECRET", ["UNCLASSIFIED", "CUI", "CONFIDENTIAL", "SECRET", "TOP SECRET"]),
        ("TS//SCI", list(markings.STANDARD)),
    ],
)
def test_the_clearances_offered_stop_at_the_vaults_marking(
    vault_marking: str, offered: list[str]
) -> None:
    assert app_disclosures.clearance_choices(vault_marking) == offered


def test_the_app_layer_lists_exports_writes_a_proof_and_checks_it(
    team: Team, tmp_path: Path
) -> None:
    """What the GUI's dialogs call: the disclosure packages this vault wrote with their items
    and recipient, a proof written to a new file only, and its check against the package."""
    out = tmp_path / "d.rspkg"
    result = disclose(team, out, ["finding:3"])
    disclose(team, tmp_path / "whole.rspkg")  # a second disclosure, newer
    proof = tmp_path / "finding3.proof"
    with open_vault(team.sender.vault, PASS) as session:
        found = app_disclosures.disclosure_exports(session.conn)
        assert len(found) == 2 and found[1].package_id == result.package_id
        chosen = found[1]
        assert chosen.recipient == "hana" and chosen.review_id == 1
        states = {i.label: i.state for i in chosen.items}
        assert states["finding 3"] == "withheld" and states["finding 1"] == "disclosed"
        assert "1 withheld" in chosen.describe() and "for hana" in chosen.describe()
        app_disclosures.write_proof(session, result.package_id, "finding 3", proof)
        with pytest.raises(InputError, match="already exists"):
            app_disclosures.write_proof(session, result.package_id, "finding 1", proof)
        last = session.conn.execute("SELECT action, target FROM audit ORDER BY seq DESC").fetchone()
        assert tuple(last) == ("disclosure.prove", result.package_id)
    data = app_disclosures.read_proof(proof)
    with app_disclosures.open_disclosure(out, [team.sender.card]) as opened:
        proven = app_disclosures.check_proof_file(opened, data)
    assert proven.result.item == "finding 3" and proven.result.state == "withheld"
    assert proven.sentence().startswith("PROVEN: finding 3 (finding, withheld in package")
    with (
        app_disclosures.open_disclosure(tmp_path / "whole.rspkg", [team.sender.card]) as other,
        pytest.raises(PackageRefused, match="The proof is for package") as refused,
    ):
        app_disclosures.check_proof_file(other, data)
    assert app_disclosures.not_proven(str(refused.value)).startswith("NOT PROVEN: The proof is")


def test_a_package_without_a_disclosure_has_no_proofs(team: Team, tmp_path: Path) -> None:
    out = tmp_path / "plain.rspkg"
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        export_package(session, 1, out, designation=DESIGNATION)
        assert app_disclosures.disclosure_exports(session.conn) == []
    with pytest.raises(InputError, match="is not a selective disclosure"):
        app_disclosures.open_disclosure(out, [team.sender.card])


def test_the_app_records_a_clearance_from_a_card_file(team: Team, tmp_path: Path) -> None:
    card = tmp_path / "hana.card"
    card.write_bytes(team.hana_card)
    with open_vault(team.sender.vault, PASS, user="alice") as session:
        recorded = app_disclosures.record_clearance(session, card, "u")
        assert (recorded.name, recorded.clearance) == ("hana", "UNCLASSIFIED")
        assert [(r.name, r.clearance) for r in app_disclosures.recipients(session)] == [
            ("hana", "UNCLASSIFIED")
        ]
        with pytest.raises(InputError, match="is not a classification level"):
            app_disclosures.record_clearance(session, card, "PUBLIC")
        changed = app_disclosures.change_clearance(session, "hana", "secret//nf")
        assert (changed.card.fingerprint, changed.clearance) == (
            recorded.card.fingerprint,
            "SECRET//NOFORN",
        )
        with pytest.raises(NotFound, match="No recipient 'vera' is recorded"):
            app_disclosures.change_clearance(session, "vera", "CUI")
