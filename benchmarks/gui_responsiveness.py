"""GUI responsiveness: event-loop stalls during a 2 GiB import from the Artifacts tab, and the
Findings tab over 100,000 findings.

Targets (desktop app issue): during a 2 GiB import from the GUI the event loop never stalls
more than 100 ms; the findings table stays responsive with 100,000 findings. A 10 ms QTimer
heartbeat on the GUI thread records the gap between its ticks; a gap is how long the event
loop could not answer the user. References measured in the same run: the heartbeat of the
idle event loop, the same import done headless by the core in a child process, and the core
queries behind every Findings step on a fresh session (what the GUI adds on top).

The window is a real ``MainWindow`` opened through the shell's unlock dialog on a vault made by
the core; actions go through the pages' own paths (``ArtifactsPage.import_with`` with its
progress dialog, keys and header clicks on the findings table), dialogs are answered as they
appear. The vaults use Argon2id at its floor (as tests do, ``REVIEWSTATION_KDF_MS=0``), which
only makes unlocking fast; no figure includes an unlock.

    QT_QPA_PLATFORM=offscreen python -m benchmarks.gui_responsiveness \
        [--size-mib 2048] [--findings 100000] [--part both|import|findings] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

STALL_MS = 100.0
BEAT_MS = 10
TIMEOUT_S = float(os.environ.get("BENCH_GUI_TIMEOUT", "600"))


# -- measuring the event loop --------------------------------------------------------------


class Heartbeat:
    """A 10 ms precise timer on the GUI thread; ``ticks`` are perf_counter times of its ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(BEAT_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(time.perf_counter())

    def start(self) -> None:
        self.ticks.clear()
        self.ticks.append(time.perf_counter())
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def gaps(self, start: float = 0.0, end: float = float("inf")) -> list[float]:
        """Gaps (ms) between ticks that overlap [start, end], so a stall spanning either
        edge counts."""
        return [(b - a) * 1000 for a, b in pairwise(self.ticks) if b > start and a < end]

    def worst(self, start: float = 0.0, end: float = float("inf")) -> tuple[float, float]:
        """(the longest gap in ms, when it ended as perf_counter time)."""
        best = (0.0, 0.0)
        for a, b in pairwise(self.ticks):
            if b > start and a < end and (b - a) * 1000 > best[0]:
                best = ((b - a) * 1000, b)
        return best


@dataclass(frozen=True)
class GapStats:
    count: int
    max_ms: float
    p99_ms: float
    p50_ms: float
    stalls: int  # gaps over STALL_MS

    @classmethod
    def of(cls, gaps: list[float]) -> GapStats:
        if len(gaps) < 2:
            top = max(gaps, default=0.0)
            return cls(len(gaps), top, top, top, sum(g > STALL_MS for g in gaps))
        cuts = statistics.quantiles(gaps, n=100, method="inclusive")
        return cls(len(gaps), max(gaps), cuts[98], cuts[49], sum(g > STALL_MS for g in gaps))

    def text(self) -> str:
        return (
            f"max {self.max_ms:6.1f} ms, p99 {self.p99_ms:5.1f} ms, p50 {self.p50_ms:5.1f} ms,"
            f" {self.stalls} gap(s) > {STALL_MS:.0f} ms of {self.count}"
        )


def run_until(predicate: Callable[[], bool], timeout: float = TIMEOUT_S, what: str = "") -> float:
    """Run the event loop until ``predicate`` holds (checked every 2 ms); the time it did."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    if predicate():
        return time.perf_counter()
    loop = QEventLoop()
    deadline = time.perf_counter() + timeout
    poll = QTimer()
    poll.setTimerType(Qt.TimerType.PreciseTimer)
    poll.setInterval(2)
    seen: list[float] = []

    def check() -> None:
        if predicate():
            seen.append(time.perf_counter())
            loop.quit()
        elif time.perf_counter() > deadline:
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    if not seen:
        raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what or 'the GUI'}")
    return seen[0]


def run_for(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class PaintWatch:
    """When a widget was first painted showing what ``expect`` describes: the condition is
    checked as each paint begins, so the time is that of the paint that draws the result."""

    def __init__(self, widget: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint

        class Filter(QObject):
            def __init__(self, owner: PaintWatch) -> None:
                super().__init__()
                self.owner = owner

            def eventFilter(self, watched: QObject, event: QEvent) -> bool:
                owner = self.owner
                if event.type() == paint and not owner.shown_at and owner.condition():
                    owner.shown_at = time.perf_counter()
                return False

        self.condition: Callable[[], bool] = lambda: False
        self.shown_at = 0.0
        self.filter = Filter(self)
        widget.installEventFilter(self.filter)

    def expect(self, condition: Callable[[], bool]) -> None:
        self.condition = condition
        self.shown_at = 0.0


class Diagnostics:
    """What ran while a step waited: vault-thread jobs (timed by wrapping
    ``VaultThread.submit`` in this process) and Python's garbage collections (any thread;
    they hold the GIL, so the GUI thread waits for them too)."""

    def __init__(self) -> None:
        from reviewstation.gui.runtime.vault_thread import VaultThread

        self.jobs: list[tuple[str, float, float]] = []  # (name, start, seconds)
        self.collections: list[tuple[int, float, float]] = []  # (generation, start, seconds)
        self._gc_start = 0.0
        original = VaultThread.submit
        jobs = self.jobs

        def submit(
            vault: VaultThread,
            job: Callable[[Any], Any],
            on_done: Callable[[Any], None],
            on_error: Callable[[str], None],
            cancel: threading.Event | None = None,
            owner: Any = None,
        ) -> int:
            name = f"{job.__module__.rsplit('.', 1)[-1]}.{job.__qualname__}"

            def timed_job(session: Any) -> Any:
                start = time.perf_counter()
                try:
                    return job(session)
                finally:
                    jobs.append((name, start, time.perf_counter() - start))

            return original(vault, timed_job, on_done, on_error, cancel, owner)

        setattr(VaultThread, "submit", submit)  # noqa: B010 - this process only
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            now = time.perf_counter()
            self.collections.append((info["generation"], self._gc_start, now - self._gc_start))

    def text(self, start: float, end: float) -> str:
        jobs = [(n, at, s) for n, at, s in self.jobs if at <= end and at + s >= start]
        long = sorted(((s, n, at - start) for n, at, s in jobs if s > 0.05), reverse=True)[:3]
        full = [s for g, at, s in self.collections if g == 2 and start <= at <= end]
        return (
            f"vault thread: {len(jobs)} job(s) overlapping,"
            f" {sum(s for _, _, s in jobs) * 1000:.0f} ms"
            + (
                " (longest: "
                + ", ".join(f"{n} {s * 1000:.0f} ms from {at:+.2f} s" for s, n, at in long)
                + ")"
                if long
                else ""
            )
            + f"; full GCs: {len(full)}"
            + (f", longest {max(full) * 1000:.0f} ms" if full else "")
        )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Profiler:
    """With --profile: cProfile of the GUI thread during each step (the figures then carry
    cProfile's overhead; use them to find a stall's cause, not to quote)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats("tottime").print_stats(12)
            print(f"--- profile of the GUI thread: {name} (by own time) ---")
            print("\n".join(out.getvalue().splitlines()[6:]))


