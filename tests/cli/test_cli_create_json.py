"""``--json`` on the commands that create: the record printed is the one stored (what the
matching ``show --json`` prints afterwards), so a script needs no second command to learn it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import rs


def ok_json(*args: str) -> Any:
    done = rs(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("create-json")
    path = folder / "case.rsvault"
    assert rs("vault", "init", str(path), "--user", "alice").returncode == 0
    made = rs("review", "create", str(path), "--title", "R", "--developer", "D", "--model", "M")
    assert made.returncode == 0  # review 1, which the other rows add to
    (folder / "notes.md").write_text("# Notes\n\nsome text\n")
    return path


def _review(v: str) -> tuple[Any, Any]:
    made = ok_json("review", "create", v, "--title", "T", "--developer", "D", "--model", "M",
                   "--json")  # fmt: skip
    return made, ok_json("review", "show", v, str(made["id"]), "--json")


def _finding(v: str) -> tuple[Any, Any]:
    made = ok_json(
        "finding", "add", v, "--review", "1", "--title", "Overflow", "--severity", "high", "--json"
    )
    return made, ok_json("finding", "show", v, str(made["id"]), "--json")


def _run(v: str) -> tuple[Any, Any]:
    made = ok_json(
        "checklist", "start", v, "--review", "1", "--template", "intake-custody", "--json"
    )
    shown = ok_json("checklist", "show", v, str(made["id"]), "--json")
    for item in shown["items"]:  # show adds what the template asks of each item
        del item["guidance"], item["expected_evidence"]
    return made, shown


def _artifact(v: str) -> tuple[Any, Any]:
    notes = str(Path(v).parent / "notes.md")
    made = ok_json("artifact", "add", v, "--review", "1", notes, "--json")
    assert made["skipped"] == [] and made["declared_not_received"] == []
    (added,) = made["added"]
    shown = ok_json("artifact", "show", v, str(added["id"]), "--json")
    del shown["custody"]["events"]  # show adds the custody events since the intake
    return added, shown


def _request(v: str) -> tuple[Any, Any]:
    made = ok_json("package", "request", v, "--review", "1", "--json")
    (shown,) = [r for r in ok_json("package", "requests", v, "--json") if r["id"] == made["id"]]
    return made, shown


CREATES = {"review create": _review, "finding add": _finding, "checklist start": _run,
           "artifact add": _artifact, "package request": _request}  # fmt: skip


@pytest.mark.parametrize("command", list(CREATES))
def test_the_created_record_is_the_stored_one(vault: Path, command: str) -> None:
    made, shown = CREATES[command](str(vault))
    assert made == {key: shown[key] for key in made}, command
    assert made["id"] >= 1
