"""package export | verify | import | stage | merge | request | approve | requests | prove |
check-proof"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reviewstation.app.identity import read_card
from reviewstation.cli import output
from reviewstation.cli.context import open_session, unlock_options
from reviewstation.crypto.identity import PublicIdentity
from reviewstation.errors import CryptoError, InputError
from reviewstation.package_content import CYCLONEDX_VERSIONS
from reviewstation.reviews.service import require_review
from reviewstation.text import counted, person

if TYPE_CHECKING:
    from reviewstation.packages.verify import VerifyReport


def cards(paths: list[Path] | None) -> list[PublicIdentity]:
    return [read_card(p) for p in paths or []]


DESIGNATION_OPTIONS = {
    "classified_by": "classification authority: who classified it (required when classified)",
    "derived_from": "classification authority: the source guide (required when classified)",
    "declassify_on": "classification authority: date or event (required when classified)",
    "controlled_by": "CUI designation: the controlling agency or office",
    "cui_category": "CUI designation: category, e.g. CTI or PRVCY",
    "dissemination": "CUI designation: distribution statement or limited dissemination control",
    "poc": "CUI designation: point of contact",
}


def disclosure_options(parser: argparse.ArgumentParser) -> None:
    """A selective disclosure (docs/formats/package.md, "Selective disclosure")."""
    parser.add_argument(
        "--disclose-to",
        metavar="NAME",
        help="export only this recorded recipient's view ('identity clearance' records one)",
    )
    parser.add_argument(
        "--withhold",
        action="append",
        default=[],
        metavar="ITEM",
        help="with --disclose-to: leave out finding:N, finding:N.FIELD, artifact:N or run:N"
        " (repeatable); each keeps a salted digest",
    )
    parser.add_argument(
        "--only-vendor",
        default="",
        metavar="VENDOR",
        help="with --disclose-to: keep only the findings of this vendor and their evidence",
    )
    parser.add_argument(
        "--tlp",
        default="AMBER",
        metavar="LABEL",
        help="with --disclose-to: TLP 2.0 label of the members (CLEAR, GREEN, AMBER,"
        " AMBER+STRICT, RED; default AMBER)",
    )


def _plan(args: argparse.Namespace, session: Any) -> Any:
    """The disclosure plan the options name, or None for a whole package."""
    from reviewstation.packages import disclosure

    if not args.disclose_to:
        if args.withhold or args.only_vendor:
            raise InputError("--withhold and --only-vendor need --disclose-to NAME.")
        return None
    return disclosure.plan_review(
        session,
        args.review,
        args.disclose_to,
        args.withhold,
        only_vendor=args.only_vendor,
        tlp=args.tlp,
        evidence=args.evidence,
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("package", help="sealed findings packages")
    cmds = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    unlock = unlock_options()

    export = cmds.add_parser("export", parents=[unlock], help="seal a review into a package")
    export.add_argument("vault", metavar="VAULT")
    export.add_argument("--review", required=True, metavar="ID")
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    export.add_argument(
        "--recipient",
        action="append",
        type=Path,
        metavar="CARD",
        help="encrypt for this identity card (repeatable)",
    )
    export.add_argument(
        "--plaintext",
        action="store_true",
        help="send a package marked above UNCLASSIFIED unencrypted, on purpose",
    )
    export.add_argument(
        "--evidence",
        action="append",
        default=[],
        metavar="ARTIFACT",
        help="carry this artifact's content (repeatable)",
    )
    for name, what in DESIGNATION_OPTIONS.items():
        export.add_argument(f"--{name.replace('_', '-')}", default="", metavar="TEXT", help=what)
    export.add_argument(
        "--cyclonedx-version",
        choices=CYCLONEDX_VERSIONS,
        default=CYCLONEDX_VERSIONS[0],
        help=f"CycloneDX version of artifacts.cdx.json (default {CYCLONEDX_VERSIONS[0]})",
    )
    disclosure_options(export)
    export.set_defaults(run=_export)

    verify = cmds.add_parser(
        "verify",
        parents=[unlock],
        help="check a package (with --trust, no vault needed)",
        description="Check a package against the sender's card (--trust) or a vault's trust"
        " store (--vault). With neither, every check but the signer's identity is made, and"
        " the signer's key fingerprints are printed to compare with the sender's card; the"
        " exit code is then 2 (signer unknown). Exit 0: valid; 1: invalid.",
    )
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument("--trust", action="append", type=Path, metavar="CARD")
    verify.add_argument(
        "--vault",
        metavar="VAULT",
        help="trust this vault's trust store and decrypt with the unlocked user's key",
    )
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(run=_verify)

    imp = cmds.add_parser("import", parents=[unlock], help="verify and import a package")
    imp.add_argument("vault", metavar="VAULT")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument(
        "--trust",
        action="append",
        type=Path,
        metavar="CARD",
        help="also trust this card (the vault's trust store always applies)",
    )
    imp.add_argument("--medium", default="", metavar="LABEL", help="how the package arrived")
    imp.add_argument("--received-from", default="", metavar="WHO")
    imp.add_argument("--received-at", default="", metavar="DATE", help="YYYY-MM-DD[THH:MM]")
    imp.add_argument(
        "--declared-sha256",
        default="",
        metavar="HEX",
        help="the package file's SHA-256 as the sender gave it (a difference refuses the import)",
    )
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(run=_import)

    stage = cmds.add_parser(
        "stage",
        parents=[unlock],
        help="compare a package with an existing review, item by item (changes nothing)",
        description="Verify the package as import does and show, per finding, checklist answer,"
        " checklist run and evidence link, whether it is new, identical, changed, conflicting"
        " (both sides changed it since the common ancestor) or older than this vault's, with"
        " each changed field's old and new value and who changed it. The item ids are what"
        " package merge takes.",
    )
    stage.add_argument("vault", metavar="VAULT")
    stage.add_argument("file", type=Path, metavar="PACKAGE")
    stage.add_argument(
        "--into", metavar="REVIEW", help="the review to compare with (default: the one it matches)"
    )
    stage.add_argument("--trust", action="append", type=Path, metavar="CARD", help="as for import")
    stage.add_argument("--all", action="store_true", help="list identical items too")
    stage.add_argument("--json", action="store_true")
    stage.set_defaults(run=_stage)

    merge = cmds.add_parser(
        "merge",
        parents=[unlock],
        help="merge the accepted items of a package into an existing review (leads)",
        description="Apply the items named with --accept (ids or keys from package stage), record"
        " those named with --reject; every other item stays undecided. A change to a finding"
        " approved here is taken only when named with --accept, and resets its approval.",
    )
    merge.add_argument("vault", metavar="VAULT")
    merge.add_argument("file", type=Path, metavar="PACKAGE")
    merge.add_argument("--into", required=True, metavar="REVIEW")
    merge.add_argument("--accept", nargs="+", action="extend", default=[], metavar="ID")
    merge.add_argument("--reject", nargs="+", action="extend", default=[], metavar="ID")
    merge.add_argument(
        "--accept-all-new",
        action="store_true",
        help="also accept every new item (never a change, never one on an approved finding)",
    )
    merge.add_argument("--trust", action="append", type=Path, metavar="CARD", help="as for import")
    merge.add_argument(
        "--staged",
        type=Path,
        metavar="FILE",
        help="what package stage --json printed: refuse if an accepted item differs now",
    )
    merge.add_argument("--json", action="store_true")
    merge.set_defaults(run=_merge)

    request = cmds.add_parser(
        "request", parents=[unlock], help="ask another lead to approve an export"
    )
    request.add_argument("vault", metavar="VAULT")
    request.add_argument("--review", required=True, metavar="ID")
    request.add_argument(
        "--recipient", action="append", type=Path, metavar="CARD", help="as for export"
    )
    request.add_argument(
        "--evidence", action="append", default=[], metavar="ARTIFACT", help="as for export"
    )
    request.add_argument("--json", action="store_true", help="print the created record as JSON")
    disclosure_options(request)
    request.set_defaults(run=_request)

    approve = cmds.add_parser(
        "approve", parents=[unlock], help="approve another person's export request (leads)"
    )
    approve.add_argument("vault", metavar="VAULT")
    approve.add_argument("request", metavar="REQUEST")
    approve.set_defaults(run=_approve)

    requests = cmds.add_parser(
        "requests", parents=[unlock], help="export requests and whether each is still valid"
    )
    requests.add_argument("vault", metavar="VAULT")
    requests.add_argument("--review", metavar="ID")
    requests.add_argument("--json", action="store_true")
    requests.set_defaults(run=_requests)

    prove = cmds.add_parser(
        "prove",
        parents=[unlock],
        help="write a proof of one item of a disclosure package (its salt and bytes)",
    )
    prove.add_argument("vault", nargs="?", metavar="VAULT", help="the vault that exported it")
    prove.add_argument("--package", metavar="ID", help="with VAULT: the package's id")
    prove.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="PACKAGE",
        help="instead of a vault: the package file, for an item it holds whole (its salt is"
        " in disclosure.json); verified with --trust",
    )
    prove.add_argument("--trust", action="append", type=Path, metavar="CARD")
    prove.add_argument("--item", required=True, metavar="ITEM", help="e.g. 'finding 3'")
    prove.add_argument("--out", required=True, type=Path, metavar="FILE")
    prove.set_defaults(run=_prove)

    check = cmds.add_parser(
        "check-proof",
        parents=[unlock],
        help="check that a proof opens an item a verified disclosure package digested",
    )
    check.add_argument("file", type=Path, metavar="PACKAGE")
    check.add_argument("proof", type=Path, metavar="PROOF")
    check.add_argument("--trust", action="append", type=Path, metavar="CARD")
    check.add_argument(
        "--vault", metavar="VAULT", help="as for verify (needed for an encrypted package)"
    )
    check.add_argument("--json", action="store_true")
    check.set_defaults(run=_check_proof)


def _export(args: argparse.Namespace) -> int:
    from reviewstation.app.determination import area_results
    from reviewstation.package_content import Designation
    from reviewstation.packages.export import export_package

    recipients = cards(args.recipient)
    with open_session(args) as session:
        plan = _plan(args, session)
        result = export_package(
            session,
            args.review,
            args.out,
            recipients=recipients,
            evidence=args.evidence,
            plaintext_ok=args.plaintext,
            designation=Designation(**{name: getattr(args, name) for name in DESIGNATION_OPTIONS}),
            cyclonedx_version=args.cyclonedx_version,
            determination=area_results(session, args.review),
            disclosure=plan,
        )
    names = ", ".join(person(c.name, c.fingerprint) for c in recipients)
    form = f"encrypted for {names}" if result.encrypted else "plaintext"
    output.line(
        f"{result.package_id} package written to {result.path} ({form}, sequence {result.sequence})"
    )
    output.line(f"SHA384SUMS sha384 {result.sums_sha384}")
    if plan is not None:
        output.line(
            f"selective disclosure for {plan.recipient}, TLP:{plan.tlp}:"
            f" {counted(plan.withheld, 'item')} withheld (plan sha384 {plan.digest})"
        )
    output.line(f"advisories at version {result.advisory_version} for this review")
    if result.approved_by:
        output.line(f"approved by {result.approved_by}")
    for note in result.notes:
        output.line(f"note: {note}")
    return 0


def _request(args: argparse.Namespace) -> int:
    from reviewstation.packages import approval

    recipients = cards(args.recipient)
    with open_session(args) as session:
        plan = _plan(args, session)
        made = approval.request_export(
            session,
            args.review,
            evidence=args.evidence,
            recipients=recipients,
            plan=plan.to_json() if plan else None,
        )
    if args.json:
        output.emit_json(made.to_json())
        return 0
    names = ", ".join(person(str(r["name"]), str(r["fingerprint"])) for r in made.recipients)
    form = f"encrypted for {names}" if names else "plaintext"
    output.line(
        f"{made.id} export request for review {made.review_id} by {made.requested_by}"
        f" ({form}, {counted(len(made.evidence), 'evidence file')});"
        " waiting for another lead's approval"
    )
    output.line(f"content sha384 {made.content_sha384}")
    return 0


def _approve(args: argparse.Namespace) -> int:
    from reviewstation.packages import approval

    with open_session(args) as session:
        done = approval.approve_export(session, args.request)
        shown = approval.view(session, done)
    output.line(
        f"{done.id} export request of {done.requested_by} for review {done.review_id}"
        f" approved by {done.approved_by}"
    )
    # What was approved, in full: the recipients' keys, the evidence, the marking, the digest.
    for text in shown.lines():
        output.line(f"  {text}")
    return 0


def _requests(args: argparse.Namespace) -> int:
    from reviewstation.packages import approval

    with open_session(args, mode="read") as session:
        review = None if args.review is None else require_review(session, args.review).id
        views = [approval.view(session, r) for r in approval.list_requests(session.conn, review)]
    if args.json:
        output.emit_json([v.to_json() for v in views])
        return 0
    # One block per request, not a table: an approver must read every recipient's keys.
    for number, shown in enumerate(views):
        if number:
            output.line()
        lines = shown.lines()
        output.line(lines[0])
        for text in lines[1:]:
            output.line(f"  {text}")
    if not views:
        output.line("No export requests.")
    return 0


SIGNER_UNKNOWN = 2  # every check passed but trust: cannot say whose it is (as "cannot check")


def _verify(args: argparse.Namespace) -> int:
    cards(args.trust)  # a card that cannot be read is named before anything else
    if not args.file.is_file():  # cannot check: exit 2, not "invalid"
        raise InputError(f"{args.file} is not a file.")
    if args.vault is None and not args.trust:
        return _verify_unknown_signer(args)
    try:
        report = _verified_report(args)
    except (InputError, CryptoError) as exc:
        if args.json:
            output.emit_json({"valid": False, "reason": str(exc), "file": str(args.file)})
        else:
            output.line(f"INVALID: {exc}")
        return 1
    if args.json:
        output.emit_json(report.to_json())
        return 0
    manifest = report.manifest
    output.line(f"Package {manifest.package_id} ({manifest.marking}), sequence {manifest.sequence}")
    signer = report.signer
    output.line(f"  signer  {signer.name} ({signer.role}) P-384 {signer.fingerprint}")
    if report.encrypted:
        names = ", ".join(person(r.name, r.signing) for r in manifest.recipients)
        inside = "decrypted and checked" if report.decrypted else "contents not inspected"
        output.line(f"  encrypted for {names}; {inside}")
    for check in report.checks:
        output.line(f"  ok: {check}")
    output.line("VALID")
    return 0


def _verify_unknown_signer(args: argparse.Namespace) -> int:
    """No card and no vault: every check but the signer's trust, and the keys' fingerprints
    for a person to compare with the sender's card."""
    from reviewstation.packages.verify import check_unknown_signer

    try:
        found = check_unknown_signer(args.file)
    except (InputError, CryptoError) as exc:
        if args.json:
            output.emit_json({"valid": False, "reason": str(exc), "file": str(args.file)})
        else:
            output.line(f"INVALID: {exc}")
        return 1
    report = found.to_json()
    if args.json:
        output.emit_json(report)
        return SIGNER_UNKNOWN
    output.line(
        f"Package {report['package_id']} ({report['marking']}), sequence {report['sequence']}"
    )
    signer = report["signer"]
    output.line(
        f"  signer  UNKNOWN; the package claims {signer['claimed_name']}"
        f" ({signer['claimed_role']}), which nothing here confirms"
    )
    output.line(f"  P-384      {signer['p384_fingerprint']}")
    output.line(f"  ML-DSA-87  {signer['mldsa87_fingerprint']}")
    for check in report["checks"]:
        output.line(f"  ok: {check}")
    output.line(
        "SIGNER UNKNOWN: both signatures are valid, but no trusted card holds this key. Compare"
        " the fingerprints with the sender's card ('identity show CARD'), then verify with"
        " --trust CARD or --vault VAULT."
    )
    return SIGNER_UNKNOWN


