"""The unlock window's "New vault" wizard, keyring unlock, and one writer per vault.

The wizard is walked with the keyboard (mnemonics), on real vaults and the real vault thread.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot
from support.keyrings import MemoryKeyring, PlaintextKeyring

from reviewstation.crypto.kdf import floor_params
from reviewstation.errors import VaultError
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows import create_vault_wizard
from reviewstation.gui.windows.create_vault_wizard import CreateVaultWizard
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.unlock_dialog import UnlockDialog
from reviewstation.vault import accounts, keyring_slot
from reviewstation.vault.header import header_path, load_header
from reviewstation.vault.lock import WriterLock
from reviewstation.vault.session import create_vault, open_vault

from .conftest import flush_deletes

TIMEOUT = 15_000
WEAK = "password1"
STRONG = "orchid lantern gravel mosaic"
PASS = "correct horse battery"  # for vaults made directly by the tests


def alt(widget: QWidget, key: Qt.Key) -> None:
    """A label's mnemonic: its buddy takes the focus at once."""
    QTest.keyClick(widget, key, Qt.KeyboardModifier.AltModifier)


def press(widget: QWidget, key: Qt.Key) -> None:
    """A button's or check box's mnemonic: Qt animates the click and fires it ~100 ms later."""
    alt(widget, key)
    QTest.qWait(300)


def type_into(widget: QWidget, text: str) -> None:
    """Replace the focused field's text by typing, as a user would."""
    assert widget.hasFocus(), f"{widget.accessibleName()} should have the focus"
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(widget, Qt.Key.Key_Delete)
    QTest.keyClicks(widget, text)


def activate(qtbot: QtBot, window: QWidget) -> None:
    """Mnemonics only reach the active window; activation is asynchronous."""
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def open_wizard(qtbot: QtBot, dialog: UnlockDialog) -> CreateVaultWizard:
    activate(qtbot, dialog)
    press(dialog, Qt.Key.Key_W)  # "Ne&w vault…"
    qtbot.waitUntil(lambda: dialog.wizard is not None and dialog.wizard.isVisible())
    assert dialog.wizard is not None
    activate(qtbot, dialog.wizard)
    return dialog.wizard


def make_vault(tmp_path: Path, name: str = "held.rsvault", user: str = "alice") -> Path:
    path = tmp_path / name
    create_vault(path, user, PASS, marking="CUI", kdf=floor_params())
    return path


def unlock_with_passphrase(qtbot: QtBot, dialog: UnlockDialog, secret: str) -> None:
    dialog.ui.secretEdit.setFocus()
    QTest.keyClicks(dialog.ui.secretEdit, secret)
    QTest.keyClick(dialog.ui.secretEdit, Qt.Key.Key_Return)


def opened(shell: Shell) -> MainWindow:
    window = shell.main_window
    assert window is not None
    return window


@pytest.fixture(autouse=True)
def quick_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    # The wizard calibrates Argon2id like the real app; the floor is enough for tests.
    monkeypatch.setenv("REVIEWSTATION_KDF_MS", "0")


# -- the wizard ----------------------------------------------------------------------------


