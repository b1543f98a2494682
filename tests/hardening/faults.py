"""The fault-injection harness: kill -9 at random moments, and an I/O error at the Nth write.

Kill harness. A child process runs one scenario (a loop of real operations on a vault) and
prints ``saved N`` after each operation returned, i.e. after its commit. The parent kills it
with SIGKILL after a random delay and then checks the invariants of TESTING.md:
the vault opens; ``vault verify`` passes or names only orphans or an interrupted key-slot
change; every change reported as saved survived; no file has a package's final name unless it
is complete and verifies; ``.partial`` debris never carries a package's name; a writable unlock
cleans up and the vault verifies again. A new scenario is one entry in ``SCENARIOS``.

I/O errors. ``Faults`` fails ``storage.write_fd_all`` (every file write of the product goes
through it) at the Nth call, once (transient) or from then on (persistent).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from support.packages import Sender, export, sender
from support.vaults import PASS, make_vault

from reviewstation.app.verify import verify_workspace
from reviewstation.app.workspace import open_workspace
from reviewstation.artifacts import catalog
from reviewstation.checklists.runs import list_runs, start_run
from reviewstation.findings import query
from reviewstation.packages.importer import import_package
from reviewstation.packages.verify import verify_package
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

TESTS = Path(__file__).resolve().parents[1]
NEW_PASS = "the brand new passphrase"


# --- the child: one loop of real operations per scenario ------------------------------------

CHILD = r"""
import sys
from pathlib import Path
from reviewstation.vault.session import open_vault
scenario, vault, out, extra = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
s = open_vault(vault, "@PASS@")
print("go", flush=True)
if scenario == "finding_edits":
    from reviewstation.findings.service import add_finding, update_finding
    for i in range(1, 400):
        if i % 3:
            add_finding(s, 1, title=f"finding {i}", severity="medium", body="x" * 2000)
        else:
            update_finding(s, 1, body=f"edit {i}")
        print("saved", i, flush=True)
elif scenario == "checklist_answers":
    from reviewstation.checklists.runs import get_run, set_answer
    run = get_run(s.conn, 1)
    items = [item.id for item in run.template.items]
    for i in range(1, 400):
        set_answer(s, 1, items[i % len(items)], status="open", note=f"note {i}")
        print("saved", i, flush=True)
elif scenario == "package_export":
    from reviewstation.packages.export import export_package
    for i in range(1, 100):
        export_package(s, 1, out / f"p{i}.rspkg", evidence=["1"])
        print("saved", i, flush=True)
elif scenario == "package_import":
    from reviewstation.crypto.identity import parse_card
    from reviewstation.packages.importer import import_package
    card = parse_card(Path(extra).read_bytes())
    for i, package in enumerate(sorted(out.glob("*.rspkg"), key=lambda p: int(p.stem[1:])), 1):
        import_package(s, package, [card])
        print("saved", i, flush=True)
elif scenario == "artifact_import":
    from reviewstation.artifacts.intake import add_artifacts
    for i, source in enumerate(sorted(Path(extra).iterdir()), 1):
        add_artifacts(s, 1, [source], chunk_size=65536)
        print("saved", i, flush=True)
elif scenario == "keyslot_change":
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.vault import accounts
    accounts.change_passphrase(s, "@NEW@", kdf=floor_params())
    print("saved", 1, flush=True)
