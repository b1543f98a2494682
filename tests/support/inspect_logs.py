"""Synthetic Inspect ``.eval`` logs shaped as inspect_ai writes them (header, summaries,
one member per sample), for tests that need runs with known outcomes."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any


def sample(
    ident: str | int,
    value: Any,
    *,
    epoch: int = 1,
    scorer: str = "match",
    messages: list[dict[str, Any]] | None = None,
    error: str | None = None,
    limit: str | None = None,
    extra_scores: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One sample record: a score per scorer, an optional transcript, error and limit."""
    scores = {scorer: {"value": value, "answer": "a"}} if value is not None else {}
    for name, other in (extra_scores or {}).items():
        scores[name] = {"value": other}
    record: dict[str, Any] = {
        "id": ident,
        "epoch": epoch,
        "input": f"question {ident}",
        "target": "C",
        "scores": scores,
        "messages": messages
        if messages is not None
        else [
            {"role": "user", "content": f"question {ident}"},
            {"role": "assistant", "content": "answer"},
        ],
    }
    if error is not None:
        record["error"] = {"message": error, "traceback": ""}
    if limit is not None:
        record["limit"] = {"type": limit, "limit": 10}
    return record


def _summary(record: dict[str, Any]) -> dict[str, Any]:
    out = {k: record[k] for k in ("id", "epoch", "input", "target", "scores")}
    out["error"] = record["error"]["message"] if "error" in record else None
    out["limit"] = record["limit"]["type"] if "limit" in record else None
    out["message_count"] = len(record["messages"])
    return out


def eval_bytes(
    samples: list[dict[str, Any]],
    *,
    task: str = "ctf",
    model: str = "mockllm/a",
    summaries: bool = True,
) -> bytes:
    """An ``.eval`` ZIP; without ``summaries`` only the sample members carry the scores."""
    header = {
        "version": 2,
        "status": "success",
        "eval": {"task": task, "model": model, "created": "2026-12-07T00:00:00+00:00"},
        "results": {"total_samples": len(samples), "completed_samples": len(samples)},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("_journal/start.json", json.dumps({"version": 2, "eval": header["eval"]}))
        for record in samples:
            name = f"samples/{record['id']}_epoch_{record['epoch']}.json"
            archive.writestr(name, json.dumps(record))
        if summaries:
            archive.writestr("summaries.json", json.dumps([_summary(r) for r in samples]))
        archive.writestr("header.json", json.dumps(header))
    return buffer.getvalue()


def write_eval(path: Path, samples: list[dict[str, Any]], **kwargs: Any) -> Path:
    path.write_bytes(eval_bytes(samples, **kwargs))
    return path
