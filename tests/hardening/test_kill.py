"""kill -9 at random moments during every kind of write (see faults.py for the invariants).

The default suite runs a few kills per scenario; ``make test-long`` runs many."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from hardening.faults import SCENARIOS, Figures, kill_runs, write_figures

FAST_RUNS = 2
LONG_RUNS = 25


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_kill_fast(name: str, tmp_path: Path) -> None:
    kill_runs(name, FAST_RUNS, tmp_path, seed=zlib.crc32(name.encode()), figures=Figures())


@pytest.mark.long
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_kill_long(name: str, tmp_path: Path) -> None:
    figures = Figures()
    kill_runs(name, LONG_RUNS, tmp_path, seed=20260517, figures=figures)
    write_figures(figures, f"kill:{name}")
    print(name, figures)
