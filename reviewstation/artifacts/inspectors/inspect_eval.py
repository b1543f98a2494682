"""Inspect (inspect_ai) evaluation logs: ``.eval`` ZIP containers and ``.json`` logs.

Read defensively, without the ``inspect_ai`` package: every field is optional, unknown fields
are ignored, types are checked before use, and sizes are bounded. The summary (stored at
import) names the task, model, dataset, solvers, scorers, status, metrics and sample count,
and the first samples in natural order; the detailed view adds per-sample input, target,
scores, the message transcript and the sample's evidence digest. Samples are read in either
shape and resolved by ``inspect_records``; ``.json`` logs too large to parse whole are
streamed by ``json_stream``.
"""

from __future__ import annotations

import json
import zipfile
from typing import Any, BinaryIO

from reviewstation import ziparchive
from reviewstation.artifacts.inspectors import inspect_records, json_stream
from reviewstation.artifacts.inspectors.common import clip, clip_text
from reviewstation.artifacts.inspectors.inspect_records import MAX_SAMPLE, natural_key
from reviewstation.canonical import loads_bounded
from reviewstation.errors import InputError

MAX_HEADER = 16 * 1024 * 1024
MAX_SUMMARIES = 4 * 1024 * 1024  # summaries.json, read at import for the first few samples
MAX_JSON_LOG = 8 * 1024 * 1024  # parsed whole at import; larger: streamed
MAX_JSON_LOG_VIEW = 32 * 1024 * 1024  # parsed whole for the viewer
STREAM_VIEW_BUDGET = 64 * 1024 * 1024  # characters of sample views kept from a streamed log
SUMMARY_SAMPLES = 5
VIEW_SAMPLES = 500
VIEW_TEXT = 20_000
_ATTACHMENT = "attachment://"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any, limit: int = 500) -> str | None:
    return clip_text(value, limit) if isinstance(value, str) else None


def looks_like_log(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("eval"), dict) and "version" in obj


