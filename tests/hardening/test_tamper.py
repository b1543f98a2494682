"""Tampering, table-driven: bit flips across vault.db, each header field, audit edits, rollback
against an exported package's checkpoint (CLI), and package attacks not covered in
tests/packages (another kind of signature, mix-and-match, freeze). Each is detected and named;
a row is one line."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support.packages import Sender, export, members, rewrite, sender
from support.vaults import PASS, make_vault

from reviewstation.crypto.signing import Domain
from reviewstation.errors import CryptoError, InputError, ReviewStationError
from reviewstation.findings.service import update_finding
from reviewstation.packages.importer import import_package
from reviewstation.packages.verify import verify_package
from reviewstation.vault.database import open_database
from reviewstation.vault.header import header_path, load_header
from reviewstation.vault.keys import database_key
from reviewstation.vault.session import open_vault, unlock_keys
from reviewstation.vault.verify import verify_vault


def problems(vault: Path) -> list[str]:
    """What verify names, or the typed error that stops it (never an untyped one)."""
    try:
        return verify_vault(vault, PASS).problems
    except ReviewStationError as exc:
        return [f"refused: {exc}"]


@pytest.fixture(scope="module")
def used_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vault = make_vault(tmp_path_factory.mktemp("tpl"))
    for i in range(3):
        with open_vault(vault, PASS) as session:
            session.record("test.action", f"t{i}")
    return vault


@pytest.fixture
def vault(used_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "case.rsvault"
    shutil.copytree(used_template, copy)
    return copy


# --- vault.db: a flipped bit anywhere --------------------------------------------------------

DB_SIZE = 4096 * 40


def offsets(count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return sorted({0, 100, 4095, 4096, 8192 + 17, *(rng.randrange(DB_SIZE) for _ in range(count))})


def flip_db(vault: Path, offset: int) -> bool:
    db = vault / "vault.db"
    data = bytearray(db.read_bytes())
    if offset >= len(data):
        return False
    data[offset] ^= 1 << (offset % 8)
    db.write_bytes(bytes(data))
    return True


@pytest.mark.parametrize("offset", offsets(6, 1))
def test_flipped_bit_in_vault_db(vault: Path, offset: int) -> None:
    if not flip_db(vault, offset):
        pytest.skip("the database is smaller")
    found = problems(vault)
    assert found, offset
    assert any(w in " ".join(found) for w in ("Database", "authentication", "refused")), found


@pytest.mark.long
def test_flipped_bits_in_vault_db_many(used_template: Path, tmp_path: Path) -> None:
    size = (used_template / "vault.db").stat().st_size
    tried = 0
    for offset in sorted(random.Random(2).sample(range(size), min(size, 200))):
        copy = tmp_path / f"v{offset}"
        shutil.copytree(used_template, copy)
        flip_db(copy, offset)
        try:
            found = verify_vault(copy, PASS).problems
        except ReviewStationError:
            found = ["refused"]
        assert found, offset
        shutil.rmtree(copy)
        tried += 1
    print("vault.db bit flips detected:", tried)


# --- the header: each field edited -----------------------------------------------------------


def edit_header(vault: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = header_path(vault)
    obj = json.loads(path.read_bytes())
    change(obj)
    path.write_bytes(json.dumps(obj).encode())


HEADER_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "marking": lambda h: h.update(marking="UNCLASSIFIED"),
    "created": lambda h: h.update(created="2020-01-01T00:00:00Z"),
    "vault_id": lambda h: h.update(vault_id="00000000-0000-4000-8000-000000000000"),
    "version": lambda h: h.update(version=99),
    "format": lambda h: h.update(format="other"),
    "mac": lambda h: h.update(mac="00" * 48),
    "checkpoint count": lambda h: h["checkpoint"].update(count=h["checkpoint"]["count"] - 1),
    "checkpoint head": lambda h: h["checkpoint"].update(head="00" * 48),
    "slot removed": lambda h: h["slots"].pop(),
    "slot kdf lowered": lambda h: (
        h["slots"][0]["kdf"].update(t=3, m=65536, p=1)
        if h["slots"][0].get("kdf", {}).get("t") != 3
        else h["slots"][0]["kdf"].update(t=4)
    ),
    "slot wrapped key": lambda h: h["slots"][0].update(
        wrapped=h["slots"][0]["wrapped"][:-4]
        + ("AAAA" if not h["slots"][0]["wrapped"].endswith("AAAA") else "BBBB")
    ),
    "slot user": lambda h: h["slots"][0].update(user="mallory"),
}


@pytest.mark.parametrize("field", sorted(HEADER_EDITS))
def test_header_field_edit_is_detected(vault: Path, field: str) -> None:
    edit_header(vault, HEADER_EDITS[field])
    found = problems(vault)
    assert found, field
    assert all("\n" not in p for p in found)


# --- the audit trail -------------------------------------------------------------------------


def raw(vault: Path) -> Any:
    header = load_header(vault)
    master, _ = unlock_keys(vault, header, "alice", PASS, "passphrase")
    conn = open_database(vault, database_key(master, header.vault_id))
    for trigger in ("audit_no_update", "audit_no_delete", "checkpoints_no_update"):
        conn.execute(f"DROP TRIGGER {trigger}")
    return conn


def _swap(c: Any) -> None:
    a = c.execute("SELECT * FROM audit WHERE seq = 4").fetchone()
    b = c.execute("SELECT * FROM audit WHERE seq = 5").fetchone()
    cols = [d[0] for d in c.execute("SELECT * FROM audit LIMIT 1").description]
    c.execute("DELETE FROM audit WHERE seq IN (4, 5)")
    marks = ",".join("?" * len(cols))
    c.execute(f"INSERT INTO audit ({','.join(cols)}) VALUES ({marks})", (5, *a[1:]))  # noqa: S608
    c.execute(f"INSERT INTO audit ({','.join(cols)}) VALUES ({marks})", (4, *b[1:]))  # noqa: S608


def _insert(c: Any) -> None:
    row = c.execute("SELECT * FROM audit WHERE seq = 4").fetchone()
    cols = [d[0] for d in c.execute("SELECT * FROM audit LIMIT 1").description]
    last = c.execute("SELECT max(seq) FROM audit").fetchone()[0]
    marks = ",".join("?" * len(cols))
    c.execute(f"INSERT INTO audit ({','.join(cols)}) VALUES ({marks})", (last + 1, *row[1:]))  # noqa: S608


AUDIT_EDITS: dict[str, tuple[Callable[[Any], None], str]] = {
    "edited": (lambda c: c.execute("UPDATE audit SET action = 'x' WHERE seq = 4"), "entry 4"),
    "deleted": (lambda c: c.execute("DELETE FROM audit WHERE seq = 5"), "entry 5"),
    "inserted": (_insert, "entry"),
    "reordered": (_swap, "entry 4"),
    "tail cut": (
        lambda c: c.execute("DELETE FROM audit WHERE seq >= (SELECT max(seq) - 1 FROM audit)"),
        "rolled back",
    ),
}


@pytest.mark.parametrize("edit", sorted(AUDIT_EDITS))
def test_audit_edit_is_named(vault: Path, edit: str) -> None:
    change, named = AUDIT_EDITS[edit]
    conn = raw(vault)
    change(conn)
    conn.close()
    found = problems(vault)
    assert any(named in p for p in found), found


# --- rollback against an exported package's checkpoint (the CLI an auditor runs) ----------


@pytest.fixture(scope="module")
def alice(tmp_path_factory: pytest.TempPathFactory) -> Sender:
    return sender(tmp_path_factory.mktemp("alice"))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *args], input=PASS + "\n",
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("what", ["vault.db", "whole vault"])
def test_rollback_caught_by_vault_verify_package(alice: Sender, tmp_path: Path, what: str) -> None:
    vault = tmp_path / "v.rsvault"
    shutil.copytree(alice.vault, vault)
    old = tmp_path / "old.rsvault"
    shutil.copytree(vault, old)
    export(vault, tmp_path / "later.rspkg")
    if what == "vault.db":
        shutil.copy(old / "vault.db", vault / "vault.db")
        for extra in ("vault.db-wal", "vault.db-shm"):
            (vault / extra).unlink(missing_ok=True)
    else:
        shutil.rmtree(vault)
        shutil.copytree(old, vault)
    done = cli("vault", "verify", str(vault), "--package", str(tmp_path / "later.rspkg"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "rolled back" in done.stdout + done.stderr


# --- packages: attacks tests/packages does not already make ----------------------------------


@pytest.fixture(scope="module")
def two(alice: Sender, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pk")
    export(alice.vault, folder / "1.rspkg", evidence=["1"])
    with open_vault(alice.vault, PASS) as session:  # the second package says something else
        update_finding(session, 1, severity="critical", body="Worse than thought.")
    export(alice.vault, folder / "2.rspkg", evidence=["1"])
    return folder / "1.rspkg", folder / "2.rspkg"


def _identity_signature(alice: Sender) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(m: dict[str, bytes]) -> dict[str, bytes]:
        with open_vault(alice.vault, PASS, mode="read") as session:
            assert session.identity is not None
            sig = session.identity.signing.sign(Domain.IDENTITY, m["SHA384SUMS"])
        m["SHA384SUMS.p384.sig"], m["SHA384SUMS.mldsa87.sig"] = sig.p384_der, sig.mldsa87
        return m

    return change


def _mix(other: Path, names: tuple[str, ...]) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(m: dict[str, bytes]) -> dict[str, bytes]:
        theirs = members(other)
        return {**m, **{n: theirs[n] for n in names}}

    return change


PACKAGE_ATTACKS: dict[
    str, tuple[Callable[[Sender, Path], Callable[[dict[str, bytes]], dict[str, bytes]]], str]
] = {
    "identity signature as package signature": (
        lambda a, o: _identity_signature(a),
        "signature does not verify",
    ),
    "manifest from another package": (lambda a, o: _mix(o, ("manifest.json",)), "SHA-384"),
    "findings from another package": (lambda a, o: _mix(o, ("findings.json",)), "SHA-384"),
    "sums and signatures from another package": (
        lambda a, o: _mix(o, ("SHA384SUMS", "SHA384SUMS.p384.sig", "SHA384SUMS.mldsa87.sig")),
        "SHA-384",
    ),
    "one signature from another package": (
        lambda a, o: _mix(o, ("SHA384SUMS.mldsa87.sig",)),
        "ML-DSA-87",
    ),
}


@pytest.mark.parametrize("attack", sorted(PACKAGE_ATTACKS))
def test_package_attack_is_refused(
    alice: Sender, two: tuple[Path, Path], tmp_path: Path, attack: str
) -> None:
    make, match = PACKAGE_ATTACKS[attack]
    bad = rewrite(two[0], tmp_path / "bad.rspkg", make(alice, two[1]))
    with pytest.raises((InputError, CryptoError), match=match):
        verify_package(bad, [alice.card]).close()


def test_freeze_an_old_package_presented_as_current_is_refused(
    alice: Sender, two: tuple[Path, Path], tmp_path: Path
) -> None:
    """The receiver has seen sequence 2; sequence 1 (validly signed) cannot pass for news."""
    hq = make_vault(tmp_path)
    with open_vault(hq, PASS) as session:
        import_package(session, two[1], [alice.card])
        with pytest.raises(InputError, match="older package"):
            import_package(session, two[0], [alice.card])
        renamed = tmp_path / "latest.rspkg"
        shutil.copy(two[0], renamed)  # a new name changes nothing
        with pytest.raises(InputError, match="older package"):
            import_package(session, renamed, [alice.card])
