"""Every sample of an evaluation log is listed for the evidence picker, not the summary's few."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from support.vaults import PASS, make_vault

from reviewstation.artifacts.inspectors.inspect_eval import SUMMARY_SAMPLES
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.artifacts.samples import find_sample, sample_keys
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

COUNT = 4 * SUMMARY_SAMPLES + 3


def _eval_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("header.json", json.dumps({"version": 2, "eval": {"task": "t"}}))
        for n in range(1, COUNT + 1):
            for epoch in (1, 2):
                record: dict[str, object] = {"id": n, "epoch": epoch, "input": "q", "messages": []}
                archive.writestr(f"samples/{n}_epoch_{epoch}.json", json.dumps(record))
    return buffer.getvalue()


def _json_log() -> bytes:
    samples = [{"id": f"s-{n}", "epoch": 1, "input": "q"} for n in range(COUNT)]
    log = {"version": 2, "eval": {"task": "t"}, "samples": samples}
    return json.dumps(log).encode()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("run.eval", _eval_zip(), [f"{n}@{e}" for n in range(1, COUNT + 1) for e in (1, 2)]),
        ("run.json", _json_log(), [f"s-{n}@1" for n in range(COUNT)]),
    ],
)
def test_every_sample_is_listed_in_the_logs_order(
    tmp_path: Path, name: str, content: bytes, expected: list[str]
) -> None:
    log = tmp_path / name
    log.write_bytes(content)
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        review = create_review(session, title="T", developer="D", model_name="M")
        add_artifacts(session, review.id, [log])
        keys = sample_keys(session, 1)
        assert keys == expected
        assert len(keys) > SUMMARY_SAMPLES
        find_sample(session, 1, keys[-1])  # each one listed is one evidence can name
