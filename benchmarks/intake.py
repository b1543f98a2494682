"""Artifact import and export of a large file against the physical limits and a user's pipeline.

Targets (issue 15), each measured side by side in the same run on the same file:

- import within 1.2x of max(``dd if=FILE of=COPY bs=4M conv=fsync``, ``openssl dgst -sha384
  FILE``): the import is bound by the slower of writing the file and hashing it with SHA-384,
  which runs on one core and cannot be split;
- artifact export within 1.25x of ``dd conv=fsync``;
- import at least 1.5x faster than what a user would otherwise run: ``tee`` into ``openssl dgst
  -sha256`` and ``-sha384`` and into an encryption (``age -r`` where age is installed, else
  ``openssl enc -aes-256-ctr``: ``openssl enc`` has no AEAD mode), then ``sync`` of the output;
- peak RSS of the process doing the import under 200 MB, whatever the file size.

Each import and export runs in a child process (unlocked beforehand, so the Argon2id unlock is
not timed) whose peak RSS comes from ``wait4``. Every timed step starts from the same state
(:func:`settle`): write-back finished, then ``--settle`` seconds of quiet. Per run, the
references are sampled interleaved, then the import, then dd and the export alternate
(``--samples`` each, each first in turn), printed pair by pair so the noise is visible; the
ratios are ratios of the medians of all samples. By default the source file and the blob are
in the page cache for every measurement alike (just written, and RAM is larger); ``--cold``
drops the page cache before each measurement instead (root only), as from removable media.

    python -m benchmarks.intake [--size-mib 2048] [--runs 3] [--samples 3] [--settle 4]
                                [--dir DIR] [--cold]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import resource
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
SETTLE_S = 0.0  # set by main(); other benchmarks importing dd() keep the old behaviour


def _meminfo_kib(*names: str) -> int:
    total = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in names:
                total += int(value.split()[0])
    return total


def settle() -> float:
    """Bring the machine to the same state before every timed step; the seconds it took.

    ``sync``, then wait (at most 60 s) until the kernel has no dirty or write-back pages left,
    so that no step pays for the previous one's write-back; with ``--cold`` drop the page
    cache; then wait ``--settle`` seconds more. That last wait matters on a VM whose balloon
    driver reports free pages to the host (``virtio_balloon`` free page reporting, about 2 s
    after they are freed): a process that writes 1 GiB right after another freed 1 GiB reuses
    pages the host still backs and copies at memory speed, while one that starts later takes a
    host fault on every fresh page-cache page (``dd conv=fsync`` of 1 GiB: 0.5 s against
    3 s here). After the wait every step starts from the second state.
    """
    start = time.perf_counter()
    if not COLD and not SETTLE_S:
        return 0.0
    os.sync()
    while time.perf_counter() - start < 60:
        if _meminfo_kib("Dirty", "Writeback") < 4096:
            break
        time.sleep(0.1)
    if COLD:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    time.sleep(SETTLE_S)
    return time.perf_counter() - start


def drop_caches() -> None:
    """Before each timed step: settle (see above); with --cold, the page cache is dropped."""
    settle()


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


def openssl_sha384(source: Path) -> float:
    drop_caches()
    start = time.perf_counter()
    subprocess.run(["openssl", "dgst", "-sha384", str(source)], check=True, capture_output=True)
    return time.perf_counter() - start


def encryption(work: Path) -> tuple[str, str]:
    """(what, shell command reading stdin and writing stdout) for the user's pipeline."""
    if shutil.which("age") and shutil.which("age-keygen"):
        identity = work / "age-identity.txt"
        subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
        recipient = subprocess.run(
            ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
        ).stdout.strip()
        version = subprocess.run(["age", "--version"], capture_output=True, text=True).stdout
        return f"age {version.strip()} -r (X25519, ChaCha20-Poly1305)", f"age -r {recipient}"
    return (
        "openssl enc -aes-256-ctr (age is not installed; openssl enc has no AEAD mode)",
        "openssl enc -aes-256-ctr -pbkdf2 -pass pass:benchmark",
    )


