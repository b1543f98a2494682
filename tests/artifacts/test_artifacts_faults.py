"""Disk full and I/O errors at the Nth write during import and export: a clear error naming
the operation, nothing half-written left, and the work goes on once space is freed."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from support.artifact_files import blob_files
from support.faults import Faults, install_faults

from reviewstation.artifacts import catalog
from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.errors import VaultError
from reviewstation.vault import audit
from reviewstation.vault.session import Session

SMALL = 4096


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    return install_faults(monkeypatch)


def actions(session: Session) -> list[str]:
    return [e.action for e in audit.entries(session.conn)]


# 8 writes in all: two blob headers and six chunks; the first, second, a middle and the last.
@pytest.mark.parametrize(
    ("at", "code"),
    [(1, errno.ENOSPC), (2, errno.EIO), (5, errno.ENOSPC), (8, errno.EIO)],
)
def test_write_failure_during_import_leaves_nothing(
    session: Session, review: int, src: Path, faults: Faults, at: int, code: int
) -> None:
    (src / "a.bin").write_bytes(os.urandom(3 * SMALL))
    (src / "b.bin").write_bytes(os.urandom(3 * SMALL))
    before = actions(session)
    faults.arm(at, code=code)
    with pytest.raises(VaultError, match="Could not write the artifact blob") as caught:
        add_artifacts(session, review, [src / "a.bin", src / "b.bin"], chunk_size=SMALL)
    assert os.strerror(code) in str(caught.value)
    faults.disarm()
    assert blob_files(session.path) == []
    assert catalog.list_artifacts(session.conn) == []
    assert actions(session) == before
    # Space freed: the same import now succeeds.
    added = add_artifacts(session, review, [src / "a.bin", src / "b.bin"], chunk_size=SMALL)
    assert len(added.added) == 2


def test_transient_failure_is_reported_not_retried_silently(
    session: Session, review: int, src: Path, faults: Faults
) -> None:
    (src / "a.bin").write_bytes(os.urandom(3 * SMALL))
    faults.arm(3, transient=True, code=errno.EIO)
    with pytest.raises(VaultError, match="Input/output error"):
        add_artifacts(session, review, [src / "a.bin"], chunk_size=SMALL)
    assert blob_files(session.path) == []
    assert len(add_artifacts(session, review, [src / "a.bin"], chunk_size=SMALL).added) == 1


# 5 writes in all, one per chunk, made by export's writer thread: the first, a middle, the last.
@pytest.mark.parametrize("at", [1, 3, 5])
def test_disk_full_during_export_leaves_no_partial_file(
    session: Session, review: int, src: Path, faults: Faults, at: int
) -> None:
    data = os.urandom(5 * SMALL)
    (src / "a.bin").write_bytes(data)
    artifact = add_artifacts(session, review, [src / "a.bin"], chunk_size=SMALL).added[0]
    out_dir = src / "out"
    out_dir.mkdir()
    before = actions(session)
    faults.arm(at)
    with pytest.raises(VaultError, match="Could not write the exported file"):
        export_artifact(session, artifact.id, out_dir / "a.bin")
    faults.disarm()
    assert list(out_dir.iterdir()) == []
    assert actions(session) == before
    export_artifact(session, artifact.id, out_dir / "a.bin")
    assert (out_dir / "a.bin").read_bytes() == data
