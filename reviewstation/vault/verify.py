"""The auditor's check: prove the vault intact without trusting the people who wrote it.

Never writes the database (it opens it read-only), so it can run beside an open session.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from reviewstation.crypto.identity import PublicIdentity
from reviewstation.crypto.signing import HybridSignature
from reviewstation.errors import InputError, ReviewStationError, VaultCorrupt
from reviewstation.storage import read_bounded
from reviewstation.text import counted
from reviewstation.vault import audit, folder, pending
from reviewstation.vault.audit import Checkpoint
from reviewstation.vault.database import Connection, DatabaseError, open_database
from reviewstation.vault.header import HEADER_NAME, MAX_HEADER_BYTES, load_header
from reviewstation.vault.keys import database_key
from reviewstation.vault.migrations import LATEST, schema_version
from reviewstation.vault.session import Method, pick_user, unlock_keys
from reviewstation.vault.users import signing_keys

Progress = Callable[[str], None]


class CheckOutcome(Protocol):
    """What a content check found: lines for the report."""

    checks: list[str]
    problems: list[str]
    notes: list[str]


# (vault folder, read-only connection, master key, vault id) -> outcome. Checks of content
# that belongs to the features above the vault (artifact blobs) come in through this, so this
# module imports nothing above ``vault/`` (composed in ``app/verify.py``).
ContentCheck = Callable[[Path, Connection, bytes, str], CheckOutcome]


@dataclass
class Report:
    vault: str
    vault_id: str = ""
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    entries: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "vault": self.vault,
            "vault_id": self.vault_id,
            "intact": self.intact,
            "audit_entries": self.entries,
            "checks": self.checks,
            "problems": self.problems,
            "notes": self.notes,
        }


def verify_vault(
    path: Path,
    secret: str,
    *,
    user: str | None = None,
    method: Method = "passphrase",
    trusted: list[PublicIdentity] | None = None,
    witnesses: list[Checkpoint] | None = None,
    progress: Progress | None = None,
    content_checks: Sequence[tuple[str, ContentCheck]] = (),
) -> Report:
    """Raises ReviewStationError only when the vault cannot be checked at all (exit 2).

    ``trusted``: identity cards the auditor obtained independently. Without them the
    checkpoint signatures are checked against the keys in the database itself, which an
    insider holding the master key could have replaced; with them, every signer must be on
    the list (compared by fingerprint).

    ``witnesses``: checkpoints that left the vault inside exported packages. A whole vault put
    back from an old copy still agrees with its own header; it cannot agree with a checkpoint
    it signed later and sent away.

    ``content_checks``: (step name, check) pairs run after the vault's own checks, each with
    the read-only connection (``app.verify`` adds the artifact check).
    """
    step = progress or (lambda _message: None)
    links = folder.links(path)
    if links:  # nothing in the folder is opened through a link, not even to check it
        return Report(str(path), problems=[f"Vault folder: {link}" for link in links])
    header = load_header(path)
    name = pick_user(header, user)
    master, _ = unlock_keys(path, header, name, secret, method)
    pending.record(path, name, "vault.verify", method)
    for attempt in range(ATTEMPTS):
        report, settled = _attempt(
            path, master, trusted, witnesses or [], step, content_checks, last=attempt + 1
        )
        if settled:
            break
        time.sleep(0.05 * 3**attempt)  # a writer between its commit and its header update
    for event in pending.read(path):
        if event.get("action") == "vault.unlock_failed":
            report.notes.append(
                f"Failed unlock by {event.get('user')!r} at {event.get('at')}"
                " not yet in the audit trail."
            )
    return report


# A writer next to the check commits to vault.db and rewrites vault.header as two steps.
# Each attempt reads the header first and then one snapshot of the database (one read
# transaction), so the header is never newer than what it is compared with; a finding a
# writer in the middle of its two steps can cause (the header behind, key slots differing, an
# artifact's blob) is looked at again, and it stands when it is still there after the writer
# has had time to finish, or when nothing changed during the attempt that saw it.
ATTEMPTS = 4
_TRANSIENT = ("Key slot", "Artifact")


def _attempt(
    path: Path,
    master: bytes,
    trusted: list[PublicIdentity] | None,
    witnesses: list[Checkpoint],
    step: Progress,
    content_checks: Sequence[tuple[str, ContentCheck]],
    *,
    last: int,
) -> tuple[Report, bool]:
    """One consistent look: (report, whether it stands)."""
    before = header_bytes(path)
    header = load_header(path)
    report = Report(str(path), header.vault_id)
    step("header")
    report.checks.append("header authentication")
    if not header.mac_valid(master):
        report.problems.append(
            "Header: its authentication code does not match (the file was edited)."
        )

    step("database")
    report.checks.append("database authentication")
    try:
        conn = open_database(path, database_key(master, header.vault_id), read_only=True)
    except VaultCorrupt as exc:  # anything else means it cannot be checked here (exit 2)
        report.problems.append(f"Database: {exc}")
        return report, last >= ATTEMPTS or header_bytes(path) == before
    try:
        version_before = _data_version(conn)
        conn.execute("BEGIN")  # one snapshot for every read below
        _check_database(conn, header.vault_id, header.marking, report)
        _check_audit(conn, header, report, step, trusted)
        _check_witnesses(conn, header.vault_id, witnesses, report, trusted)
        _check_slots(conn, header, report)
        for check_name, check in content_checks:
            step(check_name)
            found = check(path, conn, master, header.vault_id)
            report.checks.extend(found.checks)
            report.problems.extend(found.problems)
            report.notes.extend(found.notes)
        with contextlib.suppress(DatabaseError):  # a damaged file may have ended it already
            conn.execute("COMMIT")
        changed = _data_version(conn) != version_before or header_bytes(path) != before
    finally:
        conn.close()
    suspect = [
        line
        for line in [*report.problems, *report.notes]
        if line.startswith(_TRANSIENT) or "older header" in line
    ]
    if not (report.problems or suspect) or last >= ATTEMPTS:
        return report, True
    # Look again when something changed meanwhile, or the finding is one a writer in the
    # middle of its two steps leaves for a moment (the first two attempts).
    return report, not changed and not (suspect and last < 3)


def header_bytes(path: Path) -> bytes:
    try:
        return read_bounded(path / HEADER_NAME, MAX_HEADER_BYTES, "vault header", follow=False)
    except InputError:
        return b""


def _data_version(conn: Connection) -> int:
    """Changes when another connection (another process) commits to the database."""
    try:
        return int(conn.execute("PRAGMA data_version").fetchone()[0])
    except DatabaseError:
        return -1


def _check_database(conn: Connection, vault_id: str, marking: str, report: Report) -> None:
    report.checks.append("cipher_integrity_check")
    try:
        bad_pages = conn.execute("PRAGMA cipher_integrity_check").fetchall()
        report.problems.extend(f"Database: {row[0]}" for row in bad_pages)
    except DatabaseError as exc:
        report.problems.append(f"Database: the page check could not finish ({exc}).")
    report.checks.append("integrity_check")
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            report.problems.extend(f"Database structure: {r}" for r in rows[:20])
    except DatabaseError as exc:
        report.problems.append(f"Database structure: the check could not finish ({exc}).")
    try:
        version = schema_version(conn)
        if version != LATEST:
            report.notes.append(
                f"Schema version {version}; it is migrated to {LATEST} on next unlock."
            )
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("vault_id") != vault_id:
            report.problems.append("Database: it belongs to another vault than the header.")
        if meta.get("marking") != marking:
            report.problems.append(
                f"Marking: the header says {marking!r} but the database says"
                f" {meta.get('marking')!r}."
            )
    except DatabaseError as exc:
        report.problems.append(f"Database: its metadata cannot be read ({exc}).")


def _check_audit(
    conn: Connection,
    header: Any,
    report: Report,
    step: Progress,
    trusted: list[PublicIdentity] | None,
) -> None:
    vault_id = header.vault_id
    step("audit trail")
    report.checks.append("audit chain")
    try:
        count, _, problems = audit.verify_chain(conn, vault_id)
        total = int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
        keys = signing_keys(conn)  # a user's retired keys too: what they signed still verifies
        points = audit.checkpoints(conn)
    except (DatabaseError, ReviewStationError) as exc:
        report.problems.append(f"Audit trail: it cannot be read ({exc}).")
        return
    report.entries = total
    trusted_keys = {card.signing for card in trusted or []}  # both halves must match a card
    for name in sorted({p.user for p in points}):
        if name in keys:
            report.notes.append(
                f"Checkpoints signed by {name}, P-384 {keys[name][0].fingerprint()}"
                + (f" (and {len(keys[name]) - 1} retired key(s))." if len(keys[name]) > 1 else ".")
            )
    report.problems.extend(problems)

    def check_point(point: Checkpoint, where: str) -> None:
        known = keys.get(point.user)
        key = next((k for k in known or [] if point.valid(vault_id, k)), None)
        if known is None:
            report.problems.append(
                f"{where}: signed by {point.user!r}, who is not a user of this vault."
            )
        elif key is None:
            report.problems.append(f"{where}: its signature does not verify.")
        elif trusted is not None and key not in trusted_keys:
            report.problems.append(
                f"{where}: signed by {point.user!r}, whose key is not on the trusted list."
            )
        at = audit.hash_at(conn, point.count, vault_id) if point.count <= count else None
        if point.count > total:
            report.problems.append(
                f"{where}: it covers {point.count} audit entries but the trail has only {total}"
                " (the database was rolled back or entries were removed)."
            )
        elif at is not None and at.hex() != point.head:
            report.problems.append(
                f"{where}: the audit trail at entry {point.count} differs from what was signed."
            )

    step("checkpoints")
    report.checks.append("checkpoint signatures")
    for point in points:
        check_point(point, f"Checkpoint at entry {point.count}")
    report.checks.append("rollback against the header checkpoint")
    cp = header.checkpoint
    newest = max((p.count for p in points), default=0)
    if cp is None:
        report.problems.append("Header: it carries no checkpoint.")
    elif cp.count < newest:
        # The header is written after the database commits, so it may lag (a crash between
        # the two, or a writer next to this check) but never lead. A lagging header loses
        # nothing: the database holds the newer signed checkpoints, and the header's own one
        # is checked against the trail below; old key slots it carries are named by the
        # key-slot check. The next writable unlock records it and brings the header up to date.
        report.notes.append(
            f"Header: its checkpoint ({counted(cp.count, 'entry', 'entries')}) is older than"
            f" the newest recorded checkpoint ({counted(newest, 'entry', 'entries')}): its update"
            " was interrupted, or an older header"
            " was put back; nothing is missing from the database."
        )
    if cp is not None:
        check_point(
            Checkpoint(
                cp.count, cp.head, cp.user, cp.at, HybridSignature(cp.sig_p384, cp.sig_mldsa87)
            ),
            "Header checkpoint",
        )


def _check_slots(conn: Connection, header: Any, report: Report) -> None:
    report.checks.append("key slots")
    try:
        recorded = {
            r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, kind, user FROM key_slots")
        }
        active = {r[0] for r in conn.execute("SELECT name FROM users WHERE active = 1")}
    except DatabaseError as exc:
        report.problems.append(f"Key slots: the database's list cannot be read ({exc}).")
        return
    for slot in header.slots:
        if slot.slot_id not in recorded:
            report.problems.append(
                f"Key slot {slot.slot_id} ({slot.kind}, {slot.user}) is in the header but not"
                " recorded in the database."
            )
        elif slot.user is not None and slot.user not in active:
            report.problems.append(
                f"Key slot {slot.slot_id} belongs to {slot.user!r}, who is not an active user."
            )
    in_header = {s.slot_id for s in header.slots}
    for slot_id, (kind, user) in recorded.items():
        if slot_id not in in_header:
            report.problems.append(
                f"Key slot {slot_id} ({kind}, {user}) is recorded in the database but"
                " missing from the header."
            )


def _check_witnesses(
    conn: Connection,
    vault_id: str,
    witnesses: list[Checkpoint],
    report: Report,
    trusted: list[PublicIdentity] | None,
) -> None:
    if not witnesses:
        return
    report.checks.append("rollback against checkpoints carried in packages")
    try:
        keys = signing_keys(conn)
        total = int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])
    except (DatabaseError, ReviewStationError) as exc:
        report.problems.append(f"Package checkpoints: the vault cannot be read ({exc}).")
        return
    for point in witnesses:
        where = f"Package checkpoint ({counted(point.count, 'entry', 'entries')}, {point.at})"
        key = next((k for k in keys.get(point.user, []) if point.valid(vault_id, k)), None)
        if key is None:
            report.problems.append(f"{where}: not signed by a user of this vault.")
        elif trusted is not None and key not in {card.signing for card in trusted}:
            report.problems.append(f"{where}: signed by {point.user!r}, not on the trusted list.")
        elif point.count > total:
            report.problems.append(
                f"{where}: the vault has only {total} audit entries; it was rolled back or"
                " truncated after that package left."
            )
        else:
            at = audit.hash_at(conn, point.count, vault_id)
            if at is None or at.hex() != point.head:
                report.problems.append(f"{where}: the audit trail differs from what was exported.")