def _verified_report(args: argparse.Namespace) -> VerifyReport:
    from reviewstation.app.packages import verify_in_vault
    from reviewstation.packages.verify import verify_package

    if args.vault is None:
        with verify_package(args.file, cards(args.trust)) as package:
            return package.report()
    with open_session(args, mode="read") as session:
        return verify_in_vault(session, args.file, args.trust or [])


def _import(args: argparse.Namespace) -> int:
    from reviewstation.app.custody import CustodyForm
    from reviewstation.app.packages import import_into_vault

    form = CustodyForm(args.medium, args.received_from, args.received_at, args.declared_sha256)
    form.check()  # a malformed date or hash is named before the passphrase is asked
    with open_session(args) as session:
        result = import_into_vault(session, args.file, args.trust or [], custody=form)
    if args.json:
        output.emit_json(result.to_json())
        return 0
    if result.already:
        output.line(
            f"{result.package_id} already imported (review {result.review_id}); nothing changed"
        )
        return 0
    output.line(
        f"{result.package_id} imported from {person(result.signer, result.signer_fingerprint)}"
        f" (sequence {result.sequence}) into"
        f" review {result.review_id}: {counted(result.findings_added, 'finding')} added,"
        f" {result.findings_updated} updated, {counted(result.runs_added, 'checklist run')} added,"
        f" {counted(result.evidence_added, 'evidence file')}"
        + (
            f", {counted(result.triage_labels, 'triage label')} added or decided"
            if result.triage_labels
            else ""
        )
    )
    return 0


