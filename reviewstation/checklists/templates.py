"""Checklist templates: TOML files, validated, every item with a content hash.

An item's content hash covers what the reviewer answers (prompt, guidance, evidence): when a
run moves to a newer template version, an answer is carried over only if that hash is unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewstation.canonical import canonical
from reviewstation.crypto.hashing import sha384_hex
from reviewstation.errors import InputError
from reviewstation.resources import resources_dir
from reviewstation.text import check_line, counted, looks_like

SEVERITIES = ("critical", "high", "medium", "low", "info")
TEMPLATE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
ITEM_ID = re.compile(r"(?=.{1,100}$)[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)*", re.DOTALL)
MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_ITEMS = 1000
MAX_TEXT = 8000


class TemplateError(InputError):
    """A template failed validation; ``problems`` lists each one."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
        many = counted(len(problems), "problem")
        super().__init__(f"The checklist template {origin} has {many}: {shown}")


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    prompt: str
    guidance: str
    evidence: tuple[str, ...]
    default_severity: str | None

    @property
    def content_hash(self) -> str:
        return sha384_hex(
            canonical(
                {
                    "id": self.id,
                    "prompt": self.prompt,
                    "guidance": self.guidance,
                    "evidence": list(self.evidence),
                }
            )
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "section": self.section,
            "prompt": self.prompt,
            "guidance": self.guidance,
            "evidence": list(self.evidence),
            "default_severity": self.default_severity,
            "content_hash": self.content_hash,
        }


@dataclass(frozen=True)
class Template:
    id: str
    version: int
    title: str
    description: str
    sources: tuple[str, ...]
    items: tuple[Item, ...]

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def body(self) -> dict[str, Any]:
        """The canonical form stored in the vault and hashed."""
        return {
            "template": {
                "id": self.id,
                "version": self.version,
                "title": self.title,
                "description": self.description,
                "sources": list(self.sources),
            },
            "items": [
                {k: v for k, v in i.to_json().items() if k != "content_hash"} for i in self.items
            ],
        }

    @property
    def hash(self) -> str:
        return sha384_hex(canonical(self.body()))

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise InputError(f"Template {self.key} has no item {item_id!r}.")


# Shown as one line (headings, lists, the terminal): no newline, control or bidi character.
ONE_LINE = ("title", "section", "prompt", "evidence")


def _one_line(value: str, key: str, where: str, problems: list[str]) -> None:
    if key in ONE_LINE:
        try:
            check_line(f"'{key}'", value.strip())
        except InputError as exc:
            problems.append(f"{where}: {exc}")


def _text(
    obj: dict[str, Any], key: str, where: str, problems: list[str], required: bool = True
) -> str:
    value = obj.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(f"{where}: '{key}' must be non-empty text")
        return ""
    if len(value) > MAX_TEXT:
        problems.append(f"{where}: '{key}' is longer than {MAX_TEXT} characters")
    _one_line(value, key, where, problems)
    return value.strip()


def _strings(obj: dict[str, Any], key: str, where: str, problems: list[str]) -> tuple[str, ...]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: '{key}' must be a list of non-empty text")
        return ()
    for v in value:
        _one_line(v, key, where, problems)
    return tuple(v.strip() for v in value)


def from_mapping(data: dict[str, Any], origin: str) -> Template:
    """Validate a parsed template; TemplateError lists every problem found."""
    problems: list[str] = []
    head = data.get("template")
    if not isinstance(head, dict):
        raise TemplateError(origin, ["missing [template] table"])
    unknown = set(data) - {"template", "items"}
    if unknown:
        problems.append(f"unknown top-level keys: {', '.join(sorted(unknown))}")
    unknown_head = set(head) - {"id", "version", "title", "description", "sources"}
    if unknown_head:
        problems.append(f"[template]: unknown keys {', '.join(sorted(unknown_head))}")
    template_id = head.get("id")
    if not isinstance(template_id, str) or not TEMPLATE_ID.fullmatch(template_id):
        problems.append("[template]: 'id' must be lowercase letters, digits and hyphens")
        template_id = "?"
    version = head.get("version")
    if type(version) is not int or not 1 <= version <= 10_000:
        problems.append("[template]: 'version' must be a whole number from 1")
        version = 0
    title = _text(head, "title", "[template]", problems)
    description = _text(head, "description", "[template]", problems)
    sources = _strings(head, "sources", "[template]", problems)
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        problems.append("the template has no [[items]]")
        raw_items = []
    if len(raw_items) > MAX_ITEMS:
        problems.append(f"more than {MAX_ITEMS} items")
        raw_items = raw_items[:MAX_ITEMS]
    items: list[Item] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items, start=1):
        where = f"item {index}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not a table")
            continue
        item_id = raw.get("id")
        if not isinstance(item_id, str) or not ITEM_ID.fullmatch(item_id):
            problems.append(
                f"{where}: 'id' must be dotted lowercase segments like 'exploit.chaining'"
            )
            continue
        where = f"item {item_id}"
        if item_id in seen:
            problems.append(f"{where}: the id is used twice")
        seen.add(item_id)
        extra = set(raw) - {"id", "section", "prompt", "guidance", "evidence", "default_severity"}
        if extra:
            problems.append(f"{where}: unknown keys {', '.join(sorted(extra))}")
        severity = raw.get("default_severity")
        if severity is not None and severity not in SEVERITIES:
            problems.append(f"{where}: 'default_severity' must be one of {', '.join(SEVERITIES)}")
            severity = None
        evidence = _strings(raw, "evidence", where, problems)
        if not evidence:
            problems.append(f"{where}: 'evidence' must name the expected evidence")
        items.append(
            Item(
                id=item_id,
                section=_text(raw, "section", where, problems),
                prompt=_text(raw, "prompt", where, problems),
                guidance=_text(raw, "guidance", where, problems),
                evidence=evidence,
                default_severity=severity,
            )
        )
    if problems:
        raise TemplateError(origin, problems)
    assert isinstance(template_id, str) and isinstance(version, int)
    return Template(template_id, version, title, description, sources, tuple(items))


def parse_template(data: bytes, origin: str) -> Template:
    if len(data) > MAX_TEMPLATE_BYTES:
        raise TemplateError(origin, [f"larger than {MAX_TEMPLATE_BYTES} bytes"])
    import tomllib  # here: reading the stored runs (most commands) parses no TOML

    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        seems = looks_like(data)
        if not seems.startswith(("TOML", "plain text")):  # a file of another kind: say which
            raise InputError(
                f"The checklist template {origin} should be TOML but looks like {seems}."
            ) from exc
        raise TemplateError(origin, [f"not valid TOML ({exc})"]) from exc
    return from_mapping(parsed, origin)


def load_template(path: Path) -> Template:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the template {path} ({exc.strerror or exc}).") from exc
    template = parse_template(data, path.name)
    if path.parent.name == "checklists" and path.stem != template.id:
        raise TemplateError(path.name, [f"the file name should be {template.id}.toml"])
    return template


def builtin_templates() -> list[Template]:
    folder = resources_dir() / "checklists"
    return [load_template(path) for path in sorted(folder.glob("*.toml"))]
