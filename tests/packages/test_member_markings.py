"""Every member of an exported package that carries content carries the package's overall
marking, exactly, in a field its format allows; verification refuses a member that states
another. One table row per member: a member no row covers fails the test."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reports.report_content import pdf_pages
from support.inspect_logs import sample, write_eval
from support.packages import DESIGNATION, export
from support.vaults import PASS, make_vault

from reviewstation.app.determination import set_area
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import InputError, ReviewStationError
from reviewstation.findings import triage
from reviewstation.findings.service import add_finding, set_status
from reviewstation.formats.common import tlp_label
from reviewstation.package_content import Designation
from reviewstation.packages import members
from reviewstation.packages.verify import verify_package
from reviewstation.reviews.service import create_review
from reviewstation.vault import accounts
from reviewstation.vault.session import open_vault

LEAD2 = "second lead passphrase"

MARKINGS = ["UNCLASSIFIED", "CUI", "SECRET//NOFORN", "TOP SECRET//SCI"]


def _json(data: bytes) -> Any:
    return json.loads(data)


def _top(data: bytes, marking: str, tmp: Path) -> list[str]:
    return [_json(data)["marking"]]


def _sarif(data: bytes, marking: str, tmp: Path) -> list[str]:
    return [run["properties"]["marking"] for run in _json(data)["runs"]]


def _csaf(data: bytes, marking: str, tmp: Path) -> list[str]:
    document = _json(data)["document"]
    distribution = document["distribution"]
    assert distribution["tlp"]["label"] == tlp_label(marking)
    notes = [n["text"] for n in document["notes"] if n["title"] == "Marking"]
    assert [n["category"] for n in document["notes"] if n["title"] == "Marking"] == ["general"]
    return [distribution["text"].split(". ", 1)[0], *notes]


def _openvex(data: bytes, marking: str, tmp: Path) -> list[str]:
    statements = _json(data)["statements"]
    assert statements
    prefix = "Package marking: "
    return [s["status_notes"][len(prefix) :].split(". ", 1)[0] for s in statements]


def _cve(data: bytes, marking: str, tmp: Path) -> list[str]:
    return [_json(data)["containers"]["cna"]["x_marking"]]


def _cyclonedx(data: bytes, marking: str, tmp: Path) -> list[str]:
    metadata = _json(data)["metadata"]
    found = {p["name"]: p["value"] for p in metadata["properties"]}
    assert found["reviewstation:tlp"] == tlp_label(marking)
    return [found["reviewstation:marking"]]


def _report(data: bytes, marking: str, tmp: Path) -> list[str]:
    out = []
    for page in pdf_pages(data, tmp):
        lines = [line.strip() for line in page.split("\n") if line.strip()]
        banners = [line for line in lines if line == marking]
        assert len(banners) >= 2, lines  # the top banner and the bottom one, on every page
        out += banners
    return out


# Member (or folder) -> how to read every marking it states, or why it carries none.
Reader = Callable[[bytes, str, Path], list[str]]
TABLE: dict[str, Reader | str] = {
    "manifest.json": _top,
    "findings.json": _top,
    "checklists.json": _top,
    "artifacts.json": _top,
    "determination.json": _top,
    "triage.json": _top,
    "disclosure.json": _top,  # a selective disclosure only (tests/packages/test_disclosure.py)
    "findings.sarif": _sarif,
    "vulnerabilities.csaf.json": _csaf,
    "vulnerabilities.openvex.json": _openvex,
    "artifacts.cdx.json": _cyclonedx,
    "cve/": _cve,
    "report.pdf": _report,
    "evidence/": "the exact bytes of an artifact; artifacts.json records it, marked",
    "signer-p384.pem": "a public key",
    "signer-mldsa87.pem": "a public key",
    "SHA384SUMS": "digests only",
    "SHA384SUMS.p384.sig": "a signature",
    "SHA384SUMS.mldsa87.sig": "a signature",
}


def _row(name: str) -> Reader | str:
    if name in TABLE:
        return TABLE[name]
    folder = name.split("/", 1)[0] + "/"
    assert folder in TABLE, f"{name} has no row in the marking table"
    return TABLE[folder]


def _vault(tmp: Path, marking: str) -> Path:
    path = make_vault(tmp, marking=marking)
    notes = tmp / "notes.txt"
    notes.write_text("Eval notes with a preview. 評価\n", encoding="utf-8")
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
        add_finding(
            session,
            1,
            title="Heap overflow",
            severity="high",
            kind="vulnerability",
            body="Found by fuzzing.",
            product_id="pkg:pypi/libfoo@1.2",
            vex_status="affected",
            action_statement="Update libfoo.",
        )
        add_finding(session, 1, title="Autonomy", severity="medium", kind="capability")
        run = start_run(session, 1, "intake-custody")
        set_answer(session, run.id, run.template.items[0].id, status="open", note="n")
        add_artifacts(session, 1, [notes])
        logs = Path(__file__).resolve().parent.parent / "fixtures" / "compare-logs"
        add_artifacts(session, 1, [logs / "model-a.eval", logs / "model-b.eval"])
        set_area(session, 1, "exploitation", baseline=2, runs=[3])
        add_artifacts(session, 1, [write_eval(tmp / "run.eval", [sample(1, "C")])])
        triage.add_label(session, 4, "1@1", "out-of-scope", "read the flag file")
        set_status(session, 1, "confirmed")
        accounts.add_user(session, "lena", "lead", LEAD2, kdf=floor_params())
    # A second lead approves the vulnerability (only an approved one gets a CVE record), then
    # leaves: the vault has one user again, as the rest of this file expects.
    with open_vault(path, LEAD2, user="lena") as lena:
        set_status(lena, 1, "approved")
    with open_vault(path, PASS, user="alice") as session:
        accounts.remove_user(session, "lena")
    return path


@pytest.mark.parametrize("marking", MARKINGS)
def test_every_content_member_carries_the_package_marking(tmp_path: Path, marking: str) -> None:
    path = _vault(tmp_path, marking)
    with open_vault(path, PASS, mode="read") as session:
        uid = session.conn.execute("SELECT uid FROM artifacts ORDER BY id").fetchone()[0]
    out = tmp_path / "p.rspkg"
    export(path, out, evidence=[uid])
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "vulnerabilities.openvex.json" in names
        assert any(n.startswith("evidence/") for n in names)
        assert any(n.startswith("cve/") for n in names)
        assert "determination.json" in names
        assert "triage.json" in names
        for name in names:
            row = _row(name)
            if isinstance(row, str):
                continue
            stated = row(archive.read(name), marking, tmp_path)
            assert stated and set(stated) == {marking}, (name, stated)
            # The readers verification uses agree with this table.
            if name in members.MARKING_READERS or name.startswith("cve/"):
                assert members.member_markings(name, archive.read(name)) == stated, name
    assert set(members.MARKING_READERS) <= {n for n, r in TABLE.items() if not isinstance(r, str)}


@pytest.mark.parametrize(
    "member", ["findings.json", "checklists.json", "artifacts.json", "findings.sarif"]
)
def test_a_signed_member_marked_otherwise_is_refused(
    tmp_path: Path, member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signer's own package, signed, but one member states a lower marking: refused by
    verification (and so by import), naming the member."""
    path = _vault(tmp_path, "SECRET//NOFORN")
    real = members.pretty

    def lowered(obj: Any) -> bytes:
        data = real(obj)
        if (
            member.endswith(".json")
            and isinstance(obj, dict)
            and obj.get("format", "").endswith(member.removesuffix(".json"))
        ):
            return data.replace(b'"marking":"SECRET//NOFORN"', b'"marking":"UNCLASSIFIED"')
        return data

    monkeypatch.setattr(members, "pretty", lowered)
    if member == "findings.sarif":
        from reviewstation.packages import standard

        original = standard.standard_members

        def altered(content: Any) -> dict[str, bytes]:
            out = original(content)
            out[member] = out[member].replace(b'"marking": "SECRET//NOFORN"', b'"marking": "CUI"')
            return out

        monkeypatch.setattr("reviewstation.packages.export.standard_members", altered)
    out = tmp_path / "p.rspkg"
    export(path, out)
    with open_vault(path, PASS, mode="read") as session:
        card = session.user.public_identity(session.vault_id)
    with pytest.raises(ReviewStationError) as caught:
        verify_package(out, [card]).close()
    assert f"The member {member} is marked" in str(caught.value)