def _prove(args: argparse.Namespace) -> int:
    from reviewstation.app.disclosures import write_proof
    from reviewstation.packages import disclosure
    from reviewstation.storage import atomic_write

    if args.out.exists():  # before the passphrase is asked for
        raise InputError(f"{args.out} already exists; choose another name.")
    if (args.vault is None) == (args.source is None):
        raise InputError(
            "Name the exporting VAULT with --package ID, or the package file (--from)."
        )
    if args.source is not None:
        args.file = args.source
        args.vault = None
        with _opened(args) as verified:
            package_id = verified.manifest.package_id
            data = disclosure.proof_from_package(verified.read_checked, package_id, args.item)
        atomic_write(args.out, data, "proof")
    else:
        if not args.package:
            raise InputError("--package ID names the package whose item to prove.")
        package_id = args.package
        with open_session(args) as session:
            write_proof(session, package_id, args.item, args.out)
    output.line(f"proof of {args.item} of package {package_id} written to {args.out}")
    return 0


def _opened(args: argparse.Namespace) -> Any:
    """The package ``args.file`` verified (decrypted with ``--vault``), with a disclosure."""
    from reviewstation.app.disclosures import open_disclosure

    if getattr(args, "vault", None):
        from reviewstation.packages import trust

        with open_session(args, mode="read") as session:
            assert session.identity is not None
            trusted = trust.trusted(session.conn) + cards(args.trust)
            revoked = trust.revoked_fingerprints(session.conn)
            return open_disclosure(
                args.file, trusted, revoked=revoked, recipient=session.identity.recipient
            )
    return open_disclosure(args.file, cards(args.trust))


