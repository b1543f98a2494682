"""People, roles, passphrases and key slots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.crypto.kdf import floor_params
from reviewstation.crypto.signing import Domain
from reviewstation.errors import CryptoError, InputError, PermissionDenied, WrongPassphrase
from reviewstation.vault import accounts, audit, two_person, users
from reviewstation.vault.header import load_header
from reviewstation.vault.session import Session, open_vault
from reviewstation.vault.verify import verify_vault

BOB = "bob's own passphrase"


def with_bob(tmp_path: Path, role: str = "reviewer") -> Path:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        accounts.add_user(session, "bob", role, BOB, kdf=floor_params())
    return vault


def test_added_user_has_own_slot_and_own_signing_identity(tmp_path: Path) -> None:
    vault = with_bob(tmp_path)
    with open_vault(vault, BOB, user="bob") as bob:
        assert bob.user.role == "reviewer"
        assert bob.identity is not None
        signature = bob.identity.signing.sign(Domain.CHECKPOINT, b"m")
        alice_record = users.get(bob.conn, "alice")
        # Bob's key cannot pass as Alice's, and Bob's user key cannot unwrap Alice's identity.
        with pytest.raises(CryptoError):
            alice_record.signing.verify(Domain.CHECKPOINT, b"m", signature)
        with pytest.raises(CryptoError):
            alice_record.unwrap_identity(bob.user_key, bob.vault_id)
    with pytest.raises(WrongPassphrase):
        open_vault(vault, PASS, user="bob")
    assert verify_vault(vault, PASS, user="alice").intact


def test_only_leads_add_users(tmp_path: Path) -> None:
    vault = with_bob(tmp_path)
    with open_vault(vault, BOB, user="bob") as bob, pytest.raises(PermissionDenied):
        accounts.add_user(bob, "carol", "reviewer", "carol passphrase", kdf=floor_params())
    assert load_header(vault).users() == ["alice", "bob"]


def test_duplicate_and_invalid_users_are_refused(tmp_path: Path) -> None:
    vault = with_bob(tmp_path)
    with open_vault(vault, PASS, user="alice") as session:
        for name, role in (("bob", "reviewer"), ("eve", "admin"), (" eve", "lead")):
            with pytest.raises(InputError):
                accounts.add_user(session, name, role, "some passphrase", kdf=floor_params())
    assert load_header(vault).users() == ["alice", "bob"]


def test_passphrase_change_keeps_identity_and_retires_old_passphrase(tmp_path: Path) -> None:
    vault = with_bob(tmp_path)
    with open_vault(vault, BOB, user="bob") as bob:
        before = bob.user.signing.fingerprint()
        accounts.change_passphrase(bob, "bob's new passphrase", kdf=floor_params())
    with pytest.raises(WrongPassphrase):
        open_vault(vault, BOB, user="bob")
    with open_vault(vault, "bob's new passphrase", user="bob") as bob:
        assert bob.identity is not None
        assert bob.identity.signing.public_key().fingerprint() == before
        assert "slot.passphrase_changed" in [e.action for e in audit.entries(bob.conn)]
    assert verify_vault(vault, PASS, user="alice").intact


def test_removed_user_cannot_unlock_but_history_stays(tmp_path: Path) -> None:
    vault = with_bob(tmp_path)
    with open_vault(vault, PASS, user="alice") as session:
        with pytest.raises(PermissionDenied):
            accounts.remove_user(session, "alice")
        accounts.remove_user(session, "bob")
    with pytest.raises(WrongPassphrase):
        open_vault(vault, BOB, user="bob")
    with open_vault(vault, PASS) as session:
        assert not users.get(session.conn, "bob").active
        assert any(e.user == "bob" for e in audit.entries(session.conn))
    assert verify_vault(vault, PASS).intact


def test_header_write_failure_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault = with_bob(tmp_path)
    import os

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    with open_vault(vault, BOB, user="bob") as bob:
        count = audit.head(bob.conn, bob.vault_id)[0]
        monkeypatch.setattr(os, "replace", fail)
        with pytest.raises(Exception, match="No space left"):
            accounts.change_passphrase(bob, "never stored pass", kdf=floor_params())
        monkeypatch.undo()
        assert audit.head(bob.conn, bob.vault_id)[0] == count
    open_vault(vault, BOB, user="bob").close()
    assert verify_vault(vault, PASS, user="alice").intact


def test_recovery_key_opens_the_vault(tmp_path: Path) -> None:
    from reviewstation.vault.session import create_vault

    vault = tmp_path / "r.rsvault"
    _, recovery = create_vault(vault, "alice", PASS, kdf=floor_params())
    with open_vault(vault, recovery.lower(), method="recovery") as session:
        assert session.identity is None  # the recovery key cannot sign as anyone
        actions = [e.action for e in audit.entries(session.conn)]
    assert actions[-1] == "vault.unlock"
    with pytest.raises(InputError, match="typo"):
        open_vault(vault, recovery[:-1] + ("0" if recovery[-1] != "0" else "1"), method="recovery")


NEW = "chosen by alice for bob"


def test_a_lead_resets_a_forgotten_passphrase_with_a_new_identity(tmp_path: Path) -> None:
    vault = with_bob(tmp_path, role="lead")
    with open_vault(vault, BOB, user="bob") as bob:  # bob signs a checkpoint on close
        old_print = bob.user.signing.fingerprint()
    with open_vault(vault, PASS, user="alice") as alice:
        record = accounts.reset_passphrase(alice, "bob", NEW, kdf=floor_params())
        (entry,) = [e for e in audit.entries(alice.conn, 0) if e.action == "user.reset"]
        assert (entry.user, entry.target, entry.details["retired"]) == ("alice", "bob", old_print)
    assert record.signing.fingerprint() != old_print
    with pytest.raises(WrongPassphrase):
        open_vault(vault, BOB, user="bob")
    with open_vault(vault, NEW, user="bob") as bob:
        assert bob.identity is not None
        assert bob.identity.signing.public_key().fingerprint() == record.signing.fingerprint()
        # The passphrase is alice's choice until bob changes it: they are not two people.
        assert two_person.related(bob.conn, "bob", "alice")
        accounts.change_passphrase(bob, "only bob knows this", kdf=floor_params())
        assert not two_person.related(bob.conn, "bob", "alice")
    # Checkpoints bob signed with the old key still verify; the trail is whole.
    report = verify_vault(vault, PASS, user="alice")
    assert report.intact, report.problems


PEOPLE_ACTIONS: dict[str, Callable[[Session], object]] = {
    "reset": lambda s: accounts.reset_passphrase(s, "alice", NEW, kdf=floor_params()),
    "add": lambda s: accounts.add_user(s, "carol", "reviewer", NEW, kdf=floor_params()),
    "remove": lambda s: accounts.remove_user(s, "alice"),
}


@pytest.mark.parametrize(
    ("who", "secret", "action", "match", "role"),
    [
        ("bob", BOB, "reset", r"only a lead can.*this lead can: alice", "reviewer"),
        ("bob", BOB, "add", r"only a lead can.*this lead can: alice", "reviewer"),
        ("bob", BOB, "remove", r"only a lead can.*this lead can: alice", "reviewer"),
        ("bob", BOB, "add", r"only a lead can, and bob is an auditor.*can: alice", "auditor"),
        ("alice", PASS, "reset", r"change your own with 'user passwd'", "reviewer"),
        ("alice", PASS, "remove", r"another lead must: no other lead", "reviewer"),
    ],
)
def test_people_refusals_say_who_can_instead(
    tmp_path: Path, who: str, secret: str, action: str, match: str, role: str
) -> None:
    vault = with_bob(tmp_path, role)
    before = load_header(vault).slots
    with open_vault(vault, secret, user=who) as session:
        with pytest.raises(PermissionDenied, match=match):
            PEOPLE_ACTIONS[action](session)
        assert [e.action for e in audit.entries(session.conn, 0)][-1] != f"user.{action}"
    assert load_header(vault).slots == before
