"""`package verify`: alone with the sender's card, or inside the receiving vault (its trust
store, and the unlocked user's key to open a package encrypted for her)."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import ok, rs


def test_verify_inside_the_receiving_vault_opens_a_package_sealed_for_its_user(
    tmp_path: Path,
) -> None:
    sender, receiver = str(tmp_path / "a.rsvault"), str(tmp_path / "b.rsvault")
    ok("vault", "init", sender, "--user", "alice", "--marking", "CUI")
    ok("vault", "init", receiver, "--user", "bob", "--marking", "CUI")
    alice, bob = tmp_path / "alice.card", tmp_path / "bob.card"
    ok("identity", "export", sender, "--out", str(alice))
    ok("identity", "export", receiver, "--out", str(bob))
    ok("review", "create", sender, "--title", "Model X", "--developer", "Lab", "--model", "X-1")
    ok("finding", "add", sender, "--review", "1", "--title", "Heap overflow", "--severity", "high")
    package = str(tmp_path / "p.rspkg")
    ok("package", "export", sender, "--review", "1", "--out", package, "--recipient", str(bob))

    # A person from a card is named with a fingerprint beside the name (issue 13).
    bob_print = json.loads(ok("identity", "show", str(bob), "--json"))["fingerprints"]["p384"]
    alone = ok("package", "verify", package, "--trust", str(alice))
    assert f"encrypted for bob [{bob_print[:16]}]; contents not inspected" in alone
    inside = ok("package", "verify", package, "--vault", receiver, "--trust", str(alice))
    assert f"encrypted for bob [{bob_print[:16]}]; decrypted and checked" in inside
    assert "ok: inner: all" in inside and inside.rstrip().endswith("VALID")
    report = json.loads(
        ok("package", "verify", package, "--vault", receiver, "--trust", str(alice), "--json")
    )
    assert report["decrypted"] is True

    # The receiving vault's trust store alone does not know alice yet: the package is refused.
    untrusted = rs("package", "verify", package, "--vault", receiver)
    assert untrusted.returncode == 1 and untrusted.stdout.startswith("INVALID: ")

    # Neither a card nor a vault: every check but the signer's identity, the key fingerprints
    # to compare with the sender's card, and exit 2 (signer unknown), never 0.
    unknown = rs("package", "verify", package)
    assert unknown.returncode == 2, unknown.stderr
    prints = json.loads(ok("identity", "show", str(alice), "--json"))["fingerprints"]
    lines = unknown.stdout.splitlines()
    assert (
        "  signer  UNKNOWN; the package claims alice (lead), which nothing here confirms" in lines
    )
    assert f"  P-384      {prints['p384']}" in lines
    assert f"  ML-DSA-87  {prints['mldsa87']}" in lines
    assert "  ok: ECDSA P-384 and ML-DSA-87 both verify; the signer is not trusted here" in lines
    assert lines[-1].startswith("SIGNER UNKNOWN: both signatures are valid")
    assert "VALID" not in lines and unknown.stderr == ""
    as_json = rs("package", "verify", package, "--json")
    assert as_json.returncode == 2
    report = json.loads(as_json.stdout)
    assert (report["valid"], report["signer_known"], report["signatures_valid"]) == (
        False,
        False,
        True,
    )
    assert report["signer"]["p384_fingerprint"] == prints["p384"]
    assert report["signer"]["mldsa87_fingerprint"] == prints["mldsa87"]

    # A package that fails any other check is still INVALID (exit 1) without a card.
    broken = tmp_path / "broken.rspkg"
    data = bytearray(Path(package).read_bytes())
    data[len(data) // 2] ^= 0x01
    broken.write_bytes(bytes(data))
    invalid = rs("package", "verify", str(broken))
    assert invalid.returncode == 1 and invalid.stdout.startswith("INVALID: ")
