"""Terminal injection: a string that did not come from the program never acts on a terminal.

Issue 13, class 2. Names, roles and vault ids on identity cards, review and finding titles,
checklist notes, finding bodies, audit details, file names (in output and in errors) and the
text inside submitted files are attacker-controlled. Every row of ``WHERE`` x ``PAYLOADS`` runs
the real command line (``reviewstation.cli.main``, in process; one test runs the installed
entry point as a child) and asserts that no raw control, escape, bidi or format character
reaches standard output or error, that the payload is shown (escaped), not dropped, and that a
forged fingerprint line never stands as a line of its own. A new payload is one line in
``PAYLOADS``; a new place where strings enter is one line in ``WHERE``.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.vaults import PASS, make_vault

from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists import templates
from reviewstation.checklists.library import import_template
from reviewstation.checklists.runs import set_answer, start_run
from reviewstation.cli import main
from reviewstation.cli.output import VisibleFormatter, json_text
from reviewstation.crypto.identity import PrivateIdentity, export_card, parse_card
from reviewstation.errors import InputError
from reviewstation.findings.service import add_finding, update_finding
from reviewstation.reviews.service import create_review, update_review
from reviewstation.text import check_line, person, visible, visible_lines
from reviewstation.vault import audit
from reviewstation.vault.session import Session, open_vault

VICTIM = "ab" * 48  # another person's real P-384 fingerprint, as a forged card would print it
FORGED = f"P-384      {VICTIM}"

# name -> payload. Each is what an attacker puts in a string that reaches a terminal.
PAYLOADS: dict[str, str] = {
    "cursor-up-erase-line": "Eve\x1b[1A\x1b[2K",
    "clear-screen": "Eve\x1b[2J\x1b[H",
    "conceal": "Eve\x1b[8mhidden\x1b[0m",
    "osc52-clipboard-bel": "Eve\x1b]52;c;cm0gLXJmIH4=\x07",
    "osc52-clipboard-st": "Eve\x1b]52;c;cm0gLXJmIH4=\x1b\\",
    "osc8-hyperlink": "\x1b]8;;https:evil\x1b\\Alice\x1b]8;;\x1b\\",
    "c1-csi": "Eve\x9b2J",
    "carriage-return-overwrite": "Mallory\rAlice",
    "backspaces": "Mallory\x08\x08\x08\x08\x08\x08\x08Alice",
    "delete": "Eve\x7f\x7f\x7fAlice",
    "bidi-override": "Eve\u202efdp.exe",
    "bidi-isolate": "Eve\u2067ecilA\u2069",
    "zero-width": "Al\u200bice\u2060",
    "tag-characters": "Alice\U000e0041\U000e0042",
    "newline-forges-fingerprint": f"Mallory\n{FORGED}",
    "crlf-forges-fingerprint": f"Mallory\r\n{FORGED}",
    "vertical-tab-forges-fingerprint": f"Mallory\x0b{FORGED}",
    "line-separator-forges-fingerprint": f"Mallory\u2028{FORGED}",
    "paragraph-separator": f"Mallory\u2029{FORGED}",
    "next-line-c1": f"Mallory\x85{FORGED}",
}


def raw_controls(text: str) -> list[str]:
    """Characters in output that a terminal would act on (the program's own newlines aside)."""
    return [
        c
        for c in text
        if c != "\n" and unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"}
    ]


def forged_lines(text: str) -> list[str]:
    # splitlines breaks at \r, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029 too: every way a
    # terminal or a viewer could start a new line.
    return [line for line in text.splitlines() if line.strip().startswith(FORGED)]


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def both(self) -> str:
        return self.out + self.err


def cli(*argv: str) -> Ran:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit:  # argparse's usage errors, as `python -m` would exit
            code = int(exit.code or 0)
    return Ran(code, out.getvalue(), err.getvalue())


def hostile_card(name: str, role: str = "lead", vault_id: str = "v") -> bytes:
    """A card with a valid self-signature whose text fields are chosen by the attacker."""
    keys = PrivateIdentity.generate()
    return export_card(keys, keys.public(name, role, vault_id))


@dataclass
class World:
    tmp: Path
    vault: Path
    pass_file: Path
    review: int
    run: int
    guided_run: int  # a run of an imported template whose guidance holds the payloads
    findings: dict[str, int]
    artifacts: dict[str, str]
    cards: dict[str, Path]
    _cache: dict[tuple[str, ...], Ran]

    def run_cached(self, *argv: str) -> Ran:
        """Commands that show everything at once run once for all rows."""
        if argv not in self._cache:
            self._cache[argv] = cli(*argv)
        return self._cache[argv]

    def unlock(self) -> tuple[str, ...]:
        return (str(self.vault), "--passphrase-file", str(self.pass_file))


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string: what TOML must escape escaped, the rest raw."""
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or c in '"\\\x7f' else c for c in text)
    return f'"{escaped}"'


def _guided_template(folder: Path) -> Path:
    """An imported template with one item per payload in its guidance (multi-line text, which
    ``checklist show`` prints under each item)."""
    items = "".join(
        f'[[items]]\nid = "g.{n}"\nsection = "S"\nprompt = "P{n}?"\n'
        f'guidance = {_toml_string(f"guidance {payload} end")}\nevidence = ["e"]\n'
        for n, payload in enumerate(PAYLOADS.values())
    )
    path = folder / "guided.toml"
    head = '[template]\nid = "guided"\nversion = 1\ntitle = "G"\ndescription = "d"\n'
    path.write_text(head + items, encoding="utf-8")
    return path


def _store_old_content(session: Session, review: int, key: str, payload: str) -> int:
    """A title and body stored before the rules that refuse control and format characters
    in them (or by an older version): today's input refuses them, so they are written the
    way such a vault holds them."""
    finding = add_finding(session, review, title=f"finding {key}", severity="low")
    with session.change("test.old_content", key) as conn:
        conn.execute(
            "UPDATE findings SET title = ?, body = ? WHERE id = ?",
            (payload, f"body {payload} end", finding.id),
        )
    return finding.id


def _trust_old_card(session: Session, payload: str) -> None:
    """A card trusted before the one-line rule: stays in the trust store and the audit."""
    data = hostile_card(payload, payload, payload)
    card = parse_card(data, stored=True)
    details = {"name": card.name, "role": card.role, "vault": card.vault_id}
    with session.change("trust.add", card.fingerprint, details) as conn:
        conn.execute(
            "INSERT INTO trusted_signers (fingerprint, name, role, card, added, added_by)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (card.fingerprint, card.name, card.role, data.decode().strip(), audit.now(), "alice"),
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("inject")
    vault = make_vault(tmp)
    pass_file = tmp / "pass"
    pass_file.write_text(PASS + "\n")
    files, named = tmp / "files", tmp / "named"
    files.mkdir()
    named.mkdir()
    findings: dict[str, int] = {}
    cards: dict[str, Path] = {}
    notes: dict[str, list[str]] = {}
    with open_vault(vault, PASS) as session:
        review = create_review(session, title="Model X", developer="Lab A", model_name="X-1")
        with session.change("test.old_content", "review") as conn:
            conn.execute(
                "UPDATE reviews SET title = ? WHERE id = ?",
                (" | ".join(PAYLOADS.values()), review.id),
            )
        run = start_run(session, review.id, "intake-custody")
        import_template(session, _guided_template(tmp))
        guided = start_run(session, review.id, "guided")
        items = run.template.items
        for index, (key, payload) in enumerate(PAYLOADS.items()):
            findings[key] = _store_old_content(session, review.id, key, payload)
            notes.setdefault(items[index % len(items)].id, []).append(payload)
            _trust_old_card(session, payload)
            (files / f"{key}.md").write_text(f"# heading {payload}\n\n{payload}\n")
            (named / key).mkdir()
            (named / key / f"file {payload}.md").write_text("content\n")
            cards[key] = tmp / f"{key}.card"
            cards[key].write_bytes(hostile_card(payload))
        for item_id, said in notes.items():
            set_answer(session, run.id, item_id, note=" | ".join(said))
        added = add_artifacts(session, review.id, sorted(files.iterdir()))
    artifacts = {a.path.removesuffix(".md"): str(a.id) for a in added.added}
    return World(
        tmp, vault, pass_file, review.id, run.id, guided.id, findings, artifacts, cards, {}
    )


# where the string enters -> the commands that show it (each must be safe)
Where = Callable[[World, str], list[Ran]]


def _card_show(w: World, key: str) -> list[Ran]:
    return [cli("identity", "show", str(w.cards[key]))]


def _card_trust(w: World, key: str) -> list[Ran]:
    return [cli("identity", "trust", *w.unlock(), str(w.cards[key]))]


def _card_as_package_trust(w: World, key: str) -> list[Ran]:
    package = w.tmp / "some.rspkg"
    package.write_bytes(b"PK\x05\x06" + bytes(18))  # an empty ZIP: the card is read first
    return [cli("package", "verify", str(package), "--trust", str(w.cards[key]))]


def _trusted_list(w: World, key: str) -> list[Ran]:
    return [w.run_cached("identity", "trusted", *w.unlock())]


def _audit_log(w: World, key: str) -> list[Ran]:
    return [w.run_cached("audit", "log", *w.unlock())]


def _review_title(w: World, key: str) -> list[Ran]:
    return [
        w.run_cached("review", "list", *w.unlock()),
        w.run_cached("review", "show", *w.unlock(), str(w.review)),
    ]


def _finding_title(w: World, key: str) -> list[Ran]:
    return [
        w.run_cached("finding", "list", *w.unlock()),
        w.run_cached("finding", "show", *w.unlock(), str(w.findings[key])),
    ]


def _finding_body(w: World, key: str) -> list[Ran]:
    return [w.run_cached("finding", "show", *w.unlock(), str(w.findings[key]))]


def _checklist_note(w: World, key: str) -> list[Ran]:
    return [w.run_cached("checklist", "show", *w.unlock(), str(w.run))]


def _checklist_guidance(w: World, key: str) -> list[Ran]:
    return [w.run_cached("checklist", "show", *w.unlock(), str(w.guided_run))]


def _artifact_file_name(w: World, key: str) -> list[Ran]:
    folder = w.tmp / "named" / key
    return [cli("artifact", "add", *w.unlock(), "--review", str(w.review), str(folder))]


def _artifact_content(w: World, key: str) -> list[Ran]:
    return [
        cli("artifact", "view", *w.unlock(), w.artifacts[key]),
        cli("artifact", "show", *w.unlock(), w.artifacts[key]),
    ]


def _file_name_in_error(w: World, key: str) -> list[Ran]:
    missing = w.tmp / f"missing {PAYLOADS[key]}.card"
    return [
        cli("identity", "show", str(missing)),
        cli("finding", "list", str(w.tmp / f"no vault {PAYLOADS[key]}")),
    ]


def _vault_header_user(w: World, key: str) -> list[Ran]:
    """File access: a key slot's user name in ``vault.header`` rewritten (no secret needed)."""
    folder = w.tmp / "headers" / key
    folder.mkdir(parents=True)
    header = json.loads((w.vault / "vault.header").read_text())
    for slot in header["slots"]:
        if slot.get("user") == "alice":
            slot["user"] = PAYLOADS[key]
    (folder / "vault.header").write_text(json.dumps(header))
    other = w.tmp / "headers" / f"{key}-id"
    other.mkdir()
    header = json.loads((w.vault / "vault.header").read_text())
    header["vault_id"] = PAYLOADS[key]
    (other / "vault.header").write_text(json.dumps(header))
    return [
        cli("vault", "info", str(folder)),
        cli("finding", "list", str(folder), "--passphrase-file", str(w.pass_file)),
        cli("vault", "info", str(other)),
    ]


def _argument_in_error(w: World, key: str) -> list[Ran]:
    return [
        cli("finding", "list", *w.unlock(), "--review", PAYLOADS[key]),  # argparse: not an int
        cli("review", "list", *w.unlock(), "--bogus", PAYLOADS[key]),  # echoed back
        cli(PAYLOADS[key], "x"),  # unknown command
    ]


Expect = Callable[[list[Ran], str], bool]


def shown(runs: list[Ran], payload: str) -> bool:
    """The string is in the output, escaped: shown as it is, not silently dropped."""
    return any(visible(payload) in r.both for r in runs)


def refused(runs: list[Ran], payload: str) -> bool:
    """Refused at input with the one-line error that names the offending character (exit 2,
    or 1 with INVALID where a verdict is asked for)."""
    return all(r.code in (1, 2) and "at position" in r.both for r in runs)


def shown_by_line(runs: list[Ran], payload: str) -> bool:
    """Multi-line text (a note): every line of it shown escaped, after a label or gutter."""
    return all(any(visible(part) in r.out for r in runs) for part in payload.split("\n"))


def shown_or_binary(runs: list[Ran], payload: str) -> bool:
    """File content: previewed line by line, escaped, or (with C0 controls) not taken for
    text at all."""
    by_line = "\n".join(visible_lines(payload))
    return any(by_line in r.out for r in runs) or all("binary" in r.out for r in runs)


def named(runs: list[Ran], payload: str) -> bool:
    """The error names the string, escaped (possibly shortened) or as a quoted repr."""
    return any(visible(payload)[:20] in r.err or repr(payload)[1:20] in r.err for r in runs)


def anything(runs: list[Ran], payload: str) -> bool:
    return True


WHERE: dict[str, tuple[Where, Expect, bool]] = {
    # name: (the commands that show the string, what their output must do with it, whether
    # the string's own line breaks are kept: only a file's text, previewed line by line)
    "identity card (show)": (_card_show, refused, False),
    "identity card (trust)": (_card_trust, refused, False),
    "identity card (package verify --trust)": (_card_as_package_trust, refused, False),
    "trusted card stored earlier": (_trusted_list, shown, False),
    "audit details": (_audit_log, shown, False),
    "review title stored earlier": (_review_title, shown, False),
    "finding title stored earlier": (_finding_title, shown, False),
    "finding body (multi-line)": (_finding_body, shown_by_line, False),
    "checklist note (multi-line)": (_checklist_note, shown_by_line, False),
    "checklist guidance of an imported template": (_checklist_guidance, shown, False),
    "artifact file name": (_artifact_file_name, named, False),
    "artifact content (preview, inspection)": (_artifact_content, shown_or_binary, True),
    "file name in an error": (_file_name_in_error, named, False),
    "vault header user name and id": (_vault_header_user, refused, False),
    "command-line argument in an error": (_argument_in_error, shown, False),
}


@pytest.mark.parametrize("key", list(PAYLOADS))
@pytest.mark.parametrize("where", list(WHERE))
def test_no_raw_control_reaches_the_terminal(world: World, where: str, key: str) -> None:
    commands, expect, multiline = WHERE[where]
    payload = PAYLOADS[key]
    ran_all = commands(world, key)
    for ran in ran_all:
        assert ran.code in (0, 1, 2), ran.err
        assert not raw_controls(ran.both), (where, key, ran.both)
        assert multiline or not forged_lines(ran.both), (where, key, ran.both)
        assert "internal error" not in ran.err
    assert expect(ran_all, payload), (where, key, ran_all)


@pytest.mark.parametrize("key", list(PAYLOADS))
def test_json_output_stays_data(world: World, key: str) -> None:
    """``--json`` is data: the same strings come back, and the text itself is terminal-safe."""
    ran = world.run_cached("finding", "list", *world.unlock(), "--json")
    assert not raw_controls(ran.out)
    titles = {f["title"] for f in json.loads(ran.out)}
    assert PAYLOADS[key] in titles
    trusted = world.run_cached("identity", "trusted", *world.unlock(), "--json")
    assert not raw_controls(trusted.out)
    assert PAYLOADS[key] in {t["name"] for t in json.loads(trusted.out)}


def test_json_text_round_trips_every_hidden_kind() -> None:
    value = {"k\u202e": ["\x1b[2J", "\x7f\x85\x9b", "\u2028\u2029", "\ud800", "\U000e0041", "é字"]}
    text = json_text(value)
    assert not raw_controls(text)
    assert json.loads(text) == value
    assert "é字" in text  # ordinary letters stay letters


def test_forged_card_cannot_print_a_fingerprint_line_through_the_real_entry_point(
    tmp_path: Path,
) -> None:
    """The attack of the issue, through ``python -m reviewstation`` as a person runs it."""
    card = tmp_path / "alice.card"
    card.write_bytes(hostile_card(f"Alice\n{FORGED}\x1b[8m", role="lead\x1b[2A"))
    done = subprocess.run(
        [sys.executable, "-m", "reviewstation", "identity", "show", str(card)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode("utf-8")
    assert not raw_controls(err) and not forged_lines(err), err
    assert len(err.splitlines()) == 1
    assert "name must be one line" in err and "\\x0a" in err


# --- the helpers themselves ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Alice", "Alice"),
        ("Zoë Ødegård 李雷 Алиса أليس", "Zoë Ødegård 李雷 Алиса أليس"),  # letters of any script
        ("a\\x1b", "a\\x1b"),  # a backslash is kept: visible is idempotent
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\r\tc", "a\\x0ab\\x0d\\x09c"),
        ("\x00\x7f\x85\x9b", "\\x00\\x7f\\x85\\x9b"),
        ("\u202e\u2066\u200b\u200d\ufeff\u00ad", "\\u202e\\u2066\\u200b\\u200d\\ufeff\\xad"),
        ("\u2028\u2029", "\\u2028\\u2029"),
        ("\ud800x", "\\ud800x"),
        ("\U000e0041", "\\U000e0041"),
    ],
)
def test_visible(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(visible(raw)) == visible(raw)
    assert not raw_controls(visible(raw))


@pytest.mark.parametrize("payload", list(PAYLOADS.values()))
def test_check_line_refuses_every_payload(payload: str) -> None:
    with pytest.raises(InputError) as caught:
        check_line("finding's title", payload)
    message = str(caught.value)
    assert not raw_controls(message) and "\n" not in message


def test_check_line_keeps_ordinary_text() -> None:
    assert (
        check_line("name", "Zoë Ødegård 李雷 أليس (lead) #1") == "Zoë Ødegård 李雷 أليس (lead) #1"
    )


# --- one-line fields refuse at input, and nothing changes ----------------------------------


def _review_title_input(s: Session, p: str) -> object:
    return create_review(s, title=p, developer="Lab", model_name="M")


def _review_update_input(s: Session, p: str) -> object:
    return update_review(s, 1, developer=p)


def _finding_title_input(s: Session, p: str) -> object:
    return add_finding(s, 1, title=p, severity="low")


def _finding_title_update_input(s: Session, p: str) -> object:
    return update_finding(s, 1, title=p)


def _template_input(s: Session, p: str) -> object:
    text = (
        '[template]\nid = "x"\nversion = 1\ntitle = ' + json.dumps(p) + '\ndescription = "d"\n'
        '[[items]]\nid = "a.b"\nsection = "S"\nprompt = "P"\nguidance = "G"\nevidence = ["e"]\n'
    )
    return templates.parse_template(text.encode(), "x.toml")


def _card_input(s: Session, p: str) -> object:
    return parse_card(hostile_card("Alice", role=p))


INPUTS: dict[str, Callable[[Session, str], Any]] = {
    "review title": _review_title_input,
    "review developer (update)": _review_update_input,
    "finding title": _finding_title_input,
    "finding title (update)": _finding_title_update_input,
    "checklist template title": _template_input,
    "identity card role": _card_input,
}


@pytest.mark.parametrize("key", ["newline-forges-fingerprint", "conceal", "bidi-override"])
@pytest.mark.parametrize("field", list(INPUTS))
def test_one_line_fields_refuse_at_input(tmp_path: Path, field: str, key: str) -> None:
    vault = make_vault(tmp_path)
    with open_vault(vault, PASS) as session:
        create_review(session, title="Model X", developer="Lab A", model_name="X-1")
        add_finding(session, 1, title="ok", severity="low")
        before = len(list(audit.entries(session.conn)))
        with pytest.raises(InputError) as caught:
            INPUTS[field](session, PAYLOADS[key])
        assert not raw_controls(str(caught.value))
        assert len(list(audit.entries(session.conn))) == before  # nothing changed


# --- two cards with the same name are told apart --------------------------------------------


def test_same_name_cards_are_told_apart(tmp_path: Path) -> None:
    vault = make_vault(tmp_path)
    pass_file = tmp_path / "pass"
    pass_file.write_text(PASS + "\n")
    shown = []
    for number in range(2):
        path = tmp_path / f"alice{number}.card"
        path.write_bytes(hostile_card("Alice"))
        ran = cli("identity", "trust", str(vault), "--passphrase-file", str(pass_file), str(path))
        assert ran.code == 0, ran.err
        shown.append(parse_card(path.read_bytes()))
    listing = cli("identity", "trusted", str(vault), "--passphrase-file", str(pass_file)).out
    for card in shown:
        assert any("Alice" in ln and card.fingerprint[:32] in ln for ln in listing.splitlines())
    assert person("Alice", shown[0].fingerprint) != person("Alice", shown[1].fingerprint)


def test_log_records_on_stderr_are_visible_safe() -> None:
    """The desktop app logs unexpected errors to standard error; their text may quote files."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(VisibleFormatter("%(message)s"))
    log = logging.getLogger("test.terminal_injection")
    log.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad {PAYLOADS['osc52-clipboard-bel']}\n{FORGED}")
        except ValueError as exc:
            log.error("failed on %s", PAYLOADS["newline-forges-fingerprint"], exc_info=exc)
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "failed on Mallory\\x0a" in text and "\\x1b]52" in text
    assert not raw_controls(text) and not forged_lines(text)


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    """Linux file names are bytes: one that is not UTF-8 arrives with lone surrogates
    (``surrogateescape``), which no terminal encoding can print raw."""
    odd = tmp_path / "card\udcff\udc9b2J.card"  # missing: the error names it
    ran = cli("identity", "show", str(odd))
    assert ran.code == 2 and "\\udcff" in ran.err and "\\udc9b" in ran.err
    assert not raw_controls(ran.both)
    data = json_text({"file": str(odd)})
    assert not raw_controls(data) and json.loads(data) == {"file": str(odd)}
