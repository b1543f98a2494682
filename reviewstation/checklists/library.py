"""The templates a vault can use: shipped ones and imported ones, and the copies runs pin.

The module owns the table ``checklist_templates``. A template that arrived inside a package
is pinned under its own key, ``package/<16 hex of the sender's fingerprint>/<id>@<version>``
(``pin_from_package``): it serves the imported runs that use it and is never offered for new
runs or migrations, so a package cannot shadow a shipped or local template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from reviewstation.canonical import canonical
from reviewstation.checklists.templates import (
    MAX_TEMPLATE_BYTES,
    Template,
    builtin_templates,
    from_mapping,
    parse_template,
)
from reviewstation.errors import InputError, NotFound
from reviewstation.storage import read_bounded
from reviewstation.vault import audit
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session


@dataclass(frozen=True)
class Available:
    template: Template
    origin: str  # builtin | imported


PACKAGE_PREFIX = "package/"


def _stored(conn: Connection) -> list[Available]:
    """The vault's own templates (copies that came with packages are not among them)."""
    rows = conn.execute(
        "SELECT body, origin FROM checklist_templates WHERE substr(key, 1, ?) != ? ORDER BY key",
        (len(PACKAGE_PREFIX), PACKAGE_PREFIX),
    ).fetchall()
    return [
        Available(from_mapping(json.loads(body), "vault copy"), origin) for body, origin in rows
    ]


def available(conn: Connection) -> list[Available]:
    """Shipped templates plus everything stored in the vault, newest version per id last.

    A stored template under a shipped id that is not the shipped text can only have come with
    a package (before such copies were namespaced; ``import_template`` refuses shipped ids): it
    is never offered either."""
    shipped = builtin_templates()
    texts = {t.hash for t in shipped}
    ids = {t.id for t in shipped}
    found = {
        a.template.key: a
        for a in _stored(conn)
        if a.template.id not in ids or a.template.hash in texts
    }
    for template in shipped:
        found.setdefault(template.key, Available(template, "builtin"))
    return sorted(found.values(), key=lambda a: (a.template.id, a.template.version))


def resolve(conn: Connection, name: str) -> Template:
    """``id`` (the newest version) or ``id@version``."""
    template_id, _, version = name.partition("@")
    candidates = [a.template for a in available(conn) if a.template.id == template_id]
    if version:
        candidates = [t for t in candidates if str(t.version) == version]
    if not candidates:
        raise NotFound(f"There is no checklist template {name!r}; see 'checklist templates'.")
    return candidates[-1]


def pin(conn: Connection, template: Template, origin: str, *, by: str) -> str:
    """Keep a copy of the template in the vault (inside the caller's transaction)."""
    _store(conn, template.key, template.id, template, origin, by)
    return template.key


def package_key(template: Template, sender: str) -> str:
    return f"{PACKAGE_PREFIX}{sender[:16]}/{template.key}"


def pin_from_package(conn: Connection, template: Template, sender: str, *, by: str) -> str:
    """Keep a package's template under the sender's namespace; returns the key runs use.
    ``sender`` is the signer's fingerprint. Never offered by ``available``/``resolve``."""
    key = package_key(template, sender)
    _store(conn, key, f"{PACKAGE_PREFIX}{sender[:16]}/{template.id}", template, "imported", by)
    return key


def _store(
    conn: Connection, key: str, template_id: str, template: Template, origin: str, by: str
) -> None:
    if origin not in ("builtin", "imported"):
        raise InputError(f"Unknown template origin {origin!r}.")
    row = conn.execute("SELECT hash FROM checklist_templates WHERE key = ?", (key,)).fetchone()
    if row is not None:
        if row[0] != template.hash:
            raise InputError(
                f"Template {template.key} differs from the copy already in this vault; "
                "give the changed template a new version number."
            )
        return
    conn.execute(
        "INSERT INTO checklist_templates (key, template_id, version, title, hash, body, origin,"
        " added, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            template_id,
            template.version,
            template.title,
            template.hash,
            canonical(template.body()).decode(),
            origin,
            audit.now(),
            by,
        ),
    )


def import_template(session: Session, path: Path) -> Template:
    """Validate a custom template file and store it in the vault."""
    session.require_writable("import a checklist template")
    template = parse_template(read_bounded(path, MAX_TEMPLATE_BYTES, "template"), path.name)
    # A custom template may not take a shipped id: it would become the default "newest"
    # version of that checklist for every later run and migration.
    if any(t.id == template.id for t in builtin_templates()):
        raise InputError(
            f"The id {template.id!r} belongs to a template shipped with ReviewStation;"
            " give a custom template its own id."
        )
    with session.change("checklist.template_import", template.key, {"hash": template.hash}) as conn:
        pin(conn, template, "imported", by=session.user.name)
    return template
