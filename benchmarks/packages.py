"""Package export with 1 GiB of evidence against ``dd conv=fsync``; verify against sha384sum.

Targets (issue 5): export within 2x of ``dd if=EVIDENCE of=COPY bs=4M conv=fsync`` of the same
bytes measured in the same run; ``package verify`` within 1.5x of ``sha384sum`` of the package;
peak RSS under 200 MB. Export and verify run in child processes (the unlock's Argon2id is not
timed; the peak RSS includes its 64 MiB).

    python -m benchmarks.packages [--size-mib 1024] [--runs 2] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.intake import dd, disk_of, machine, make_source

PASS = "benchmark passphrase"
CHILD = r"""
import json, sys, time
from pathlib import Path
from reviewstation.crypto.identity import parse_card
mode, vault, target, card = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
result = {}
if mode == "export":
    from reviewstation.packages.export import export_package
    from reviewstation.vault.session import open_vault
    with open_vault(vault, sys.argv[5]) as session:
        start = time.perf_counter()
        export_package(session, 1, target, evidence=["1"])
        result["seconds"] = time.perf_counter() - start
else:
    from reviewstation.packages.verify import verify_package
    trusted = [parse_card(Path(card).read_bytes())]
    start = time.perf_counter()
    with verify_package(target, trusted) as package:
        result["members"] = len(package.zip.names())
    result["seconds"] = time.perf_counter() - start
print(json.dumps(result), flush=True)
"""


def child(*args: str) -> tuple[float, float]:
    """(seconds the child measured, its peak RSS in MB)."""
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("child failed")
    return float(json.loads(output)["seconds"]), usage.ru_maxrss / 1024


def sha384sum(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["sha384sum", str(path)], check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path(".bench-packages"))
    args = parser.parse_args(argv)

    from reviewstation.artifacts.intake import add_artifacts
    from reviewstation.crypto.identity import export_card
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.reviews.service import create_review
    from reviewstation.vault.session import create_vault, open_vault

    work = args.dir.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    info = machine()
    info["disk"] = disk_of(work)
    print("machine:", json.dumps(info))
    evidence = work / "evidence.bin"
    print(f"writing {args.size_mib} MiB of evidence and importing it ...", flush=True)
    make_source(evidence, args.size_mib * 1024 * 1024)
    vault = work / "bench.rsvault"
    create_vault(vault, "bench", PASS, kdf=floor_params())
    with open_vault(vault, PASS) as session:
        create_review(session, title="bench", developer="bench", model_name="bench")
        add_artifacts(session, 1, [evidence])
        assert session.identity is not None
        card = work / "bench.card"
        card.write_bytes(
            export_card(session.identity, session.user.public_identity(session.vault_id))
        )
    try:
        for number in range(1, args.runs + 1):
            reference = statistics.median(dd(evidence, work / "dd.out") for _ in range(3))
            package = work / f"run{number}.rspkg"
            export_s, export_rss = child("export", str(vault), str(package), str(card), PASS)
            sums_s = statistics.median(sha384sum(package) for _ in range(3))
            verify_s, verify_rss = child("verify", str(vault), str(package), str(card))
            print(
                f"run {number}: export {export_s:.2f} s vs dd conv=fsync {reference:.2f} s ="
                f" {export_s / reference:.2f}x (target 2.0), peak RSS {export_rss:.0f} MB;"
                f" verify {verify_s:.2f} s vs sha384sum {sums_s:.2f} s ="
                f" {verify_s / sums_s:.2f}x (target 1.5), peak RSS {verify_rss:.0f} MB",
                flush=True,
            )
            package.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
