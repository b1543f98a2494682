"""The ``reviewstation`` command line: a thin front end over the same services as the GUI."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from reviewstation import __version__
from reviewstation.cli import output
from reviewstation.cli.commands import (
    artifact,
    audit,
    checklist,
    demo,
    finding,
    identity,
    package,
    review,
    user,
    vault,
)
from reviewstation.errors import ReviewStationError, UsageError
from reviewstation.process import disable_core_dumps
from reviewstation.text import visible, visible_lines

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

GROUPS = (demo, vault, user, review, artifact, checklist, finding, package, audit, identity)
INTERNAL_ERROR = 3
BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a killed writer


class Parser(argparse.ArgumentParser):
    """argparse, with its messages made visible-safe: usage and help line by line (the
    program's own lines), an error (which echoes arguments) as one escaped line."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {visible(message)}\n")

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            stream = file or sys.stderr
            with contextlib.suppress(AttributeError, OSError):  # as argparse: no stream, no text
                stream.write("\n".join(visible_lines(message)))


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="reviewstation",
        description="Offline workstation for confidential review of frontier AI models. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"reviewstation {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def _launch_gui(vault: Path | None) -> int:
    if sys.platform.startswith("linux") and not any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    ):
        # Qt would abort the process with a page of plugin messages; say it in one line.
        raise UsageError(
            "The desktop app needs a graphical session (neither DISPLAY nor WAYLAND_DISPLAY is"
            " set); the command line works without one: see reviewstation --help."
        )
    from reviewstation.gui.app import run  # Qt loads only for the desktop app

    return run(vault)


def main(argv: Sequence[str] | None = None) -> int:
    disable_core_dumps()
    output.log_to_stderr()
    try:
        return _dispatch(list(sys.argv[1:] if argv is None else argv))
    except ReviewStationError as exc:
        output.error(f"reviewstation: error: {exc}")
        return exc.exit_code
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly with the shell's SIGPIPE status.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    except KeyboardInterrupt:
        sys.stderr.write("reviewstation: interrupted; nothing further was changed.\n")
        return 130
    except Exception as exc:  # a bug: one line, and an exit code that no check uses
        sys.stderr.write(
            f"reviewstation: internal error ({type(exc).__name__}); please report it. "
            "Set REVIEWSTATION_DEBUG=1 for details.\n"
        )
        if os.environ.get("REVIEWSTATION_DEBUG"):
            raise
        return INTERNAL_ERROR


def _dispatch(args_list: list[str]) -> int:
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr,arg-type]
    if not args_list or (args_list[0] not in commands and not args_list[0].startswith("-")):
        if len(args_list) > 1:
            parser.error(f"unknown command {args_list[0]!r}")
        return _launch_gui(Path(args_list[0]) if args_list else None)
    args = parser.parse_args(args_list)
    if args.command is None:
        return _launch_gui(None)
    result = args.run(args)
    assert isinstance(result, int)
    return result
