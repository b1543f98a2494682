"""Users and passphrases in the app: a lead adds, resets and removes people; everyone changes
their own passphrase and keeps it in the system keyring; refusals name who can instead; the
unlock window's list of users follows every change; each change is in the audit trail."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from support.keyrings import MemoryKeyring

from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.dialogs import ConfirmDialog
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.users_dialog import (
    AddPersonDialog,
    PassphraseChangeDialog,
    UsersDialog,
)
from reviewstation.vault import audit
from reviewstation.vault.header import load_header
from reviewstation.vault.session import open_vault

from .conftest import AUDITOR, AUDITOR_PASSPHRASE, open_main_window
from .test_accessibility import clashes, unnamed_inputs

TIMEOUT = 15_000
STRONG = "violet anchor trombone glacier"
STRONGER = "maple quartz lantern hedgehog"


def users_dialog(qtbot: QtBot, window: MainWindow) -> UsersDialog:
    window.action_users.trigger()
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, UsersDialog)]
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 2, timeout=TIMEOUT)
    return dialog


def select(dialog: UsersDialog, name: str) -> None:
    names = [p.name for p in dialog.people]
    dialog.table.setCurrentCell(names.index(name), 0)


def unlock_users(shell: Shell) -> list[str]:
    combo = shell.dialog.ui.userCombo
    return [combo.itemText(i) for i in range(combo.count())]


def actions(vault: Path) -> list[tuple[str, str, str]]:
    with open_vault(vault, DEMO_PASSPHRASE, user="demo", mode="read") as session:
        return [(e.user, e.action, e.target) for e in audit.entries(session.conn, 0)]


def test_a_lead_adds_resets_and_removes_people(
    qtbot: QtBot, shell: Shell, window: MainWindow, demo_vault: Path
) -> None:
    dialog = users_dialog(qtbot, window)
    assert dialog.add_button.isEnabled()
    assert "As a lead" in dialog.lead_note.text()

    # Add: a weak passphrase is refused in the form, a good one adds the person.
    add = dialog.open_add()
    assert isinstance(add, AddPersonDialog)
    add.name_edit.setText("bella")
    add.role_combo.setCurrentText("lead")
    add.passphrase.edit.setText("short")
    add.passphrase.confirm.setText("short")
    add.ok_button.click()
    assert add.isVisible() and "too weak" in add.error.text()
    add.passphrase.edit.setText(STRONG)
    add.passphrase.confirm.setText(STRONG)
    add.ok_button.click()
    qtbot.waitUntil(lambda: "bella added as lead" in dialog.message.text(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "bella" in [p.name for p in dialog.people], timeout=TIMEOUT)
    bella = next(p for p in dialog.people if p.name == "bella")
    assert bella.status == "passphrase chosen by demo"
    # The unlock window, hidden behind the session, already lists her.
    qtbot.waitUntil(lambda: "bella" in unlock_users(shell), timeout=TIMEOUT)

    # Reset: she gets a new passphrase (and key); the old one no longer unlocks.
    select(dialog, "bella")
    assert dialog.reset_button.isEnabled() and dialog.remove_button.isEnabled()
    reset = dialog.open_reset()
    assert isinstance(reset, PassphraseChangeDialog) and reset.current is None
    reset.passphrase.edit.setText(STRONGER)
    reset.passphrase.confirm.setText(STRONGER)
    reset.ok_button.click()
    qtbot.waitUntil(lambda: "Passphrase reset for bella" in dialog.message.text(), timeout=TIMEOUT)
    assert load_header(demo_vault).slots_for("bella", "passphrase")

    # Remove, after a confirmation: her slots go, the unlock window no longer lists her.
    select(dialog, "bella")
    confirm = dialog.open_remove()
    assert isinstance(confirm, ConfirmDialog) and "bella" in confirm.text_label.text()
    confirm.ok_button.click()
    qtbot.waitUntil(lambda: "bella removed" in dialog.message.text(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "bella" not in unlock_users(shell), timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: next(p for p in dialog.people if p.name == "bella").status == "removed",
        timeout=TIMEOUT,
    )
    dialog.close()
    window.ui.actionLock.trigger()
    qtbot.waitUntil(lambda: shell.dialog.isVisible(), timeout=TIMEOUT)
    assert "bella" not in unlock_users(shell)
    assert [a for a in actions(demo_vault) if a[2] == "bella"] == [
        ("demo", "user.add", "bella"),
        ("demo", "user.reset", "bella"),
        ("demo", "user.remove", "bella"),
    ]


def test_a_refusal_from_the_core_is_shown_and_names_who_can(
    qtbot: QtBot, window: MainWindow
) -> None:
    dialog = users_dialog(qtbot, window)
    dialog.remove("demo")  # the button is disabled for oneself; the core says why anyway
    qtbot.waitUntil(lambda: "You cannot remove yourself" in dialog.message.text(), timeout=TIMEOUT)
    assert "a lead must add one" in dialog.message.text()
    assert dialog.message.property("role") == "error"


def test_a_non_lead_sees_who_manages_people(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    window = open_main_window(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    dialog = users_dialog(qtbot, window)
    for button in (dialog.add_button, dialog.reset_button, dialog.remove_button):
        assert not button.isEnabled()
    assert dialog.lead_note.text() == (
        "Only a lead adds, removes or resets people; this lead can: demo."
    )


def test_change_my_passphrase_asks_the_current_one(
    qtbot: QtBot, shell: Shell, window: MainWindow, demo_vault: Path
) -> None:
    dialog = users_dialog(qtbot, window)
    change = dialog.open_passwd()
    assert change.current is not None
    change.current.setText("not my passphrase")
    change.passphrase.edit.setText(STRONG)
    change.passphrase.confirm.setText(STRONG)
    change.ok_button.click()
    qtbot.waitUntil(lambda: "current passphrase is wrong" in dialog.message.text(), timeout=TIMEOUT)
    change = dialog.open_passwd()
    assert change.current is not None
    change.current.setText(DEMO_PASSPHRASE)
    change.passphrase.edit.setText(STRONG)
    change.passphrase.confirm.setText(STRONG)
    change.ok_button.click()
    qtbot.waitUntil(lambda: "Your passphrase was changed" in dialog.message.text(), timeout=TIMEOUT)
    assert [a[1] for a in actions_as(demo_vault, STRONG)].count("slot.passphrase_changed") == 1


def actions_as(vault: Path, secret: str) -> list[tuple[str, str, str]]:
    with open_vault(vault, secret, user="demo", mode="read") as session:
        return [(e.user, e.action, e.target) for e in audit.entries(session.conn, 0)]


def test_store_and_forget_the_passphrase_in_the_keyring(
    qtbot: QtBot, shell: Shell, window: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    dialog = users_dialog(qtbot, window)
    assert dialog.keyring_button.isEnabled() and not dialog.forget_button.isEnabled()
    dialog.keyring_button.click()
    qtbot.waitUntil(
        lambda: "stored in the system keyring" in dialog.message.text(), timeout=TIMEOUT
    )
    qtbot.waitUntil(lambda: dialog.forget_button.isEnabled(), timeout=TIMEOUT)
    assert len(memory_keyring.store) == 1
    # The unlock window offers the keyring for this user now.
    qtbot.waitUntil(lambda: not shell.dialog.ui.keyringButton.isHidden(), timeout=TIMEOUT)
    dialog.forget_button.click()
    qtbot.waitUntil(
        lambda: "Keyring key forgotten (1 slot)" in dialog.message.text(), timeout=TIMEOUT
    )
    assert memory_keyring.store == {}
    qtbot.waitUntil(lambda: shell.dialog.ui.keyringButton.isHidden(), timeout=TIMEOUT)


def test_the_new_dialogs_are_named_and_their_alt_letters_do_not_clash(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    users = users_dialog(qtbot, window)
    select(users, AUDITOR)
    page = window.workspace.artifacts
    window.workspace.setCurrentWidget(page)
    custody = page.import_paths([tmp_path])
    assert custody is not None
    for dialog in (users, users.open_add(), users.open_reset(), users.open_passwd(), custody):
        assert dialog is not None
        qtbot.waitExposed(dialog)
        assert unnamed_inputs(dialog) == [], type(dialog).__name__
        assert clashes(dialog) == {}, type(dialog).__name__
        dialog.reject()
