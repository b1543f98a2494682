"""``reviewstation artifact ...`` end to end: ids first, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from support import artifact_files as craft

PASS = "correct horse battery"


def rs(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewstation", *map(str, args)],
        input=PASS + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    [line] = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    return line


def test_artifact_commands_end_to_end(tmp_path: Path) -> None:
    vault = tmp_path / "case.rsvault"
    assert rs("vault", "init", vault, "--user", "alice").returncode == 0
    review = rs("review", "create", vault, "--title", "T", "--developer", "D", "--model", "M")
    review_id = review.stdout.split()[0]
    medium = tmp_path / "medium"
    medium.mkdir()
    card = medium / "system_card.md"
    card.write_bytes(b"# System card\n\nHello.\n")
    digest = hashlib.sha256(card.read_bytes()).hexdigest()

    added = rs(
        "artifact", "add", vault, "--review", review_id, card,
        "--declared-sha256", digest, "--medium", "USB-0042",
        "--received-from", "Acme", "--received-at", "2026-11-20",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    first_id = added.stdout.split()[0]
    assert first_id.isdigit() and "system_card.md" in added.stdout

    weights = medium / "weights.bin"
    weights.write_bytes(b"\x00" * 1000)
    mismatch = rs(
        "artifact", "add", vault, "--review", review_id, weights,
        "--declared-sha256", "00" * 32,
    )  # fmt: skip
    assert mismatch.returncode == 1
    second_id = mismatch.stdout.split()[0]
    assert "DECLARED SHA-256 MISMATCH" in mismatch.stdout
    assert "WARNING: SHA-256 MISMATCH" in mismatch.stderr

    again = rs("artifact", "add", vault, "--review", review_id, weights)
    assert again.returncode == 1 and again.stdout.startswith("skipped: weights.bin")

    listing = json.loads(rs("artifact", "list", vault, "--review", review_id, "--json").stdout)
    assert [a["id"] for a in listing] == [int(first_id), int(second_id)]
    assert [a["custody"]["declared_sha256_match"] for a in listing] == [True, False]
    table = rs("artifact", "list", vault, "--review", review_id).stdout
    assert "SHA256-MISMATCH" in table

    shown = rs("artifact", "show", vault, second_id).stdout
    assert "!!! DECLARED SHA-256 MISMATCH" in shown
    details = json.loads(rs("artifact", "show", vault, first_id, "--json").stdout)
    assert details["custody"]["medium"] == "USB-0042"
    assert details["custody"]["received_at"] == "2026-11-20"
    assert details["custody"]["imported_by"] == "alice"
    assert details["sha256"] == digest and len(details["sha384"]) == 96
    assert details["inspection"]["format"] == "markdown"
    assert "wrapped_key" not in json.dumps(details)

    assert rs("artifact", "view", vault, first_id).stdout.startswith("# System card")
    out = tmp_path / "out.md"
    exported = rs("artifact", "export", vault, first_id, "--out", out)
    assert exported.returncode == 0 and exported.stdout.split()[0] == first_id
    assert out.read_bytes() == card.read_bytes()
    assert "already exists" in one_line_error(
        rs("artifact", "export", vault, first_id, "--out", out)
    )

    verified = rs("vault", "verify", vault, "--full", "--json")
    assert verified.returncode == 0, verified.stdout
    report = json.loads(verified.stdout)
    assert any("both hashes" in c for c in report["checks"])

    erased = rs("artifact", "delete", vault, second_id, "--reason", "wrong medium")
    assert erased.returncode == 0 and erased.stdout.split()[0] == second_id
    error = one_line_error(rs("artifact", "export", vault, second_id, "--out", tmp_path / "x"))
    assert "erased" in error
    assert "no artifact 999" in one_line_error(rs("artifact", "show", vault, "999"))
    log = json.loads(rs("audit", "log", vault, "--json").stdout)
    names = [e["action"] for e in (log["entries"] if isinstance(log, dict) else log)]
    for action in ("artifact.add", "artifact.view", "artifact.export", "artifact.erase"):
        assert action in names


def test_verify_signature_command(tmp_path: Path) -> None:
    vault = tmp_path / "case.rsvault"
    rs("vault", "init", vault, "--user", "alice")
    rs("review", "create", vault, "--title", "T", "--developer", "D", "--model", "M")
    key = ec.generate_private_key(ec.SECP256R1())
    model = tmp_path / "model"
    model.mkdir()
    (model / "w.bin").write_bytes(b"weights")
    (model / "model.sig").write_bytes(craft.model_signature({"w.bin": b"weights"}, key))
    pem = tmp_path / "dev.pem"
    pem.write_bytes(craft.public_pem(key))
    added = rs("artifact", "add", vault, "--review", "1", model)
    sig_id = next(line.split()[0] for line in added.stdout.splitlines() if "model.sig" in line)
    good = rs("artifact", "verify-signature", vault, sig_id, "--public-key", pem)
    assert good.returncode == 0 and good.stdout.startswith("Model signature VALID")
    other = tmp_path / "other.pem"
    other.write_bytes(craft.public_pem(ec.generate_private_key(ec.SECP256R1())))
    bad = rs("artifact", "verify-signature", vault, sig_id, "--public-key", other, "--json")
    assert bad.returncode == 1 and json.loads(bad.stdout)["valid"] is False


def test_verify_signature_with_certificates(tmp_path: Path) -> None:
    """An upstream certificate bundle against the CA its chain leads to."""
    upstream = Path(__file__).resolve().parents[1] / "fixtures" / "model-signing" / "upstream"
    vault = tmp_path / "case.rsvault"
    rs("vault", "init", vault, "--user", "alice")
    rs("review", "create", vault, "--title", "T", "--developer", "D", "--model", "M")
    added = rs("artifact", "add", vault, "--review", "1", upstream / "v1.1.0-certificate")
    sig_id = next(line.split()[0] for line in added.stdout.splitlines() if "model.sig" in line)
    ca = upstream / "keys" / "ca-cert.pem"
    good = rs("artifact", "verify-signature", vault, sig_id, "--certificates", ca)
    assert good.returncode == 0 and good.stdout.startswith("Model signature VALID"), good.stdout
    assert "its chain leads to CN=root-ca" in good.stdout
    both = rs(
        "artifact", "verify-signature", vault, sig_id, "--certificates", ca, "--public-key", ca
    )
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_code_running_files_are_flagged_in_the_listing(tmp_path: Path) -> None:
    vault = tmp_path / "case.rsvault"
    assert rs("vault", "init", vault, "--user", "alice").returncode == 0
    review = rs("review", "create", vault, "--title", "T", "--developer", "D", "--model", "M")
    review_id = review.stdout.split()[0]
    medium = tmp_path / "medium"
    medium.mkdir()
    (medium / "notes.txt").write_bytes(b"cos\nsystem\n(S'id'\ntR.")  # protocol 0: no magic
    (medium / "state.pkl").write_bytes(b"\x80\x02ccollections\nOrderedDict\n)R.\xffmore")
    added = rs("artifact", "add", vault, "--review", review_id, medium)
    assert added.returncode == 0, added.stderr
    rows = {
        line.split()[-1].rsplit("/", 1)[-1]: line
        for line in rs("artifact", "list", vault, "--review", review_id).stdout.splitlines()[1:]
    }
    assert "CAN-RUN-CODE" in rows["notes.txt"] and " pickle " in rows["notes.txt"]
    assert "CAN-RUN-CODE,NOT-FULLY-SCANNED" in rows["state.pkl"]
    state_id = rows["state.pkl"].split()[0]
    shown = rs("artifact", "show", vault, state_id).stdout
    assert "Verdict        incomplete" in shown and "Not scanned" in shown, shown
