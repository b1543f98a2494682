"""Users and passphrases (File ▸ Users and passphrases…): who is in the vault; a lead adds,
removes and resets people; everyone changes their own passphrase and stores it in the OS
keyring or forgets it there.

Thin over ``app.people``: the vault layer checks each permission, writes the audit entry and
says who can do what was refused; this dialog shows the sentence as it comes. Work that runs
the KDF goes to the vault thread behind a progress dialog. The unlock window's list of users
follows every change (the shell listens for the vault's "users" change).
"""

from __future__ import annotations

from collections.abc import Callable

from reviewstation.app.people import (
    Person,
    add_person,
    change_my_passphrase,
    forget_keyring,
    people,
    remove_person,
    reset_passphrase,
    store_in_keyring,
)
from reviewstation.errors import InputError
from reviewstation.gui.qt import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.failures import Failure
from reviewstation.gui.runtime.operation import run_operation
from reviewstation.gui.runtime.progress import JobProgress
from reviewstation.gui.widgets.dialogs import ConfirmDialog, MarkedDialog, buddy_label, plain_label
from reviewstation.gui.widgets.theme import mark_error
from reviewstation.text import visible
from reviewstation.vault.passphrase_strength import estimate
from reviewstation.vault.session import Session
from reviewstation.vault.users import ROLES, check_name

COLUMNS = ("Name", "Role", "Passphrase", "Keyring", "Signing key (P-384)")


