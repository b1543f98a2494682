"""The command line end to end, as scripts and auditors use it: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PASS = "correct horse battery"


def rs(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = tmp_path / "case.rsvault"
    result = rs(
        "vault", "init", str(path), "--user", "alice", "--marking", "CUI", stdin=PASS + "\n"
    )
    assert result.returncode == 0, result.stderr
    return path


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_version() -> None:
    result = rs("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("reviewstation 0.")


def test_init_prints_id_first_and_recovery_key(tmp_path: Path) -> None:
    path = tmp_path / "v.rsvault"
    result = rs("vault", "init", str(path), "--user", "alice", stdin=PASS + "\n")
    first = result.stdout.splitlines()[0].split()[0]
    info = json.loads(rs("vault", "info", str(path), "--json").stdout)
    assert info["vault_id"] == first
    assert "Recovery key" in result.stdout.splitlines()[1]
    assert info["users"] == ["alice"]
    assert {s["kind"] for s in info["slots"]} == {"passphrase", "recovery"}
    kdf = next(s["kdf"] for s in info["slots"] if s["kind"] == "passphrase")
    assert kdf["m_kib"] >= 65536 and kdf["t"] >= 3


def test_wrong_passphrase_exits_2_with_one_line(vault: Path) -> None:
    line = assert_one_line_error(rs("vault", "verify", str(vault), stdin="wrong passphrase\n"))
    assert "passphrase is wrong" in line


def test_verify_exit_codes_and_json(vault: Path, tmp_path: Path) -> None:
    ok = rs("vault", "verify", str(vault), "--json", stdin=PASS + "\n")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["intact"] is True and report["problems"] == []
    saved = tmp_path / "old.db"
    shutil.copy(vault / "vault.db", saved)
    assert rs("user", "list", str(vault), stdin=PASS + "\n").returncode == 0
    rs("identity", "export", str(vault), "--out", str(tmp_path / "c.json"), stdin=PASS + "\n")
    assert rs("audit", "log", str(vault), stdin=PASS + "\n").returncode == 0
    # A writable unlock moves the chain on; then put the old database back.
    printf = rs("user", "passwd", str(vault), stdin=f"{PASS}\n{PASS} two\n")
    assert printf.returncode == 0, printf.stderr
    shutil.copy(saved, vault / "vault.db")
    bad = rs("vault", "verify", str(vault), stdin=f"{PASS} two\n")
    assert bad.returncode == 1
    assert "PROBLEM:" in bad.stdout


def test_verify_cannot_check_a_non_vault(tmp_path: Path) -> None:
    line = assert_one_line_error(rs("vault", "verify", str(tmp_path), stdin=PASS + "\n"))
    assert "not a ReviewStation vault" in line


def test_user_add_reads_second_line_and_enforces_roles(vault: Path) -> None:
    added = rs(
        "user", "add", str(vault), "bob", "--role", "reviewer", stdin=f"{PASS}\nbob passphrase\n"
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.split()[0] == "bob"
    users = json.loads(
        rs("user", "list", str(vault), "--user", "alice", "--json", stdin=PASS + "\n").stdout
    )
    assert [(u["name"], u["role"]) for u in users] == [("alice", "lead"), ("bob", "reviewer")]
    denied = rs(
        "user",
        "add",
        str(vault),
        "carol",
        "--role",
        "lead",
        "--user",
        "bob",
        stdin="bob passphrase\ncarol passphrase\n",
    )
    assert "only a lead can, and bob is a reviewer; this lead can: alice" in assert_one_line_error(
        denied
    )
    several = rs("audit", "log", str(vault), stdin=PASS + "\n")
    assert "--user" in assert_one_line_error(several)


def test_audit_log_json_is_a_chain(vault: Path) -> None:
    result = rs("audit", "log", str(vault), "--json", stdin=PASS + "\n")
    entries = json.loads(result.stdout)
    assert [e["seq"] for e in entries] == list(range(1, len(entries) + 1))
    assert all(entries[i]["prev"] == entries[i - 1]["hash"] for i in range(1, len(entries)))
    assert {"seq", "at", "user", "action", "target", "details", "prev", "hash"} == set(entries[0])


def test_identity_card_fingerprint_matches_openssl(vault: Path, tmp_path: Path) -> None:
    card = tmp_path / "alice.card"
    exported = rs("identity", "export", str(vault), "--out", str(card), stdin=PASS + "\n")
    assert exported.returncode == 0, exported.stderr
    shown = json.loads(rs("identity", "show", str(card), "--json").stdout)
    assert shown["name"] == "alice" and shown["role"] == "lead"
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    import base64

    spki = base64.b64decode(json.loads(card.read_text())["signing"]["p384_spki"])
    pem = tmp_path / "p.pem"
    pem.write_text(
        "-----BEGIN PUBLIC KEY-----\n"
        + base64.encodebytes(spki).decode()
        + "-----END PUBLIC KEY-----\n"
    )
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(pem), "-outform", "DER"],
        capture_output=True,
        check=True,
    ).stdout
    import hashlib

    assert shown["fingerprints"]["p384"] == hashlib.sha384(der).hexdigest()
    # A tampered card is refused with one line.
    card.write_text(card.read_text().replace('"alice"', '"mallory"'))
    assert "self-signature" in assert_one_line_error(rs("identity", "show", str(card)))


def test_busy_vault_names_the_holder(vault: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from pathlib import Path;"
            "from reviewstation.vault.session import open_vault;"
            f"s=open_vault(Path(sys.argv[1]), {PASS!r});"
            "print('ready', flush=True); time.sleep(60)",
            str(vault),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        line = assert_one_line_error(
            rs("user", "passwd", str(vault), stdin=f"{PASS}\nnew passphrase\n")
        )
        assert f"process {holder.pid}" in line
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert rs("vault", "frobnicate").returncode == 2
    assert rs("vault", "init").returncode == 2
    exists = rs("vault", "init", str(tmp_path), "--user", "a", stdin=PASS + "\n")
    assert "already exists" in assert_one_line_error(exists)
    short = rs("vault", "init", str(tmp_path / "n.rsvault"), "--user", "a", stdin="short\n")
    assert "at least 8" in assert_one_line_error(short)
    missing = rs("vault", "init", str(tmp_path / "m.rsvault"), "--user", "a", stdin="")
    assert "standard input" in assert_one_line_error(missing)


def test_passphrase_file(vault: Path, tmp_path: Path) -> None:
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n")
    result = rs("vault", "verify", str(vault), "--passphrase-file", str(secret))
    assert result.returncode == 0, result.stderr


def test_every_command_builds_its_parser() -> None:
    """A clash between two options breaks every command; catch it in one cheap test."""
    from reviewstation.cli import build_parser

    parser = build_parser()
    for group in (
        "vault",
        "user",
        "review",
        "artifact",
        "checklist",
        "finding",
        "package",
        "audit",
        "identity",
    ):
        with pytest.raises(SystemExit) as done:
            parser.parse_args([group, "--help"])
        assert done.value.code == 0


def test_demo_builds_a_vault_and_a_verified_package(tmp_path: Path) -> None:
    result = rs("demo", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[0].endswith("Demo.rsvault")
    assert "Package VALID" in result.stdout
    vault = tmp_path / "demo" / "Demo.rsvault"
    verify = rs("vault", "verify", str(vault), "--full", stdin="demo-passphrase\n")
    assert verify.returncode == 0, verify.stdout
    package = rs(
        "package",
        "verify",
        str(tmp_path / "demo" / "Demo-package.rspkg"),
        "--trust",
        str(tmp_path / "demo" / "demo.card"),
    )
    assert package.returncode == 0


def test_desktop_app_without_a_display_is_one_clear_line(tmp_path: Path) -> None:
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "reviewstation"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "graphical session" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_vault_status_says_what_the_session_may_do(tmp_path: Path) -> None:
    path = tmp_path / "v.rsvault"
    init = rs("vault", "init", str(path), "--user", "alice", stdin=PASS + "\n")
    recovery = init.stdout.splitlines()[1].rsplit(": ", 1)[1]
    lead = rs("vault", "status", str(path), "--json", stdin=PASS + "\n")
    assert lead.returncode == 0, lead.stderr
    facts = json.loads(lead.stdout)
    assert facts["can_write"] and facts["can_approve"] and facts["reason"] is None
    assert facts["access"] == "read-write" and facts["unlock"] == "own keys"
    plain = rs("vault", "status", str(path), "--recovery", stdin=recovery + "\n")
    assert plain.returncode == 0, plain.stderr
    assert "Access     read-only" in plain.stdout
    assert "unlocked with recovery key" in plain.stdout
    why = [line for line in plain.stdout.splitlines() if line.startswith("Why")]
    assert len(why) == 1 and "recovery key" in why[0]
    reader = json.loads(
        rs("vault", "status", str(path), "--read-only", "--json", stdin=PASS + "\n").stdout
    )
    assert not reader["can_write"] and reader["can_sign"] and "read-only" in reader["reason"]


@pytest.mark.parametrize(
    ("argv", "wrong", "suggestion"),
    [
        (["reveiw", "list"], "'reveiw'", "did you mean 'review'?"),
        (["reveiw"], "'reveiw'", "did you mean 'review'?"),
        (["fnding", "list", "x.rsvault"], "'fnding'", "did you mean 'finding'?"),
        (["vault", "inf", "X"], "'inf'", "did you mean 'info'?"),
        (["artifact", "lsit"], "'lsit'", "did you mean 'list'?"),
        (["zzz"], "'zzz'", None),
    ],
)
def test_a_mistyped_command_is_a_usage_error_not_the_desktop_app(
    argv: list[str],
    wrong: str,
    suggestion: str | None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from reviewstation.cli import main

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no file named like the mistyped word
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "graphical session" not in err
    error = err.strip().splitlines()[-1]
    assert f"invalid choice: {wrong}" in error
    assert error.endswith(suggestion) if suggestion else "did you mean" not in error


@pytest.mark.parametrize("name", ["folder", "new.rsvault", "case.RSVAULT"])
def test_a_path_still_opens_the_desktop_app(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from reviewstation import cli

    opened: list[Path | None] = []

    def launch(vault: Path | None) -> int:
        opened.append(vault)
        return 0

    monkeypatch.setattr(cli, "_launch_gui", launch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    assert cli.main([name]) == 0
    assert opened == [Path(name)]


def test_user_reset_by_a_lead_and_the_refusal_names_who_can(vault: Path) -> None:
    added = rs(
        "user", "add", str(vault), "bob", "--role", "reviewer", stdin=f"{PASS}\nbob pass 1\n"
    )
    assert added.returncode == 0, added.stderr
    denied = rs("user", "reset", str(vault), "alice", "--user", "bob", stdin="bob pass 1\nx" * 9)
    line = assert_one_line_error(denied, denied.returncode)
    assert "only a lead can" in line and "this lead can: alice" in line
    reset = rs("user", "reset", str(vault), "bob", "--user", "alice", stdin=f"{PASS}\nbob pass 2\n")
    assert reset.returncode == 0, reset.stderr
    assert reset.stdout.startswith("Passphrase reset for bob; new signing key ")
    old = rs("user", "list", str(vault), "--user", "bob", stdin="bob pass 1\n")
    assert old.returncode != 0
    new = rs("user", "list", str(vault), "--user", "bob", "--json", stdin="bob pass 2\n")
    assert new.returncode == 0, new.stderr
    listed = {u["name"]: u["passphrase_chosen_by"] for u in json.loads(new.stdout)}
    assert listed == {"alice": None, "bob": "alice"}  # alice chose bob's passphrase
    trail = rs("audit", "log", str(vault), "--json", "--user", "alice", stdin=PASS + "\n")
    assert any(
        e["action"] == "user.reset" and e["target"] == "bob" for e in json.loads(trail.stdout)
    )
