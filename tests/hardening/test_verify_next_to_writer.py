"""``vault verify`` next to a writer never reports a healthy vault as tampered (issue 13,
class 8). A real second process writes in a loop (findings, exports with their checkpoints,
key-slot changes, session-end checkpoints) while verify runs again and again; every report is
intact. A new kind of concurrent write is one line in ``WRITER``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.vaults import PASS, make_vault

from reviewstation.app.verify import verify_workspace
from reviewstation.findings.service import add_finding
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

TESTS = Path(__file__).resolve().parents[1]
VERIFY_RUNS = 30

# One statement per kind of write, run in turn by the writer until it is told to stop.
WRITER = {
    "finding edit": "update_finding(s, 1, body=f'edit {i}')",
    "package export (checkpoint, header)": "export_package(s, 1, out / f'p{i}.rspkg')",
    "key-slot change (header, then commit)": "add_secret_slot(s, 'keyring', os.urandom(32))",
    "plain record (session-end checkpoint)": "s.record('test.action', str(i))",
}

CHILD = """
import os, sys
from pathlib import Path
from reviewstation.findings.service import update_finding
from reviewstation.packages.export import export_package
from reviewstation.vault.accounts import add_secret_slot
from reviewstation.vault.session import open_vault
vault, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
steps = [compile(line, "step", "exec") for line in sys.argv[4:]]
i = 0
while not stop.exists():
    i += 1
    with open_vault(vault, "@PASS@", wait_seconds=5) as s:
        exec(steps[i % len(steps)])
    print(i, flush=True)
""".replace("@PASS@", PASS)


def test_verify_beside_a_writing_process_reports_no_tamper(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        create_review(session, title="t", developer="d", model_name="m")
        add_finding(session, 1, title="f", severity="low")
    out = tmp_path / "out"
    out.mkdir()
    stop = tmp_path / "stop"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ["PYTHONPATH"]])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(vault), str(out), str(stop), *WRITER.values()],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    false_reports = []
    try:
        assert child.stdout is not None
        child.stdout.readline()  # the writer is under way
        for run in range(VERIFY_RUNS):
            report = verify_workspace(vault, PASS)
            if not report.intact:
                false_reports.append((run, report.problems))
    finally:
        stop.touch()
        stdout, stderr = child.communicate(timeout=120)
    assert child.returncode == 0, stderr
    writes = len(stdout.split())
    print(f"{VERIFY_RUNS} verify runs beside {writes + 1} writer sessions")
    assert writes >= 3, "the writer did not run alongside"
    assert false_reports == []