# -- the window ----------------------------------------------------------------------------


OFFSCREEN_LIMITS = re.compile(r"^This plugin does not support (propagateSizeHints|raise)\(\)$")


def quiet_offscreen() -> None:
    """The offscreen platform cannot do some window-manager requests and says so each time;
    every other Qt message is still printed."""
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if not OFFSCREEN_LIMITS.match(message):
            print(f"Qt: {message}", file=sys.stderr)

    qInstallMessageHandler(handler)


def private_environment(work: Path) -> None:
    """Offscreen by default; settings and data of this run stay in the work folder."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("REVIEWSTATION_KDF_MS", "0")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        folder = work / name.lower()
        folder.mkdir(exist_ok=True)
        os.environ[name] = str(folder)


def open_window(work: Path, vault: Path, user: str, secret: str) -> tuple[Any, Any]:
    """(shell, main window) unlocked through the unlock dialog, as a user would."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest

    from reviewstation.gui.runtime.autolock import SETTING
    from reviewstation.gui.shell import Shell

    settings = QSettings(str(work / "bench.ini"), QSettings.Format.IniFormat)
    settings.setValue(SETTING, 240)  # no idle lock in the middle of a long run
    shell = Shell(settings)
    shell.start(vault)
    run_until(shell.dialog.isVisible, 30, "the unlock dialog")
    shell.dialog.ui.userCombo.setCurrentText(user)
    QTest.keyClicks(shell.dialog.ui.secretEdit, secret)
    QTest.keyClick(shell.dialog.ui.secretEdit, Qt.Key.Key_Return)
    run_until(lambda: shell.main_window is not None, 60, "the main window")
    window = shell.main_window
    assert window is not None
    run_until(lambda: window.workspace.review_id != 0, 30, "the review to be selected")
    return shell, window


