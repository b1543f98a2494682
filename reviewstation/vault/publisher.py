"""The vault's publisher: who issues its advisories (CSAF ``document.publisher``).

Each vault names its own organisation, namespace and contact, set by a lead (audited as
``vault.publisher``) and kept as rows of the ``meta`` table. There is no shared default: a
vault that never set a namespace publishes under ``urn:uuid:<vault id>``, which is this vault's
alone, and an export says so (``unset_note``). A hostname is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from reviewstation.errors import InputError
from reviewstation.text import check_line
from reviewstation.vault import meta
from reviewstation.vault.database import Connection
from reviewstation.vault.session import Session

# CSAF 2.0 document.publisher.category
CATEGORIES = ("coordinator", "discoverer", "other", "translator", "user", "vendor")
DEFAULT_CATEGORY = "discoverer"
KEYS = {
    "name": "publisher_name",
    "namespace": "publisher_namespace",
    "contact": "publisher_contact",
    "category": "publisher_category",
}
MAX_NAME = 200
MAX_CONTACT = 1000
# An https URL with a host, or a URN (RFC 8141): what CSAF's namespace (a URI naming the
# publisher's trust domain) is in practice.
HTTPS = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$")
URN = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s]+$", re.IGNORECASE)
SHARED = ("urn:reviewstation",)  # what every installation once used: never a namespace


@dataclass(frozen=True)
class Publisher:
    name: str  # organisation; "" when not set
    namespace: str  # "" when not set
    contact: str  # "" when not set
    category: str

    @property
    def configured(self) -> bool:
        return bool(self.namespace)

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def vault_urn(vault_id: str) -> str:
    """The namespace of a vault that set none: its own id, never a shared name."""
    return f"urn:uuid:{vault_id}"


def unset_note(vault_id: str) -> str:
    return (
        "The vault names no publisher namespace; the advisories are published under"
        f" {vault_urn(vault_id)}. A lead sets one with 'vault settings --publisher-namespace'"
        " (GUI: Vault settings)."
    )


def read(conn: Connection) -> Publisher:
    rows = dict(
        conn.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?, ?, ?)", tuple(KEYS.values())
        ).fetchall()
    )
    category = str(rows.get(KEYS["category"]) or DEFAULT_CATEGORY)
    return Publisher(
        name=str(rows.get(KEYS["name"], "")),
        namespace=str(rows.get(KEYS["namespace"], "")),
        contact=str(rows.get(KEYS["contact"], "")),
        category=category if category in CATEGORIES else DEFAULT_CATEGORY,
    )


def check_namespace(value: str) -> str:
    text = value.strip()
    if not text:
        return ""
    if text.lower().rstrip("/") in SHARED:
        raise InputError(
            f"{text!r} is the namespace every installation shared; name your organisation's own"
            " (https://your.org or urn:...)."
        )
    if not (HTTPS.match(text) or URN.match(text)) or len(text) > MAX_CONTACT:
        raise InputError(
            f"The publisher namespace {text[:60]!r} should be an https URL of your organisation"
            " (https://example.org) or a URN."
        )
    return text


def _text(value: str, what: str, limit: int) -> str:
    text = check_line(what, value.strip())
    if len(text) > limit:
        raise InputError(f"The {what} is longer than {limit} characters.")
    return text


def set_publisher(
    session: Session,
    *,
    name: str | None = None,
    namespace: str | None = None,
    contact: str | None = None,
    category: str | None = None,
) -> Publisher:
    """Change the fields given ("" clears one). Lead only; one audited change."""
    session.require_role("set the vault's publisher", "lead")
    session.require_writable("set the vault's publisher")
    if category is not None and category not in CATEGORIES:
        raise InputError(
            f"Unknown publisher category {category!r}; choose one of {', '.join(CATEGORIES)}."
        )
    new = {
        "name": None if name is None else _text(name, "publisher name", MAX_NAME),
        "namespace": None if namespace is None else check_namespace(namespace),
        "contact": None if contact is None else _text(contact, "publisher contact", MAX_CONTACT),
        "category": category,
    }
    old = read(session.conn)
    changes = {k: v for k, v in new.items() if v is not None and getattr(old, k) != v}
    if not changes:
        return old
    with session.change("vault.publisher", "publisher", changes) as conn:
        for field, value in changes.items():
            if value:
                meta.write(conn, KEYS[field], value)
            else:
                meta.delete(conn, KEYS[field])
    return read(session.conn)
