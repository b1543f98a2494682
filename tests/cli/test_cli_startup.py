"""Start-up structure of the command line: a command loads only what it uses.

Timing is ``benchmarks/cli_startup.py``'s job (never timed here); these tests guard the rules
that make it fast: the command groups are imported only when their command runs, and the heavy
libraries (PDF, CycloneDX, the interchange formats, Qt) only by the actions that use them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewstation import cli

# Never loaded by a command that does not write a report, a package or an SBOM.
HEAVY = (
    "reportlab",
    "cyclonedx",
    "PySide6",
    "reviewstation.formats",
    "reviewstation.reports",
    "reviewstation.gui",
    "reviewstation.packages.export",
    "reviewstation.artifacts.inspectors",
)
# Nor by one that opens no vault.
VAULT = ("cryptography", "sqlcipher3", "reviewstation.vault", "reviewstation.cli.commands")

PASS = "correct horse battery staple"


def loaded_after(argv: list[str], stdin: str = "") -> set[str]:
    """The modules a child process holds after ``reviewstation ARGV`` ran to its end."""
    code = (
        "import json, sys\n"
        "from reviewstation.cli import main\n"
        "try:\n"
        f"    code = main({argv!r})\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "sys.stderr.write('\\n' + json.dumps([code, sorted(sys.modules)]) + '\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, check=True
    )
    exit_code, modules = json.loads(done.stderr.splitlines()[-1])
    assert exit_code in (0, None), done.stderr
    return set(modules)


def offenders(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    """The modules that are one of ``prefixes`` or inside one of them."""
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_load_no_command_and_no_vault(argv: list[str]) -> None:
    assert offenders(loaded_after(argv), HEAVY + VAULT) == []


@pytest.mark.parametrize("group", list(cli.COMMANDS))
def test_a_group_loads_its_own_module_only(group: str) -> None:
    modules = loaded_after([group, "--help"])
    assert f"reviewstation.cli.commands.{group}" in modules
    others = tuple(f"reviewstation.cli.commands.{g}" for g in cli.COMMANDS if g != group)
    assert offenders(modules, HEAVY + others) == []


@pytest.fixture(scope="module")
def small_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vault = tmp_path_factory.mktemp("startup") / "small.rsvault"
    for argv in (
        ["vault", "init", str(vault), "--user", "lead"],
        ["review", "create", str(vault), "--title", "T", "--developer", "D", "--model", "M"],
        ["finding", "add", str(vault), "--review", "1", "--title", "F", "--severity", "low"],
        ["checklist", "start", str(vault), "--review", "1", "--template", "cyber-capability"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "reviewstation", *argv],
            input=PASS + "\n",
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    return vault


@pytest.mark.parametrize(
    "argv",
    [
        ["review", "list"],
        ["review", "show", "1"],
        ["finding", "list"],
        ["checklist", "show", "1"],
        ["audit", "log"],
        ["triage", "list"],
    ],
    ids=" ".join,
)
def test_read_commands_load_no_heavy_library(small_vault: Path, argv: list[str]) -> None:
    modules = loaded_after([*argv[:2], str(small_vault), *argv[2:]], stdin=PASS + "\n")
    assert "reviewstation.vault.session" in modules  # it did unlock
    assert offenders(modules, HEAVY) == []


def test_every_command_module_is_named_with_its_summary() -> None:
    """The short parser (one group in full) lists every group as the full one does."""
    folder = Path(cli.__file__).parent / "commands"
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    assert modules == set(cli.COMMANDS)
    assert cli.build_parser("").format_help() == cli.build_parser().format_help()
    for group in cli.COMMANDS:
        assert cli.build_parser(group).format_help() == cli.build_parser().format_help()
