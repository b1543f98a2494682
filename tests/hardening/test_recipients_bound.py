"""Recipients that lie (issue 13, class 4), table-driven.

The recipients ``package verify`` shows (the signed manifest's list) and the key wraps that
exist (``recipients.json``) must be the same set. Each row is a package changed by a trusted
sender with a modified client: the change is made, then ``SHA384SUMS`` is rebuilt and signed
again with the sender's own key, so only the recipient check can object. A new variant is one
row.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.packages import Sender, export, members, rewrite, sender
from support.vaults import PASS, make_vault

from reviewstation.crypto.identity import PublicIdentity, b64, unb64
from reviewstation.crypto.recipients import RecipientPrivateKey
from reviewstation.errors import CryptoError, InputError
from reviewstation.packages import payload, seal
from reviewstation.packages.importer import import_package
from reviewstation.packages.members import pretty
from reviewstation.packages.sums import build_sums
from reviewstation.packages.verify import verify_package
from reviewstation.packages.writer import ZipBuilder
from reviewstation.vault.session import open_vault


@dataclass
class World:
    alice: Sender
    bob_key: RecipientPrivateKey
    bob: PublicIdentity
    carol: PublicIdentity
    carol_vault: Path
    plain: Path
    encrypted: Path


def card_and_key(folder: Path, user: str) -> tuple[Path, PublicIdentity, RecipientPrivateKey]:
    folder.mkdir()
    vault = make_vault(folder, user=user)
    with open_vault(vault, PASS) as session:
        assert session.identity is not None
        return vault, session.user.public_identity(session.vault_id), session.identity.recipient


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("recipients")
    alice = sender(folder)
    _, bob, bob_key = card_and_key(folder / "bob", "bob")
    carol_vault, carol, _ = card_and_key(folder / "carol", "carol")
    export(alice.vault, folder / "plain.rspkg")
    export(alice.vault, folder / "enc.rspkg", recipients=[bob])
    return World(
        alice, bob_key, bob, carol, carol_vault, folder / "plain.rspkg", folder / "enc.rspkg"
    )


def resealed(
    world: World, change: Callable[[dict[str, Any], dict[str, Any]], object]
) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    """The package's manifest and key wraps changed, then signed again by the sender."""

    def apply(m: dict[str, bytes]) -> dict[str, bytes]:
        manifest = json.loads(m["manifest.json"])
        wraps = json.loads(m["recipients.json"]) if "recipients.json" in m else None
        change(manifest, wraps if wraps is not None else {})
        m["manifest.json"] = pretty(manifest)
        if wraps is not None:
            m["recipients.json"] = pretty(wraps)
        m.update(resign(world, m))
        return m

    return apply


def resign(world: World, m: dict[str, bytes]) -> dict[str, bytes]:
    signed = {n: d for n, d in m.items() if n != seal.SUMS and n not in seal.SIGNATURES}
    sums = build_sums({n: hashlib.sha384(d).hexdigest() for n, d in signed.items()})
    with open_vault(world.alice.vault, PASS, mode="read") as session:
        assert session.identity is not None
        return {seal.SUMS: sums, **seal.sign_sums(session.identity.signing, sums)}


def named(card: PublicIdentity, name: str | None = None) -> dict[str, str]:
    return {
        "name": name or card.name,
        "fingerprint": card.recipient.fingerprint(),
        "signing": card.fingerprint,
    }


def wrap_for(
    world: World, manifest: dict[str, Any], wraps: dict[str, Any], card: PublicIdentity
) -> dict[str, str]:
    """A genuine wrap of the package's content key for ``card`` (the sender knows the key)."""
    mine = next(
        w for w in wraps["keys"] if w["fingerprint"] == world.bob_key.public_key().fingerprint()
    )
    key = payload.unwrap_key(unb64(mine["hpke"], "wrap"), world.bob_key, manifest["package_id"])
    sealed = payload.wrap_key(key, card.recipient, manifest["package_id"])
    return {"name": card.name, "fingerprint": card.recipient.fingerprint(), "hpke": b64(sealed)}


Change = Callable[[World, dict[str, Any], dict[str, Any]], object]

