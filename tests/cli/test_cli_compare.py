"""``reviewstation compare``: runs from two reviews, JSON and text, one sample's transcripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.inspect_logs import sample, write_eval
from support.vaults import PASS, make_vault

from reviewstation.analysis import comparison, stats
from reviewstation.app import compare as app_compare
from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.erase import erase_artifact
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.cli.commands import compare as cli_compare
from reviewstation.errors import InputError, PermissionDenied
from reviewstation.reviews.service import create_review
from reviewstation.vault import audit
from reviewstation.vault.session import open_vault


def rs(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "reviewstation", *args],
        input=PASS + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode == 0) == ok, result.stderr
    return result


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Review 1 holds run A (artifact 1) and a text file (2); review 2 holds run B (3)."""
    tmp = tmp_path_factory.mktemp("compare")
    a_values = ["C", "C", "C", "I", "I", "I"]
    b_values = ["C", "I", "I", "C", "I", "I"]
    chat = [{"role": "user", "content": "q"}]
    a = write_eval(
        tmp / "a.eval",
        [
            sample(i + 1, v, messages=[*chat, {"role": "assistant", "content": f"a{i}"}])
            for i, v in enumerate(a_values)
        ],
        model="mockllm/a",
    )
    b = write_eval(
        tmp / "b.eval",
        [
            sample(i + 1, v, messages=[*chat, {"role": "assistant", "content": f"b{i}"}])
            for i, v in enumerate(b_values)
        ],
        model="mockllm/b",
    )
    note = tmp / "note.txt"
    note.write_text("not a log\n")
    path = make_vault(tmp)
    with open_vault(path, PASS) as session:
        create_review(session, title="Old model", developer="Lab", model_name="M-1")
        create_review(session, title="New model", developer="Lab", model_name="M-2")
        add_artifacts(session, 1, [a, note])
        add_artifacts(session, 2, [b])
    return path


def test_compare_json_across_reviews(vault: Path) -> None:
    out = json.loads(rs("compare", str(vault), "1", "3", "--json", "--seed", "7").stdout)
    assert out["schema"] == comparison.SCHEMA and out["seed"] == 7
    assert [r["model"] for r in out["runs"]] == ["mockllm/a", "mockllm/b"]
    assert [r["solved"] for r in out["runs"]] == [3, 2]
    test = out["tests"][0]
    assert (test["base_only"], test["other_only"]) == (2, 1)
    assert test["mcnemar_p"] == stats.mcnemar_exact(2, 1) == 1.0
    assert out["matrix"] == {"11": 1, "10": 2, "01": 1, "00": 2}
    assert len(out["samples"]) == 6
    low, high = stats.wilson(3, 6)
    assert out["runs"][0]["accuracy_ci"] == {"low": low, "high": high}


def test_compare_text_lists_the_filtered_samples(vault: Path) -> None:
    text = rs("compare", str(vault), "1", "3", "--filter", "a-only").stdout
    assert "exact McNemar p = 1" in text
    assert "Samples (a-only): 2" in text
    assert "  2@1  A='C'  B='I'" in text and "  3@1  A='C'  B='I'" in text


def _views(vault: Path) -> list[tuple[str, dict[str, object]]]:
    with open_vault(vault, PASS, mode="read") as session:
        return [
            (e.target, e.details)
            for e in audit.entries(session.conn)
            if e.action == "artifact.view"
        ]


def test_compare_one_sample_side_by_side(vault: Path) -> None:
    before = _views(vault)
    pair = json.loads(rs("compare", str(vault), "1", "3", "--sample", "2", "--json").stdout)
    assert pair["message_divergence"] == 1
    assert [m["text"] for m in pair["b"]["messages"]] == ["q", "b1"]
    text = rs("compare", str(vault), "1", "3", "--sample", "2").stdout
    assert "first differing message #1" in text
    # A transcript is content: each look is recorded for both logs, naming the sample.
    with open_vault(vault, PASS, mode="read") as session:
        uids = [catalog.get_artifact(session.conn, ref).uid for ref in (1, 3)]
        viewed = [e for e in custody.events(session.conn, 3) if e["event"] == "viewed"]
    one_look = [
        (uid, {"path": path, "sample": "2"})
        for uid, path in zip(uids, ["a.eval", "b.eval"], strict=True)
    ]
    assert _views(vault)[len(before) :] == one_look * 2
    assert viewed[-1]["details"] == {"sample": "2"}
    # Scores alone are not content views: comparing records nothing.
    rs("compare", str(vault), "1", "3", "--json")
    assert len(_views(vault)) == len(before) + 4


def test_transcripts_are_refused_where_the_view_cannot_be_recorded(vault: Path) -> None:
    with open_vault(vault, PASS, mode="read") as session, pytest.raises(PermissionDenied):
        app_compare.transcript_pair(session, 1, 3, "2")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["1", "2"], "is not an Inspect evaluation log"),
        (["1", "99"], "no artifact 99"),
        (["1", "3", "--scorer", "f1"], "scorer 'f1'"),
        (["1", "3", "--sample", "42"], "no sample"),
        (["1"], "at least two"),
    ],
)
def test_compare_refuses_in_one_line(vault: Path, argv: list[str], message: str) -> None:
    result = rs("compare", str(vault), *argv, ok=False)
    assert message in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_app_lists_comparable_logs_and_refuses_erased_ones(vault: Path, tmp_path: Path) -> None:
    with open_vault(vault, PASS) as session:
        assert [a.id for a in app_compare.comparable_logs(session)] == [1, 3]
        with pytest.raises(InputError, match="at least two"):
            app_compare.compare_artifacts(session, [1])
        extra = write_eval(tmp_path / "c.eval", [sample(1, "C")], model="mockllm/c")
        added = add_artifacts(session, 2, [extra]).added[0]
        assert added.id in [a.id for a in app_compare.comparable_logs(session)]
        erase_artifact(session, added.id, "wrong run")
        assert added.id not in [a.id for a in app_compare.comparable_logs(session)]
        with pytest.raises(InputError, match="was erased"):
            app_compare.compare_artifacts(session, [1, added.id])


def test_the_cli_filters_are_the_cores() -> None:
    assert cli_compare.FILTERS == comparison.FILTERS
