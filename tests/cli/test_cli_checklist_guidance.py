"""What the checklist asks, at the command line: each item's guidance and expected evidence in
``checklist show``, and the evidence reference syntax in the help of every option taking one."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from support.cli import rs

from reviewstation.checklists.templates import Item, builtin_templates
from reviewstation.cli import build_parser
from reviewstation.cli.context import EVIDENCE_HELP


@pytest.fixture(scope="module")
def run_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    vault = tmp_path_factory.mktemp("guidance") / "case.rsvault"
    for argv in (
        ["vault", "init", str(vault), "--user", "alice"],
        ["review", "create", str(vault), "--title", "T", "--developer", "D", "--model", "M"],
        ["checklist", "start", str(vault), "--review", "1", "--template", "intake-custody"],
    ):
        assert rs(*argv).returncode == 0
    return vault


def template_items() -> list[Item]:
    return list(next(t for t in builtin_templates() if t.id == "intake-custody").items)


def test_show_prints_each_items_guidance_and_expected_evidence(run_vault: Path) -> None:
    shown = rs("checklist", "show", str(run_vault), "1")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    items = template_items()
    assert len(items) == 16
    for item in items:
        at = next(n for n, line in enumerate(lines) if f"] {item.id}: " in line)
        assert lines[at + 1] == f"        guidance: {item.guidance}"
        assert lines[at + 2] == f"        expected evidence: {'; '.join(item.evidence)}"
    brief = rs("checklist", "show", str(run_vault), "1", "--brief").stdout
    assert "guidance:" not in brief and "expected evidence:" not in brief
    assert all(f"] {item.id}: {item.prompt}" in brief for item in items)


def test_show_json_carries_guidance_and_expected_evidence(run_vault: Path) -> None:
    shown = json.loads(rs("checklist", "show", str(run_vault), "1", "--json").stdout)
    assert [(i["id"], i["guidance"], i["expected_evidence"]) for i in shown["items"]] == [
        (item.id, item.guidance, list(item.evidence)) for item in template_items()
    ]


def options(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.Action]]:
    """(command words + option, its action) for every option of every command."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found += options(child, (*path, name))
        found += [((*path, option), action) for option in action.option_strings]
    return found


def test_every_evidence_reference_option_documents_the_syntax() -> None:
    every = options(build_parser())
    references = [(words, a) for words, a in every if words[-1] == "--evidence"]
    # package export/request --evidence names artifacts whose content a package carries
    assert sorted(words for words, _ in references) == [
        ("checklist", "set", "--evidence"),
        ("finding", "add", "--evidence"),
        ("finding", "update", "--evidence"),
        ("package", "export", "--evidence"),
        ("package", "request", "--evidence"),
    ]
    assert "ARTIFACT#SAMPLE" in EVIDENCE_HELP and "@EPOCH" in EVIDENCE_HELP
    for words, action in references:
        if words[0] != "package":
            assert action.help == EVIDENCE_HELP, words
