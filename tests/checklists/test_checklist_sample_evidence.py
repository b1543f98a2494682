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


def test_evidence_cites_a_message_an_event_or_a_triage_label(tmp_path: Path) -> None:
    """``ARTIFACT#SAMPLE/PART``: the part must exist, the digest stays the sample's, a triage
    label is recorded by uid, and a package carries the part inside ``sample_id``."""
    from support.inspect_logs import sample, write_eval

    from reviewstation.errors import InputError
    from reviewstation.evidence import EvidenceRef, from_json, split_sample
    from reviewstation.findings import triage

    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        create_review(session, title="T", developer="D", model_name="M")
        other_log = write_eval(tmp_path / "other.eval", [sample(1, "C")])
        artifact, other = add_artifacts(session, 1, [LOG, other_log]).added
        label = triage.add_label(session, artifact.id, "1@1", "scorer-error", part="event:0")
        elsewhere = triage.add_label(session, other.id, "1@1", "in-scope")
        run = runs.start_run(session, 1, "evaluation-setup")
        item = run.template.items[0].id
        cited = [
            parse_ref(f"{artifact.id}#1@1/message:1"),
            parse_ref(f"{artifact.id}#1@1/event:0"),
            parse_ref(f"{artifact.id}#1@1/triage:{label.id}"),
        ]
        answered = runs.set_answer(session, run.id, item, evidence=cited)
        refs = next(a for a in answered.answers if a.item_id == item).evidence
        assert sorted(r.sample_id for r in refs if r.sample_id) == sorted(
            ["1@1/message:1", "1@1/event:0", f"1@1/triage:{label.uid}"]
        )
        assert {r.sample_digest for r in refs} == {independent_digest()}
        finding = service.add_finding(
            session,
            1,
            title="t",
            severity="low",
            evidence=[parse_ref(f"{artifact.uid}#1@1/message:0")],
        )
        ref = finding.evidence[0]
        assert from_json(ref.to_json()) == ref  # travels as the three fields it always had
        assert split_sample(str(ref.sample_id)) == ("1@1", "message:0")
        for bad, error, message in (
            ("1@1/message:999", NotFound, "no message 999"),
            ("1@1/event:nope", NotFound, "no event with the id"),
            ("1@1/triage:99", NotFound, "no triage label 99"),
            (f"1@1/triage:{elsewhere.id}", InputError, f"is on {other.uid}#1@1, not on"),
        ):
            with pytest.raises(error, match=message):
                runs.set_answer(session, run.id, item, evidence=[parse_ref(f"{artifact.id}#{bad}")])
        # A sample id with a slash that is not a part is left whole.
        assert split_sample("task/7@1") == ("task/7@1", None)
        assert EvidenceRef("a", "x/message:1").sample_id == "x/message:1"