# name -> (which package, change, what the refusal says)
LIES: dict[str, tuple[str, Change, str]] = {
    "a wrap for a recipient the manifest does not name": (
        "encrypted",
        lambda w, m, k: k["keys"].append(wrap_for(w, m, k, w.carol)),
        "wrapped for a recipient the signed manifest does not name",
    ),
    "the named recipient's wrap replaced by another's": (
        "encrypted",
        lambda w, m, k: k.update(keys=[wrap_for(w, m, k, w.carol)]),
        "does not name",
    ),
    "a named recipient without a wrap": (
        "encrypted",
        lambda w, m, k: m["recipients"].append(named(w.carol)),
        "holds no key for them",
    ),
    "two wraps for one recipient": (
        "encrypted",
        lambda w, m, k: k["keys"].append(dict(k["keys"][0])),
        "wraps its key twice",
    ),
    "one recipient named twice": (
        "encrypted",
        lambda w, m, k: m["recipients"].append(dict(m["recipients"][0])),
        "names the recipient key .* twice",
    ),
    "a wrap labelled with another name": (
        "encrypted",
        lambda w, m, k: k["keys"][0].update(name="Director"),
        "is labelled 'Director'",
    ),
    "a named recipient shown under another name": (
        "encrypted",
        lambda w, m, k: m["recipients"][0].update(name="Director"),
        "is labelled 'bob'",
    ),
    "an encrypted package that names nobody": (
        "encrypted",
        lambda w, m, k: (m.update(recipients=[]), k.update(keys=[])),
        "must name 1 to 64 recipients",
    ),
    "a manifest recipient with an extra field": (
        "encrypted",
        lambda w, m, k: m["recipients"][0].update(note="also Carol"),
        "recipient list is malformed",
    ),
    "a wrap with an extra field": (
        "encrypted",
        lambda w, m, k: k["keys"][0].update(also=k["keys"][0]["hpke"]),
        "recipient list is malformed",
    ),
    "a second list of wraps": (
        "encrypted",
        lambda w, m, k: k.update(more=[wrap_for(w, m, k, w.carol)]),
        "recipient list is malformed",
    ),
    "another cipher suite": (
        "encrypted",
        lambda w, m, k: k.update(suite="HPKE(X25519, HKDF-SHA256, AES-128-GCM)"),
        "cipher suite",
    ),
    "a plaintext package that names a recipient": (
        "plain",
        lambda w, m, k: m["recipients"].append(named(w.bob)),
        "plaintext package names recipients",
    ),
}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_recipients_that_lie_are_refused(world: World, tmp_path: Path, lie: str) -> None:
    which, change, match = LIES[lie]
    source = world.encrypted if which == "encrypted" else world.plain
    bad = rewrite(source, tmp_path / "bad.rspkg", resealed(world, lambda m, k: change(world, m, k)))
    with pytest.raises(InputError, match=match) as caught:
        verify_package(bad, [world.alice.card]).close()
    assert "\n" not in str(caught.value)
    if which == "encrypted":  # the named recipient's import is refused the same way
        with pytest.raises((InputError, CryptoError), match=match):
            verify_package(bad, [world.alice.card], recipient=world.bob_key).close()


def test_a_plaintext_package_with_a_key_list_is_refused(world: World, tmp_path: Path) -> None:
    wraps = {"keys": [], "suite": payload.SUITE_NAME}

    def add(m: dict[str, bytes]) -> dict[str, bytes]:
        m["recipients.json"] = pretty(wraps)
        m.update(resign(world, m))
        return m

    bad = rewrite(world.plain, tmp_path / "bad.rspkg", add)
    with pytest.raises(InputError, match="plaintext package names recipients"):
        verify_package(bad, [world.alice.card]).close()


def test_honest_packages_show_exactly_their_recipients(world: World, tmp_path: Path) -> None:
    """The untouched packages pass; what verify shows is the set of keys that can decrypt; the
    re-signing helper alone changes nothing verify objects to."""
    with verify_package(world.encrypted, [world.alice.card]) as package:
        shown = package.to_json()["recipients"]
        assert [r["fingerprint"] for r in shown] == [world.bob.recipient.fingerprint()]
        assert any("key wrapped for exactly the 1 recipient" in c for c in package.checks)
    with verify_package(world.encrypted, [world.alice.card], recipient=world.bob_key) as package:
        assert package.decrypted
    same = rewrite(world.encrypted, tmp_path / "same.rspkg", resealed(world, lambda m, k: None))
    verify_package(same, [world.alice.card], recipient=world.bob_key).close()
    assert members(same)["recipients.json"] == members(world.encrypted)["recipients.json"]


def test_carol_cannot_import_a_package_that_does_not_name_her(world: World, tmp_path: Path) -> None:
    """Without the check, the extra wrap would let Carol decrypt a package whose signed
    manifest (all a guard sees) names only Bob."""
    which, change, _ = LIES["a wrap for a recipient the manifest does not name"]
    bad = rewrite(
        world.encrypted, tmp_path / "bad.rspkg", resealed(world, lambda m, k: change(world, m, k))
    )
    with (
        open_vault(world.carol_vault, PASS) as session,
        pytest.raises(InputError, match="does not name"),
    ):
        import_package(session, bad, [world.alice.card])
    del which


