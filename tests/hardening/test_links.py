"""No file in the vault folder is opened through a symbolic link (issue 13, class 6).

Every vault file name x (link to a file / to a folder / dangling): a writable unlock, a
read-only unlock and ``vault verify`` refuse it by name in one line, and the link's target is
untouched (not truncated, not created, not read into the audit trail). A second table plants
links after the unlock, where the per-open checks (O_NOFOLLOW) must hold on their own. A new
vault file is one entry in ``vault.folder.NAMES``; a new late case one row in ``LATE``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.app.verify import verify_workspace
from reviewstation.app.workspace import open_workspace
from reviewstation.artifacts import blobstore
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.errors import VaultError
from reviewstation.reviews.service import create_review
from reviewstation.vault import folder, pending
from reviewstation.vault.session import Session, open_vault

CANARY = b"someone else's file: must stay exactly as it is\n"
NAMES = [*folder.NAMES, ".pending-events.jsonl.0a1b2c3d.folding", ".vault.header.4242.tmp"]
KINDS = ("file", "folder", "dangling")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("links")
    vault = make_vault(base)
    evidence = base / "e.txt"
    evidence.write_text("evidence\n")
    with open_vault(vault, PASS) as session:
        create_review(session, title="t", developer="d", model_name="m")
        add_artifacts(session, 1, [evidence])
    open_vault(vault, PASS, mode="read").close()  # a pending-events.jsonl exists too
    return vault


def plant(vault: Path, name: str, kind: str, outside: Path) -> tuple[Path, Callable[[], object]]:
    """Replace ``name`` by a link; return the target and a snapshot function of it."""
    target = outside / f"target-{kind}"
    if kind == "file":
        target.write_bytes(CANARY)
    elif kind == "folder":
        target.mkdir()
        (target / "keep.txt").write_bytes(CANARY)
    path = vault / name
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
    path.symlink_to(target)

    def snapshot() -> object:
        if not os.path.lexists(target):
            return None
        if target.is_dir():
            return sorted((p.name, p.read_bytes(), p.stat().st_mtime_ns) for p in target.iterdir())
        return (target.read_bytes(), target.stat().st_mtime_ns)

    return target, snapshot


def test_the_folder_names_agree_with_the_artifact_layer() -> None:
    assert folder.BLOBS_DIR == blobstore.BLOBS_DIR


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", NAMES)
def test_a_link_in_the_vault_folder_is_refused_by_name(
    template: Path, tmp_path: Path, name: str, kind: str
) -> None:
    vault = tmp_path / "v.rsvault"
    shutil.copytree(template, vault)
    outside = tmp_path / "outside"
    outside.mkdir()
    target, snapshot = plant(vault, name, kind, outside)
    before = snapshot()
    for mode in ("write", "read"):
        with pytest.raises(VaultError) as caught:
            open_workspace(vault, PASS, mode=mode)
        text = str(caught.value)
        assert "symbolic link" in text and name in text and "\n" not in text, text
    report = verify_workspace(vault, PASS)
    assert any("symbolic link" in p and name in p for p in report.problems), report.problems
    assert snapshot() == before
    assert kind != "dangling" or not os.path.lexists(target)


# --- links planted after the unlock: each open on its own refuses --------------------------


def _late_header_temp(session: Session, vault: Path, outside: Path) -> Path:
    target = outside / "t"
    target.write_bytes(CANARY)
    (vault / f".vault.header.{os.getpid()}.tmp").symlink_to(target)
    session.checkpoint("after the link")
    return target


def _late_pending(session: Session, vault: Path, outside: Path) -> Path:
    target = outside / "t"
    target.write_bytes(CANARY)
    (vault / pending.PENDING_NAME).unlink(missing_ok=True)
    (vault / pending.PENDING_NAME).symlink_to(target)
    pending.record(vault, "alice", "vault.verify", "x")  # best effort: writes nothing
    assert target.read_bytes() == CANARY
    pending.read(vault)
    return target


def _late_blobs(session: Session, vault: Path, outside: Path) -> Path:
    target = outside / "t"
    shutil.move(vault / "blobs", target)
    (vault / "blobs").symlink_to(target)
    source = outside / "new.txt"
    source.write_text("more\n")
    add_artifacts(session, 1, [source])
    return target


LATE: dict[str, Callable[[Session, Path, Path], object]] = {
    "header temporary file (checkpoint)": _late_header_temp,
    "pending-events.jsonl (record and read)": _late_pending,
    "blobs folder (artifact import)": _late_blobs,
}


@pytest.mark.parametrize("case", sorted(LATE))
def test_a_link_planted_after_the_unlock_is_refused(
    template: Path, tmp_path: Path, case: str
) -> None:
    vault = tmp_path / "v.rsvault"
    shutil.copytree(template, vault)
    outside = tmp_path / "outside"
    outside.mkdir()
    session = open_vault(vault, PASS)
    try:
        with pytest.raises(VaultError, match="symbolic link"):
            LATE[case](session, vault, outside)
    finally:
        session.discard()
    if (outside / "t").is_file():
        assert (outside / "t").read_bytes() == CANARY
    else:
        assert sorted(p.name for p in (outside / "t").iterdir()) == sorted(
            p.name for p in (template / "blobs").iterdir()
        )
