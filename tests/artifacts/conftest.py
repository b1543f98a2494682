"""Fixtures for the artifact tests: a vault with one review, open for writing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.reviews.service import create_review
from reviewstation.vault.session import Session, open_vault


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(tmp_path)


@pytest.fixture
def session(vault: Path) -> Iterator[Session]:
    with open_vault(vault, PASS) as opened:
        yield opened


@pytest.fixture
def review(session: Session) -> int:
    return create_review(session, title="Model X", developer="Acme", model_name="X-1").id


@pytest.fixture
def src(tmp_path: Path) -> Path:
    folder = tmp_path / "medium"
    folder.mkdir()
    return folder