def close_window(shell: Any) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent

    shell.quit()
    run_until(lambda: shell.done, 60, "the vault thread to end")
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def visible(kind: type) -> list[Any]:
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


# -- part 1: a 2 GiB import from the Artifacts tab -----------------------------------------


def bench_import(work: Path, size_mib: int, profiler: Profiler) -> dict[str, Any]:
    from benchmarks.intake import PASS, child, make_source
    from reviewstation.app.custody import CustodyForm
    from reviewstation.artifacts import catalog
    from reviewstation.artifacts.blobstore import iter_plaintext
    from reviewstation.artifacts.stream import DEFAULT_CHUNK
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.gui.runtime.progress import ProgressDialog
    from reviewstation.gui.widgets.dialogs import MessageDialog
    from reviewstation.reviews.service import create_review
    from reviewstation.vault.session import create_vault, open_vault

    size = size_mib * 1024 * 1024
    source = work / "source.bin"
    print(f"writing a {size_mib} MiB random source file ...", flush=True)
    expected = make_source(source, size)
    vaults = {}
    for name in ("core", "gui"):
        vaults[name] = work / f"{name}.rsvault"
        create_vault(vaults[name], "bench", PASS, kdf=floor_params())
        with open_vault(vaults[name], PASS) as session:
            create_review(session, title="bench", developer="bench", model_name="bench")

    # Reference: the same import headless, by the core in a child process (after its unlock).
    core, core_rss = child("import", str(vaults["core"]), str(source), str(DEFAULT_CHUNK), PASS)
    assert core["sha256"] == expected, "the core import's hash differs from the source's"
    core_s = float(str(core["seconds"]))
    core_cpu = float(str(core["cpu"]))
    print(
        f"core import (child process, headless): {core_s:.2f} s, CPU {core_cpu:.1f} s (with the"
        f" child's start and unlock), peak RSS {core_rss:.0f} MB"
    )

    shell, window = open_window(work, vaults["gui"], "bench", PASS)
    page = window.workspace.artifacts
    window.workspace.setCurrentWidget(page)
    run_until(lambda: page.review_id != 0 and bool(page.summary.text()), 30, "the artifacts")

    # Reference: the same event loop, idle, for as long as the core import took (>= 3 s).
    beat = Heartbeat()
    idle_s = max(3.0, core_s)
    beat.start()
    run_for(idle_s)
    beat.stop()
    idle = GapStats.of(beat.gaps())
    print(f"idle event loop, {idle_s:.1f} s: heartbeat {idle.text()}")

    rss_before = peak_rss_mb()
    updates: list[tuple[float, int, int]] = []  # (when, bytes done, the bar's value)
    beat.start()
    cpu_before = cpu_seconds()
    start = time.perf_counter()
    with profiler.step("GUI import"):
        page.import_with([source], CustodyForm("benchmark"))  # past the custody dialog
        boxes = visible(ProgressDialog)
        assert len(boxes) == 1, "the import did not show its progress dialog"
        bar = boxes[0].bar

        def seen(done: int, total: int, _what: str) -> None:
            # Connected after the dialog's own slot: the bar already shows this report.
            updates.append((time.perf_counter(), done, bar.value()))

        boxes[0].progress.changed.connect(seen)
        end = run_until(lambda: bool(visible(MessageDialog)), TIMEOUT_S, "the import to end")
    run_for(0.05)  # one more tick, so a stall at the very end is measured
    beat.stop()
    (box,) = visible(MessageDialog)
    message = box.text_label.text()
    box.accept()
    gui_s = end - start
    gui_cpu = cpu_seconds() - cpu_before
    rss_after = peak_rss_mb()
    stats = GapStats.of(beat.gaps(start, end))
    _, worst_at = beat.worst(start, end)
    done_then = max((d for t, d, _ in updates if t <= worst_at), default=0)
    assert message == "1 artifact(s) imported.", f"the import said: {message!r}"
    print(
        f"GUI import: {gui_s:.2f} s = {gui_s / core_s:.2f}x the core's;"
        f" {len(updates)} progress reports, the bar at {updates[-1][2] if updates else 0}/1000"
        f" at the last; CPU of the whole GUI process {gui_cpu:.1f} s"
    )
    print(f"  heartbeat during the import: {stats.text()}")
    print(
        f"  longest gap ended {worst_at - start:.2f} s into the import, with"
        f" {done_then / max(size, 1):.0%} of the bytes reported done"
    )
    close_window(shell)

    # The result, byte for byte: decrypt the stored blob and hash it.
    with open_vault(vaults["gui"], PASS, mode="read") as session:
        (artifact,) = catalog.list_artifacts(session.conn, 1)
        digest = hashlib.sha256()
        for plain in iter_plaintext(
            session.path, artifact.blob_ref(session.master, session.vault_id)
        ):
            digest.update(plain)
    exact = artifact.sha256 == expected and digest.hexdigest() == expected
    print(f"  stored content equals the source (SHA-256 of the decrypted blob): {exact}")
    assert exact, "the imported artifact differs from the source"
    print(
        f"  peak RSS of the GUI process: {rss_before:.0f} MB before the import,"
        f" {rss_after:.0f} MB after (the core child's: {core_rss:.0f} MB)"
    )
    source.unlink()
    return {
        "size_mib": size_mib,
        "core_import_s": round(core_s, 2),
        "gui_import_s": round(gui_s, 2),
        "gui_over_core": round(gui_s / core_s, 2),
        "cpu_s": {"gui_process": round(gui_cpu, 1), "core_child": round(core_cpu, 1)},
        "idle_gaps_ms": stats_dict(idle),
        "import_gaps_ms": stats_dict(stats),
        "progress_updates": len(updates),
        "bar_at_end": updates[-1][2] if updates else 0,
        "byte_exact": exact,
        "peak_rss_mb": {"before": round(rss_before), "after": round(rss_after)},
        "core_child_rss_mb": round(core_rss),
    }