s.close()
print("done", flush=True)
""".replace("@PASS@", PASS).replace("@NEW@", NEW_PASS)


@dataclass
class Scenario:
    """``prepare`` builds the template vault (copied for every run) and returns the child's
    extra argument; ``check`` asserts that every saved step survived."""

    name: str
    window: float  # kill within this many seconds after "go"
    prepare: Callable[[Path, Path, Path], str]
    check: Callable[[Path, Path, int, str], None]


@dataclass
class Figures:
    runs: int = 0
    saved_steps: int = 0
    killed_before_first_save: int = 0
    finished_before_kill: int = 0
    orphans_repaired: int = 0
    slot_bookkeeping: int = 0
    partial_debris: int = 0
    per_scenario: dict[str, int] = field(default_factory=dict)


def _review(vault: Path) -> None:
    with open_vault(vault, PASS) as session:
        create_review(session, title="t", developer="d", model_name="m")


def _prep_findings(work: Path, vault: Path, out: Path) -> str:
    _review(vault)
    from reviewstation.findings.service import add_finding

    with open_vault(vault, PASS) as session:
        add_finding(session, 1, title="seed", severity="low")
    return ""


def _check_findings(vault: Path, out: Path, saved: int, extra: str) -> None:
    with open_vault(vault, PASS, mode="read") as session:
        findings = query.all_findings(session.conn)
    titles = {f.title for f in findings}
    first = next(f for f in findings if f.id == 1)
    for i in range(1, saved + 1):
        assert i % 3 == 0 or f"finding {i}" in titles, i
    edits = [i for i in range(1, saved + 1) if i % 3 == 0]
    if edits:  # the latest saved edit of finding 1 (or a later one) is its body
        assert first.body.startswith("edit ") and int(first.body.split()[1]) >= edits[-1]


def _prep_answers(work: Path, vault: Path, out: Path) -> str:
    _review(vault)
    with open_vault(vault, PASS) as session:
        start_run(session, 1, "intake-custody")
    return ""


def _check_answers(vault: Path, out: Path, saved: int, extra: str) -> None:
    with open_vault(vault, PASS, mode="read") as session:
        run = list_runs(session.conn, 1)[0]
    items = [item.id for item in run.template.items]
    notes = {a.item_id: a.note for a in run.answers}
    # The latest saved note of each item is there (later, unsaved ones may be too).
    for i in range(max(1, saved - len(items) + 1), saved + 1):
        note = notes[items[i % len(items)]]
        assert int(note.split()[1]) >= i, (i, note)


def _prep_export(work: Path, vault: Path, out: Path) -> str:
    _review(vault)
    evidence = work / "evidence.txt"
    evidence.write_bytes(os.urandom(600_000))
    from reviewstation.artifacts.intake import add_artifacts
    from reviewstation.findings.service import add_finding

    with open_vault(vault, PASS) as session:
        add_finding(session, 1, title="f", severity="high", body="b")
        add_artifacts(session, 1, [evidence])
    return ""


def _check_export(vault: Path, out: Path, saved: int, extra: str) -> None:
    for i in range(1, saved + 1):
        assert (out / f"p{i}.rspkg").exists(), i
    check_outputs(out, vault, _secret(vault))


def _prep_import(work: Path, vault: Path, out: Path) -> str:
    shared = work.parent / "import-sender"
    if not shared.exists():  # one sender and its packages for every run of the scenario
        shared.mkdir()
        alice: Sender = sender(shared)
        (shared / "packages").mkdir()
        for i in range(1, 5):
            export(alice.vault, shared / "packages" / f"p{i}.rspkg", evidence=["1"])
        from reviewstation.crypto.identity import export_card

        with open_vault(alice.vault, PASS) as session:
            assert session.identity is not None
            (shared / "alice.card").write_bytes(export_card(session.identity, alice.card))
    for package in (shared / "packages").iterdir():
        shutil.copy(package, out / package.name)
    return str(shared / "alice.card")


def _check_import(vault: Path, out: Path, saved: int, extra: str) -> None:
    from reviewstation.crypto.identity import parse_card

    card = parse_card(Path(extra).read_bytes())
    with open_vault(vault, PASS) as session:  # work goes on: every package imports, once
        for i in range(1, 5):
            result = import_package(session, out / f"p{i}.rspkg", [card])
            if i <= saved:
                assert result.already, i


def _prep_artifacts(work: Path, vault: Path, out: Path) -> str:
    _review(vault)
    source = work.parent / "artifact-sources"
    if not source.exists():
        source.mkdir()
        for i in range(1, 7):
            (source / f"a{i}.bin").write_bytes(os.urandom(400_000 * i))
    return str(source)


def _check_artifacts(vault: Path, out: Path, saved: int, extra: str) -> None:
    with open_vault(vault, PASS, mode="read") as session:
        paths = [a.path for a in catalog.list_artifacts(session.conn)]
    assert len(paths) >= saved
    assert all(p.endswith(".bin") for p in paths)
    if paths:
        assert verify_workspace(vault, PASS, full=True).intact  # wholly there, content and all


def _prep_slots(work: Path, vault: Path, out: Path) -> str:
    return ""


def _opens(vault: Path, secret: str) -> bool:
    from reviewstation.errors import WrongPassphrase

    try:
        open_vault(vault, secret, mode="read").close()
    except WrongPassphrase:
        return False
    return True


def _check_slots(vault: Path, out: Path, saved: int, extra: str) -> None:
    old, new = _opens(vault, PASS), _opens(vault, NEW_PASS)
    assert old != new, (old, new)  # the old or the new passphrase, never neither
    assert new or not saved


SCENARIOS = {
    s.name: s
    for s in [
        Scenario("finding_edits", 0.8, _prep_findings, _check_findings),
        Scenario("checklist_answers", 0.8, _prep_answers, _check_answers),
        Scenario("package_export", 2.5, _prep_export, _check_export),
        Scenario("package_import", 0.35, _prep_import, _check_import),
        Scenario("artifact_import", 0.25, _prep_artifacts, _check_artifacts),
        Scenario("keyslot_change", 0.3, _prep_slots, _check_slots),
    ]
}


def _secret(vault: Path) -> str:
    return PASS if _opens(vault, PASS) else NEW_PASS


def kill_runs(name: str, runs: int, tmp: Path, seed: int, figures: Figures) -> None:
    """``runs`` kill -9 runs of one scenario, checking every invariant after each."""
    scenario = SCENARIOS[name]
    rng = random.Random(seed)
    template = tmp / "template"
    template.mkdir()
    (template / "out").mkdir()
    vault_t = make_vault(template)
    extra = scenario.prepare(template, vault_t, template / "out")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ["PYTHONPATH"]])}
    for run in range(runs):
        work = tmp / f"run{run}"
        shutil.copytree(template, work)
        vault, out = work / vault_t.name, work / "out"
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, name, str(vault), str(out), extra],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "go"
        time.sleep(rng.uniform(0.0, scenario.window))
        os.kill(child.pid, signal.SIGKILL)
        lines = child.stdout.read().split("\n")[:-1]  # a line cut by the kill is not a report
        child.wait()
        child.stdout.close()
        saved = max([int(x.split()[1]) for x in lines if x.startswith("saved")], default=0)
        figures.runs += 1
        figures.saved_steps += saved
        figures.killed_before_first_save += saved == 0
        figures.finished_before_kill += "done" in lines
        figures.per_scenario[name] = figures.per_scenario.get(name, 0) + 1
        context = f"{name} run {run} (saved {saved})"

        secret = _secret(vault)
        report = verify_workspace(vault, secret)
        assert all("Key slot" in p for p in report.problems), (context, report.problems)
        figures.slot_bookkeeping += bool(report.problems)
        orphans = [n for n in report.notes if n.startswith("Orphan blob")]
        figures.orphans_repaired += bool(orphans)
        scenario.check(vault, out, saved, extra)
        figures.partial_debris += len(list(out.glob(".*.partial")))
        open_workspace(vault, secret).close()  # a writable unlock cleans up
        after = verify_workspace(vault, secret)
        assert after.intact, (context, after.problems)
        assert not [n for n in after.notes if n.startswith("Orphan blob")], context
        shutil.rmtree(work)


def check_outputs(out: Path, vault: Path, secret: str) -> None:
    """Every file under a package's final name is complete and verifies; debris is hidden."""
    with open_vault(vault, secret, mode="read") as session:
        card = session.user.public_identity(session.vault_id)
    for path in out.iterdir():
        if path.name.startswith("."):
            assert path.name.endswith(".partial"), path
            continue
        with verify_package(path, [card]) as verified:
            assert verified.manifest.package_id


def write_figures(figures: Figures, label: str) -> None:
    """Append the run's figures to $RS_FIGURES (the long run records them for the docs)."""
    target = os.environ.get("RS_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"label": label, **figures.__dict__}) + "\n")
