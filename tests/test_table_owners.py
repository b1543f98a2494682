"""One owner per table: each table of the vault is written (INSERT, UPDATE, DELETE, REPLACE) by
exactly one module, the one named in ``OWNERS``. Everyone else calls that module's store
functions, so the owner's rules hold for every write (a package import included).

Every string literal in ``reviewstation/`` (f-string parts included) is scanned for SQL that
writes a table. A write from another module, or to a table missing from ``OWNERS``, fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "reviewstation"

OWNERS: dict[str, str] = {
    # vault/
    "meta": "vault/meta.py",
    "users": "vault/users.py",
    "retired_keys": "vault/users.py",
    "key_slots": "vault/keyslots.py",
    "audit": "vault/audit.py",
    "checkpoints": "vault/audit.py",
    "findings_fts": "vault/migrations.py",  # kept by the schema's own triggers
    # features
    "reviews": "reviews/service.py",
    "review_assignees": "reviews/service.py",
    "checklist_templates": "checklists/library.py",
    "checklist_runs": "checklists/runs.py",
    "checklist_answers": "checklists/runs.py",
    "checklist_evidence": "checklists/runs.py",
    "findings": "findings/service.py",
    "finding_revisions": "findings/service.py",
    "finding_evidence": "findings/service.py",
    "finding_links": "findings/service.py",
    "artifacts": "artifacts/catalog.py",
    "custody_events": "artifacts/custody.py",
    "determination_areas": "determination.py",
    "triage_labels": "findings/triage.py",
    "triage_fts": "vault/migrations.py",  # kept by the schema's own triggers
    "disclosure_recipients": "packages/disclosure.py",
    "disclosure_items": "packages/disclosure.py",
    # packages/
    "package_imports": "packages/importer.py",
    "review_sources": "packages/importer.py",
    "package_exports": "packages/export.py",
    "export_requests": "packages/approval.py",
    "trusted_signers": "packages/trust.py",
    "merge_decisions": "packages/staging.py",
    "merge_provenance": "packages/staging.py",
}

# A statement that writes a table, and the table's name. ``BEFORE UPDATE ON``, ``AFTER UPDATE
# OF`` (trigger heads) and ``DO UPDATE SET`` (an upsert's second half) are not writes of their
# own.
WRITE = re.compile(
    r"(?<![A-Za-z_])(?:"
    r"INSERT\s+(?:OR\s+[A-Z]+\s+)?INTO|REPLACE\s+INTO|DELETE\s+FROM|"
    r"(?<!BEFORE\s)(?<!AFTER\s)(?<!DO\s)(?<!INSTEAD\sOF\s)UPDATE(?!\s+(?:ON|OF|SET)\b)"
    r")\s+([A-Za-z_][A-Za-z0-9_]*|\{)"
)


def strings(tree: ast.AST) -> list[str]:
    """Every string literal; an f-string with ``{}`` where its values go."""
    found: list[str] = []
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                inside.add(id(value))
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    parts.append(value.value)
                else:
                    parts.append("{}")
            found.append("".join(parts))
    for node in ast.walk(tree):
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and id(node) not in inside:
            found.append(text)
    return found


def writes_in(source: str) -> set[str]:
    return {m.group(1) for text in strings(ast.parse(source)) for m in WRITE.finditer(text)}


def all_writes() -> dict[str, set[str]]:
    """module path (relative to reviewstation/) -> the tables it writes."""
    return {
        path.relative_to(ROOT).as_posix(): tables
        for path in sorted(ROOT.rglob("*.py"))
        if (tables := writes_in(path.read_text(encoding="utf-8")))
    }


# Schema migrations run once, at unlock, before any feature code: they may rewrite stored data
# for a new schema (migration 8 re-scores findings), and must not import the features to do it
# (a migration's meaning is fixed when it ships). Only tables the schema knows are allowed.
MIGRATIONS = "vault/migrations.py"


def violations(writes: dict[str, set[str]]) -> list[str]:
    return [
        f"{module} writes {table}"
        + (f" (owner: {OWNERS[table]})" if table in OWNERS else " (a table not in OWNERS)")
        for module, tables in writes.items()
        for table in sorted(tables)
        if OWNERS.get(table) != module and not (module == MIGRATIONS and table in OWNERS)
    ]


def test_every_table_is_written_only_by_its_owner() -> None:
    wrong = violations(all_writes())
    assert not wrong, "\n".join(wrong)


def test_every_owner_writes_its_tables() -> None:
    """The map is current: an owner that no longer writes its table is a stale entry."""
    writes = all_writes()
    stale = [f"{t} -> {m}" for t, m in OWNERS.items() if t not in writes.get(m, set())]
    assert not stale, stale


@pytest.mark.parametrize(
    ("source", "tables"),
    [
        ('x = "INSERT INTO findings (a) VALUES (?)"', {"findings"}),
        ('x = "INSERT OR IGNORE INTO finding_links (a) VALUES (?)"', {"finding_links"}),
        ('x = f"UPDATE reviews SET {sets} WHERE id = ?"', {"reviews"}),
        ('x = ("DELETE FROM review_assignees"\n " WHERE review_id = ?")', {"review_assignees"}),
        ('x = "REPLACE INTO meta VALUES (?, ?)"', {"meta"}),
        ('x = f"INSERT INTO {table} VALUES (?)"', {"{"}),  # a computed name: never owned
        ('x = "CREATE TRIGGER t BEFORE UPDATE ON audit BEGIN SELECT 1; END"', set()),
        ('x = "ON CONFLICT (key) DO UPDATE SET value = excluded.value"', set()),
        ('x = "SELECT id FROM findings WHERE uid = ?"', set()),
    ],
)
def test_the_scanner_sees_writes(source: str, tables: set[str]) -> None:
    assert writes_in(source) == tables


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("packages/importer.py", 'conn.execute("INSERT INTO findings (uid) VALUES (?)", (u,))'),
        ("packages/importer.py", 'conn.execute("UPDATE checklist_runs SET signed_off_by = ?")'),
        ("reviews/service.py", 'conn.execute("DELETE FROM finding_links WHERE run_id = ?")'),
        ("artifacts/erase.py", 'conn.execute("UPDATE artifacts SET blob = NULL")'),
        ("findings/service.py", 'conn.execute(f"INSERT INTO {table} VALUES (?)")'),
    ],
)
def test_a_write_from_another_module_fails(module: str, source: str) -> None:
    """The guard names a module that writes a table it does not own."""
    writes = all_writes()
    writes[module] = writes.get(module, set()) | writes_in(source)
    assert any(v.startswith(f"{module} writes") for v in violations(writes))


def test_the_importer_has_no_sql_against_feature_tables() -> None:
    """Not even a read: it asks the features' modules, and writes only its own tables."""
    source = (ROOT / "packages/importer.py").read_text(encoding="utf-8")
    sql = re.compile(r"\b(?:FROM|INTO|UPDATE|JOIN)\s+([a-z_]+)")
    named = {m.group(1) for text in strings(ast.parse(source)) for m in sql.finditer(text)}
    assert named == {"package_imports", "review_sources"}


