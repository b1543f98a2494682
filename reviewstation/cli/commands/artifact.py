"""artifact add | list | show | view | export | delete | verify-signature"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

from reviewstation.artifacts import catalog, custody
from reviewstation.artifacts.catalog import KINDS, Artifact
from reviewstation.artifacts.inspection import (
    GgufSummary,
    Inspection,
    InspectLog,
    ModelFileSummary,
    ModelSignatureSummary,
    PickleScan,
    SafetensorsSummary,
    TextPreview,
)
from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options
from reviewstation.cli.progress import Meter
from reviewstation.reviews.service import get_review
from reviewstation.storage import read_bounded
from reviewstation.text import counted

if TYPE_CHECKING:
    from reviewstation.artifacts.references import ReferenceCheck

MAX_SUMS_FILE = 16 * 1024 * 1024
MAX_KEY_FILE = 64 * 1024


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("artifact", help="submitted files: intake, custody, inspection, export")
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()

    add = cmds.add_parser("add", parents=[unlock], help="take in files and folders (one batch)")
    add.add_argument("vault", metavar="VAULT")
    add.add_argument("--review", required=True, metavar="ID")
    add.add_argument("files", nargs="+", metavar="FILE", type=Path)
    add.add_argument("--kind", choices=KINDS, help="default: what the inspector recognises")
    add.add_argument("--declared-sha256", metavar="HEX", help="the SHA-256 the developer gave")
    add.add_argument(
        "--declared-sums", metavar="FILE", type=Path, help="sha256sum-style list for several files"
    )
    add.add_argument("--medium", default="", metavar="LABEL", help="source medium, e.g. USB-0042")
    add.add_argument("--received-from", default="", metavar="WHO")
    add.add_argument("--received-at", default="", metavar="DATE", help="YYYY-MM-DD[THH:MM]")
    add.add_argument(
        "--allow-duplicates", action="store_true", help="keep files whose content is already in"
    )
    add.add_argument(
        "--follow-links",
        action="store_true",
        help="inside folders, take in the files that links point to (never linked folders)",
    )
    add.add_argument(
        "--json",
        action="store_true",
        help="print the added artifacts, the files skipped and the declared names not received",
    )
    add.set_defaults(run=_add)

    listing = cmds.add_parser("list", parents=[unlock], help="a review's artifacts")
    listing.add_argument("vault", metavar="VAULT")
    listing.add_argument("--review", required=True, metavar="ID")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    show = cmds.add_parser(
        "show", parents=[unlock], help="metadata, custody, hashes and the inspector's summary"
    )
    show.add_argument("vault", metavar="VAULT")
    show.add_argument("artifact", metavar="ARTIFACT")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    view = cmds.add_parser("view", parents=[unlock], help="look inside (audited): previews")
    view.add_argument("vault", metavar="VAULT")
    view.add_argument("artifact", metavar="ARTIFACT")
    view.add_argument("--json", action="store_true")
    view.set_defaults(run=_view)

    out = cmds.add_parser("export", parents=[unlock], help="write the content out (audited)")
    out.add_argument("vault", metavar="VAULT")
    out.add_argument("artifact", metavar="ARTIFACT")
    out.add_argument("--out", required=True, type=Path, metavar="FILE")
    out.set_defaults(run=_export)

    delete = cmds.add_parser("delete", parents=[unlock], help="crypto-erase an artifact (leads)")
    delete.add_argument("vault", metavar="VAULT")
    delete.add_argument("artifact", metavar="ARTIFACT")
    delete.add_argument("--reason", required=True)
    delete.set_defaults(run=_delete)

    check = cmds.add_parser(
        "verify-signature",
        parents=[unlock],
        help="check an OpenSSF model signature against the imported files (exit 1 if invalid)",
    )
    check.add_argument("vault", metavar="VAULT")
    check.add_argument("artifact", metavar="SIGNATURE", help="the imported model.sig artifact")
    given = check.add_mutually_exclusive_group(required=True)
    given.add_argument(
        "--public-key", type=Path, metavar="PEM", help="the signer's EC or ML-DSA public key"
    )
    given.add_argument(
        "--certificates",
        type=Path,
        metavar="PEM",
        help="CA (or signing) certificates the bundle's certificate chain must lead to",
    )
    check.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATH",
        help="a file or folder in the model's folder left unsigned on purpose (repeatable);"
        " any other file the signature does not cover makes the verdict INCOMPLETE",
    )
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=_verify_signature)


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"  # pragma: no cover


def _add(args: argparse.Namespace) -> int:
    from reviewstation.artifacts import intake

    sums = None
    if args.declared_sums is not None:
        sums = custody.parse_sums(read_bounded(args.declared_sums, MAX_SUMS_FILE, "hash list"))
    meter = Meter()
    with open_session(args) as session:
        try:
            result = intake.add_artifacts(
                session,
                args.review,
                args.files,
                kind=args.kind,
                custody=custody.Custody(args.medium, args.received_from, args.received_at),
                declared_sha256=args.declared_sha256,
                declared_sums=sums,
                allow_duplicates=args.allow_duplicates,
                follow_links=args.follow_links,
                progress=meter,
            )
        finally:
            meter.done()
    for artifact in result.mismatches:
        output.error(
            f"reviewstation: WARNING: SHA-256 MISMATCH for {artifact.path}: declared"
            f" {artifact.declared_sha256}, received {artifact.sha256}. Recorded in custody."
        )
    problems = result.mismatches or result.declared_not_received or not result.added
    if args.json:
        output.emit_json(
            {
                "added": [a.to_json() for a in result.added],
                "skipped": [dataclasses.asdict(s) for s in result.skipped],
                "declared_not_received": result.declared_not_received,
            }
        )
        return 1 if problems else 0
    for artifact in result.added:
        flag = "  DECLARED SHA-256 MISMATCH" if artifact.declared_mismatch else ""
        output.line(
            f"{artifact.id} artifact added: {artifact.path} ({_size(artifact.size)}, "
            f"{artifact.kind}, sha256 {artifact.sha256}){flag}"
        )
    for skipped in result.skipped:
        extra = f" {skipped.duplicate_of}" if skipped.duplicate_of else ""
        output.line(f"skipped: {skipped.path}: {skipped.reason}{extra}")
    for name in result.declared_not_received:
        output.line(f"missing: {name} is in the declared hashes but was not received")
    return 1 if problems else 0


def _flags(artifact: Artifact) -> str:
    flags = []
    if artifact.erased:
        flags.append("ERASED")
    if artifact.declared_mismatch:
        flags.append("SHA256-MISMATCH")
    if artifact.duplicate_of:
        flags.append("DUPLICATE")
    summary = artifact.inspection
    if summary.can_run_code:
        flags.append("CAN-RUN-CODE")
    if isinstance(summary, PickleScan) and summary.incomplete:
        flags.append("NOT-FULLY-SCANNED")
    if summary.trusted is False:
        flags.append("UNTRUSTED-HEADER")
    if summary.error:
        flags.append("UNINSPECTED")
    return ",".join(flags)


def _list(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        review = get_review(session.conn, args.review)
        artifacts = catalog.list_artifacts(session.conn, review.id)
    if args.json:
        output.emit_json([a.to_json() for a in artifacts])
        return 0
    output.table(
        [
            [
                str(a.id),
                a.kind,
                _size(a.size),
                a.sha256[:16],
                a.inspection.format,
                _flags(a),
                a.path,
            ]
            for a in artifacts
        ],
        ["ID", "KIND", "SIZE", "SHA-256", "FORMAT", "FLAGS", "PATH"],
    )
    return 0


def _value(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text[:200]


_MODEL_FILE_FACTS = {
    "onnx": (
        "ir_version",
        "producer",
        "opsets",
        "graph_name",
        "nodes_total",
        "op_types",
        "custom_ops",
        "inputs",
        "outputs",
        "initializers",
        "initializer_bytes",
        "external_tensors",
    ),
    "keras": (
        "keras_version",
        "model_class",
        "model_name",
        "layers",
        "classes",
        "lambda_layers",
        "custom_objects",
        "external_models",
    ),
    "hdf5": ("model_class", "model_name", "layers", "lambda_layers", "custom_objects"),
    "npy": ("dtype", "shape", "fortran_order", "data_bytes"),
    "npz": ("array_count", "arrays"),
    "sharded-index": ("checkpoint", "shard_count", "tensor_count", "total_size"),
}


def _facts(summary: Inspection) -> list[tuple[str, object]]:
    """The main facts of a summary, by format (empty ones are left out when printed)."""
    match summary:
        case SafetensorsSummary():
            return [
                ("Tensor count", summary.tensor_count),
                ("Parameter count", summary.parameter_count),
                ("Dtypes", summary.dtypes),
            ]
        case GgufSummary():
            return [
                ("Tensor count", summary.tensor_count),
                ("Parameter count", summary.parameter_count),
                ("Architecture", summary.architecture),
                ("File type", summary.file_type),
                ("Tensor types", summary.tensor_types),
            ]
        case PickleScan():
            return [
                ("Verdict", summary.verdict),
                ("Container", summary.container),
                ("Not scanned", list(summary.not_scanned or ())),
            ]
        case InspectLog():
            return [
                ("Task", summary.task),
                ("Model", summary.model),
                ("Status", summary.status),
                ("Solvers", list(summary.solvers)),
                ("Scorers", list(summary.scorers)),
                ("Sample count", summary.sample_count),
            ]
        case ModelSignatureSummary():
            return [("Resources", summary.resources), ("Model name", summary.model_name)]
        case TextPreview():
            return [("Headings", None if summary.headings is None else list(summary.headings))]
        case ModelFileSummary():
            keys = _MODEL_FILE_FACTS.get(summary.format, ())
            return [(k.replace("_", " ").capitalize(), summary.fields.get(k)) for k in keys]
        case _:
            return []


def _print_inspection(summary: Inspection) -> None:
    output.line(f"  Format         {summary.format}")
    for name, value in _facts(summary):
        if value not in (None, [], {}):
            output.line(f"  {name:<15}{_value(value)}")
    if isinstance(summary, InspectLog):
        for metric in summary.metrics[:20]:
            name = f"{metric.scorer}/{metric.metric}"
            if metric.reducer:
                name += f" ({metric.reducer} of epochs)"
            output.line(f"  Metric         {name} = {metric.value}")
    if isinstance(summary, GgufSummary):
        for key, text in (summary.chat_templates or {}).items():
            output.line(f"  Chat template  {key} ({len(text):,} characters):")
            output.block(text, "    | ")
    if isinstance(summary, PickleScan):
        for item in summary.imports[:30]:
            output.line(f"  Imports        {item.callable} ({item.risk})")
    if summary.error:
        output.line(f"  NOT INSPECTED: {summary.error}")
    problems = (
        summary.problems or ()
        if isinstance(
            summary,
            SafetensorsSummary | GgufSummary | ModelSignatureSummary | ModelFileSummary,
        )
        else ()
    )
    for problem in problems[:30]:
        output.line(f"  PROBLEM: {problem}")
    for warning in summary.warnings:
        output.line(f"  WARNING: {warning}")
    for note in summary.notes:
        output.line(f"  MALFORMED: {note}")
    if summary.claim is not None:
        output.line(f"  Sender's claim (not checked here): format {summary.claim.format}")


def _show(args: argparse.Namespace) -> int:
    from reviewstation.app.views import artifact_details

    with open_session(args, mode="read") as session:
        details = artifact_details(session, args.artifact)  # what the Artifacts tab shows
    artifact, events = details.artifact, details.events
    if args.json:
        shown = artifact.to_json(custody=events)
        if details.references is not None:
            shown["references"] = details.references.to_json()
        output.emit_json(shown)
        return 0
    output.line(f"Artifact {artifact.id}: {artifact.path}")
    if artifact.declared_mismatch:
        output.line(
            "  !!! DECLARED SHA-256 MISMATCH: the content differs from what was declared !!!"
        )
    output.line(f"  Kind           {artifact.kind}")
    output.line(f"  Size           {artifact.size} bytes")
    output.line(f"  SHA-256        {artifact.sha256}")
    output.line(f"  SHA-384        {artifact.sha384}")
    if artifact.declared_sha256:
        verdict = "matches" if artifact.declared_match else "DOES NOT MATCH"
        output.line(f"  Declared       {artifact.declared_sha256} ({verdict})")
    output.line(f"  Review         {artifact.review_id}")
    output.line(f"  Medium         {artifact.medium or '(not recorded)'}")
    output.line(f"  Received from  {artifact.received_from or '(not recorded)'}")
    output.line(f"  Received at    {artifact.received_at or '(not recorded)'}")
    output.line(f"  Imported       {artifact.imported_at} by {artifact.imported_by}")
    if artifact.duplicate_of:
        output.line(f"  Duplicate of   {artifact.duplicate_of}")
    if artifact.erased:
        output.line(f"  ERASED         {artifact.erased_at} by {artifact.erased_by}")
    for event in events:
        output.line(f"  Custody        {event['at']} {event['user']} {event['event']}")
    output.line(f"  Id             {artifact.uid}")
    _print_inspection(artifact.inspection)
    _print_references(details.references)
    return 0


def _print_references(check: ReferenceCheck | None) -> None:
    """The shards or external-data files the artifact names, as found in the vault."""
    if check is None:
        return
    for ref in check.references[:200]:
        where = f" artifact {ref.artifact_id}, {ref.size} bytes, sha256 {ref.sha256}"
        said = where if ref.status == "present" else f" ({'; '.join(ref.problems)})"
        output.line(f"  {check.what.capitalize():<15}{ref.name}: {ref.status.upper()}{said}")
    for problem in check.problems[:50]:
        output.line(f"  PROBLEM: {problem}")


def _view(args: argparse.Namespace) -> int:
    from reviewstation.artifacts import viewing

    with open_session(args) as session:
        result = viewing.view_artifact(session, args.artifact)
    if args.json or not isinstance(result, TextPreview):
        output.emit_json(result.to_json())
    else:
        output.block(result.preview)
    return 0


def _export(args: argparse.Namespace) -> int:
    from reviewstation.artifacts import export

    meter = Meter()
    with open_session(args) as session:
        try:
            artifact = export.export_artifact(session, args.artifact, args.out, progress=meter)
        finally:
            meter.done()
    output.line(
        f"{artifact.id} exported to {args.out} ({artifact.size} bytes, sha256 {artifact.sha256})"
    )
    return 0


def _delete(args: argparse.Namespace) -> int:
    from reviewstation.artifacts import erase

    with open_session(args) as session:
        artifact = erase.erase_artifact(session, args.artifact, args.reason)
    output.line(f"{artifact.id} artifact erased: {artifact.path} (its key is destroyed)")
    return 0


def _verify_signature(args: argparse.Namespace) -> int:
    from reviewstation.artifacts import attest
    from reviewstation.artifacts.signature_result import OFFLINE_LIMITS

    if args.public_key is not None:
        key = read_bounded(args.public_key, MAX_KEY_FILE, "public key")
    else:
        key = read_bounded(args.certificates, MAX_KEY_FILE, "certificates")
    with open_session(args) as session:
        result = attest.verify_model_signature(session, args.artifact, key, ignore=args.ignore)
    if args.json:
        output.emit_json(result.to_json())
    else:
        counts = result.counts
        output.line(
            f"Model signature {result.verdict}: signer {result.signer.fingerprint_sha256}"
            f" ({result.signer.curve}); of {counted(counts.listed, 'listed file')}:"
            f" {counts.match} match,"
            f" {counts.mismatch} differ, {counts.missing} missing,"
            f" {counts.unlisted} imported but not signed."
        )
        if result.signer.trust_anchor is not None:
            output.line(
                f"Signing certificate: {result.signer.certificate_subject}; its chain leads to"
                f" {result.signer.trust_anchor}."
            )
        for reason in result.reasons:
            output.line(f"PROBLEM: {reason}")
        for entry in result.files:
            if entry.result != "match":
                output.line(f"{entry.result.upper()}: {entry.name}")
        for path in result.unlisted:
            if path in result.excluded_by_signer:
                output.line(f"NOT SIGNED (the signer left it out): {path}")
            else:
                output.line(f"NOT SIGNED: {path}")
        output.line(OFFLINE_LIMITS)
    return 0 if result.valid else 1