def _metrics(
    results: dict[str, Any], spec: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    metrics: list[dict[str, Any]] = []
    scorers: list[str] = []
    for score in _list(results.get("scores"))[:50]:
        score = _dict(score)
        scorer = _str(score.get("scorer"), 200) or _str(score.get("name"), 200) or "?"
        if scorer not in scorers:
            scorers.append(scorer)
        values = score.get("metrics")
        # A mapping keyed by metric name (EvalLog) or a list; the key names a nameless metric.
        items = (
            list(values.items()) if isinstance(values, dict) else [(None, v) for v in _list(values)]
        )
        for key, metric in items[:50]:
            metric = _dict(metric)
            value = metric.get("value")
            entry = {
                "scorer": scorer,
                "name": _str(score.get("name"), 200),
                "metric": _str(metric.get("name"), 200) or _str(key, 200),
                "value": value if isinstance(value, int | float | str | None) else None,
            }
            reducer = _str(score.get("reducer"), 200)
            if reducer is not None:  # epochs reduced this way (several reducers, one metric each)
                entry["reducer"] = reducer
            metrics.append(entry)
    for scorer_spec in _list(spec.get("scorers"))[:50]:
        name = _str(_dict(scorer_spec).get("name"), 200)
        if name and name not in scorers:
            scorers.append(name)
    return metrics, scorers


def _solvers(log: dict[str, Any]) -> list[str]:
    spec = _dict(log.get("eval"))
    solvers = [
        s
        for s in (
            _str(_dict(step).get("solver"), 200)
            for step in _list(_dict(log.get("plan")).get("steps"))[:100]
        )
        if s
    ]
    solver = _str(spec.get("solver"), 200)
    if solver and solver not in solvers:
        solvers.insert(0, solver)
    return solvers


def summarize_log(log: dict[str, Any], container: str) -> dict[str, Any]:
    """Header-level facts from an EvalLog-shaped mapping (samples are counted elsewhere)."""
    spec = _dict(log.get("eval"))
    dataset = _dict(spec.get("dataset"))
    results = _dict(log.get("results"))
    stats = _dict(log.get("stats"))
    metrics, scorers = _metrics(results, spec)
    error = _dict(log.get("error"))
    packages = _dict(spec.get("packages"))
    summary: dict[str, Any] = {
        "format": "inspect-eval",
        "container": container,
        "kind": "eval_log",
        "log_version": log.get("version") if isinstance(log.get("version"), int) else None,
        "status": _str(log.get("status"), 40),
        "task": _str(spec.get("task"), 200),
        "task_version": clip(spec.get("task_version")),
        "task_file": _str(spec.get("task_file"), 300),
        "model": _str(spec.get("model"), 200),
        "created": _str(spec.get("created"), 60),
        "dataset": {
            "name": _str(dataset.get("name"), 200),
            "location": _str(dataset.get("location"), 300),
            "samples": dataset.get("samples") if isinstance(dataset.get("samples"), int) else None,
        },
        "solvers": _solvers(log),
        "scorers": scorers,
        "metrics": metrics,
        "total_samples": results.get("total_samples")
        if isinstance(results.get("total_samples"), int)
        else None,
        "completed_samples": results.get("completed_samples")
        if isinstance(results.get("completed_samples"), int)
        else None,
        "started_at": _str(stats.get("started_at"), 60),
        "completed_at": _str(stats.get("completed_at"), 60),
        "inspect_version": _str(packages.get("inspect_ai"), 80),
        "warnings": [],
    }
    if error:
        summary["error"] = _str(error.get("message"), 2000)
        summary["warnings"].append("The evaluation ended with an error.")
    _status(summary, log)
    return summary


def _text(content: Any, attachments: dict[str, Any], limit: int) -> str:
    """Message or input content as display text: strings, content parts, attachment refs."""
    if isinstance(content, str):
        if content.startswith(_ATTACHMENT):
            resolved = attachments.get(content[len(_ATTACHMENT) :])
            if isinstance(resolved, str):
                content = resolved
        return clip_text(content, limit)
    if isinstance(content, list):
        parts = []
        for part in content[:200]:
            part = _dict(part)
            kind = part.get("type")
            if kind == "text":
                parts.append(_text(part.get("text"), attachments, limit))
            elif kind == "reasoning":
                parts.append("[reasoning] " + _text(part.get("reasoning"), attachments, limit))
            elif isinstance(kind, str):
                parts.append(f"[{clip_text(kind, 40)}]")
            elif "content" in part:  # a list of messages (sample input)
                role = _str(part.get("role"), 40) or "?"
                parts.append(f"{role}: " + _text(part.get("content"), attachments, limit))
        return clip_text("\n".join(parts), limit)
    if content is None:
        return ""
    return clip_text(json.dumps(clip(content), ensure_ascii=False), limit)


def _score_values(scores: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, score in list(_dict(scores).items())[:20]:
        value = _dict(score).get("value") if isinstance(score, dict) else score
        out[clip_text(str(name), 200)] = clip(value, text=200, items=20, depth=3)
    return out


def _sample(sample: dict[str, Any], detail: bool) -> dict[str, Any]:
    attachments = _dict(sample.get("attachments"))
    limit = VIEW_TEXT if detail else 300
    target = sample.get("target")
    out: dict[str, Any] = {
        "id": clip(sample.get("id"), text=200),
        "epoch": sample.get("epoch") if isinstance(sample.get("epoch"), int) else None,
        "input": _text(sample.get("input"), attachments, limit),
        "target": _text(target, attachments, limit)
        if not isinstance(target, list)
        else [_text(t, attachments, limit) for t in target[:20]],
        "scores": _score_values(sample.get("scores")),
    }
    error = _dict(sample.get("error"))
    if error:
        out["error"] = _str(error.get("message"), 2000)
    if detail:
        out["score_details"] = {
            clip_text(str(name), 200): {
                "value": clip(_dict(score).get("value"), text=200),
                "answer": _text(_dict(score).get("answer"), attachments, VIEW_TEXT),
                "explanation": _text(_dict(score).get("explanation"), attachments, VIEW_TEXT),
            }
            for name, score in list(_dict(sample.get("scores")).items())[:20]
        }
        messages = []
        for message in _list(sample.get("messages"))[:2000]:
            message = _dict(message)
            entry: dict[str, Any] = {
                "role": _str(message.get("role"), 40),
                "content": _text(message.get("content"), attachments, VIEW_TEXT),
            }
            calls = _list(message.get("tool_calls"))
            if calls:
                entry["tool_calls"] = [
                    {
                        "function": _str(_dict(c).get("function"), 200),
                        "arguments": _text(_dict(c).get("arguments"), attachments, VIEW_TEXT),
                    }
                    for c in calls[:50]
                ]
            if message.get("function") is not None:
                entry["function"] = _str(message.get("function"), 200)
            tool_error = _dict(message.get("error"))
            if tool_error:
                entry["error"] = {
                    "type": _str(tool_error.get("type"), 80),
                    "message": _str(tool_error.get("message"), 2000),
                }
            messages.append(entry)
        out["messages"] = messages
        out["metadata"] = clip(sample.get("metadata"), text=500, items=30, depth=3)
    return out


def _json_member(archive: zipfile.ZipFile, name: str, limit: int) -> Any:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return loads_bounded(ziparchive.read_member(archive, info, limit), f"log member {name}", limit)


def sample_order(sample: dict[str, Any]) -> tuple[Any, ...]:
    """Natural order of sample records: by id as people count (1, 2, …, 10), then epoch."""
    epoch = sample.get("epoch")
    ident = sample.get("id")
    return (
        natural_key(ident if isinstance(ident, str) else json.dumps(ident)),
        epoch if isinstance(epoch, int) and not isinstance(epoch, bool) else 0,
    )


def _summaries(archive: zipfile.ZipFile, names: list[str]) -> list[dict[str, Any]]:
    """The first sample summaries in natural order: summaries.json, or the journal of an
    unfinished run."""
    records = _json_member(archive, "summaries.json", MAX_SUMMARIES)
    if not isinstance(records, list):
        records = []
        journal = [n for n in names if n.startswith("_journal/summaries/")]
        budget = MAX_SUMMARIES  # for all of them together: the order needs every one
        for name in sorted(journal, key=natural_key):
            budget -= archive.getinfo(name).file_size
            if budget < 0:
                raise InputError(f"the journal's summaries add up to over {MAX_SUMMARIES} bytes")
            records.extend(_list(_json_member(archive, name, MAX_SUMMARIES)))
    found = [r for r in records if isinstance(r, dict)]
    return sorted(found, key=sample_order)[:SUMMARY_SAMPLES]


STATUS_WARNINGS = {
    "started": "The evaluation did not finish before this log was last written (it was still"
    " running, or was killed): results are missing and only the samples written so far are"
    " here.",
    "cancelled": "The evaluation was cancelled before it finished: its results cover only"
    " the samples completed.",
    "error": "The evaluation ended with an error.",
}


def _status(summary: dict[str, Any], log: dict[str, Any]) -> None:
    """Warnings for a log that is not a finished, valid evaluation."""
    status = summary["status"]
    if status in STATUS_WARNINGS and not (status == "error" and summary.get("error")):
        summary["warnings"].append(STATUS_WARNINGS[status])
    elif status not in (None, "success", "error", "cancelled", "started"):
        summary["warnings"].append(f"The evaluation's status is {status!r}.")
    total, done = summary.get("total_samples"), summary.get("completed_samples")
    if isinstance(total, int) and isinstance(done, int) and done < total:
        summary["warnings"].append(f"Only {done} of {total} samples completed.")
    if log.get("invalidated") is True:
        summary["warnings"].append("The log is marked invalidated.")


def _view(record: dict[str, Any], key: str, detail: bool, *, whole: bool = True) -> dict[str, Any]:
    """A sample for display, from its resolved record (pools and attachments undone); with
    its digest when the record is ``whole``."""
    resolved, notes = inspect_records.resolve(record, f"sample {key}")
    out = _sample(resolved, detail)
    if detail:
        if whole:
            out["digest"] = inspect_records.digest(resolved)
        if notes:
            out["notes"] = notes
    return out


def _stored_view(archive: zipfile.ZipFile, sample: inspect_records.StoredSample) -> dict[str, Any]:
    """The detailed view of one stored sample, or what could not be read of it."""
    try:
        return _view(inspect_records.read_stored(archive, sample), sample.key, True)
    except inspect_records.TooLarge as exc:
        if sample.member is not None:
            return {"member": sample.name, "error": str(exc)}
        # Stored as parts: its conversation can still be shown without its events.
        try:
            record = inspect_records.read_stored(archive, sample, without=("events", "calls"))
            view = _view(record, sample.key, True, whole=False)
        except InputError:
            return {"member": sample.name, "error": str(exc)}
        view["notes"] = [
            *view.get("notes", []),
            f"{exc} Its events and model calls were not read: the messages are shown, and"
            " it has no evidence digest here.",
        ]
        return view
    except InputError as exc:
        return {"member": sample.name, "error": str(exc)}


def inspect_zip(stream: BinaryIO, size: int, *, detail: bool = False) -> dict[str, Any]:
    archive = ziparchive.open_zip(stream, size)
    names = [info.filename for info in archive.infolist()]
    header = _json_member(archive, "header.json", MAX_HEADER)
    container = "eval-zip"
    if not isinstance(header, dict):
        header = _json_member(archive, "_journal/start.json", MAX_HEADER)
        if not isinstance(header, dict):
            raise InputError("The .eval file has neither header.json nor _journal/start.json.")
        # As inspect_ai reads it: a log with only its journal is one that has started.
        header = {"status": "started", **header}
    summary = summarize_log(header, container)
    stored = inspect_records.stored_samples(names)
    summary["sample_count"] = len(stored)
    compressed = sorted({i.compress_type for i in archive.infolist()})
    if ziparchive.ZSTD in compressed:
        summary["compression"] = "zstd"
    if detail:
        samples: list[dict[str, Any]] = []
        for sample in stored[:VIEW_SAMPLES]:
            samples.append(_stored_view(archive, sample))
        summary["samples"] = samples
        if len(stored) > VIEW_SAMPLES:
            summary["warnings"].append(f"Only the first {VIEW_SAMPLES} samples are shown.")
        return summary
    try:
        summary["samples"] = [_sample(r, False) for r in _summaries(archive, names)]
    except InputError as exc:
        # A large log's summaries can pass their limit: the first samples themselves are read.
        summary["warnings"].append(
            f"Sample summaries were not read ({exc}); the first samples were."
        )
        summary["samples"] = []
        for sample in stored[:SUMMARY_SAMPLES]:
            try:
                record = inspect_records.read_stored(archive, sample)
                summary["samples"].append(_view(record, sample.key, False))
            except InputError as error:
                summary["samples"].append({"member": sample.name, "error": str(error)})
    return summary


def _from_log(log: Any, detail: bool) -> dict[str, Any]:
    if not looks_like_log(log):
        raise InputError("The JSON file is not an Inspect evaluation log.")
    summary = summarize_log(log, "json")
    samples = sorted((_dict(s) for s in _list(log.get("samples"))), key=sample_order)
    summary["sample_count"] = len(samples)
    shown = samples[:VIEW_SAMPLES] if detail else samples[:SUMMARY_SAMPLES]
    summary["samples"] = [_safe_view(s, index, detail) for index, s in enumerate(shown)]
    if detail and len(samples) > VIEW_SAMPLES:
        summary["warnings"].append(f"Only the first {VIEW_SAMPLES} samples are shown.")
    return summary


def _safe_view(record: dict[str, Any], index: int, detail: bool) -> dict[str, Any]:
    try:
        return _view(record, _sample_key(record), detail)
    except InputError as exc:
        return {"member": f"samples[{index}]", "error": str(exc)}


def _sample_key(sample: dict[str, Any]) -> str:
    return f"{clip(sample.get('id'), text=200)}@{sample.get('epoch')}"


def inspect_json(stream: BinaryIO, size: int, *, detail: bool = False) -> dict[str, Any]:
    stream.seek(0)
    limit = MAX_JSON_LOG_VIEW if detail else MAX_JSON_LOG
    if size <= limit:
        log = loads_bounded(stream.read(size) or b"", "evaluation log", limit)
        return _from_log(log, detail)
    return _streamed(stream, size, detail)


def _streamed(stream: BinaryIO, size: int, detail: bool) -> dict[str, Any]:
    """A log too large to parse whole, read field by field and sample by sample.

    Memory holds one sample at a time plus the views kept: the first samples in natural
    order, within ``STREAM_VIEW_BUDGET`` characters (twice that between trims). Once the
    views are cut, a later sample that sorts after the last one kept is not resolved."""
    log: dict[str, Any] = {}
    keep = VIEW_SAMPLES if detail else SUMMARY_SAMPLES
    kept: list[_Kept] = []
    held = 0  # characters of the views in ``kept``
    count = 0
    worst: tuple[Any, ...] | None = None  # the last view kept, once views were cut
    skipped: list[str] = []
    for part in json_stream.read_object(
        stream, size, field_limit=MAX_HEADER, item_limit=MAX_SAMPLE, streamed="samples"
    ):
        if isinstance(part, json_stream.Field):
            if part.too_large:
                skipped.append(f"The log field {part.key[:100]!r} is over {MAX_HEADER} bytes.")
            else:
                log[part.key] = part.value
            continue
        if not looks_like_log(log):
            raise InputError("The JSON file is not an Inspect evaluation log.")
        count += 1
        if part.error is not None or not isinstance(part.value, dict):
            view: dict[str, Any] = {
                "member": f"samples[{part.index}]",
                "error": part.error or "not a JSON object",
            }
            order: tuple[Any, ...] = ((), part.index)
        else:
            order = sample_order(part.value)
            if worst is not None and (order, part.index) > worst:
                continue  # sorts after every view kept: not shown, so not resolved
            view = _safe_view(part.value, part.index, detail)
        chars = len(json.dumps(view, ensure_ascii=False))
        kept.append((order, part.index, view, chars))
        held += chars
        if len(kept) >= 2 * keep or held > 2 * STREAM_VIEW_BUDGET:
            kept, cut = _trim(kept, keep)
            held = sum(k[3] for k in kept)
            if cut:
                worst = (kept[-1][0], kept[-1][1])
    if not looks_like_log(log):
        raise InputError("The JSON file is not an Inspect evaluation log.")
    kept, _ = _trim(kept, keep)
    summary = summarize_log(log, "json")
    summary["sample_count"] = count
    summary["samples"] = [k[2] for k in kept]
    summary["container"] = "json-streamed"
    summary["warnings"].extend(skipped)
    if detail and len(kept) < count:
        summary["warnings"].append(f"Only the first {len(kept)} samples are shown.")
    return summary


_Kept = tuple[tuple[Any, ...], int, dict[str, Any], int]  # order, index, view, characters


def _trim(kept: list[_Kept], keep: int) -> tuple[list[_Kept], bool]:
    """The first ``keep`` views in natural order within ``STREAM_VIEW_BUDGET`` characters
    (at least one), and whether any was cut."""
    ordered = sorted(kept, key=lambda k: (k[0], k[1]))
    total = 0
    for index, item in enumerate(ordered[:keep]):
        total += item[3]
        if total > STREAM_VIEW_BUDGET and index > 0:
            return ordered[:index], True
    return ordered[:keep], len(ordered) > keep