def test_wizard_creates_a_vault_that_opens_with_its_passphrase_and_recovery_key(
    qtbot: QtBot, shell: Shell, tmp_path: Path
) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    shell.start(tmp_path / "nothing-here")
    dialog = shell.dialog
    wizard = open_wizard(qtbot, dialog)
    assert wizard.marking() == create_vault_wizard.NOT_CHOSEN
    assert wizard.top_banner.banner_style.background == "#000000"  # never green by default

    # Page 1: the folder through the (Qt, non-native) folder chooser, a name, a marking.
    press(wizard, Qt.Key.Key_O)  # "Br&owse…"
    qtbot.waitUntil(lambda: bool(wizard.findChildren(QFileDialog)))
    chooser = wizard.findChildren(QFileDialog)[0]
    assert chooser.testOption(QFileDialog.Option.DontUseNativeDialog)
    chooser.setDirectory(str(folder))  # the user went into the folder, then chose it
    chooser.accept()
    assert wizard.folder_edit.text() == str(folder)
    activate(qtbot, wizard)
    qtbot.waitUntil(wizard.name_edit.hasFocus)  # the next field to fill
    type_into(wizard.name_edit, "Case-17")
    assert wizard.path_preview.text() == f"Will be created as {folder / 'Case-17.rsvault'}"
    alt(wizard, Qt.Key.Key_K)
    marking_edit = wizard.marking_combo.lineEdit()
    assert marking_edit is not None
    type_into(marking_edit, "SECRET")
    assert wizard.marking() == "SECRET"
    for banner in (wizard.top_banner, wizard.bottom_banner):
        assert banner.text() == "SECRET"
        assert banner.banner_style.background == "#c8102e"
    press(wizard, Qt.Key.Key_N)  # "&Next >"
    assert wizard.page_index() == 1
    assert wizard.top_banner.text() == "SECRET"

    # Page 2: a weak passphrase is called weak and does not create anything.
    type_into(wizard.user_edit, "carol")
    alt(wizard, Qt.Key.Key_P)
    type_into(wizard.pass_edit, WEAK)
    assert "weak" in wizard.strength_label.text().lower()
    alt(wizard, Qt.Key.Key_N)  # "Co&nfirm:"
    type_into(wizard.confirm_edit, WEAK)
    press(wizard, Qt.Key.Key_C)  # "&Create vault"
    assert wizard.error_label.text() == (
        "The passphrase is too weak to protect the vault; follow the advice under it."
    )
    assert wizard.page_index() == 1
    target = folder / "Case-17.rsvault"
    assert not target.exists()

    # A strong one, typed twice, creates the vault off the GUI thread.
    alt(wizard, Qt.Key.Key_P)
    type_into(wizard.pass_edit, STRONG)
    assert wizard.strength_label.text().startswith("Strength: Strong")
    alt(wizard, Qt.Key.Key_N)
    type_into(wizard.confirm_edit, STRONG + "x")
    assert wizard.match_label.text() == "The passphrases differ."
    press(wizard, Qt.Key.Key_C)
    assert wizard.error_label.text().startswith("The two passphrases differ")
    type_into(wizard.confirm_edit, STRONG)
    QTest.keyClick(wizard.confirm_edit, Qt.Key.Key_Return)  # "Create vault" is the default
    assert wizard.busy_row.isVisible()
    assert not wizard.create_button.isEnabled()
    wizard.done(0)  # what quitting would do: refused, the key has not been shown yet
    assert wizard.isVisible()
    qtbot.waitUntil(lambda: wizard.page_index() == 2, timeout=TIMEOUT)
    assert header_path(target).is_file()
    assert load_header(target).marking == "SECRET"
    assert wizard.pass_edit.text() == "" and wizard.confirm_edit.text() == ""

    # Page 3: the key is shown once; Finish waits for "I have stored it".
    key = wizard.recovery_key()
    assert len(key.split("-")) == 14
    assert wizard.key_label.text().replace("\n", "-") == key
    assert not wizard.finish_button.isEnabled()
    QTest.keyClick(wizard, Qt.Key.Key_Escape)
    assert wizard.isVisible()
    assert "it will not be shown again" in wizard.error_label.text()
    # The message takes room, never from the key: both lines of groups stay wholly shown.
    qtbot.waitUntil(lambda: wizard.error_label.isVisible())
    assert wizard.key_label.height() >= wizard.key_label.sizeHint().height()
    assert wizard.key_label.visibleRegion().boundingRect() == wizard.key_label.rect()
    press(wizard, Qt.Key.Key_C)  # "&Copy key"
    assert QGuiApplication.clipboard().text() == key
    press(wizard, Qt.Key.Key_F)
    assert wizard.isVisible()  # Finish is still disabled
    cleared: list[tuple[str, str]] = []
    wizard.finished.connect(
        lambda _: cleared.append((wizard.key_label.text(), wizard.recovery_key()))
    )
    press(wizard, Qt.Key.Key_I)  # "&I have stored the recovery key…"
    assert wizard.finish_button.isEnabled()
    press(wizard, Qt.Key.Key_F)
    assert cleared == [("", "")]
    flush_deletes()
    assert dialog.wizard is None

    # The unlock window now shows the new vault, which is also a recent vault.
    assert dialog.ui.pathEdit.text() == str(target)
    assert dialog.ui.userCombo.currentText() == "carol"
    assert dialog.marking() == "SECRET"
    assert shell.recent.paths() == [target]
    assert dialog.ui.recentCombo.currentText() == "Case-17.rsvault"
    activate(qtbot, dialog)
    qtbot.waitUntil(dialog.ui.secretEdit.hasFocus)  # ready to type the new passphrase

    unlock_with_passphrase(qtbot, dialog, STRONG)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    assert shell.main_window is not None
    assert (shell.main_window.info.user, shell.main_window.info.role) == ("carol", "lead")
    shell.lock()
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT)
    dialog.ui.recoveryCheck.click()
    unlock_with_passphrase(qtbot, dialog, key)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    assert shell.main_window is not None
    assert shell.main_window.info.path == target


