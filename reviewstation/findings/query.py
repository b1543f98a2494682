"""Reading findings in pages and searching them (FTS5 inside the encrypted database)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reviewstation.errors import InputError
from reviewstation.evidence import EvidenceRef
from reviewstation.findings.service import _SELECT, SEVERITIES, STATUSES, Finding, _row
from reviewstation.vault.database import Connection

PAGE = 200
MAX_QUERY = 500
# A word, or words joined by hyphens or dots (CWE-79, CVE-2025-12345, 1.4.2), which is
# searched as a phrase: its parts next to each other, in that order.
_WORD = re.compile(r"\w+(?:[-.]\w+)*\*?", re.UNICODE)
# bm25 weights of the index's columns: title, body, cwe, cve_id, vendor, product.
WEIGHTS = "5.0, 1.0, 3.0, 3.0, 2.0, 2.0"


@dataclass(frozen=True)
class Filter:
    review_id: int | None = None
    status: str | None = None
    severity: str | None = None

    def where(self) -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.review_id is not None:
            clauses.append("review_id = ?")
            params.append(self.review_id)
        if self.status is not None:
            if self.status not in STATUSES:
                raise InputError(f"Unknown status {self.status!r}.")
            clauses.append("status = ?")
            params.append(self.status)
        if self.severity is not None:
            if self.severity not in SEVERITIES:
                raise InputError(f"Unknown severity {self.severity!r}.")
            clauses.append("severity = ?")
            params.append(self.severity)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def count(conn: Connection, where: Filter = Filter()) -> int:
    sql, params = where.where()
    return int(conn.execute(f"SELECT count(*) FROM findings{sql}", params).fetchone()[0])  # noqa: S608


def page(
    conn: Connection,
    where: Filter = Filter(),
    *,
    after_id: int = 0,
    limit: int = PAGE,
) -> list[Finding]:
    """Findings in id order after ``after_id`` (keyset paging: constant cost at any depth)."""
    sql, params = where.where()
    sql = f"{sql} AND id > ?" if sql else " WHERE id > ?"
    rows = conn.execute(
        f"{_SELECT}{sql} ORDER BY id LIMIT ?",
        [*params, after_id, max(1, min(limit, 10_000))],
    ).fetchall()
    return [_row(conn, r, full=False) for r in rows]


def all_findings(conn: Connection, where: Filter = Filter()) -> list[Finding]:
    found: list[Finding] = []
    while batch := page(conn, where, after_id=found[-1].id if found else 0, limit=1000):
        found.extend(batch)
    return found


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query: every word must match (a trailing * for prefixes),
    in the title, the text, the CWE, the CVE id, the vendor or the product.

    Words are quoted, so FTS5 operators and column filters in the input are never interpreted.
    """
    if len(text) > MAX_QUERY:
        raise InputError(f"A search may be at most {MAX_QUERY} characters.")
    terms = []
    for word in _WORD.findall(text):
        prefix = word.endswith("*")
        core = word.rstrip("*")
        if core:
            terms.append(f'"{core}"' + ("*" if prefix else ""))
    if not terms:
        raise InputError("Search for at least one word.")
    return " ".join(terms)


RANK_LIMIT = 2000


# The unary + keeps SQLite from handing the rowid list to FTS5 as an equality constraint:
# with it, FTS5 evaluates the match once per finding of the review (seconds at 10,000
# findings, minutes at 100,000); without it, FTS5 walks the matches and a Bloom filter of
# the review's ids drops the rest.
REVIEW_RESTRICTION = " AND +rowid IN (SELECT id FROM findings WHERE review_id = ?)"


def search(
    conn: Connection, text: str, *, limit: int = PAGE, review_id: int | None = None
) -> list[Finding]:
    """Best matches first (bm25: the title weighted above the CWE and CVE id, those above
    the vendor and product, and those above the body).

    bm25 reads every match's length record, so its cost grows with the number of matches.
    When more than ``RANK_LIMIT`` findings match, a ranking means little anyway: they come
    newest first, which FTS5 serves straight from its index in constant time.
    """
    limit = max(1, min(limit, 10_000))
    match = fts_query(text)
    review = REVIEW_RESTRICTION if review_id else ""
    params: list[object] = [match] + ([review_id] if review_id else [])
    many = (
        conn.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM findings_fts"  # noqa: S608
            f" WHERE findings_fts MATCH ?{review} LIMIT {RANK_LIMIT + 1})",
            params,
        ).fetchone()[0]
        > RANK_LIMIT
    )
    order = "rowid DESC" if many else f"bm25(findings_fts, {WEIGHTS}), rowid DESC"
    ranked = conn.execute(
        f"SELECT rowid FROM findings_fts WHERE findings_fts MATCH ?{review}"  # noqa: S608
        f" ORDER BY {order} LIMIT ?",
        [*params, limit],
    ).fetchall()
    ids = [int(r[0]) for r in ranked]
    if not ids:
        return []
    rows = conn.execute(
        f"{_SELECT} WHERE id IN ({', '.join('?' * len(ids))})",
        ids,
    ).fetchall()
    by_id = {int(r[0]): r for r in rows}
    return [_row(conn, by_id[i], full=False) for i in ids if i in by_id]


def with_attachments(conn: Connection, findings: list[Finding]) -> list[Finding]:
    """The findings with their evidence and checklist links, which pages and searches leave
    out (a list has no room for them); a few queries per thousand findings, not two each."""
    evidence: dict[int, list[EvidenceRef]] = {f.id: [] for f in findings}
    links: dict[int, list[tuple[int, str]]] = {f.id: [] for f in findings}
    ids = list(evidence)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        for finding_id, uid, sample, digest in conn.execute(
            "SELECT finding_id, artifact_uid, sample_id, sample_digest FROM finding_evidence"  # noqa: S608
            f" WHERE finding_id IN ({marks}) ORDER BY id",
            chunk,
        ):
            evidence[int(finding_id)].append(EvidenceRef(uid, sample, digest))
        for finding_id, run_id, item_id in conn.execute(
            "SELECT finding_id, run_id, item_id FROM finding_links"  # noqa: S608
            f" WHERE finding_id IN ({marks}) ORDER BY run_id, item_id",
            chunk,
        ):
            links[int(finding_id)].append((int(run_id), str(item_id)))
    return [replace(f, evidence=evidence[f.id], links=links[f.id]) for f in findings]