PIPELINE = r"""
set -euo pipefail
cd "$1"
rm -f p256 p384 h256 h384 pipeline.out
mkfifo p256 p384
openssl dgst -sha256 < p256 > h256 & a=$!
openssl dgst -sha384 < p384 > h384 & b=$!
tee p256 p384 < "$2" | $3 > pipeline.out
wait "$a" "$b"
sync pipeline.out
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


PIPELINE_CPU: list[float] = []  # CPU seconds of each pipeline run (all its processes)


def pipeline(source: Path, work: Path, encrypt: str, expected: str) -> float:
    """The user's pipeline: tee into both hashes and the encryption, then sync the output."""
    drop_caches()
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(["bash", "-c", PIPELINE, "-", str(work), str(source), encrypt], check=True)
    seconds = time.perf_counter() - start
    PIPELINE_CPU.append(_children_cpu() - cpu)
    assert expected in (work / "h256").read_text(), "the pipeline's SHA-256 differs"
    for name in ("p256", "p384", "h256", "h384", "pipeline.out"):
        (work / name).unlink()
    return seconds


@dataclass(frozen=True)
class Run:
    dd_samples: list[float]
    sha384_samples: list[float]
    pipeline_samples: list[float]
    pipeline_cpu: float  # median CPU seconds of the pipeline's processes
    import_s: float
    import_cpu: float
    import_rss: float
    export_samples: list[float]
    export_rss: float
    export_cpu: float

    @property
    def dd(self) -> float:
        return statistics.median(self.dd_samples)

    @property
    def sha384(self) -> float:
        return statistics.median(self.sha384_samples)

    @property
    def pipeline(self) -> float:
        return statistics.median(self.pipeline_samples)

    @property
    def export_s(self) -> float:
        return statistics.median(self.export_samples)

    @property
    def import_ratio(self) -> float:
        """Import / max(dd conv=fsync, openssl dgst -sha384): target <= 1.2."""
        return self.import_s / max(self.dd, self.sha384)

    @property
    def export_ratio(self) -> float:
        """Export / dd conv=fsync: target <= 1.25."""
        return self.export_s / self.dd

    @property
    def speedup(self) -> float:
        """The user's pipeline / import: target >= 1.5."""
        return self.pipeline / self.import_s