@pytest.mark.parametrize("member", [members.FINDINGS, members.CHECKLISTS, members.ARTIFACTS])
def test_a_signed_native_member_without_its_marking_is_refused(
    tmp_path: Path, member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signer's own package, signed, but a native member leaves its marking out."""
    path = _vault(tmp_path, "SECRET//NOFORN")
    real = members.pretty

    def unmarked(obj: Any) -> bytes:
        if isinstance(obj, dict) and str(obj.get("format", "")).endswith(
            member.removesuffix(".json")
        ):
            obj = {k: v for k, v in obj.items() if k != "marking"}
        return real(obj)

    monkeypatch.setattr(members, "pretty", unmarked)
    out = tmp_path / "p.rspkg"
    export(path, out)
    with open_vault(path, PASS, mode="read") as session:
        card = session.user.public_identity(session.vault_id)
    with pytest.raises(ReviewStationError) as caught:
        verify_package(out, [card]).close()
    assert f"The member {member} carries no marking" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda cna: cna.pop("x_marking"), "carries no marking"),
        (lambda cna: cna.update(x_marking="UNCLASSIFIED"), "is marked 'UNCLASSIFIED'"),
    ],
)
def test_a_signed_cve_record_without_its_marking_is_refused(
    tmp_path: Path,
    change: Callable[[dict[str, Any]], Any],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A CVE record always states the marking (containers.cna.x_marking): a signed one that
    leaves it out or states another is refused, naming the member."""
    from reviewstation.packages import standard

    path = _vault(tmp_path, "SECRET//NOFORN")
    original = standard.standard_members

    def altered(content: Any) -> dict[str, bytes]:
        out = original(content)
        for name in [n for n in out if n.startswith("cve/")]:
            record = json.loads(out[name])
            change(record["containers"]["cna"])
            out[name] = json.dumps(record).encode()
        return out

    monkeypatch.setattr("reviewstation.packages.export.standard_members", altered)
    out = tmp_path / "p.rspkg"
    export(path, out)
    with open_vault(path, PASS, mode="read") as session:
        card = session.user.public_identity(session.vault_id)
    with pytest.raises(ReviewStationError) as caught:
        verify_package(out, [card]).close()
    assert "The member cve/" in str(caught.value) and message in str(caught.value)


def _drop_cyclonedx_marking(doc: dict[str, Any]) -> None:
    props = doc["metadata"]["properties"]
    props[:] = [p for p in props if p["name"] != "reviewstation:marking"]


def _drop_csaf_marking(doc: dict[str, Any]) -> None:
    doc["document"]["distribution"].pop("text", None)
    doc["document"]["notes"] = [n for n in doc["document"]["notes"] if n["title"] != "Marking"]


# Each standard member that always has a place for the marking (OpenVEX without statements
# has none): signed, but with the marking left out, it is refused like a native member.
UNMARKED_STANDARD = [
    ("findings.sarif", lambda doc: doc["runs"][0]["properties"].pop("marking")),
    ("artifacts.cdx.json", _drop_cyclonedx_marking),
    ("vulnerabilities.csaf.json", _drop_csaf_marking),
]


@pytest.mark.parametrize(
    ("member", "strip"), UNMARKED_STANDARD, ids=[m for m, _ in UNMARKED_STANDARD]
)
def test_a_signed_standard_member_without_its_marking_is_refused(
    tmp_path: Path,
    member: str,
    strip: Callable[[dict[str, Any]], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reviewstation.packages import standard

    assert member in members.MARKING_READERS
    path = _vault(tmp_path, "SECRET//NOFORN")
    original = standard.standard_members

    def altered(content: Any) -> dict[str, bytes]:
        out = original(content)
        doc = json.loads(out[member])
        strip(doc)
        out[member] = json.dumps(doc).encode()
        return out

    monkeypatch.setattr("reviewstation.packages.export.standard_members", altered)
    out = tmp_path / "p.rspkg"
    export(path, out)
    with open_vault(path, PASS, mode="read") as session:
        card = session.user.public_identity(session.vault_id)
    with pytest.raises(ReviewStationError) as caught:
        verify_package(out, [card]).close()
    assert f"The member {member} carries no marking" in str(caught.value)


def test_a_classified_export_needs_its_classification_authority(tmp_path: Path) -> None:
    """Refused before anything is recorded or written, naming the missing options; with them
    the manifest carries the block as entered."""
    path = _vault(tmp_path, "SECRET//NOFORN")
    out = tmp_path / "p.rspkg"
    partial = Designation(classified_by="R. Reviewer")
    with pytest.raises(InputError) as caught:
        export(path, out, designation=partial)
    assert str(caught.value) == (
        "This package is marked SECRET//NOFORN: enter its classification authority"
        " (--derived-from, --declassify-on) before it can be exported."
    )
    assert not out.exists()
    with open_vault(path, PASS, mode="read") as session:
        assert session.conn.execute("SELECT count(*) FROM package_exports").fetchone()[0] == 0
    export(path, out)
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["designation"] == DESIGNATION.to_json()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("classified_by", "a\nb", "The classified by must be one line"),
        ("poc", "x" * 201, "The poc is longer than 200 characters."),
    ],
)
def test_a_designation_field_is_one_bounded_line(field: str, value: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        Designation(**{field: value})
    assert str(caught.value).startswith(message)


def test_an_unclassified_or_cui_export_needs_no_authority(tmp_path: Path) -> None:
    for marking in ("UNCLASSIFIED", "CUI"):
        folder = tmp_path / marking
        folder.mkdir()
        path = _vault(folder, marking)
        export(path, folder / "p.rspkg", designation=None)
        with zipfile.ZipFile(folder / "p.rspkg") as archive:
            assert "designation" not in json.loads(archive.read("manifest.json"))


def test_the_command_line_enters_the_designation(tmp_path: Path) -> None:
    vault = str(tmp_path / "v.rsvault")

    def rs(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reviewstation", *args],
            input=PASS + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert rs("vault", "init", vault, "--user", "alice", "--marking", "SECRET").returncode == 0
    assert (
        rs("review", "create", vault, "--title", "M", "--developer", "L", "--model", "X").returncode
        == 0
    )
    out = str(tmp_path / "p.rspkg")
    refused = rs("package", "export", vault, "--review", "1", "--out", out, "--plaintext")
    assert refused.returncode != 0
    assert "(--classified-by, --derived-from, --declassify-on)" in refused.stderr
    entered = [
        "--classified-by", DESIGNATION.classified_by,
        "--derived-from", DESIGNATION.derived_from,
        "--declassify-on", DESIGNATION.declassify_on,
    ]  # fmt: skip
    done = rs("package", "export", vault, "--review", "1", "--out", out, "--plaintext", *entered)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["designation"] == {
        k: v for k, v in DESIGNATION.to_json().items() if k in Designation.AUTHORITY
    }


def test_the_members_inside_an_encrypted_package_carry_the_marking(tmp_path: Path) -> None:
    """The inner package is checked the same way once decrypted (verification step 13)."""
    path = _vault(tmp_path, "SECRET//NOFORN")
    with open_vault(path, PASS, mode="read") as session:
        card = session.user.public_identity(session.vault_id)
    out = tmp_path / "p.rspkg"
    export(path, out, recipients=[card])
    with open_vault(path, PASS) as session:
        assert session.identity is not None
        key = session.identity.recipient
    with verify_package(out, [card], recipient=key) as opened:
        assert opened.decrypted
        assert "every member's marking is the manifest's" in " ".join(opened.checks)
        inner = opened.zip.names()
        marked = [n for n in inner if n in members.MARKING_READERS or n.startswith("cve/")]
        # Every reader's member but disclosure.json, which only a selective disclosure has.
        assert {n if n in members.MARKING_READERS else "cve/" for n in marked} == set(
            members.MARKING_READERS
        ) - {members.DISCLOSURE}
        for name in marked:
            assert set(members.member_markings(name, opened.read_checked(name))) == {
                "SECRET//NOFORN"
            }, name