def test_unknown_marking_is_black_and_location_problems_are_one_sentence(
    qtbot: QtBot, shell: Shell, tmp_path: Path
) -> None:
    make_vault(tmp_path, "Taken.rsvault")
    shell.start(tmp_path / "nothing-here")
    wizard = open_wizard(qtbot, shell.dialog)
    wizard.folder_edit.setText(str(tmp_path))
    wizard.name_edit.setText("Taken")
    wizard.marking_combo.setEditText("OFFICIAL-SENSITIVE")
    assert wizard.top_banner.banner_style.background == "#000000"
    refusal = (
        "The marking 'OFFICIAL-SENSITIVE' is not a classification level (U, CUI, C, S, TS or"
        " UNCLASSIFIED, CONFIDENTIAL, SECRET, TOP SECRET) followed by optional //caveats."
    )
    assert wizard.marking_note.text() == refusal
    assert wizard.marking_note.property("role") == "error"
    wizard.next_button.click()
    assert wizard.error_label.text() == "Taken.rsvault already exists there; choose another name."
    wizard.name_edit.setText("../escape")
    wizard.next_button.click()
    assert wizard.error_label.text().startswith("Name the vault with a plain folder name")
    wizard.folder_edit.setText(str(tmp_path / "missing"))
    wizard.name_edit.setText("New")
    wizard.next_button.click()
    assert "does not exist" in wizard.error_label.text()
    assert wizard.page_index() == 0
    # With a good location, the marking itself is what stops the wizard.
    wizard.folder_edit.setText(str(tmp_path))
    wizard.next_button.click()
    assert wizard.error_label.text() == refusal
    assert wizard.page_index() == 0
    wizard.reject()  # Cancel before creating: nothing is made
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("UNCLASSIFIED//SECRET", "names a second classification level"),
        ("UNCLASSIFIED SECRET", "is not a classification level"),
        ("UNCLASSIFIED FOR NOW, TREAT AS TOP SECRET//SCI", "is not a classification level"),
    ],
)
def test_contradictory_markings_are_black_and_refused(
    qtbot: QtBot, shell: Shell, tmp_path: Path, typed: str, refusal: str
) -> None:
    shell.start(tmp_path / "nothing-here")
    wizard = open_wizard(qtbot, shell.dialog)
    wizard.folder_edit.setText(str(tmp_path))
    wizard.name_edit.setText("New")
    wizard.marking_combo.setEditText(typed)
    for banner in (wizard.top_banner, wizard.bottom_banner):
        assert banner.banner_style.background == "#000000"  # never green
    assert refusal in wizard.marking_note.text()
    wizard.next_button.click()
    assert refusal in wizard.error_label.text()
    assert wizard.page_index() == 0


