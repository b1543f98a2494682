"""kill -9 at random moments during an import: the vault verifies, no partial artifact is
listed, orphan blobs are reported, and the next writable unlock removes them."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.artifact_files import blob_files
from support.vaults import PASS, make_vault

from reviewstation.app.verify import verify_workspace
from reviewstation.app.workspace import open_workspace
from reviewstation.artifacts import catalog
from reviewstation.reviews.service import create_review
from reviewstation.vault import audit
from reviewstation.vault.session import open_vault

IMPORT = """
import sys, time
from pathlib import Path
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.vault.session import open_vault
started = False
def progress(p):
    global started
    if not started:
        started = True
        print("go", flush=True)
    time.sleep(0.004)  # slow enough that a kill lands inside the stream as well as after it
s = open_vault(Path(sys.argv[1]), sys.argv[2])
add_artifacts(s, 1, [Path(sys.argv[3])], chunk_size=65536, progress=progress)
print("imported", flush=True)
s.close()
print("done", flush=True)
"""
RUNS = 5
FILES = {"a.bin": 1_500_000, "b.bin": 700_000, "c/d.bin": 300_000}


def test_kill_during_import_leaves_a_consistent_vault(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    source = tmp_path / "medium" / "model"
    for name, size in FILES.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_bytes(os.urandom(size))
    outcomes = {"nothing": 0, "orphans": 0, "imported": 0}
    for run in range(RUNS):
        (tmp_path / f"run{run}").mkdir()
        vault = make_vault(tmp_path / f"run{run}")
        with open_vault(vault, PASS) as session:
            create_review(session, title="t", developer="d", model_name="m")
        child = subprocess.Popen(
            [sys.executable, "-c", IMPORT, str(vault), PASS, str(source)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "go"
        time.sleep(rng.uniform(0.0, 0.45))  # the stream takes ~0.2-0.4 s, then fsync/commit
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        child.stdout.close()

        report = verify_workspace(vault, PASS)
        assert report.intact, f"run {run}: {report.problems}"
        with open_vault(vault, PASS, mode="read") as reader:
            listed = catalog.list_artifacts(reader.conn)
        # All or nothing: the batch is one transaction.
        assert len(listed) in (0, len(FILES)), f"run {run}: {[a.path for a in listed]}"
        orphan_notes = [n for n in report.notes if n.startswith("Orphan blob")]
        referenced = {a.blob for a in listed}
        on_disk = {p.name for p in blob_files(vault)}
        assert len(orphan_notes) == len(on_disk - referenced)
        if listed:
            assert verify_workspace(vault, PASS, full=True).intact
            outcomes["imported"] += 1
        else:
            outcomes["orphans" if orphan_notes else "nothing"] += 1

        with open_workspace(vault, PASS) as session:  # a writable unlock cleans up
            cleaned = [
                e for e in audit.entries(session.conn) if e.action == "artifact.orphans_removed"
            ]
            assert bool(cleaned) == bool(orphan_notes)
        after = verify_workspace(vault, PASS)
        assert after.intact and not [n for n in after.notes if n.startswith("Orphan blob")]
        assert {p.name for p in blob_files(vault)} == referenced
    assert sum(outcomes.values()) == RUNS
    assert outcomes["orphans"] >= 1, outcomes  # at least one kill landed mid-import
    print(outcomes)