class _Sink(io.RawIOBase):
    """A stream that cannot seek, like the encrypting stream the inner package is written to."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


def resealed_inner(
    world: World,
    change: Callable[[dict[str, bytes]], None],
    suffix: bytes = b"",
    extra: bytes = b"",
) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    """The sender's inner package changed, signed again, encrypted again under the same content
    key, and the outer layer signed again: only the inner checks can object."""

    def apply(m: dict[str, bytes]) -> dict[str, bytes]:
        package_id = json.loads(m["manifest.json"])["package_id"]
        wrap = json.loads(m["recipients.json"])["keys"][0]
        key = payload.unwrap_key(unb64(wrap["hpke"], "wrap"), world.bob_key, package_id)
        sealed = m["payload.enc"]
        reader = payload.DecryptingReader(io.BytesIO(sealed), 0, len(sealed), key, package_id)
        with zipfile.ZipFile(io.BytesIO(reader.read())) as archive:
            inner = {n: archive.read(n) for n in archive.namelist()}
        change(inner)
        inner.update(resign(world, inner))
        sink = _Sink()

        class Builder(ZipBuilder):
            @staticmethod
            def _info(name: str) -> zipfile.ZipInfo:
                info = ZipBuilder._info(name)
                info.extra = extra
                return info

        builder = Builder(sink)
        for name, data in inner.items():
            builder.add(name, data, hashed=False)
        builder.close()
        out = io.BytesIO()
        encrypting = payload.EncryptingWriter(out, key, package_id)
        encrypting.write(bytes(sink.data) + suffix)
        encrypting.close()
        m["payload.enc"] = out.getvalue()
        m.update(resign(world, m))
        return m

    return apply


def _other_inner_recipients(inner: dict[str, bytes]) -> None:
    manifest = json.loads(inner["manifest.json"])
    manifest["recipients"] = [{**manifest["recipients"][0], "name": "Director"}]
    inner["manifest.json"] = pretty(manifest)


# name -> (change to the inner members, extra field in every inner header, bytes after its end)
INNER: dict[str, tuple[Callable[[dict[str, bytes]], None], bytes, bytes, str]] = {
    "inner recipients differ from the outer list": (
        _other_inner_recipients,
        b"",
        b"",
        "inner package's recipients differs from the outer manifest",
    ),
    "an extra field in the inner package": (
        lambda i: None,
        struct.pack("<HH", 0xCAFE, 8) + b"\0" * 8,
        b"",
        "extra field 0xcafe",
    ),
    "bytes after the inner package's end": (lambda i: None, b"", b"\0" * 64, "after its end"),
}


@pytest.mark.parametrize("row", sorted(INNER))
def test_the_inner_package_is_held_to_the_same_rules(
    world: World, tmp_path: Path, row: str
) -> None:
    change, extra, suffix, match = INNER[row]
    bad = rewrite(
        world.encrypted, tmp_path / "bad.rspkg", resealed_inner(world, change, suffix, extra)
    )
    verify_package(bad, [world.alice.card]).close()  # the outer layer alone is fine
    with pytest.raises(InputError, match=match):
        verify_package(bad, [world.alice.card], recipient=world.bob_key).close()


def test_an_honestly_resealed_inner_package_passes(world: World, tmp_path: Path) -> None:
    same = rewrite(world.encrypted, tmp_path / "same.rspkg", resealed_inner(world, lambda i: None))
    verify_package(same, [world.alice.card], recipient=world.bob_key).close()


def test_package_verify_on_the_command_line_shows_the_bound_recipients(
    world: World, tmp_path: Path
) -> None:
    from reviewstation.app.identity import export_identity

    card = tmp_path / "alice.card"
    with open_vault(world.alice.vault, PASS) as session:
        export_identity(session, card)
    command = [sys.executable, "-m", "reviewstation", "package", "verify"]
    good = subprocess.run(
        [*command, str(world.encrypted), "--trust", str(card)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert good.returncode == 0, good.stdout + good.stderr
    assert "  encrypted for bob; contents not inspected" in good.stdout
    assert "ok: key wrapped for exactly the 1 recipient(s) the signed manifest names" in good.stdout
    lie = LIES["a wrap for a recipient the manifest does not name"][1]
    bad = rewrite(
        world.encrypted, tmp_path / "bad.rspkg", resealed(world, lambda m, k: lie(world, m, k))
    )
    refused = subprocess.run(
        [*command, str(bad), "--trust", str(card), "--json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode == 1
    report = json.loads(refused.stdout)
    assert report["valid"] is False and "does not name ('carol'" in report["reason"]
