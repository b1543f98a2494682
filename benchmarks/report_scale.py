"""Package export of large valid inputs: is its cost linear in the input? (issue 13, class 7)

For each kind of long input (a one-word body, prose, a code block, many long checklist notes),
exports a package at size N and at 4N, each in a child process, and prints the seconds, the
peak RSS and the ratio of time per input character at 4N to that at N: 1.0 is linear, 4.0 is
quadratic. The reference is the same export at N, measured in the same run. The largest body is
the 1 MiB a finding may hold (an imported body is held to the same limit).

    python -m benchmarks.report_scale [--scale 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.intake import machine

CHILD = r"""
import json, sys, time
from pathlib import Path
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.crypto.kdf import floor_params
from reviewstation.findings.service import add_finding
from reviewstation.packages.export import export_package
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import create_vault, open_vault

kind, size, folder = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
vault = folder / "v.rsvault"
create_vault(vault, "alice", "benchmark passphrase", marking="CUI", kdf=floor_params())
with open_vault(vault, "benchmark passphrase") as s:
    review = create_review(s, title="Scale", developer="Lab", model_name="M")
    if kind == "notes":
        run = start_run(s, review.id, "cyber-capability")
        note = ("note " * 4000)[:20_000]
        for answer in run.answers[:size]:
            set_answer(s, run.id, answer.item_id, status="not_a_finding", note=note)
    else:
        body = {
            "one-word body": "A" * size,
            "prose body": ("word " * size)[:size],
            "code body": "```\n" + ("x = 1\n" * size)[: size - 8] + "\n```",
            "emphasis line": ("*a " * size)[:size],
        }[kind]
        add_finding(s, review.id, title="Long", severity="high", body=body)
    start = time.perf_counter()
    export_package(s, review.id, folder / "p.rspkg")
    seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds}))
"""

CASES = {  # kind: (N, unit)
    "one-word body": (256 * 1024, "characters"),
    "prose body": (256 * 1024, "characters"),
    "code body": (256 * 1024, "characters"),
    "emphasis line": (256 * 1024, "characters of '*a *a ...' on one line"),
    "notes": (12, "notes of 20,000 characters"),
}


def child(kind: str, size: int) -> tuple[float, float]:
    """(seconds the export took, the child's peak RSS in MB)."""
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, kind, str(size), folder], stdout=subprocess.PIPE
        )
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{kind}: the export failed")
        return float(json.loads(output)["seconds"]), usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every N")
    args = parser.parse_args(argv)
    print(json.dumps(machine()))
    print(f"{'input':<15} {'N':>9} {'s at N':>8} {'s at 4N':>8} {'MB at 4N':>9} {'ratio':>6}")
    for kind, (base, unit) in CASES.items():
        size = max(1, int(base * args.scale))
        small, _ = child(kind, size)
        large, rss = child(kind, 4 * size)
        ratio = (large / 4) / small
        print(f"{kind:<15} {size:>9} {small:>8.2f} {large:>8.2f} {rss:>9.0f} {ratio:>6.2f}  {unit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