def _check_proof(args: argparse.Namespace) -> int:
    from reviewstation.app.disclosures import check_proof_file, read_proof

    proof = read_proof(args.proof)  # before the passphrase is asked for
    with _opened(args) as verified:
        proven = check_proof_file(verified, proof)
    result, package_id = proven.result, proven.package_id
    if args.json:
        output.emit_json(
            {
                "proven": True,
                "package_id": package_id,
                "item": result.item,
                "kind": result.kind,
                "state": result.state,
                "digest": result.digest,
                "content": result.item_json,
            }
        )
        return 0
    output.line(proven.sentence())
    return 0


def _stage(args: argparse.Namespace) -> int:
    from reviewstation.app.history import short
    from reviewstation.app.merge import stage

    with open_session(args, mode="read") as session:
        staging = stage(session, args.file, args.into, extra_cards=args.trust or [])
    if args.json:
        output.emit_json(staging.to_json())
        return 0
    counts = ", ".join(f"{n} {status}" for status, n in staging.counts().items() if n)
    output.line(
        f"{staging.package_id} from {person(staging.signer, staging.signer_fingerprint)}"
        f" against review {staging.review_id} ({staging.matched_by}): {counts or 'no items'}"
    )
    for item in staging.items:
        if item.status == "identical" and not args.all:
            continue
        flags = [item.status.upper()]
        if item.approved and item.offered:
            flags.append("APPROVED HERE: accepting resets the approval")
        if item.decided_here and item.offered:
            flags.append(f"DECIDED HERE ({item.decided_here}): accepting replaces it")
        if item.decided:
            flags.append(f"{item.decided} before")
        output.line(f"{item.id}  {item.kind:<8} {' / '.join(flags)}  {item.title}")
        if item.ancestor or item.note:
            output.line(f"    {'; '.join(x for x in (item.ancestor, item.note) if x)}")
        for diff in item.fields:
            mark = "!" if diff.conflict else " "
            who = f"  ({diff.changed_by} {diff.changed_at})".rstrip() if diff.changed_by else ""
            base = f" [was {short(diff.base)}]" if diff.base_known else ""
            output.line(
                f"  {mark} {diff.field}: {short(diff.ours)} -> {short(diff.theirs)}{base}"
                f"  {diff.side}{who}"
            )
    for note in staging.notes:
        output.line(f"note: {note}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from reviewstation.app.merge import merge

    if not args.accept and not args.reject and not args.accept_all_new:
        raise InputError("Name items with --accept ID or --reject ID (or --accept-all-new).")
    with open_session(args) as session:
        result = merge(
            session,
            args.file,
            args.into,
            accept=args.accept,
            reject=args.reject,
            accept_new=args.accept_all_new,
            extra_cards=args.trust or [],
            staged=args.staged,
        )
    if args.json:
        output.emit_json(result.to_json())
        return 0
    if not result.accepted and not result.rejected:
        output.line(f"{result.package_id}: nothing to merge into review {result.review_id}")
        return 0
    reset = f"; approval reset on {counted(len(result.approval_reset), 'finding')}"
    output.line(
        f"{result.package_id} merged into review {result.review_id}:"
        f" {len(result.accepted)} accepted, {len(result.rejected)} rejected,"
        f" {len(result.unchanged)} unchanged, {counted(result.evidence_added, 'evidence file')}"
        f"{reset if result.approval_reset else ''}"
    )
    return 0
