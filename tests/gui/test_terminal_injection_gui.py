"""The GUI shows foreign strings without misleading anyone (issue 13, class 2).

A finding or review title with escape sequences, newlines, bidi overrides or HTML (from an
older vault, written before the one-line rule), a forged identity card in the trust list, two
cards with the same name: every label and cell shows the characters as escapes, never as
markup, and people from cards are told apart by fingerprint.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.crypto.identity import PrivateIdentity, export_card, parse_card
from reviewstation.errors import InputError
from reviewstation.gui.pages.packages.export_wizard_pages import RecipientsPage
from reviewstation.gui.pages.packages.packages_view import import_text, trust_item, verify_text
from reviewstation.gui.runtime.failures import describe
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.packages.importer import ImportResult
from reviewstation.packages.verify import VerifyReport
from reviewstation.text import visible
from reviewstation.vault.session import open_vault

from .conftest import open_main_window

TIMEOUT = 10_000
FORGED = "P-384      " + "ab" * 48
TITLE = f"<b>Approved</b> \x1b[8mhidden\x1b[0m\u202egnp.exe\n{FORGED}"


def raw_controls(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"}]


def card_file(path: Path, name: str, role: str = "lead") -> Path:
    keys = PrivateIdentity.generate()
    path.write_bytes(export_card(keys, keys.public(name, role, "v")))
    return path


def test_hostile_titles_are_shown_as_escapes_in_lists_cells_and_labels(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    with (
        open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session,
        session.change("test.old_content", TITLE, {"name": TITLE}) as conn,
    ):
        conn.execute("UPDATE reviews SET title = ? WHERE id = 1", (TITLE,))
        conn.execute(
            "UPDATE findings SET title = ? WHERE id = (SELECT min(id) FROM findings)", (TITLE,)
        )
    window = open_main_window(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    shown = visible(TITLE)
    item = window.reviews.topLevelItem(0)
    assert item is not None and item.text(0) == shown

    overview = window.workspace.overview
    qtbot.waitUntil(lambda: overview.values["title"].text() == shown, timeout=TIMEOUT)
    assert overview.values["title"].textFormat() == Qt.TextFormat.PlainText

    page = window.workspace.findings
    window.workspace.setCurrentWidget(page)
    model = page.model
    qtbot.waitUntil(lambda: model.rowCount() > 0, timeout=TIMEOUT)
    cells = _all_cells(model)
    assert shown in cells
    assert not [c for c in cells if raw_controls(c)]
    tips = [
        model.data(model.index(row, col), Qt.ItemDataRole.ToolTipRole)
        for row in range(model.rowCount())
        for col in range(model.columnCount())
    ]
    tips = [t for t in tips if isinstance(t, str) and "Approved" in t]
    assert tips and all("&lt;b&gt;" in t and not raw_controls(t) for t in tips)
    _assert_plain_status_labels(window)

    audit_page = window.workspace.audit
    window.workspace.setCurrentWidget(audit_page)
    audit_model = audit_page.model
    qtbot.waitUntil(lambda: shown in _all_cells(audit_model), timeout=TIMEOUT)
    assert not [c for c in _all_cells(audit_model) if raw_controls(c)]


def _all_cells(model: Any) -> list[str]:
    return [
        str(model.data(model.index(row, col), Qt.ItemDataRole.DisplayRole))
        for row in range(model.rowCount())
        for col in range(model.columnCount())
    ]


def _assert_plain_status_labels(window: MainWindow) -> None:
    # Names come from the vault's header: never rich text.
    assert window.user_label.textFormat() == Qt.TextFormat.PlainText
    assert window.vault_label.textFormat() == Qt.TextFormat.PlainText


def test_trust_list_shows_who_with_a_fingerprint_and_names_a_forged_card(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    window = open_main_window(qtbot, shell, demo_vault)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    page = window.workspace.packages
    forged = card_file(tmp_path / "forged.card", f"Alice\n{FORGED}\x1b[8m")
    twins = [card_file(tmp_path / f"alice{n}.card", "Alice") for n in range(2)]
    page.add_trust([forged, *twins])
    texts = [page.trust_list.item(row).text() for row in range(page.trust_list.count())]
    assert len(texts) == 3
    assert not [t for t in texts if raw_controls(t)]
    assert "not usable" in texts[0] and "\\x0a" in texts[0]
    prints = [parse_card(p.read_bytes()).fingerprint[:16] for p in twins]
    assert prints[0] != prints[1]
    assert prints[0] in texts[1] and prints[1] in texts[2]
    assert trust_item(twins[0]) != trust_item(twins[1])


def test_recipients_with_the_same_name_are_told_apart(qtbot: QtBot, tmp_path: Path) -> None:
    page = RecipientsPage("CUI")
    qtbot.addWidget(page)
    forged = card_file(tmp_path / "forged\x1b[2J.card", "Bob", role="lead\x1b[8m")
    twins = [card_file(tmp_path / f"bob{n}.card", "Bob") for n in range(2)]
    page.add([forged, *twins])
    assert page.list.count() == 2
    items = [page.list.item(row).text() for row in range(2)]
    assert items[0] != items[1]
    for path, text in zip(twins, items, strict=True):
        assert parse_card(path.read_bytes()).fingerprint[:16] in text
    error = page.error.text()
    assert error and not raw_controls(error) and "\\x1b" in error
    assert page.error.textFormat() == Qt.TextFormat.PlainText


def test_package_texts_escape_names_and_add_fingerprints() -> None:
    recipients = [
        SimpleNamespace(name="Bob\u202e", fingerprint="11" * 48, signing="22" * 48),
        SimpleNamespace(name="Bob", fingerprint="33" * 48, signing="44" * 48),
    ]
    report = cast(
        VerifyReport,
        SimpleNamespace(
            manifest=SimpleNamespace(
                package_id="p", marking="CUI", sequence=1, recipients=recipients
            ),
            signer=SimpleNamespace(
                name=f"Eve\n{FORGED}", role="lead\x1b[8m", fingerprint="cd" * 48
            ),
            encrypted=True,
            decrypted=False,
            checks=["ok"],
        ),
    )
    text = verify_text(report)
    assert not raw_controls(text.replace("\n", ""))
    assert not [ln for ln in text.splitlines() if ln.strip().startswith(FORGED)]
    assert "22" * 8 in text and "44" * 8 in text
    result = ImportResult("p", f"Eve\n{FORGED}", 1, 2, signer_fingerprint="ef" * 48)
    text = import_text(result)
    assert not [ln for ln in text.splitlines() if ln.strip().startswith(FORGED)]
    assert "ef" * 8 in text and not raw_controls(text.replace("\n", ""))


def test_failure_sentences_from_the_core_are_shown_escaped() -> None:
    """Every error the vault thread reports goes through ``describe``: it may name a file or
    quote a card."""
    said = describe(InputError(f"{TITLE} is not a file."), "test")
    assert "\\x1b[8m" in said and not raw_controls(said)
    said = describe(FileNotFoundError(2, f"gone\x1b]52;c;eA==\x07\n{FORGED}"), "test")
    assert not raw_controls(said) and "\n" not in said
