"""Start-up cost of the command line, as whole processes against ``python -c pass``.

Targets (issue 16): ``reviewstation --version`` within **4x** of ``python -c pass``; a read
command on a small vault spends at most **0.15 s** beyond its Argon2id unlock. References
measured in the same run: ``python -c pass`` (the interpreter alone, same executable, same
``site``) and the unlock's Argon2id derivation with the vault's own key-slot parameters, timed
in this process (what the read command cannot avoid).

Each command runs ``--runs`` times, interleaved with the references (so a burst of load from
another process hits all of them alike); the figures are the minimum and the median wall time.
The child processes may write bytecode caches (an installed package has them; the first,
untimed round writes them), so compiling the sources is not counted as start-up.

    python -m benchmarks.cli_startup [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewstation.crypto.kdf import derive_argon2
from reviewstation.vault.header import load_header

PASS = "benchmark passphrase"
VERSION_TARGET = 4.0  # x python -c pass
READ_TARGET = 0.15  # seconds beyond the unlock


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def build_vault(folder: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """A small vault (one user, one review, three findings, a checklist run) made with the
    command line itself; Argon2id at its floor (64 MiB, 3 passes), which the unlock
    reference uses too."""
    vault = folder / "small.rsvault"
    secret = folder / "pass.txt"
    secret.write_text(PASS + "\n")
    rs = [sys.executable, "-m", "reviewstation"]
    unlock = ["--passphrase-file", str(secret)]
    env = env | {"REVIEWSTATION_KDF_MS": "0"}
    steps = [
        ["vault", "init", str(vault), "--user", "lead"],
        [
            "review",
            "create",
            str(vault),
            "--title",
            "Model X",
            "--developer",
            "Lab",
            "--model",
            "x",
        ],
        *(
            ["finding", "add", str(vault), "--review", "1", "--severity", "high", "--title", title]
            for title in ("Finding 1", "Finding 2", "Finding 3")
        ),
        ["checklist", "start", str(vault), "--review", "1", "--template", "cyber-capability"],
    ]
    for step in steps:
        run([*rs, *step, *unlock], env)
    return vault, secret


def unlock_seconds(vault: Path) -> tuple[float, float]:
    """The Argon2id derivation an unlock of this vault performs, with its slot's parameters:
    (wall seconds, CPU seconds of this process)."""
    slot = next(s for s in load_header(vault).slots if s.kdf is not None)
    assert slot.kdf is not None
    start, cpu = time.perf_counter(), time.process_time()
    derive_argon2(PASS.encode(), slot.kdf, b"benchmark")
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    py = sys.executable
    rs = [py, "-m", "reviewstation"]
    with tempfile.TemporaryDirectory(prefix="rs-cli-bench-") as tmp:
        vault, secret = build_vault(Path(tmp), env)
        unlock = ["--passphrase-file", str(secret)]
        commands: dict[str, list[str]] = {
            "python -c pass": [py, "-c", "pass"],
            "reviewstation --version": [*rs, "--version"],
            "reviewstation --help": [*rs, "--help"],
            "review list": [*rs, "review", "list", str(vault), *unlock],
            "review show": [*rs, "review", "show", str(vault), "1", *unlock],
            "finding list": [*rs, "finding", "list", str(vault), "--review", "1", *unlock],
            "checklist show": [*rs, "checklist", "show", str(vault), "1", *unlock],
            "audit log": [*rs, "audit", "log", str(vault), *unlock],
        }
        for argv in commands.values():  # untimed: bytecode caches, page cache
            run(argv, env)
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        kdf_wall: list[float] = []
        kdf_cpu: list[float] = []
        for _ in range(args.runs):
            for name, argv in commands.items():
                elapsed, used = run(argv, env)
                wall[name].append(elapsed)
                cpu[name].append(used)
            elapsed, used = unlock_seconds(vault)
            kdf_wall.append(elapsed)
            kdf_cpu.append(used)

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{platform.python_implementation()} {platform.python_version()} on {platform.machine()},"
    )
    print(f"{os.cpu_count()} CPUs, load average {load}; {args.runs} runs each, minimum (median)")
    print()
    header = f"{'':<26}{'wall s':>15}{'x pass':>8}{'- unlock':>10}{'CPU s':>15}{'- unlock':>10}"
    print(header)
    rows = {"Argon2id unlock (alone)": (kdf_wall, kdf_cpu)} | {
        name: (wall[name], cpu[name]) for name in commands
    }
    base_wall = min(wall["python -c pass"])
    unlock_wall, unlock_cpu = min(kdf_wall), min(kdf_cpu)
    for name, (w, c) in rows.items():
        reads = name not in _NO_UNLOCK
        cells = [
            f"{min(w):.3f} ({statistics.median(w):.3f})",
            f"{min(w) / base_wall:.2f}",
            f"{min(w) - unlock_wall:.3f}" if reads else "",
            f"{min(c):.3f} ({statistics.median(c):.3f})",
            f"{min(c) - unlock_cpu:.3f}" if reads else "",
        ]
        print(f"{name:<26}{cells[0]:>15}{cells[1]:>8}{cells[2]:>10}{cells[3]:>15}{cells[4]:>10}")
    print()
    version = min(wall["reviewstation --version"]) / base_wall
    verdict = "met" if version <= VERSION_TARGET else "NOT met"
    print(
        f"--version / python -c pass (wall): {version:.2f}x (target {VERSION_TARGET:g}x): {verdict}"
    )
    beyond = {n: min(w) - unlock_wall for n, w in wall.items() if n not in _NO_UNLOCK}
    worst = max(beyond, key=lambda n: beyond[n])
    verdict = "met" if beyond[worst] <= READ_TARGET else "NOT met"
    print(
        f"read command beyond its unlock (wall), worst: {worst}, {beyond[worst]:.3f} s "
        f"(target {READ_TARGET:g} s): {verdict}"
    )


_NO_UNLOCK = {
    "Argon2id unlock (alone)",
    "python -c pass",
    "reviewstation --version",
    "reviewstation --help",
}

if __name__ == "__main__":
    main()
