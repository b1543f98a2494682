"""Helpers that build vaults for tests."""

from __future__ import annotations

from pathlib import Path

from reviewstation.crypto.kdf import floor_params
from reviewstation.vault.session import create_vault

PASS = "correct horse battery"


def make_vault(tmp: Path, *, user: str = "alice", marking: str = "CUI") -> Path:
    """A vault whose first user (always a lead) is `user`."""
    path = tmp / "case.rsvault"
    create_vault(path, user, PASS, marking=marking, kdf=floor_params())
    return path
