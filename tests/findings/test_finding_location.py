"""Where in a product's source a finding lies: checked on input, stored, changed and cleared
through the one store, from the services and the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import FormatChecker
from support.vaults import PASS, make_vault

from reviewstation.errors import InputError
from reviewstation.findings import location, service
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

COMMIT = "0123456789abcdef0123456789abcdef01234567"

GOOD: list[tuple[str, Any, Any]] = [
    ("file_path", "src/parser.c", "src/parser.c"),
    ("file_path", "  lib/ütf8/ファイル.py ", "lib/ütf8/ファイル.py"),
    ("file_path", "", None),
    ("start_line", "1", 1),
    ("start_line", 120, 120),
    ("start_line", " 7 ", 7),
    ("start_line", "", None),
    ("end_line", "134", 134),
    ("function_name", "parse_header", "parse_header"),
    ("function_name", "Foo::bar(int)", "Foo::bar(int)"),
    ("commit_id", COMMIT.upper(), COMMIT),
    ("commit_id", "abc1234", "abc1234"),
    ("commit_id", "a" * 64, "a" * 64),
    ("repository", "https://example.org/foo.git", "https://example.org/foo.git"),
    ("repository", "ssh://git@example.org/foo.git", "ssh://git@example.org/foo.git"),
    ("repository", "file:///srv/git/foo.git", "file:///srv/git/foo.git"),
]

BAD: list[tuple[str, Any, str]] = [
    ("file_path", "/etc/passwd", "relative to the repository root"),
    ("file_path", "C:/src/x.c", "relative to the repository root"),
    ("file_path", "file:///src/x.c", "relative to the repository root"),
    ("file_path", "a:b/c.txt", "relative to the repository root"),  # reads as a URI scheme
    ("file_path", "src\\x.c", "use / between folders"),
    ("file_path", "src/../../etc/passwd", "'..' segment"),
    ("file_path", "../x.c", "'..' segment"),
    ("file_path", "./x.c", "'.' segment"),
    ("file_path", "src//x.c", "an empty segment"),
    ("file_path", "src/", "an empty segment"),
    ("file_path", "src/x\x1b[2J.c", "control or formatting"),
    ("file_path", "src/x\u202e.c", "control or formatting"),
    ("file_path", "src/x\n.c", "control or formatting"),
    ("file_path", "x" * 1001, "longer than 1000"),
    ("file_path", 5, "must be text"),
    ("start_line", "0", "from 1"),
    ("start_line", 0, "from 1"),
    ("start_line", "-3", "from 1"),
    ("start_line", "12a", "from 1"),
    ("start_line", "١٢", "from 1"),  # Arabic-Indic digits: isdigit, not a line number here
    ("start_line", 1.5, "from 1"),
    ("start_line", True, "from 1"),
    ("start_line", 10**12, "from 1"),
    ("end_line", "0", "from 1"),
    ("function_name", "f\x00", "control or formatting"),
    ("commit_id", "abc123", "7 to 64 hexadecimal"),
    ("commit_id", "g" * 40, "7 to 64 hexadecimal"),
    ("commit_id", "a" * 65, "7 to 64 hexadecimal"),
    ("repository", "git@example.org:foo.git", "should be a URI"),
    ("repository", "example.org/foo", "should be a URI"),
    ("repository", "javascript:alert(1)", "should be a URI"),
    ("repository", "https://exa mple.org/x", "without spaces"),
    ("repository", "https://例え.jp/x.git", "host in ASCII"),
    ("repository", "https://x.org{a}/x.git", "host in ASCII"),
]


@pytest.mark.parametrize(("name", "value", "expected"), GOOD)
def test_good_values_are_kept_clean(name: str, value: Any, expected: Any) -> None:
    assert location.clean(name, value) == expected


def test_every_kept_repository_is_an_rfc_3986_uri() -> None:
    checker = FormatChecker()
    kept = [location.clean(n, v) for n, v, _ in GOOD if n == "repository" and v]
    assert kept and all(checker.conforms(uri, "uri") for uri in kept), kept


@pytest.mark.parametrize(("name", "value", "message"), BAD)
def test_bad_values_are_refused_in_one_line(name: str, value: Any, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as err:
        location.clean(name, value)
    assert "\n" not in str(err.value)


# The other text fields that writers copy into SARIF, CVE, CSAF and CycloneDX: hostile values
# (terminal escapes, bidi controls, overlong identifiers, credentials in a URI) are refused by
# the store's one check (service.check_values), for every way a finding is written or imported.
FIELD_BAD: list[tuple[str, Any, str]] = [
    ("product_id", "pkg:npm/x\x1b[31m@1", "control or formatting"),
    ("product_id", "pkg:pypi/libfoo\u202e@1.2", "control or formatting"),
    ("product_id", "cpe:2.3:a:acme:w\x7f:1:*:*:*:*:*:*:*", "control or formatting"),
    ("product_id", "pkg:pypi/" + "a" * 1000, "longer than 1000"),
    # What the CVE schema's cpes and every purl reader would refuse or misread.
    ("product_id", "cpe:2.3:a:acme:widget", "not a well-formed CPE 2.3"),
    ("product_id", "cpe:2.3:a:acme:wid!get:1:*:*:*:*:*:*:*", "not a well-formed CPE 2.3"),
    ("product_id", "cpe:2.3:a:acme:widget:1:*:*:*:*:*:*:*:x", "not a well-formed CPE 2.3"),
    ("product_id", "pkg:pypi/@1.2", "not a valid purl"),
    ("body", "Heap overflow\x1b]52;c;ZWNobw==\x07 in libfoo", "control or formatting"),
    ("body", "see line 1\rApproved by lead", "control or formatting"),
    ("body", "The function \u202eevil\u202c() overflows", "control or formatting"),
    ("body", "two\u2028lines", "control or formatting"),
    ("vendor", "Foo\u202e Project", "control characters"),
    ("action_statement", "Upgrade\u2066 now", "control characters"),
    ("repository", "https://alice:s3cret@git.example.org/foo.git", "password"),
    ("repository", "https://git.example.org:notaport/foo.git", "should be a URI"),
]
FIELD_GOOD: list[tuple[str, Any, Any]] = [
    ("body", "Line one\n\tindented\r\nline three", "Line one\n\tindented\nline three"),
    ("body", "Der Überlauf in 解析器 — مرحبا", "Der Überlauf in 解析器 — مرحبا"),
    ("product_id", " pkg:npm/%40acme/lib@1.0 ", "pkg:npm/%40acme/lib@1.0"),
    (
        "product_id",
        "cpe:2.3:a:ac\\:me:widget\\!:3.1:*:*:*:*:*:*:*",
        "cpe:2.3:a:ac\\:me:widget\\!:3.1:*:*:*:*:*:*:*",
    ),
    ("product_id", "pkg:huggingface/org/model@abc123", "pkg:huggingface/org/model@abc123"),
    ("repository", "ssh://git@example.org/foo.git", "ssh://git@example.org/foo.git"),
    # Legitimate but not RFC 3986 as typed: percent-encoded as a browser sends it, so SARIF's
    # repositoryUri and the CVE record's repo stay valid URIs.
    ("repository", "https://git.example.org/ü/x.git", "https://git.example.org/%C3%BC/x.git"),
    ("repository", "https://x.org/a[1]{2}|x", "https://x.org/a%5B1%5D%7B2%7D%7Cx"),
    ("repository", "https://x.org/a%20b/100%", "https://x.org/a%20b/100%25"),
    ("repository", "https://[2001:db8::1]:8443/x.git", "https://[2001:db8::1]:8443/x.git"),
    ("repository", "https://x.org/p?q=ü#frag", "https://x.org/p?q=%C3%BC#frag"),
]


@pytest.mark.parametrize(("name", "value", "message"), FIELD_BAD)
def test_hostile_finding_text_is_refused_in_one_line(name: str, value: Any, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)) as err:
        service.check_values({name: value}, "CUI")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("name", "value", "expected"), FIELD_GOOD)
def test_odd_but_legitimate_finding_text_is_kept(name: str, value: Any, expected: Any) -> None:
    assert service.check_values({name: value}, "CUI")[name] == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"file_path": "a.c", "end_line": 3}, "needs a start line"),
        ({"file_path": "a.c", "start_line": 9, "end_line": 3}, "before the start line"),
        ({"start_line": 9}, "needs the affected file"),
    ],
)
def test_fields_are_checked_together(values: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        location.check(values)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        create_review(session, title="Model X", developer="Lab", model_name="X-1")
    return path


def test_stored_changed_cleared_and_refused_without_a_change(vault: Path) -> None:
    with open_vault(vault, PASS) as session:
        finding = service.add_finding(
            session,
            1,
            title="Heap overflow",
            severity="high",
            kind="vulnerability",
            file_path="src/parser.c",
            start_line="120",
            end_line="134",
            function_name="parse_header",
            commit_id=COMMIT,
            repository="https://example.org/libfoo.git",
        )
        assert (finding.file_path, finding.start_line, finding.end_line) == (
            "src/parser.c",
            120,
            134,
        )
        assert (finding.function_name, finding.commit_id) == ("parse_header", COMMIT)
        # A change that would leave the end before the start is refused; nothing changes.
        with pytest.raises(InputError, match="before the start line"):
            service.update_finding(session, finding.id, start_line="200")
        assert service.get_finding(session.conn, finding.id).revision == 1
        with pytest.raises(InputError, match=r"'\.\.' segment"):
            service.update_finding(session, finding.id, file_path="../secret")
        assert service.get_finding(session.conn, finding.id).file_path == "src/parser.c"
        # Empty text clears; clearing the start line alone would orphan the end line.
        with pytest.raises(InputError, match="needs a start line"):
            service.update_finding(session, finding.id, start_line="")
        changed = service.update_finding(
            session, finding.id, start_line="", end_line="", function_name=""
        )
        assert (changed.start_line, changed.end_line, changed.function_name) == (None, None, None)
        assert changed.file_path == "src/parser.c" and changed.revision == 2
        revision = service.revisions(session.conn, finding.id)[-1]["changes"]
        assert revision["start_line"] == [120, None]


def test_command_line_add_show_and_update(vault: Path) -> None:
    def rs(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "reviewstation", *args],
            input=PASS + "\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert (result.returncode == 0) is ok, result.stderr
        return result

    rs(
        *("finding", "add", str(vault), "--review", "1", "--title", "Overflow"),
        *("--severity", "high", "--kind", "vulnerability", "--file", "src/parser.c"),
        *("--line", "120", "--end-line", "134", "--function", "parse_header"),
        *("--commit", COMMIT, "--repository", "https://example.org/libfoo.git"),
    )
    shown = rs("finding", "show", str(vault), "1").stdout
    assert "  Location    src/parser.c:120-134 in parse_header\n" in shown
    assert f"  Commit      https://example.org/libfoo.git {COMMIT}\n" in shown
    detail = json.loads(rs("finding", "show", str(vault), "1", "--json").stdout)
    assert (detail["file_path"], detail["start_line"], detail["end_line"]) == (
        "src/parser.c",
        120,
        134,
    )
    refused = rs("finding", "update", str(vault), "1", "--line", "0", ok=False)
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1 and "from 1" in refused.stderr
    refused = rs("finding", "update", str(vault), "1", "--file", "/abs/x.c", ok=False)
    assert "relative to the repository root" in refused.stderr
    rs("finding", "update", str(vault), "1", "--end-line", "", "--line", "121")
    detail = json.loads(rs("finding", "show", str(vault), "1", "--json").stdout)
    assert (detail["start_line"], detail["end_line"]) == (121, None)


@pytest.mark.parametrize(
    ("tamper", "refused"),
    [
        (None, None),
        ({"file_path": "../../etc/passwd"}, "'..' segment"),
        ({"start_line": 0}, "from 1"),
        ({"end_line": 1}, "before the start line"),
        ({"commit_id": "not-a-commit"}, "7 to 64 hexadecimal"),
    ],
)
def test_a_package_carries_the_location_and_the_importer_checks_it(
    tmp_path: Path, tamper: dict[str, Any] | None, refused: str | None
) -> None:
    """Exported with the finding, imported through the same store checks: a trusted sender's
    package whose location breaks them is refused, and nothing is imported."""
    from support.packages import export, resign, sender, signing_key

    from reviewstation.crypto.kdf import floor_params
    from reviewstation.findings import query
    from reviewstation.packages.importer import import_package
    from reviewstation.vault.session import create_vault

    alice = sender(tmp_path)
    with open_vault(alice.vault, PASS) as session:
        service.update_finding(
            session, 1, file_path="src/parser.c", start_line="120", end_line="134",
            function_name="parse_header", commit_id=COMMIT,
            repository="https://example.org/libfoo.git",
        )  # fmt: skip
    package = tmp_path / "p.rspkg"
    export(alice.vault, package)
    if tamper is not None:

        def edit(doc: dict[str, Any]) -> None:
            doc["findings"][0].update(tamper)

        package = resign(package, tmp_path / "q.rspkg", signing_key(alice.vault), edit)
    hq = tmp_path / "hq.rsvault"
    create_vault(hq, "hana", "headquarters passphrase", marking="CUI", kdf=floor_params())
    with open_vault(hq, "headquarters passphrase") as session:
        if refused is not None:
            with pytest.raises(InputError, match=re.escape(refused)):
                import_package(session, package, [alice.card])
            assert query.count(session.conn) == 0
            return
        import_package(session, package, [alice.card])
        (finding,) = query.all_findings(session.conn)
        finding = service.get_finding(session.conn, finding.id)
    assert (finding.file_path, finding.start_line, finding.end_line) == ("src/parser.c", 120, 134)
    assert (finding.function_name, finding.commit_id) == ("parse_header", COMMIT)
    assert finding.repository == "https://example.org/libfoo.git"