def stats_dict(stats: GapStats) -> dict[str, float]:
    return {
        "max": round(stats.max_ms, 1),
        "p99": round(stats.p99_ms, 1),
        "p50": round(stats.p50_ms, 1),
        "over_100": stats.stalls,
        "count": stats.count,
    }


# -- part 2: the Findings tab over 100,000 findings ----------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    gui_s: float
    core_s: float
    gaps: GapStats
    note: str = ""

    def line(self) -> str:
        ratio = f"{self.gui_s / self.core_s:6.1f}x" if self.core_s > 0 else "     -"
        return (
            f"{self.name:<28} GUI {self.gui_s * 1000:8.1f} ms  core {self.core_s * 1000:8.1f} ms"
            f"  ratio {ratio}  heartbeat {self.gaps.text()}"
            + (f"  ({self.note})" if self.note else "")
        )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interrupted(conn: Any, limit: float, fn: Callable[[], object]) -> float | None:
    """Seconds ``fn`` took, or None if SQLite was still at it after ``limit`` seconds."""
    watchdog = threading.Timer(limit, conn.interrupt)
    watchdog.start()
    try:
        return timed(fn)
    except Exception as exc:  # sqlcipher3.OperationalError: interrupted
        if "interrupt" not in str(exc):
            raise
        return None
    finally:
        watchdog.cancel()


def core_references(
    vault: Path, secret: str, terms: list[str], limit: float
) -> dict[str, float | None]:
    """The core queries behind each GUI step, in the same order, on a fresh session; a
    search still running after ``limit`` seconds is interrupted (None)."""
    from reviewstation.findings import query
    from reviewstation.findings.service import Finding
    from reviewstation.gui.pages.findings.findings_model import (
        PAGE,
        SEARCH_LIMIT,
        row_of,
        sorted_order,
    )
    from reviewstation.vault.session import open_vault

    out: dict[str, float | None] = {}
    review = query.Filter(1)
    with open_vault(vault, secret, mode="read") as session:
        conn = session.conn
        out["first rows"] = timed(
            lambda: (query.count(conn, review), query.page(conn, review, limit=PAGE))
        )
        rows: list[Finding] = []

        def every_page() -> None:
            while batch := query.page(
                conn, review, after_id=rows[-1].id if rows else 0, limit=PAGE
            ):
                rows.extend(batch)

        out["scroll to the bottom"] = timed(every_page)
        out["pages"] = len(rows) / PAGE
        # Sorting is the model's own work (in memory); its reference is the same sort alone,
        # without the view.
        table = list(map(row_of, rows))  # what the model holds
        for column in ("severity", "title"):

            def by(column: str = column) -> list[int]:
                return sorted_order(table, column, False)

            out[f"sort by {column}"] = timed(by)
        for term in terms:

            def search(term: str = term) -> list[Finding]:
                return query.search(conn, term, limit=SEARCH_LIMIT, review_id=1)

            out[f"search {term!r}"] = interrupted(conn, limit, search)
        high = query.Filter(1, None, "high")
        out["filter severity=high"] = timed(
            lambda: (query.count(conn, high), query.page(conn, high, limit=PAGE))
        )
    return out


