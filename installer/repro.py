"""Reproducibility check: build one commit twice, from two clones at different paths, and compare.

Usage: python installer/repro.py [--commit REV] [--workdir DIR]

Each clone is built with installer/build.py by this interpreter (the project's venv), so the only
differences between the two builds are the checkout path, the build and dist paths and the
time of day. Every file of the two dist trees is compared by SHA-256 (symbolic links by target,
and the executable bit); the differences are listed, and the exit status is 1 if there are any
that installer/README.md does not document as expected (currently: none).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Files allowed to differ between two builds of one commit (relative to dist/reviewstation).
EXPECTED_DIFFERENCES: frozenset[str] = frozenset()


def fingerprint(root: Path) -> dict[str, str]:
    """Relative path -> what must be identical: content hash, link target, executable bit."""
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            out[rel] = f"link -> {path.readlink().as_posix()}"
        elif stat.S_ISDIR(info.st_mode):
            out[rel] = "dir"
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            executable = "x" if info.st_mode & stat.S_IXUSR else "-"
            out[rel] = f"{digest} {executable}"
    return out


def build(commit: str, place: Path) -> Path:
    if place.exists():
        shutil.rmtree(place)
    source = place / "src"
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(source)], check=True)
    checkout = ["git", "-C", str(source), "checkout", "--quiet", "--detach", commit]
    subprocess.run(checkout, check=True)
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            str(source / "installer" / "build.py"),
            "--distpath",
            str(place / "dist"),
            "--workpath",
            str(place / "work"),
        ],
        check=True,
    )
    print(f"repro: built {commit[:12]} in {place} ({time.monotonic() - started:.0f} s)")
    return place / "dist" / "reviewstation"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build one commit twice and compare the files.")
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--workdir", type=Path, default=REPO / "build" / "repro")
    args = parser.parse_args(argv)
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", args.commit],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Different path lengths on purpose: an embedded build path would shift everything after it.
    first = fingerprint(build(commit, args.workdir.resolve() / "one"))
    second = fingerprint(build(commit, args.workdir.resolve() / "second-build"))
    differing = sorted(
        rel for rel in first.keys() | second.keys() if first.get(rel) != second.get(rel)
    )
    unexpected = [rel for rel in differing if rel not in EXPECTED_DIFFERENCES]
    files = sum(1 for value in first.values() if value != "dir")
    report = args.workdir.resolve() / "report.txt"
    lines = [f"commit {commit}", f"{files} entries compared", f"{len(differing)} differ"]
    lines += [f"  {rel}: {first.get(rel)} | {second.get(rel)}" for rel in differing]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(f"repro: {line}" for line in lines[:20]))
    if unexpected:
        print(f"repro: FAIL, {len(unexpected)} unexpected differences (see {report})")
        return 1
    print(f"repro: OK, the two builds are identical file for file ({report})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
