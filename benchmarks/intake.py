"""Artifact import and export of a large file against ``dd ... conv=fsync`` of the same file.

Targets (issue 3): import within 1.25x of ``dd if=FILE of=COPY bs=4M conv=fsync`` measured in
the same run; export likewise; peak RSS of the process doing the import under 200 MB,
whatever the file size. Each import and export runs in a child process (unlocked beforehand,
so the Argon2id unlock is not timed) whose peak RSS comes from ``wait4``. By default the source
file is in the page cache for dd and for the import alike (it was just written, and RAM is
larger); ``--cold`` drops the page cache before each measurement instead (root only), so both
read it from the disk, as from removable media.

    python -m benchmarks.intake [--size-mib 2048] [--runs 3] [--dir DIR] [--chunk-kib 1024] [--cold]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PASS = "benchmark passphrase"
BLOCK = 4 * 1024 * 1024

CHILD = r"""
import json, sys, time
from pathlib import Path
from reviewstation.artifacts.export import export_artifact
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.vault.session import open_vault
mode, vault, target, chunk = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
with open_vault(vault, sys.argv[5]) as session:
    start = time.perf_counter()
    if mode == "noop":
        result = {}
    elif mode == "import":
        artifact = add_artifacts(session, 1, [Path(target)], chunk_size=chunk).added[0]
        result = {"id": artifact.id, "sha256": artifact.sha256}
    else:
        export_artifact(session, int(sys.argv[6]), Path(target))
        result = {}
    result["seconds"] = time.perf_counter() - start
print(json.dumps(result), flush=True)
"""


def machine() -> dict[str, str]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def disk_of(path: Path) -> str:
    try:
        out = subprocess.run(
            ["df", "--output=source,fstype,size", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[1]
        device = out.split()[0]
        name = Path(device).name
        rotational = Path(f"/sys/block/{name}/queue/rotational")
        kind = ""
        if rotational.exists():
            kind = " (rotational)" if rotational.read_text().strip() == "1" else " (non-rotational)"
        return " ".join(out.split()) + kind
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "?"


def primitives(size: int) -> dict[str, float]:
    """Seconds per GiB of each CPU step on this machine (one thread, 1 MiB buffers)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    block = os.urandom(1024 * 1024)
    count = 256
    out = {}
    steps: dict[str, Callable[[], bytes]] = {
        "sha256": lambda: hashlib.sha256(block).digest(),
        "sha384": lambda: hashlib.sha384(block).digest(),
        "aes256gcm": lambda: AESGCM(bytes(32)).encrypt(bytes(12), block, b""),
    }
    for name, step in steps.items():
        start = time.perf_counter()
        for _ in range(count):
            step()
        out[name] = (time.perf_counter() - start) * 4  # 256 MiB -> per GiB
    out["floor_one_core_s"] = sum(out.values()) * size / 2**30
    out["floor_two_cores_s"] = max(out["sha384"], out["sha256"] + out["aes256gcm"]) * size / 2**30
    return out


