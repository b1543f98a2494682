"""The ``reviewstation`` command line: a thin front end over the same services as the GUI.

Start-up is part of every command's cost, so this module imports nothing heavy: the command
groups are named in ``COMMANDS`` and a group's module (``reviewstation.cli.commands.<name>``)
is imported only when its command runs (or its help is asked for); the other groups are listed
by name and summary alone. The modules import the libraries only their actions need inside
those actions. ``tests/cli/test_cli_startup.py`` guards both rules.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from reviewstation import __version__
from reviewstation.cli import output
from reviewstation.errors import ReviewStationError, UsageError
from reviewstation.process import disable_core_dumps
from reviewstation.text import visible, visible_lines

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

# Each group: its one-line summary in `reviewstation --help`, which must equal the help its
# module's register() gives it (a test compares them).
COMMANDS: dict[str, str] = {
    "demo": "build a demo vault, export and verify a package",
    "vault": "create, describe and verify vaults",
    "user": "people, roles and key slots",
    "review": "submitted models under review",
    "artifact": "submitted files: intake, custody, inspection, export",
    "checklist": "checklist templates and runs",
    "finding": "findings of reviews",
    "package": "sealed findings packages",
    "audit": "the audit trail",
    "identity": "public identity cards",
    "compare": "compare Inspect runs sample by sample",
    "determination": "the determination's runs and baselines per capability area",
    "triage": "triage labels on Inspect samples",
}
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

    def _check_value(self, action: argparse.Action, value: object) -> None:
        """argparse's "invalid choice" error, naming the closest choice when one is close."""
        if action.choices is None or value in action.choices:
            return
        import difflib  # only on this error path: start-up stays light

        choices = [str(choice) for choice in action.choices]
        named = ", ".join(repr(choice) for choice in choices)
        message = f"invalid choice: {value!r} (choose from {named})"
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.7)
        if close:
            message += f"; did you mean {close[0]!r}?"
        raise argparse.ArgumentError(action, message)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (``only``) one group in full and the others by name and summary,
    which parses that group's command lines the same and imports one command module."""
    parser = Parser(
        prog="reviewstation",
        description="Offline workstation for confidential review of frontier AI models. "
        "Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"reviewstation {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in COMMANDS.items():
        if only is None or name == only:
            module = importlib.import_module(f"reviewstation.cli.commands.{name}")
            module.register(sub)
        else:
            sub.add_parser(name, help=summary)
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


def _names_a_vault(argument: str) -> bool:
    """Whether ``reviewstation ARGUMENT`` opens the app on a vault: an existing path, or one
    ending in ``.rsvault``. Anything else is a command, perhaps mistyped."""
    return argument.lower().endswith(".rsvault") or Path(argument).exists()


def _dispatch(args_list: list[str]) -> int:
    first = args_list[0] if args_list else ""
    parser = build_parser(first if first in COMMANDS else "")
    if not args_list:
        return _launch_gui(None)
    if len(args_list) == 1 and first not in COMMANDS and _names_a_vault(first):
        return _launch_gui(Path(first))
    args = parser.parse_args(args_list)  # a mistyped command: "invalid choice", exit 2
    if args.command is None:
        return _launch_gui(None)
    result = args.run(args)
    assert isinstance(result, int)
    return result