def test_an_abbreviation_is_shown_in_full_on_the_banners(
    qtbot: QtBot, shell: Shell, tmp_path: Path
) -> None:
    shell.start(tmp_path / "nothing-here")
    wizard = open_wizard(qtbot, shell.dialog)
    wizard.folder_edit.setText(str(tmp_path))
    wizard.name_edit.setText("New")
    wizard.marking_combo.setEditText("s//nf")
    for banner in (wizard.top_banner, wizard.bottom_banner):
        assert banner.text() == "SECRET//NOFORN"
        assert banner.banner_style.background == "#c8102e"
    assert wizard.marking() == "SECRET//NOFORN"
    assert wizard.marking_note.text().startswith("Written in full as SECRET//NOFORN.")
    assert wizard.marking_note.property("role") in (None, "")
    wizard.next_button.click()
    assert wizard.page_index() == 1
    wizard.reject()


def test_a_failed_creation_says_why_in_one_sentence_and_stays(
    qtbot: QtBot, shell: Shell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[str, str]:
        raise VaultError("The disk is full; free some space and try again.")

    monkeypatch.setattr(create_vault_wizard, "create_vault", refuse)
    shell.start(tmp_path / "nothing-here")
    wizard = open_wizard(qtbot, shell.dialog)
    wizard.folder_edit.setText(str(tmp_path))
    wizard.name_edit.setText("Full")
    wizard.marking_combo.setEditText("CUI")
    wizard.next_button.click()
    wizard.user_edit.setText("carol")
    wizard.pass_edit.setText(STRONG)
    wizard.confirm_edit.setText(STRONG)
    wizard.create_button.click()
    qtbot.waitUntil(lambda: wizard.error_label.text() != "", timeout=TIMEOUT)
    assert wizard.error_label.text() == "The disk is full; free some space and try again."
    assert wizard.page_index() == 1
    assert wizard.create_button.isEnabled()
    assert not wizard.busy_row.isVisible()
    assert wizard.pass_edit.text() == STRONG  # nothing to retype after a failure


# -- keyring unlock ------------------------------------------------------------------------


def keyring_vault(tmp_path: Path) -> Path:
    path = make_vault(tmp_path)
    with open_vault(path, PASS) as session:
        accounts.add_user(session, "bob", "reviewer", PASS + " bob", kdf=floor_params())
        secret = keyring_slot.store_new_secret(session.vault_id, "alice")
        accounts.add_secret_slot(session, "keyring", secret)
    return path


def test_keyring_unlock_is_offered_only_with_a_slot_and_opens_the_vault(
    qtbot: QtBot, shell: Shell, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    path = keyring_vault(tmp_path)
    shell.start(path)
    dialog = shell.dialog
    activate(qtbot, dialog)
    dialog.ui.userCombo.setCurrentText("bob")
    assert dialog.ui.keyringButton.isHidden()  # bob has no keyring slot
    dialog.ui.userCombo.setCurrentText("alice")
    assert dialog.ui.keyringButton.isVisible()
    assert dialog.ui.keyringButton.accessibleName()
    with qtbot.waitSignal(dialog.unlock_requested) as sent:
        press(dialog, Qt.Key.Key_Y)  # "Unlock with system ke&yring", no passphrase typed
    assert sent.args is not None
    request = sent.args[0]
    assert (request.method, request.secret) == ("keyring", "")  # the secret never was a widget's
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    assert shell.main_window is not None
    assert shell.main_window.info.user == "alice"
    assert not shell.main_window.info.read_only


def test_keyring_without_the_secret_or_with_an_unsafe_backend_says_so(
    qtbot: QtBot, shell: Shell, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    path = keyring_vault(tmp_path)
    memory_keyring.store.clear()  # the keyring lost the entry (another machine, a reset)
    shell.start(path)
    dialog = shell.dialog
    dialog.ui.keyringButton.click()
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=TIMEOUT)
    assert dialog.error_text() == "The OS keyring holds no secret for 'alice' in this vault."
    assert shell.main_window is None
    assert dialog.ui.keyringButton.isEnabled()

    keyring.set_keyring(PlaintextKeyring())
    dialog.ui.keyringButton.click()
    qtbot.waitUntil(lambda: "insecurely" in dialog.error_text(), timeout=TIMEOUT)
    assert "\n" not in dialog.error_text()
    assert shell.main_window is None


# -- one writer per vault ------------------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from reviewstation.vault.session import open_vault
s = open_vault(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
time.sleep(60)
"""


@pytest.fixture
def held_elsewhere(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A vault open for writing in another process (as another ReviewStation would hold it)."""
    path = make_vault(tmp_path)
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), PASS], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "ready"
        yield path, child.pid
    finally:
        child.kill()
        child.wait()
        child.stdout.close()


def test_a_vault_written_by_another_process_is_refused_by_name_then_opens_read_only(
    qtbot: QtBot, shell: Shell, held_elsewhere: tuple[Path, int]
) -> None:
    path, pid = held_elsewhere
    shell.start(path)
    dialog = shell.dialog
    qtbot.waitExposed(dialog)
    assert dialog.ui.readOnlyCheck.isHidden()
    unlock_with_passphrase(qtbot, dialog, PASS)
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=TIMEOUT)
    message = dialog.error_text()
    assert message.startswith("The vault is open for writing by alice (process ")
    assert f"process {pid} on " in message
    assert "\n" not in message and "Traceback" not in message
    assert shell.main_window is None

    # Offered: read-only, which takes no writer lock.
    assert dialog.ui.readOnlyCheck.isVisible()
    assert not dialog.ui.readOnlyCheck.isChecked()
    activate(qtbot, dialog)
    press(dialog, Qt.Key.Key_O)  # "Open read-&only"
    qtbot.waitUntil(dialog.ui.readOnlyCheck.isChecked)
    unlock_with_passphrase(qtbot, dialog, PASS)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    window = opened(shell)
    assert (window.info.read_only, window.ctx.writable) == (True, False)
    assert window.windowTitle().endswith("(lead, read-only)")


