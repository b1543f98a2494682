"""``vault verify`` over artifacts: quick (presence, size, keys) and full (content, hashes)."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from support.artifact_files import blob_files
from support.vaults import PASS

from reviewstation.app.verify import verify_workspace
from reviewstation.app.workspace import open_workspace
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.errors import Cancelled
from reviewstation.progress import Progress
from reviewstation.vault import audit
from reviewstation.vault.session import Session, open_vault

SMALL = 4096


@pytest.fixture
def imported(session: Session, review: int, src: Path) -> Path:
    (src / "a.bin").write_bytes(os.urandom(5 * SMALL))
    (src / "b.bin").write_bytes(os.urandom(3 * SMALL + 7))
    add_artifacts(session, review, [src / "a.bin", src / "b.bin"], chunk_size=SMALL)
    session.close()
    return session.path


def test_intact_vault_passes_both_modes(imported: Path) -> None:
    quick = verify_workspace(imported, PASS)
    full = verify_workspace(imported, PASS, full=True)
    assert quick.intact and full.intact, (quick.problems, full.problems)
    assert any("present, of the recorded size" in c for c in quick.checks)
    assert any("both hashes" in c for c in full.checks)


def test_a_flipped_bit_is_found_by_the_full_check_only(imported: Path) -> None:
    blob = blob_files(imported)[0]
    raw = bytearray(blob.read_bytes())
    raw[len(raw) // 2] ^= 0x10
    blob.write_bytes(bytes(raw))
    assert verify_workspace(imported, PASS).intact  # quick mode skips content
    report = verify_workspace(imported, PASS, full=True)
    [problem] = report.problems
    assert "failed authentication" in problem and "[chunk]" in problem
    assert "Artifact" in problem


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-10]), "truncated"),
        (lambda p: p.write_bytes(p.read_bytes() + b"x"), "extended"),
        (lambda p: p.unlink(), "missing"),
    ],
    ids=["truncated", "extended", "missing"],
)
def test_quick_check_names_missing_and_resized_blobs(
    imported: Path, change: Callable[[Path], object], named: str
) -> None:
    change(blob_files(imported)[0])
    report = verify_workspace(imported, PASS)
    assert len(report.problems) == 1 and named in report.problems[0]


def test_orphans_are_reported_then_cleaned_and_audited(imported: Path) -> None:
    orphan = imported / "blobs" / f"{secrets.token_hex(16)}.blob"
    orphan.write_bytes(os.urandom(100))
    report = verify_workspace(imported, PASS)
    assert report.intact
    assert any(orphan.name in n and "Orphan" in n for n in report.notes)
    with open_workspace(imported, PASS) as session:
        entry = [e for e in audit.entries(session.conn) if e.action == "artifact.orphans_removed"]
        assert entry and entry[-1].details["blobs"] == [orphan.name]
    assert not orphan.exists()
    assert not any("Orphan" in n for n in verify_workspace(imported, PASS).notes)
    with open_vault(imported, PASS, mode="read"):
        pass  # a read-only open never removes anything (and there is nothing left)


def test_read_only_open_leaves_orphans_alone(imported: Path) -> None:
    orphan = imported / "blobs" / f"{secrets.token_hex(16)}.blob"
    orphan.write_bytes(b"x")
    with open_vault(imported, PASS, mode="read"):
        pass
    assert orphan.exists()


def test_unexpected_files_in_the_blob_folder_are_problems(imported: Path) -> None:
    (imported / "blobs" / "notes.txt").write_text("hello")
    report = verify_workspace(imported, PASS)
    assert any("Unexpected file blobs/notes.txt" in p for p in report.problems)


def test_full_check_reports_progress_and_can_be_cancelled(imported: Path) -> None:
    seen: list[Progress] = []
    verify_workspace(imported, PASS, full=True, content_progress=seen.append)
    assert seen[-1].done == seen[-1].total == 8 * SMALL + 7
    flag = threading.Event()

    def stop(p: Progress) -> None:
        if p.done > SMALL:
            flag.set()

    with pytest.raises(Cancelled):
        verify_workspace(imported, PASS, full=True, content_progress=stop, cancel=flag)


def test_a_key_moved_between_rows_is_named(imported: Path) -> None:
    """Swapping two artifacts' wrapped keys in the database: each key is bound to its row."""
    with open_vault(imported, PASS) as session:
        rows = session.conn.execute("SELECT id, wrapped_key FROM artifacts ORDER BY id").fetchall()
        session.conn.execute("BEGIN")
        session.conn.execute(
            "UPDATE artifacts SET wrapped_key = ? WHERE id = ?", (rows[1][1], rows[0][0])
        )
        session.conn.execute(
            "UPDATE artifacts SET wrapped_key = ? WHERE id = ?", (rows[0][1], rows[1][0])
        )
        session.conn.execute("COMMIT")
    report = verify_workspace(imported, PASS)
    assert len(report.problems) == 2
    assert all("content key does not open" in p for p in report.problems)
