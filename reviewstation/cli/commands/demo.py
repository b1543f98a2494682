"""demo DIR"""

from __future__ import annotations

import argparse
from pathlib import Path

from reviewstation.cli import output


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="build a demo vault, export and verify a package")
    demo.add_argument("dir", type=Path, metavar="DIR")
    demo.set_defaults(run=_demo)


def _demo(args: argparse.Namespace) -> int:
    from reviewstation.app.demo import DEMO_PASSPHRASE, DEMO_USER, build_demo

    built = build_demo(args.dir)
    output.line(f"{built.vault} demo vault (user {DEMO_USER}, passphrase {DEMO_PASSPHRASE})")
    output.line(f"Package   {built.package}")
    output.line(f"Card      {built.card}")
    for check in built.verified:
        output.line(f"  ok: {check}")
    output.line("Package VALID")
    return 0