def test_a_second_window_of_this_process_is_refused_while_the_first_writes(
    qtbot: QtBot, shell: Shell, settings: QSettings, tmp_path: Path
) -> None:
    path = make_vault(tmp_path)
    shell.start(path)
    unlock_with_passphrase(qtbot, shell.dialog, PASS)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)

    second = Shell(settings)
    try:
        second.start(path)
        unlock_with_passphrase(qtbot, second.dialog, PASS)
        qtbot.waitUntil(lambda: second.dialog.error_text() != "", timeout=TIMEOUT)
        assert second.dialog.error_text().startswith(
            f"The vault is open for writing by alice (process {os.getpid()} on "
        )
        assert second.main_window is None
        assert second.dialog.ui.readOnlyCheck.isVisible()
    finally:
        second.quit()
        qtbot.waitUntil(lambda: second.done, timeout=TIMEOUT)
        flush_deletes()


def test_the_lock_names_whoever_holds_it_and_a_new_vault_forgets_the_offer(
    qtbot: QtBot, shell: Shell, tmp_path: Path
) -> None:
    path = make_vault(tmp_path)
    other = make_vault(tmp_path, "other.rsvault", user="dora")
    lock = WriterLock.acquire(path, "bob")  # held through the core's own lock, as a CLI would
    try:
        shell.start(path)
        unlock_with_passphrase(qtbot, shell.dialog, PASS)
        qtbot.waitUntil(lambda: shell.dialog.error_text() != "", timeout=TIMEOUT)
        assert shell.dialog.error_text().startswith("The vault is open for writing by bob")
        assert shell.dialog.ui.readOnlyCheck.isVisible()
    finally:
        lock.release()
    shell.dialog.select_vault(other)
    assert shell.dialog.ui.readOnlyCheck.isHidden()  # only offered for the vault being written
    unlock_with_passphrase(qtbot, shell.dialog, PASS)
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=TIMEOUT)
    assert shell.main_window is not None
    assert not shell.main_window.info.read_only