def _password_edit(name: str, parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


class NewPassphrase(QWidget):
    """A new passphrase typed twice, with the wizard's strength rule."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.edit = _password_edit("New passphrase", self)
        self.confirm = _password_edit("Confirm new passphrase", self)
        form.addRow(buddy_label("New &passphrase:", self.edit, self), self.edit)
        form.addRow(buddy_label("Con&firm:", self.confirm, self), self.confirm)
        self.context: list[str] = []

    def text(self) -> str:
        return self.edit.text()

    def problem(self) -> str:
        strength = estimate(self.edit.text(), context=[c for c in self.context if c])
        if not strength.acceptable:
            return f"The passphrase is too weak. {strength.advice}".strip()
        if self.confirm.text() != self.edit.text():
            return "The two passphrases differ; type the same passphrase in both fields."
        return ""

    def clear(self) -> None:
        self.edit.clear()
        self.confirm.clear()


class _FormDialog(MarkedDialog):
    """A small form with OK/Cancel that checks itself before it closes."""

    def __init__(self, marking: str, title: str, parent: QWidget | None) -> None:
        super().__init__(marking, title, parent)
        self.form = QFormLayout()
        self.body.addLayout(self.form)
        self.error = plain_label("", self)
        self.error.setAccessibleName("Problem")
        mark_error(self.error)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        self.setMinimumWidth(480)

    def finish_layout(self) -> None:
        self.body.addWidget(self.error)
        self.body.addWidget(self.buttons)

    def problem(self) -> str:
        return ""

    def emit_values(self) -> None:
        raise NotImplementedError

    def _submit(self) -> None:
        problem = self.problem()
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        if problem:
            return
        self.emit_values()
        self.accept()


class AddPersonDialog(_FormDialog):
    submitted = Signal(str, str, str)  # name, role, passphrase

    def __init__(self, marking: str, parent: QWidget | None = None) -> None:
        super().__init__(marking, "Add a person", parent)
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Name")
        self.role_combo = QComboBox(self)
        self.role_combo.setAccessibleName("Role")
        self.role_combo.addItems(list(ROLES))
        self.passphrase = NewPassphrase(self)
        self.form.addRow(buddy_label("&Name:", self.name_edit, self), self.name_edit)
        self.form.addRow(buddy_label("&Role:", self.role_combo, self), self.role_combo)
        self.form.addRow(self.passphrase)
        self.body.addWidget(
            plain_label(
                "You choose their first passphrase: until they change it, the two-person rules"
                " count the two of you as one person.",
                self,
            )
        )
        self.finish_layout()

    def problem(self) -> str:
        try:
            check_name(self.name_edit.text())
        except InputError as exc:
            return str(exc)
        self.passphrase.context = [self.name_edit.text()]
        return self.passphrase.problem()

    def emit_values(self) -> None:
        text = self.passphrase.text()
        self.passphrase.clear()
        self.submitted.emit(self.name_edit.text(), self.role_combo.currentText(), text)

    def done(self, result: int) -> None:
        self.passphrase.clear()
        super().done(result)


class PassphraseChangeDialog(_FormDialog):
    """Change my passphrase (``current`` asked) or reset another's (``current`` not asked)."""

    submitted = Signal(str, str)  # current ("" for a reset), new

    def __init__(self, marking: str, title: str, who: str, mine: bool, parent: QWidget) -> None:
        super().__init__(marking, title, parent)
        self.current: QLineEdit | None = None
        if mine:
            self.current = _password_edit("Current passphrase", self)
            self.form.addRow(buddy_label("C&urrent passphrase:", self.current, self), self.current)
        else:
            self.body.insertWidget(
                0,
                plain_label(
                    f"{visible(who)} gets a new passphrase and a new signing key (what the old"
                    " key signed still verifies; they export a new identity card). Their"
                    " keyring slot goes. Until they change this passphrase, the two-person"
                    " rules count the two of you as one person.",
                    self,
                ),
            )
        self.passphrase = NewPassphrase(self)
        self.passphrase.context = [who]
        self.form.addRow(self.passphrase)
        self.finish_layout()

    def problem(self) -> str:
        if self.current is not None and not self.current.text():
            return "Type your current passphrase."
        return self.passphrase.problem()

    def emit_values(self) -> None:
        current = self.current.text() if self.current is not None else ""
        new = self.passphrase.text()
        self._wipe()
        self.submitted.emit(current, new)

    def _wipe(self) -> None:
        if self.current is not None:
            self.current.clear()
        self.passphrase.clear()

    def done(self, result: int) -> None:
        self._wipe()
        super().done(result)


class UsersDialog(MarkedDialog):
    changed = Signal()  # a change was written (the list is being read again)

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx.marking, "Users and passphrases", parent)
        self.ctx = ctx
        self.people: list[Person] = []
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setAccessibleName("People in this vault")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        heading = buddy_label("&People:", self.table, self)
        self.body.addWidget(heading)
        self.body.addWidget(self.table, 1)

        people_row = QHBoxLayout()
        self.add_button = QPushButton("&Add a person…", self)
        self.reset_button = QPushButton("Re&set their passphrase…", self)
        self.remove_button = QPushButton("Re&move…", self)
        for button in (self.add_button, self.reset_button, self.remove_button):
            people_row.addWidget(button)
        people_row.addStretch(1)
        self.body.addLayout(people_row)
        self.lead_note = plain_label("", self)
        self.lead_note.setAccessibleName("Who manages people")
        self.body.addWidget(self.lead_note)

        mine_row = QHBoxLayout()
        self.passwd_button = QPushButton("&Change my passphrase…", self)
        self.keyring_button = QPushButton("Store in the &keyring", self)
        self.forget_button = QPushButton("&Forget in the keyring", self)
        for button in (self.passwd_button, self.keyring_button, self.forget_button):
            mine_row.addWidget(button)
        mine_row.addStretch(1)
        self.body.addLayout(mine_row)
        self.message = plain_label("", self)
        self.message.setAccessibleName("Result")
        self.body.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        self.body.addWidget(close)

        self.add_button.clicked.connect(self.open_add)
        self.reset_button.clicked.connect(self.open_reset)
        self.remove_button.clicked.connect(self.open_remove)
        self.passwd_button.clicked.connect(self.open_passwd)
        self.keyring_button.clicked.connect(self.store_keyring)
        self.forget_button.clicked.connect(self.forget_keyring)
        self.table.currentCellChanged.connect(lambda *_: self._sync())
        self.resize(820, 480)
        self._sync()
        self.refresh()

    # -- the list ----------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.vault.submit(people, self._show, self.say, owner=self)

    def _show(self, found: list[Person]) -> None:
        before = self.selected()
        self.people = found
        self.table.setRowCount(len(found))
        for row, person in enumerate(found):
            cells = (
                person.name,
                person.role,
                person.status,
                "stored" if person.keyring else "—",
                person.fingerprint[:23],
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(visible(text))
                item.setToolTip(visible(person.fingerprint) if column == 4 else "")
                self.table.setItem(row, column, item)
        names = [p.name for p in found]
        keep = before.name if before is not None and before.name in names else None
        if keep is not None:
            self.table.setCurrentCell(names.index(keep), 0)
        leads = [p.name for p in found if p.role == "lead" and p.active]
        can = "this lead can" if len(leads) == 1 else "these leads can"
        if self.ctx.permissions.can_approve:
            note = "As a lead you add, remove and reset people."
        else:
            note = f"Only a lead adds, removes or resets people; {can}: {', '.join(leads)}."
        self.lead_note.setText(visible(note))
        self._sync()

    def selected(self) -> Person | None:
        row = self.table.currentRow()
        return self.people[row] if 0 <= row < len(self.people) else None

    def me(self) -> Person | None:
        return next((p for p in self.people if p.name == self.ctx.info.user), None)

    def _sync(self) -> None:
        perms = self.ctx.permissions
        lead = perms.can_approve
        chosen = self.selected()
        other = chosen is not None and chosen.active and chosen.name != perms.user
        self.add_button.setEnabled(lead)
        self.reset_button.setEnabled(lead and other)
        self.remove_button.setEnabled(lead and other)
        me = self.me()
        own = perms.can_manage_own_keys
        self.passwd_button.setEnabled(own)
        self.keyring_button.setEnabled(own and (me is None or not me.keyring))
        self.forget_button.setEnabled(own and me is not None and me.keyring)

    def say(self, text: str) -> None:
        self.message.setText(visible(text))
        mark_error(self.message, False)

    def _refused(self, failure: Failure) -> None:
        self.message.setText(visible(failure.message))
        mark_error(self.message)

    def _run(self, title: str, work: Callable[[Session], str]) -> None:
        def job(session: Session, _progress: JobProgress) -> str:
            return work(session)

        def done(text: str) -> None:
            self.say(text)
            self.changed.emit()
            self.refresh()

        run_operation(self.ctx, self, title, job, done, self._refused)

    # -- people (leads) ----------------------------------------------------------------------

    def open_add(self) -> AddPersonDialog:
        dialog = AddPersonDialog(self.ctx.marking, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(self.add)
        dialog.open()
        return dialog

    def add(self, name: str, role: str, passphrase: str) -> None:
        def work(session: Session) -> str:
            person = add_person(session, name, role, passphrase)
            return f"{person.name} added as {person.role}."

        self._run("Adding a person…", work)

    def open_reset(self) -> PassphraseChangeDialog | None:
        chosen = self.selected()
        if chosen is None:
            return None
        title = f"Reset the passphrase of {visible(chosen.name)}"
        dialog = PassphraseChangeDialog(self.ctx.marking, title, chosen.name, False, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda _current, new: self.reset(chosen.name, new))
        dialog.open()
        return dialog

    def reset(self, name: str, passphrase: str) -> None:
        def work(session: Session) -> str:
            person = reset_passphrase(session, name, passphrase)
            return (
                f"Passphrase reset for {person.name}; new signing key {person.fingerprint[:23]}."
                " Tell them to change it (Change my passphrase) and export a new identity card."
            )

        self._run("Resetting a passphrase…", work)

    def open_remove(self) -> ConfirmDialog | None:
        chosen = self.selected()
        if chosen is None:
            return None
        dialog = ConfirmDialog(
            self.ctx.marking,
            "Remove a person",
            f"Remove {visible(chosen.name)} ({chosen.role})? Their key slots go: they can no"
            " longer unlock this vault. What they did stays in the audit trail.",
            "&Remove",
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.remove(chosen.name))
        dialog.open()
        return dialog

    def remove(self, name: str) -> None:
        def work(session: Session) -> str:
            remove_person(session, name)
            return f"{name} removed; their audit history stays."

        self._run("Removing a person…", work)

    # -- my account --------------------------------------------------------------------------

    def open_passwd(self) -> PassphraseChangeDialog:
        user = self.ctx.info.user
        dialog = PassphraseChangeDialog(self.ctx.marking, "Change my passphrase", user, True, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(self.change_passphrase)
        dialog.open()
        return dialog

    def change_passphrase(self, current: str, new: str) -> None:
        def work(session: Session) -> str:
            change_my_passphrase(session, current, new)
            return "Your passphrase was changed; the old one no longer unlocks this vault."

        self._run("Changing your passphrase…", work)

    def store_keyring(self) -> None:
        def work(session: Session) -> str:
            store_in_keyring(session)
            return "A key for you is stored in the system keyring: unlock with it next time."

        self._run("Storing in the keyring…", work)

    def forget_keyring(self) -> None:
        def work(session: Session) -> str:
            removed = forget_keyring(session)
            return f"Keyring key forgotten ({removed} slot{'s' if removed != 1 else ''})."

        self._run("Forgetting the keyring key…", work)
