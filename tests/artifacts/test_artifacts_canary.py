"""No plaintext on disk: a canary imported, viewed and exported appears nowhere in the vault
folder, nor in any temporary file written during the test."""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.app.verify import verify_workspace
from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.viewing import view_artifact
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault


def files_containing(root: Path, needle: bytes, since: float, skip: set[Path]) -> list[Path]:
    found = []
    # os.walk, not rglob: another process's folder vanishing mid-walk is skipped, not raised.
    paths = (Path(d) / f for d, _, files in os.walk(root) for f in files)
    for path in paths:
        try:
            if not path.is_file() or path.is_symlink() or path in skip:
                continue
            info = path.stat()
            if info.st_mtime < since or info.st_size > 256 * 1024 * 1024:
                continue
            if needle in path.read_bytes():
                found.append(path)
        except OSError:
            continue  # vanished or unreadable (another process's file)
    return found


def test_canary_never_reaches_the_disk_in_plaintext(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_temp = Path(tempfile.gettempdir())
    private_temp = tmp_path / "tmp"
    private_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_temp))
    monkeypatch.setenv("TMPDIR", str(private_temp))
    start = time.time() - 1
    canary = f"CANARY-{uuid.uuid4().hex}".encode()
    medium = tmp_path / "medium"
    medium.mkdir()
    source = medium / "system_card.md"
    source.write_bytes(b"# System card\n\nThe secret is " + canary + b".\n" * 50)
    log = medium / "notes.json"
    log.write_bytes(b'{"note": "' + canary + b'"}')
    exported = tmp_path / "export" / "card.md"
    exported.parent.mkdir()

    (tmp_path / "vaults").mkdir()
    vault = make_vault(tmp_path / "vaults")
    with open_vault(vault, PASS) as session:
        review = create_review(session, title="t", developer="d", model_name="m")
        added = add_artifacts(session, review.id, [source, log]).added
        view = view_artifact(session, added[0].id)
        assert canary.decode() in view.to_json()["preview"]  # shown, from memory
        assert canary.decode() in added[1].inspection.to_json()["preview"]  # stored encrypted
        export_artifact(session, added[0].id, exported)
    assert canary in exported.read_bytes()
    assert verify_workspace(vault, PASS, full=True).intact

    assert files_containing(vault, canary, 0, set()) == []
    assert files_containing(private_temp, canary, 0, set()) == []
    ours = {source, log, exported}
    assert files_containing(system_temp, canary, start, ours) == []