def search_terms(vault: Path, secret: str, findings: int) -> list[str]:
    """A frequent word (thousands of matches: newest first) and two words of one finding
    (a ranked search), as ``findings_scale`` draws them."""
    from reviewstation.vault.session import open_vault

    rng = random.Random(11)
    with open_vault(vault, secret, mode="read") as session:
        body = session.conn.execute(
            "SELECT body FROM findings WHERE id = ?", (rng.randrange(1, findings + 1),)
        ).fetchone()[0]
    return ["kernel", " ".join(rng.sample(str(body).split(), 2))]


def bench_findings(
    work: Path, findings: int, profiler: Profiler, query_limit: float
) -> dict[str, Any]:
    from benchmarks.findings_scale import PASS, populate
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.vault.session import create_vault

    vault = work / "findings.rsvault"
    create_vault(vault, "alice", PASS, kdf=floor_params())
    start = time.perf_counter()
    populate(vault, findings, 0)
    print(f"built a vault with {findings} findings in {time.perf_counter() - start:.1f} s")
    return measure_findings(work, vault, findings, profiler, query_limit)


def measure_findings(
    work: Path, vault: Path, findings: int, profiler: Profiler, query_limit: float
) -> dict[str, Any]:
    """The Findings steps on ``vault``, built by ``findings_scale.populate``."""
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtTest import QTest

    from benchmarks.findings_scale import PASS

    terms = search_terms(vault, PASS, findings)
    core = core_references(vault, PASS, terms, query_limit)
    skipped = [term for term in terms if core[f"search {term!r}"] is None]
    for term in skipped:
        print(
            f"search {term!r}: the core query alone was still running after {query_limit:.0f} s"
            " (interrupted); the GUI step is skipped, as it would hold the vault thread as long"
        )

    diagnostics = Diagnostics()
    shell, window = open_window(work, vault, "alice", PASS)
    page = window.workspace.findings
    model, table = page.model, page.table
    paint = PaintWatch(table.viewport())
    beat = Heartbeat()
    beat.start()
    steps: list[Step] = []

    def measure(
        name: str,
        act: Callable[[], None],
        shown: Callable[[], bool],
        note: str = "",
        also: Callable[[], bool] = lambda: True,
    ) -> None:
        """``act`` as the user would, then run until the table is painted showing what
        ``shown`` describes (and ``also`` holds, for what is not in the table); the GUI time is
        from the act to the later of the two."""
        with profiler.step(name):
            paint.expect(shown)
            begin = time.perf_counter()
            act()
            run_until(lambda: paint.shown_at > 0, TIMEOUT_S, name)
            end = max(paint.shown_at, run_until(also, TIMEOUT_S, f"{name} (the rest)"))
        run_for(0.05)
        steps.append(
            Step(name, end - begin, core.get(name) or 0.0, GapStats.of(beat.gaps(begin, end)), note)
        )
        print(steps[-1].line(), flush=True)
        print(f"  {diagnostics.text(begin, end)}")

    def last_row_shown() -> bool:
        last = model.rowCount() - 1
        return bool(last + 1 == page.total and table.rowAt(table.viewport().height() - 2) == last)

    measure(
        "first rows",
        lambda: window.workspace.setCurrentWidget(page),
        lambda: model.rowCount() > 0,
        "switch to the Findings tab: first page and count",
        also=lambda: page.total is not None,
    )
    assert page.total == findings, f"the tab counted {page.total} findings"

    # Ctrl+End, as a user holding it: each press moves to the last loaded row, which asks for
    # the next page; pressed again as soon as that page has arrived.
    def press_end() -> None:
        QTest.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)

    def press_end_soon() -> None:
        # After the view has laid out the rows that just arrived.
        QTimer.singleShot(0, press_end)

    table.setFocus()
    model.loaded.connect(press_end_soon)
    requests = model.requests
    measure(
        "scroll to the bottom",
        press_end,
        last_row_shown,
        f"{int(core['pages'] or 0)} pages of 200, Ctrl+End after each",
        also=model.complete,
    )
    model.loaded.disconnect(press_end_soon)
    pages = model.requests - requests
    last = model.finding(findings - 1)
    assert model.rowCount() == findings and last is not None and last.id == findings

    header = table.horizontalHeader()
    layouts: list[float] = []
    model.layoutChanged.connect(lambda: layouts.append(time.perf_counter()))
    for column, name in ((3, "severity"), (2, "title")):
        before = len(layouts)

        def click(column: int = column) -> None:
            x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
            QTest.mouseClick(
                header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2)
            )

        def sorted_(before: int = before) -> bool:
            return len(layouts) > before

        measure(f"sort by {name}", click, sorted_, "click on the column header")
        order = header.sortIndicatorOrder()
        print(f"  sorted {'ascending' if order == Qt.SortOrder.AscendingOrder else 'descending'}")

    for term in terms:
        if term in skipped:
            continue

        def search(term: str = term) -> None:
            page.search_edit.setText(term)
            QTest.keyClick(page.search_edit, Qt.Key.Key_Return)

        def found(term: str = term) -> bool:
            return bool(model.criteria.text == term and model.complete())

        measure(f"search {term!r}", search, found, f"{len(model.rows)} rows dropped, then Return")
        print(f"  {len(model.rows)} matches shown")
    page.search_edit.clear()
    QTest.keyClick(page.search_edit, Qt.Key.Key_Return)  # no wait for the 300 ms delay
    run_until(lambda: model.rowCount() > 0 and page.total is not None, 60, "the list")

    high = page.severity_combo.findData("high")
    measure(
        "filter severity=high",
        lambda: page.severity_combo.setCurrentIndex(high),
        lambda: model.criteria.severity == "high" and model.rowCount() > 0,
        "severity combo: first page and count",
        also=lambda: page.total is not None,
    )
    print(f"  {page.total} findings of severity high")
    beat.stop()
    print(f"pages fetched while scrolling: {pages}; peak RSS of the process {peak_rss_mb():.0f} MB")
    close_window(shell)
    worst = max(s.gaps.max_ms for s in steps)
    return {
        "findings": findings,
        "steps": {
            s.name: {
                "gui_ms": round(s.gui_s * 1000, 1),
                "core_ms": round(s.core_s * 1000, 1),
                "ratio": round(s.gui_s / s.core_s, 2) if s.core_s else None,
                "gaps_ms": stats_dict(s.gaps),
            }
            for s in steps
        },
        "max_gap_ms": round(worst, 1),
        "searches_over_limit": {term: f"> {query_limit:.0f} s" for term in skipped},
    }


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048, help="size of the imported file")
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument(
        "--query-limit",
        type=float,
        default=60.0,
        help="seconds after which a core search reference is interrupted (its GUI step skipped)",
    )
    parser.add_argument("--part", choices=("both", "import", "findings"), default="both")
    parser.add_argument("--dir", type=Path, default=Path(".bench-gui"), help="work folder")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the GUI thread during each step"
    )
    args = parser.parse_args(argv)
    work = args.dir.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    private_environment(work)

    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from benchmarks.intake import disk_of, machine

    _app = QApplication.instance() or QApplication([sys.argv[0]])  # alive until the end
    quiet_offscreen()
    info = machine()
    info["disk"] = disk_of(work)
    info["qpa"] = QGuiApplication.platformName()
    info["kdf"] = "Argon2id at the floor (REVIEWSTATION_KDF_MS=0); unlocks are not timed"
    print("machine:", json.dumps(info))
    profiler = Profiler(args.profile)
    summary: dict[str, Any] = {}
    try:
        if args.part in ("both", "import"):
            summary["import"] = bench_import(work, args.size_mib, profiler)
        if args.part in ("both", "findings"):
            summary["findings"] = bench_findings(work, args.findings, profiler, args.query_limit)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    summary["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print("summary:", json.dumps(summary))
    verdicts = []
    if "import" in summary:
        worst = summary["import"]["import_gaps_ms"]["max"]
        verdicts.append(
            f"import: longest stall {worst:.0f} ms"
            f" ({'met' if worst <= STALL_MS else 'NOT met'}: at most {STALL_MS:.0f} ms)"
        )
    if "findings" in summary:
        worst = summary["findings"]["max_gap_ms"]
        verdicts.append(
            f"findings table: longest stall {worst:.0f} ms"
            f" ({'met' if worst <= STALL_MS else 'NOT met'}: at most {STALL_MS:.0f} ms)"
        )
    print("; ".join(verdicts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