def make_source(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        left = size
        while left:
            block = os.urandom(min(BLOCK, left))
            digest.update(block)
            handle.write(block)
            left -= len(block)
        handle.flush()
        os.fsync(handle.fileno())
    return digest.hexdigest()


COLD = False


def drop_caches() -> None:
    """With --cold: sync and drop the page cache, so the next read comes from the disk."""
    if COLD:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")


def dd(source: Path, target: Path) -> float:
    drop_caches()
    start = time.perf_counter()
    subprocess.run(
        ["dd", f"if={source}", f"of={target}", "bs=4M", "conv=fsync", "status=none"], check=True
    )
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def child(*args: str) -> tuple[dict[str, object], float]:
    """Run the child; (its JSON result with its CPU seconds, its peak RSS in MB)."""
    drop_caches()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child failed ({process.returncode})")
    result = json.loads(output)
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return result, usage.ru_maxrss / 1024


@dataclass(frozen=True)
class Run:
    dd_import_samples: list[float]
    import_s: float
    import_cpu: float
    import_rss: float
    dd_export_samples: list[float]
    export_s: float
    export_rss: float

    @property
    def dd_import(self) -> float:
        return statistics.median(self.dd_import_samples)

    @property
    def dd_export(self) -> float:
        return statistics.median(self.dd_export_samples)

    @property
    def import_ratio(self) -> float:
        return self.import_s / self.dd_import

    @property
    def export_ratio(self) -> float:
        return self.export_s / self.dd_export


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-kib", type=int, default=1024, help="STREAM chunk size")
    parser.add_argument("--dir", type=Path, default=Path(".bench-intake"))
    parser.add_argument("--dd-samples", type=int, default=3, help="dd runs per reference")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="drop the page cache before every dd, import and export (needs root)",
    )
    args = parser.parse_args(argv)
    global COLD
    COLD = args.cold

    from reviewstation.artifacts.erase import erase_artifact
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.reviews.service import create_review
    from reviewstation.vault.session import create_vault, open_vault

    work = args.dir.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    size = args.size_mib * 1024 * 1024
    chunk = str(args.chunk_kib * 1024)
    info = machine()
    info["disk"] = disk_of(work)
    print("machine:", json.dumps(info))
    cpu = primitives(size)
    print(
        "CPU per GiB: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in cpu.items() if not k.startswith("floor"))
        + f"; floor for this file: {cpu['floor_one_core_s']:.2f} s on one core,"
        f" {cpu['floor_two_cores_s']:.2f} s on two"
    )
    source = work / "source.bin"
    print(f"writing a {args.size_mib} MiB random source file ...", flush=True)
    expected = make_source(source, size)
    vault = work / "bench.rsvault"
    create_vault(vault, "bench", PASS, kdf=floor_params())
    with open_vault(vault, PASS) as session:
        create_review(session, title="bench", developer="bench", model_name="bench")

    _, rss_base = child("noop", str(vault), "-", chunk, PASS)
    print(f"peak RSS of a child that only unlocks (Argon2id, 64 MiB): {rss_base:.0f} MB")
    rows: list[Run] = []
    try:
        for number in range(1, args.runs + 1):
            dd_in = [dd(source, work / "dd-import.out") for _ in range(args.dd_samples)]
            imported, rss_in = child("import", str(vault), str(source), chunk, PASS)
            assert imported["sha256"] == expected, "import hash differs from the source's"
            dd_out = [dd(source, work / "dd-export.out") for _ in range(args.dd_samples)]
            out = work / "export.out"
            exported, rss_out = child(
                "export", str(vault), str(out), chunk, PASS, str(imported["id"])
            )
            with out.open("rb") as handle:
                assert hashlib.file_digest(handle, "sha256").hexdigest() == expected
            out.unlink()
            with open_vault(vault, PASS) as session:
                erase_artifact(session, int(str(imported["id"])), "benchmark run done")
            run = Run(
                dd_in,
                float(str(imported["seconds"])),
                float(str(imported["cpu"])),
                rss_in,
                dd_out,
                float(str(exported["seconds"])),
                rss_out,
            )
            rows.append(run)
            print(
                f"run {number}: dd {run.dd_import:5.2f} s (median of"
                f" {', '.join(f'{t:.2f}' for t in dd_in)}) import {run.import_s:5.2f} s"
                f" = {run.import_ratio:.2f}x ({size / run.import_s / 2**20:.0f} MiB/s,"
                f" CPU {run.import_cpu:.1f} s, peak RSS {rss_in:.0f} MB) | dd"
                f" {run.dd_export:5.2f} s export {run.export_s:5.2f} s ="
                f" {run.export_ratio:.2f}x (peak RSS {rss_out:.0f} MB)",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    all_dd = [t for r in rows for t in r.dd_import_samples + r.dd_export_samples]
    summary = {
        "size_mib": args.size_mib,
        "chunk_kib": args.chunk_kib,
        "cold_cache": args.cold,
        "runs": len(rows),
        "dd_s": {"min": min(all_dd), "median": statistics.median(all_dd), "max": max(all_dd)},
        "median_import_s": statistics.median(r.import_s for r in rows),
        "median_import_ratio": statistics.median(r.import_ratio for r in rows),
        "median_export_s": statistics.median(r.export_s for r in rows),
        "median_export_ratio": statistics.median(r.export_ratio for r in rows),
        "max_import_rss_mb": max(r.import_rss for r in rows),
        "max_export_rss_mb": max(r.export_rss for r in rows),
        "unlock_only_rss_mb": rss_base,
        "cpu_floor_s": {"one_core": cpu["floor_one_core_s"], "two_cores": cpu["floor_two_cores_s"]},
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    ratio_met = summary["median_import_ratio"] <= 1.25
    rss_met = summary["max_import_rss_mb"] < 200
    print("summary:", json.dumps(summary))
    print(
        f"import within 1.25x of dd: {'met' if ratio_met else 'NOT met'};"
        f" peak RSS under 200 MB: {'met' if rss_met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
