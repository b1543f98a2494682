"""finding add | update | list | show | search"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reviewstation.cli import output
from reviewstation.cli.context import add_evidence_option, open_session, unlock_options
from reviewstation.errors import InputError
from reviewstation.evidence import parse_ref
from reviewstation.findings import query, service
from reviewstation.findings.service import Finding
from reviewstation.storage import read_bounded
from reviewstation.text import looks_like


def _fields(parser: argparse.ArgumentParser, *, adding: bool) -> None:
    parser.add_argument("--title", required=adding)
    parser.add_argument("--severity", required=adding, choices=service.SEVERITIES)
    parser.add_argument("--kind", choices=service.KINDS, default="capability" if adding else None)
    parser.add_argument(
        "--body-file",
        type=Path,
        metavar="F",
        help="Markdown body; '-' reads standard input to its end (after the passphrase line, when"
        " the passphrase comes from standard input too)",
    )
    parser.add_argument("--cvss", metavar="VECTOR", help="CVSS v4.0 vector")
    parser.add_argument("--cwe", metavar="CWE-N")
    parser.add_argument("--vendor")
    parser.add_argument("--product")
    parser.add_argument("--versions")
    parser.add_argument("--product-id", metavar="PURL|CPE")
    parser.add_argument("--vex", choices=service.VEX_STATUSES)
    parser.add_argument(
        "--affected-versions",
        metavar="VERS",
        help="vers range of the vulnerable versions, e.g. 'vers:semver/>=1.0.0|<1.4.0' ('' clears)",
    )
    parser.add_argument(
        "--fixed-versions",
        metavar="VERS",
        help="vers range of the versions that fix it, e.g. 'vers:semver/>=1.4.0' (needed for"
        " --vex fixed; may not overlap the affected range)",
    )
    parser.add_argument(
        "--justification",
        choices=[*service.JUSTIFICATIONS, ""],
        metavar="JUSTIFICATION",
        help="why not_affected (needed for --vex not_affected): "
        + ", ".join(service.JUSTIFICATIONS),
    )
    parser.add_argument(
        "--action-statement",
        metavar="TEXT",
        help="what users of an affected product should do (needed before an affected finding"
        " is approved and exported)",
    )
    parser.add_argument("--disclosure", choices=service.DISCLOSURES)
    parser.add_argument("--cve", metavar="CVE-ID")
    parser.add_argument("--marking", help="portion marking (default: the review's)")
    where = parser.add_argument_group("where in the product's source (empty text clears)")
    where.add_argument("--file", metavar="PATH", help="affected file, relative to the repo root")
    where.add_argument("--line", metavar="N", help="line in that file (from 1)")
    where.add_argument("--end-line", metavar="N", help="last line of the affected region")
    where.add_argument("--function", metavar="NAME", help="affected function or method")
    where.add_argument("--commit", metavar="SHA", help="git commit id the location refers to")
    where.add_argument("--repository", metavar="URI", help="the repository's URI")
    add_evidence_option(parser)
    parser.add_argument("--link", action="append", default=[], metavar="RUN:ITEM")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("finding", help="findings of reviews")
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()

    add = cmds.add_parser("add", parents=[unlock], help="record a finding")
    add.add_argument("vault", metavar="VAULT")
    add.add_argument("--review", required=True, metavar="ID")
    _fields(add, adding=True)
    add.add_argument("--json", action="store_true", help="print the created record as JSON")
    add.set_defaults(run=_add)

    update = cmds.add_parser("update", parents=[unlock], help="change a finding or its status")
    update.add_argument("vault", metavar="VAULT")
    update.add_argument("id", metavar="ID")
    _fields(update, adding=False)
    update.add_argument("--status", choices=service.STATUSES)
    update.add_argument("--reason", default="", help="why (downgrades, disputes, withdrawals)")
    update.set_defaults(run=_update)

    listing = cmds.add_parser("list", parents=[unlock], help="findings, filtered")
    listing.add_argument("vault", metavar="VAULT")
    listing.add_argument("--review", metavar="ID", type=int)
    listing.add_argument("--status", choices=service.STATUSES)
    listing.add_argument("--severity", choices=service.SEVERITIES)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    show = cmds.add_parser("show", parents=[unlock], help="one finding with its revisions")
    show.add_argument("vault", metavar="VAULT")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    search = cmds.add_parser("search", parents=[unlock], help="full-text search")
    search.add_argument("vault", metavar="VAULT")
    search.add_argument("query", metavar="QUERY")
    search.add_argument("--review", metavar="ID", type=int)
    search.add_argument("--json", action="store_true")
    search.set_defaults(run=_search)


def _body(args: argparse.Namespace) -> str | None:
    if args.body_file is None:
        return None
    if str(args.body_file) == "-":
        import sys

        return sys.stdin.read(service.MAX_BODY + 1)
    data = read_bounded(args.body_file, service.MAX_BODY, "finding body")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The body file {args.body_file} should be Markdown text but looks like"
            f" {looks_like(data)}."
        ) from exc


def _links(values: list[str]) -> list[tuple[int | str, str]]:
    links: list[tuple[int | str, str]] = []
    for value in values:
        run, sep, item = value.partition(":")
        if not sep or not run or not item:
            raise InputError(f"A link is RUN:ITEM, e.g. 3:exploit.chaining (got {value!r}).")
        links.append((run, item))
    return links


def _from_stdin(args: argparse.Namespace) -> bool:
    return args.body_file is not None and str(args.body_file) == "-"


def _changes(args: argparse.Namespace) -> dict[str, Any]:
    """The fields given. A body on standard input ('--body-file -') is read later, by
    ``_stdin_body`` once the session is open: the passphrase comes first on standard input
    (its first line, unless --passphrase-file or --keyring), the body is the rest."""
    return {
        "title": args.title,
        "severity": args.severity,
        "kind": args.kind,
        "body": None if _from_stdin(args) else _body(args),
        "cvss_vector": args.cvss,
        "cwe": args.cwe,
        "vendor": args.vendor,
        "product": args.product,
        "versions": args.versions,
        "product_id": args.product_id,
        "vex_status": args.vex,
        "affected_versions": args.affected_versions,
        "fixed_versions": args.fixed_versions,
        "justification": args.justification,
        "action_statement": args.action_statement,
        "disclosure": args.disclosure,
        "cve_id": args.cve,
        "portion_marking": args.marking,
        "file_path": args.file,
        "start_line": args.line,
        "end_line": args.end_line,
        "function_name": args.function,
        "commit_id": args.commit,
        "repository": args.repository,
    }


def _stdin_body(args: argparse.Namespace, changes: dict[str, Any]) -> dict[str, Any]:
    return {**changes, "body": _body(args)} if _from_stdin(args) else changes


def _add(args: argparse.Namespace) -> int:
    changes = _changes(args)
    with open_session(args) as session:
        changes = _stdin_body(args, changes)
        finding = service.add_finding(
            session,
            args.review,
            title=changes.pop("title"),
            severity=changes.pop("severity"),
            kind=changes.pop("kind"),
            body=changes.pop("body") or "",
            cvss_vector=changes.pop("cvss_vector"),
            portion_marking=changes.pop("portion_marking"),
            evidence=[parse_ref(e) for e in args.evidence],
            links=_links(args.link),
            **changes,
        )
    if args.json:
        output.emit_json(finding.to_json())
        return 0
    score = f", {finding.cvss.summary()}" if finding.cvss else ""
    output.line(f"{finding.id} finding recorded: {finding.portion_mark} {finding.title}{score}")
    return 0


def _update(args: argparse.Namespace) -> int:
    changes = _changes(args)
    with open_session(args) as session:
        finding = service.update_finding(
            session,
            args.id,
            reason=args.reason,
            evidence=[parse_ref(e) for e in args.evidence],
            links=_links(args.link),
            **_stdin_body(args, changes),
        )
        if args.status and args.status != finding.status:
            finding = service.set_status(session, finding.id, args.status, args.reason)
    output.line(f"{finding.id} finding at revision {finding.revision}: {finding.status}")
    return 0


def _rows(findings: list[Finding]) -> None:
    output.table(
        [
            [str(f.id), str(f.review_id), f.severity, f.status, f.portion_mark, f.title[:70]]
            for f in findings
        ],
        ["ID", "REVIEW", "SEVERITY", "STATUS", "MARK", "TITLE"],
    )


def _list(args: argparse.Namespace) -> int:
    where = query.Filter(args.review, args.status, args.severity)
    with open_session(args, mode="read") as session:
        found = query.all_findings(session.conn, where)
        if args.json:  # with their evidence and links, as 'finding show --json' has them
            found = query.with_attachments(session.conn, found)
    if args.json:
        output.emit_json([f.to_json() for f in found])
    else:
        _rows(found)
    return 0


def _show(args: argparse.Namespace) -> int:
    from reviewstation.app.views import finding_view

    with open_session(args, mode="read") as session:
        view = finding_view(session, args.id)  # what the GUI's editor shows
    finding, history = view.finding, view.history
    if args.json:
        output.emit_json({**finding.to_json(), "revisions": history})
        return 0
    output.line(f"Finding {finding.id} {finding.portion_mark} {finding.title}")
    output.line(
        f"  Review {finding.review_id}, {finding.kind}, {finding.severity}, {finding.status}"
    )
    if finding.cvss:
        output.line(f"  CVSS v4.0 {finding.cvss.summary()}")
        output.line(f"  CVSS vector {finding.cvss.vector}")
    for label, value in (
        ("CWE", finding.cwe),
        ("Product", " ".join(filter(None, [finding.vendor, finding.product, finding.versions]))),
        ("Product id", finding.product_id),
        ("Location", _where(finding)),
        ("Commit", " ".join(filter(None, [finding.repository, finding.commit_id]))),
        ("VEX", finding.vex_status),
        ("Affected", finding.affected_versions),
        ("Fixed in", finding.fixed_versions),
        ("Why not", finding.justification),
        ("Action", finding.action_statement),
        ("Disclosure", finding.disclosure + (f" {finding.cve_id}" if finding.cve_id else "")),
        ("Author", finding.author),
        ("Approved by", finding.approved_by),
    ):
        if value:
            output.line(f"  {label:<11} {value}")
    for ref in finding.evidence:
        name = view.paths.get(ref.artifact_uid)
        output.line(
            f"  Evidence    {ref.artifact_uid}"
            + (f"#{ref.sample_id}" if ref.sample_id else "")
            + (f" ({name})" if name else "")
        )
    for run, item in finding.links:
        output.line(f"  Checklist   run {run} item {item}")
    if finding.body:
        output.line("")
        output.block(finding.body.rstrip(), "  | ")
    output.line("")
    for rev in history:
        output.line(
            f"  r{rev['revision']} {rev['at']} {rev['user']}: {', '.join(sorted(rev['changes']))}"
        )
    return 0


def _where(finding: Finding) -> str:
    """'src/parser.c:120-134 in parse_header' (what is recorded of it)."""
    where = finding.file_path or ""
    if finding.start_line is not None:
        where += f":{finding.start_line}"
        if finding.end_line is not None and finding.end_line != finding.start_line:
            where += f"-{finding.end_line}"
    if finding.function_name:
        where = f"{where} in {finding.function_name}" if where else finding.function_name
    return where


def _search(args: argparse.Namespace) -> int:
    with open_session(args, mode="read") as session:
        found = query.search(session.conn, args.query, review_id=args.review)
        if args.json:
            found = query.with_attachments(session.conn, found)
    if args.json:
        output.emit_json([f.to_json() for f in found])
    else:
        _rows(found)
    return 0