def _times(samples: list[float]) -> str:
    return ", ".join(f"{t:.2f}" for t in samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-kib", type=int, default=1024, help="STREAM chunk size")
    parser.add_argument("--dir", type=Path, default=Path(".bench-intake"))
    parser.add_argument("--samples", type=int, default=3, help="samples of each step per run")
    parser.add_argument(
        "--settle",
        type=float,
        default=4.0,
        help="seconds to wait, after write-back has finished, before every timed step",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="drop the page cache before every measurement (needs root)",
    )
    args = parser.parse_args(argv)
    global COLD, SETTLE_S
    COLD = args.cold
    SETTLE_S = args.settle

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
    info["openssl"] = subprocess.run(
        ["openssl", "version"], capture_output=True, text=True
    ).stdout.strip()
    print("machine:", json.dumps(info))
    cpu = primitives(size)
    print(
        "CPU per GiB: "
        + ", ".join(f"{k} {v:.2f} s" for k, v in cpu.items() if not k.startswith("floor"))
        + f"; floor for this file: {cpu['floor_one_core_s']:.2f} s on one core,"
        f" {cpu['floor_two_cores_s']:.2f} s on two"
    )
    what, encrypt = encryption(work)
    print(f"user's pipeline: tee | openssl dgst -sha256, -sha384 | {what}; sync")
    print(
        f"before every timed step: sync, wait for write-back, {'drop the page cache, ' * COLD}"
        f"then {SETTLE_S:g} s"
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
            dd_s: list[float] = []
            sha_s: list[float] = []
            pipe_s: list[float] = []
            PIPELINE_CPU.clear()
            for _ in range(args.samples):  # the references interleaved, not one after another
                dd_s.append(dd(source, work / "dd.out"))
                sha_s.append(openssl_sha384(source))
                pipe_s.append(pipeline(source, work, encrypt, expected))
            pipe_cpu = statistics.median(PIPELINE_CPU)
            imported, rss_in = child("import", str(vault), str(source), chunk, PASS)
            assert imported["sha256"] == expected, "import hash differs from the source's"
            out = work / "export.out"
            export_s: list[float] = []
            export_cpu: list[float] = []
            rss_out = 0.0
            pairs: list[str] = []
            for turn in range(args.samples):  # dd and export alternate, each first in turn
                for step in ("dd", "export") if turn % 2 == 0 else ("export", "dd"):
                    if step == "dd":
                        dd_s.append(dd(source, work / "dd.out"))
                        continue
                    exported, rss = child(
                        "export", str(vault), str(out), chunk, PASS, str(imported["id"])
                    )
                    with out.open("rb") as handle:
                        digest = hashlib.file_digest(handle, "sha256").hexdigest()
                    assert digest == expected, "the export differs from the source"
                    out.unlink()
                    export_s.append(float(str(exported["seconds"])))
                    export_cpu.append(float(str(exported["cpu"])))
                    rss_out = max(rss_out, rss)
                pairs.append(f"export {export_s[-1]:.2f} / dd {dd_s[-1]:.2f}")
            with open_vault(vault, PASS) as session:
                erase_artifact(session, int(str(imported["id"])), "benchmark run done")
            run = Run(
                dd_s,
                sha_s,
                pipe_s,
                pipe_cpu,
                float(str(imported["seconds"])),
                float(str(imported["cpu"])),
                rss_in,
                export_s,
                rss_out,
                statistics.median(export_cpu),
            )
            rows.append(run)
            print(
                f"run {number}: dd conv=fsync {run.dd:.2f} s ({_times(dd_s)}); openssl"
                f" sha384 {run.sha384:.2f} s ({_times(sha_s)}); pipeline {run.pipeline:.2f} s"
                f" ({_times(pipe_s)})\n"
                f"  import {run.import_s:.2f} s ({size / run.import_s / 2**20:.0f} MiB/s, CPU"
                f" {run.import_cpu:.1f} s, peak RSS {rss_in:.0f} MB) = {run.import_ratio:.2f}x"
                f" of max(dd, sha384); the pipeline takes {run.speedup:.2f}x the import\n"
                f"  export {run.export_s:.2f} s ({_times(export_s)}; peak RSS {rss_out:.0f} MB)"
                f" = {run.export_ratio:.2f}x of dd; alternating: {'; '.join(pairs)}\n"
                f"  CPU seconds (load-independent): import {run.import_cpu:.1f} (its child, with"
                f" start-up and unlock), pipeline {run.pipeline_cpu:.1f}, export"
                f" {run.export_cpu:.1f} (its child)",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    def pooled(field: str) -> float:
        """The median of every sample of every run: ratios below are ratios of these."""
        values: list[float] = []
        for row in rows:
            value = getattr(row, field)
            values.extend(value if isinstance(value, list) else [value])
        return statistics.median(values)

    dd_all = pooled("dd_samples")
    sha_all = pooled("sha384_samples")
    import_all = pooled("import_s")
    summary = {
        "size_mib": args.size_mib,
        "chunk_kib": args.chunk_kib,
        "cold_cache": args.cold,
        "settle_s": SETTLE_S,
        "runs": len(rows),
        "encryption": what,
        "median_dd_s": dd_all,
        "median_openssl_sha384_s": sha_all,
        "median_pipeline_s": pooled("pipeline_samples"),
        "median_import_s": import_all,
        "median_import_cpu_s": pooled("import_cpu"),
        "median_pipeline_cpu_s": pooled("pipeline_cpu"),
        "median_export_s": pooled("export_samples"),
        "median_export_cpu_s": pooled("export_cpu"),
        "import_over_max_dd_sha384": import_all / max(dd_all, sha_all),
        "export_over_dd": pooled("export_samples") / dd_all,
        "pipeline_over_import": pooled("pipeline_samples") / import_all,
        "per_run_export_over_dd": [round(r.export_ratio, 2) for r in rows],
        "per_run_import_over_max": [round(r.import_ratio, 2) for r in rows],
        "max_import_rss_mb": max(r.import_rss for r in rows),
        "max_export_rss_mb": max(r.export_rss for r in rows),
        "unlock_only_rss_mb": rss_base,
        "cpu_floor_s": {"one_core": cpu["floor_one_core_s"], "two_cores": cpu["floor_two_cores_s"]},
        "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    print("summary:", json.dumps(summary))
    peak = max(summary["max_import_rss_mb"], summary["max_export_rss_mb"])
    checks = [
        (
            "import / max(dd conv=fsync, openssl sha384)",
            summary["import_over_max_dd_sha384"],
            "<= 1.2",
            summary["import_over_max_dd_sha384"] <= 1.2,
        ),
        (
            "export / dd conv=fsync",
            summary["export_over_dd"],
            "<= 1.25",
            summary["export_over_dd"] <= 1.25,
        ),
        (
            "user's pipeline / import",
            summary["pipeline_over_import"],
            ">= 1.5",
            summary["pipeline_over_import"] >= 1.5,
        ),
    ]
    print("ratios of the medians of all samples of all runs:")
    for label, value, target, met in checks:
        print(f"{label}: {value:.2f}x (target {target}): {'met' if met else 'NOT met'}")
    print(f"peak RSS: {peak:.0f} MB (target < 200): {'met' if peak < 200 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
