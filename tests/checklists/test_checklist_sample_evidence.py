"""Evidence that points at one sample of an Inspect log, pinned by that sample's digest."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from support.vaults import PASS, make_vault

from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists import runs
from reviewstation.errors import NotFound
from reviewstation.evidence import parse_ref
from reviewstation.findings import service
from reviewstation.reviews.service import create_review
from reviewstation.vault.session import open_vault

LOG = Path(__file__).resolve().parents[1] / "fixtures" / "inspect-logs" / "log_read_sample.eval"


def _resolved(value: Any, attachments: dict[str, str]) -> Any:
    """The documented resolution, written out again here (this log has no pools)."""
    if isinstance(value, dict):
        return {k: _resolved(v, attachments) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_resolved(v, attachments) for v in value]
    if isinstance(value, str) and value.startswith("attachment://"):
        return attachments.get(value.removeprefix("attachment://"), value)
    return value


def independent_digest() -> str:
    with zipfile.ZipFile(LOG) as archive:
        record = json.loads(archive.read("samples/1_epoch_1.json"))
    attachments = record.pop("attachments")
    assert attachments and "events_data" not in record
    record = _resolved(record, attachments)
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "attachment://" not in text
    return hashlib.sha384(text.encode()).hexdigest()


def test_sample_evidence_records_the_sample_digest(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        create_review(session, title="T", developer="D", model_name="M")
        artifact = add_artifacts(session, 1, [LOG]).added[0]
        run = runs.start_run(session, 1, "evaluation-setup")
        item = run.template.items[0].id
        answered = runs.set_answer(session, run.id, item, evidence=[parse_ref(f"{artifact.id}#1")])
        ref = next(a for a in answered.answers if a.item_id == item).evidence[0]
        assert (ref.artifact_uid, ref.sample_id) == (artifact.uid, "1")
        assert ref.sample_digest == independent_digest()
        finding = service.add_finding(
            session, 1, title="t", severity="low", evidence=[parse_ref(f"{artifact.uid}#1@1")]
        )
        assert finding.evidence[0].sample_digest == independent_digest()
        with pytest.raises(NotFound, match="no sample"):
            runs.set_answer(session, run.id, item, evidence=[parse_ref(f"{artifact.id}#99")])