KEYWORDS = {"insert", "or", "ignore", "replace", "abort", "fail", "rollback", "into", "delete"}
KEYWORDS |= {"from", "update", "set"}


HIDDEN = re.compile(
    r"\b(?:insert\s+(?:or\s+\w+\s+)?into|delete\s+from|replace\s+into|update\s+\w+\s+set)\s",
    re.IGNORECASE,
)


def hidden_writes(text: str) -> list[str]:
    """Writes whose SQL keywords are not all upper case."""
    return [
        m.group(0)
        for m in HIDDEN.finditer(text)
        if any(w.lower() in KEYWORDS and w != w.upper() for w in m.group(0).split())
    ]


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("insert into findings (uid) values (?)", True),
        ("Update reviews set title = ?", True),
        ("DELETE from review_assignees WHERE 1", True),
        ("INSERT OR ignore INTO finding_links VALUES (?)", True),
        ("UPDATE findings SET title = ?", False),
        ("Please update the review and set a date.", False),
    ],
)
def test_the_case_check_sees_lower_case_writes(text: str, hidden: bool) -> None:
    assert bool(hidden_writes(text)) is hidden


def test_sql_that_writes_is_in_upper_case() -> None:
    """The guard reads upper-case SQL; a lower- or mixed-case write would slip past it."""
    found = [
        f"{path.relative_to(ROOT)}: {hit!r}"
        for path in sorted(ROOT.rglob("*.py"))
        for text in strings(ast.parse(path.read_text(encoding="utf-8")))
        for hit in hidden_writes(text)
    ]
    assert not found, found
