"""Who counts as a second person: the shared rules behind every two-person check.

A two-person rule (an export approval, turning export approval off, a finding's approval)
needs two different leads who are not, as far as the vault can tell, one person at two
keyboards. The vault can tell one thing: whoever adds an account chooses its first passphrase.
So an account is *linked* to the account that added it (or, after a lead's reset, to that
lead) for as long as it still has that passphrase, and links chain (alice added frank, frank
added gina: gina is linked to alice while both still have the passphrases chosen for them).
When an account changes its own passphrase (``user passwd``; audited as
``slot.passphrase_changed`` by that user), the link to whoever added it ends: from then on
only its holder knows the passphrase. A normal team is then never stuck: the lead who set up
the vault adds the others, each sets their own passphrase, and any two of them form a pair.

Every refusal names the leads who could do it instead (``candidates``), or says that no one
can and what would change that. What this does and does not guarantee: docs/threat-model.md.
"""

from __future__ import annotations

from reviewstation.vault.database import Connection


def creators(conn: Connection) -> dict[str, str]:
    """Each account whose passphrase was chosen by another: that account's creator (or the
    lead who last reset it).

    From the ``user.add`` and ``user.reset`` entries of the audit trail (the hash chain
    authenticates them); an account drops out once it changed its own passphrase. The first
    user added itself."""
    made: dict[str, str] = {}
    rows = conn.execute(
        "SELECT user, action, target FROM audit"
        " WHERE action IN ('user.add', 'user.reset', 'slot.passphrase_changed') ORDER BY seq"
    )
    for user, action, target in rows:
        if action == "user.add":
            if str(user) != str(target):
                made.setdefault(str(target), str(user))
        elif action == "user.reset":
            made[str(target)] = str(user)  # the lead who reset it chose the passphrase now
        elif str(user) == str(target):
            made.pop(str(target), None)
    return made


def lineage(made: dict[str, str], name: str) -> list[str]:
    """The account that chose ``name``'s passphrase, the one that chose that one's, and so on."""
    chain: list[str] = []
    seen = {name}
    while (parent := made.get(name)) is not None and parent not in seen:
        chain.append(parent)
        seen.add(parent)
        name = parent
    return chain


def related(conn: Connection, one: str, other: str) -> str:
    """Why ``one`` (who would act) and ``other`` may be one person, as a clause in the second
    person ("your account ..."); "" when they are two people as far as the vault can tell."""
    made = creators(conn)
    if other in lineage(made, one):
        return (
            f"your passphrase is still the one {other} chose (directly or through accounts"
            f" {other} added); once you change it with 'user passwd', you can"
        )
    if one in lineage(made, other):
        return (
            f"{other}'s passphrase is still the one you chose (directly or through accounts"
            f" you added); once {other} changes it with 'user passwd', you can"
        )
    return ""


def independent(conn: Connection, one: str, other: str) -> bool:
    return one != other and not related(conn, one, other)


def active_leads(conn: Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM users WHERE role = 'lead' AND active = 1 ORDER BY name")
    return [str(r[0]) for r in rows]


def candidates(
    conn: Connection, *, apart_from: list[str], besides: str = "", links: bool = True
) -> list[str]:
    """Active leads who are two people with each of ``apart_from`` (and are not ``besides``,
    the person who was just refused). ``links=False``: different names are enough."""
    return [
        lead
        for lead in active_leads(conn)
        if lead != besides
        and all(independent(conn, lead, name) if links else lead != name for name in apart_from)
    ]


def who_else(
    conn: Connection, *, apart_from: list[str], besides: str = "", links: bool = True
) -> str:
    """A clause naming who can do it instead, for the end of a refusal."""
    names = candidates(conn, apart_from=apart_from, besides=besides, links=links)
    if names:
        return f"{'this lead' if len(names) == 1 else 'these leads'} can: {', '.join(names)}"
    if not links:
        return "no other lead of this vault can: a lead must add one (with 'user add --role lead')"
    return (
        "no lead of this vault can at the moment: another lead must be added (with "
        "'user add --role lead') and set their own passphrase, or a linked lead must change theirs"
    )
