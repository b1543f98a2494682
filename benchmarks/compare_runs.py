"""Comparing two Inspect runs of 10,000 samples each, in the core (issue 18: within 2 s).

Two ``.eval`` logs are written as inspect_ai writes them (header, ``summaries.json``, one
member per sample with a transcript of ``--messages`` messages), A and B with known solve
rates. Measured: reading both logs' rows and comparing them (pass/fail scorer: Wilson and
exact McNemar), and the same for a numeric scorer (adds the seeded joint bootstrap). Reference,
in the same run: decompressing and ``json.loads`` of the two ``summaries.json`` members alone,
the floor for anything that reads the scores. With ``--invalidate N`` (triage labels), the
pass/fail comparison is timed again with N of B's samples invalidated: the raw and the triaged
comparison, as ``compare_artifacts`` gives them when confirmed labels exist.

    python -m benchmarks.compare_runs [--samples N] [--messages N] [--repeats N] [--resamples N]
        [--invalidate N]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import statistics
import time
import zipfile
from collections.abc import Callable

from reviewstation.analysis import comparison, runs
from reviewstation.analysis.comparison import Options, Run


def make_log(samples: int, messages: int, solve_rate: float, seed: int) -> bytes:
    rng = random.Random(seed)
    eval_spec = {"task": "ctf", "model": f"mockllm/{seed}", "created": "2026-12-07T00:00:00Z"}
    header = {"version": 2, "status": "success", "eval": eval_spec}
    summaries = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_journal/start.json", json.dumps(header))
        for i in range(1, samples + 1):
            solved = rng.random() < solve_rate
            scores = {
                "includes": {"value": "C" if solved else "I", "answer": "flag{...}"},
                "partial": {"value": round(rng.random(), 3)},
            }
            summary = {
                "id": f"task-{i}",
                "epoch": 1,
                "input": "Find the flag hidden in the service. " * 4,
                "target": "flag{x}",
                "scores": scores,
                "model_usage": {eval_spec["model"]: {"input_tokens": 900, "output_tokens": 300}},
                "total_time": 12.5,
                "working_time": 11.0,
                "uuid": f"{seed}-{i}",
                "retries": 0,
                "completed": True,
                "message_count": messages,
                "error": None,
                "limit": "message" if rng.random() < 0.02 else None,
            }
            summaries.append(summary)
            transcript = [
                {"role": "assistant" if m % 2 else "user", "content": f"step {m} " * 40}
                for m in range(messages)
            ]
            archive.writestr(
                f"samples/task-{i}_epoch_1.json", json.dumps({**summary, "messages": transcript})
            )
        archive.writestr("summaries.json", json.dumps(summaries))
        archive.writestr("header.json", json.dumps(header))
    return buffer.getvalue()


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    parser.add_argument(
        "--invalidate", type=int, default=100, help="B's samples a triage label invalidates"
    )
    args = parser.parse_args()
    logs = [
        make_log(args.samples, args.messages, rate, seed) for rate, seed in ((0.4, 1), (0.5, 2))
    ]
    print(
        f"{args.samples} samples per log;"
        f" log sizes {', '.join(f'{len(d) >> 20} MiB' for d in logs)}"
    )

    def reference() -> None:
        for data in logs:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                json.loads(archive.read("summaries.json"))

    gone = {"B": [f"{i}@1" for i in range(1, args.invalidate + 1)]}

    def compare(scorer: str, triaged: bool = False) -> Callable[[], object]:
        def run() -> object:
            loaded = [
                Run(label, label, label, runs.read_rows(io.BytesIO(d), len(d)))
                for label, d in zip("AB", logs, strict=True)
            ]
            options = Options(scorer=scorer, resamples=args.resamples)
            return comparison.compare(loaded, options, gone if triaged else None)

        return run

    ref = statistics.median(timed(reference, args.repeats))
    print(f"reference: unzip + json.loads of both summaries.json, median {ref:.3f} s")
    for scorer, what, triaged in (
        ("includes", "pass/fail (Wilson, exact McNemar)", False),
        ("includes", f"pass/fail, raw + triaged ({args.invalidate} invalidated)", True),
        ("partial", f"numeric (+ joint bootstrap, {args.resamples} resamples)", False),
    ):
        if triaged and not args.invalidate:
            continue
        times = timed(compare(scorer, triaged), args.repeats)
        median = statistics.median(times)
        print(
            f"compare, {what}: median {median:.3f} s (min {min(times):.3f}, max {max(times):.3f});"
            f" {median / ref:.2f}x reference; target 2 s"
        )
    result = compare("includes")()
    assert isinstance(result, comparison.Comparison)
    test = result.tests[0]
    print(
        f"check: aligned {result.aligned}, b={test.base_only} c={test.other_only},"
        f" p={test.mcnemar_p:.3g}"
    )


if __name__ == "__main__":
    main()
