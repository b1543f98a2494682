"""``Permissions`` says, before anything is tried, exactly what the services refuse after."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewstation.errors import PermissionDenied
from reviewstation.vault.accounts import add_user
from reviewstation.vault.permissions import permissions
from reviewstation.vault.session import Method, Mode, Session, create_vault, open_vault

PASS = "lead passphrase 1"
OTHERS = {"rita": ("reviewer", "reviewer passphrase 1"), "aud": ("auditor", "auditor pass 1")}


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("perm") / "v.rsvault"
    _, recovery = create_vault(path, "lee", PASS, role="lead")
    with open_vault(path, PASS, user="lee") as session:
        for name, (role, secret) in OTHERS.items():
            add_user(session, name, role, secret)
    return path, recovery


def _refused(check: object) -> bool:
    try:
        assert callable(check)
        check()
    except PermissionDenied:
        return True
    return False


def _agree(session: Session) -> None:
    perms = permissions(session)
    assert perms.can_write == (not _refused(lambda: session.require_writable("x")))
    assert perms.can_manage_own_keys == (not _refused(lambda: session.require_own_keys("x")))
    lead_ok = not _refused(lambda: session.require_role("x", "lead"))
    assert perms.can_approve == (perms.can_write and lead_ok)
    assert perms.can_sign == (session.identity is not None)
    assert perms.can_export == (perms.can_write and perms.can_sign)
    assert perms.read_only == (perms.reason is not None)
    if perms.can_write:
        assert perms.reason is None
    else:
        assert perms.reason and perms.reason.endswith(".") and "\n" not in perms.reason


CASES = [
    (user, method, mode)
    for user in ("lee", "rita", "aud")
    for method in ("passphrase", "recovery")
    for mode in ("write", "read")
]


@pytest.mark.parametrize(("user", "method", "mode"), CASES)
def test_permissions_match_what_the_session_refuses(
    vault: tuple[Path, str], user: str, method: Method, mode: Mode
) -> None:
    path, recovery = vault
    secret = recovery if method == "recovery" else PASS if user == "lee" else OTHERS[user][1]
    with open_vault(path, secret, user=user, method=method, mode=mode) as session:
        _agree(session)
        perms = permissions(session)
        assert perms.unlock == ("recovery key" if method == "recovery" else "own keys")
        expected_writer = method == "passphrase" and mode == "write" and user != "aud"
        assert perms.can_write == expected_writer
        if method == "recovery":
            assert perms.reason is not None and "recovery key" in perms.reason
        # A reason set by the core (a rolled-back database) wins and is obeyed.
        session.read_only_reason = "The database is older than its header's checkpoint."
        _agree(session)
        assert permissions(session).reason == session.read_only_reason
        assert not permissions(session).can_write
        session.read_only_reason = None
