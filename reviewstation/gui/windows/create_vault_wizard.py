"""The "New vault" wizard: location and marking, the first user and passphrase, the recovery key.

Three pages in one marked dialog, so every page carries the banners of the marking being
chosen. Creating the vault runs Argon2id, so it happens off the GUI thread
(``run_in_background``). The recovery key is shown once; Finish stays disabled until the user
says it is stored. Passphrases and the key are wiped from the widgets when the dialog closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reviewstation import markings
from reviewstation.errors import InputError
from reviewstation.gui.qt import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFontDatabase,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from reviewstation.gui.runtime.background import run_in_background
from reviewstation.gui.runtime.clipboard import SecretClipboard
from reviewstation.gui.widgets.dialogs import (
    MarkedDialog,
    buddy_label,
    plain_label,
    private_file_dialog,
)
from reviewstation.gui.widgets.theme import mark, mark_error
from reviewstation.vault.passphrase_strength import Strength, estimate
from reviewstation.vault.session import create_vault
from reviewstation.vault.users import check_name

SUFFIX = ".rsvault"
# The levels offered; the user may also type an abbreviation (S) or caveats (SECRET//NOFORN).
# The core parses what was typed: an unknown or contradictory marking is refused.
STANDARD_MARKINGS = markings.STANDARD
NOT_CHOSEN = "MARKING NOT CHOSEN"
FIRST_ROLE = "lead"
STEPS = ("Location and marking", "First user and passphrase", "Recovery key")
# Meter colours from red to green; with white text never drawn on them, they suit both themes.
_METER_COLOURS = {
    "Too short": "#b00020",
    "Very weak": "#b00020",
    "Weak": "#d35400",
    "Fair": "#b58900",
    "Good": "#2e8b57",
    "Strong": "#1b7f3b",
}


def _with_note(field: QWidget, note: QWidget) -> QVBoxLayout:
    """A field with a line of explanation right under it (tighter than a form row of its own)."""
    box = QVBoxLayout()
    box.setSpacing(3)
    box.addWidget(field)
    box.addWidget(note)
    return box


@dataclass(frozen=True)
class CreatedVault:
    path: Path
    user: str
    recovery_key: str


def vault_path(folder: str, name: str) -> Path:
    """Where the vault will be made; InputError for a name that is not a plain folder name."""
    name = name.strip()
    if not name.endswith(SUFFIX):
        name += SUFFIX
    stem = name.removesuffix(SUFFIX)
    if not stem or stem.startswith(".") or "/" in name or "\\" in name or not name.isprintable():
        raise InputError("Name the vault with a plain folder name, e.g. Case-2026-017.")
    if not folder.strip():
        raise InputError("Choose the folder the vault goes in.")
    return Path(folder.strip()).expanduser() / name


def key_lines(recovery_key: str) -> str:
    """The key's 14 groups on two lines of seven, easier to copy out by hand."""
    groups = recovery_key.split("-")
    return "-".join(groups[:7]) + "\n" + "-".join(groups[7:])


class CreateVaultWizard(MarkedDialog):
    """Emits ``created`` as soon as the vault exists (before the recovery key page)."""

    created = Signal(object)  # CreatedVault, with recovery_key emptied

    def __init__(
        self, clipboard: SecretClipboard, start_folder: Path, parent: QWidget | None = None
    ) -> None:
        super().__init__(NOT_CHOSEN, "New vault — ReviewStation", parent)
        self.setMinimumWidth(600)
        self.body.setContentsMargins(20, 16, 20, 16)
        self.body.setSpacing(10)
        self._clipboard = clipboard
        self._recovery = ""
        self._busy = False
        self._created: Path | None = None

        self.heading = QLabel(self)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.body.addWidget(self.heading)
        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._location_page())
        self.pages.addWidget(self._user_page())
        self.pages.addWidget(self._key_page())
        self.body.addWidget(self.pages, 1)

        self.error_label = plain_label("", self)
        self.error_label.setAccessibleName("Error")
        mark_error(self.error_label)
        self.error_label.hide()
        self.body.addWidget(self.error_label)
        self.body.addWidget(self._busy_row())
        self.body.addLayout(self._buttons())
        self.folder_edit.setText(str(start_folder))
        self._show_page(0)
        self._on_marking_changed(self.marking_combo.currentText())

    # -- pages -----------------------------------------------------------------------------

    def _location_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.folder_edit = QLineEdit(page)
        self.folder_edit.setAccessibleName("Folder the vault goes in")
        self.browse_button = QPushButton("Br&owse…", page)
        self.browse_button.setAccessibleName("Browse for the folder the vault goes in")
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._on_browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(self.browse_button)
        form.addRow(buddy_label("&Location:", self.folder_edit, page), row)
        self.name_edit = QLineEdit(page)
        self.name_edit.setAccessibleName("Vault name")
        self.name_edit.setPlaceholderText("e.g. Case-2026-017")
        self.path_preview = plain_label("", page)
        self.path_preview.setAccessibleName("The vault will be created as")
        form.addRow(
            buddy_label("Vault na&me:", self.name_edit, page),
            _with_note(self.name_edit, self.path_preview),
        )
        self.marking_combo = QComboBox(page)
        self.marking_combo.setEditable(True)
        self.marking_combo.addItems(STANDARD_MARKINGS)
        self.marking_combo.setCurrentIndex(-1)
        self.marking_combo.setAccessibleName("Marking")
        line = self.marking_combo.lineEdit()
        assert line is not None  # the combo is editable
        line.setPlaceholderText("Choose, or type e.g. SECRET//NOFORN")
        line.setAccessibleName("Marking")  # a screen reader meets the typing field apart
        self.marking_note = plain_label("", page)
        self.marking_note.setAccessibleName("About the marking")
        form.addRow(
            buddy_label("Mar&king:", self.marking_combo, page),
            _with_note(self.marking_combo, self.marking_note),
        )
        layout.addLayout(form)
        layout.addStretch(1)
        self.folder_edit.textChanged.connect(self._update_path_preview)
        self.name_edit.textChanged.connect(self._update_path_preview)
        self.marking_combo.currentTextChanged.connect(self._on_marking_changed)
        return page

    def _user_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.user_edit = QLineEdit(page)
        self.user_edit.setAccessibleName("Your user name")
        self.user_edit.setPlaceholderText("How the audit trail will name you")
        role_note = plain_label(
            f"You will be the vault's {FIRST_ROLE}: you can add reviewers and auditors later.",
            page,
        )
        form.addRow(
            buddy_label("Your na&me:", self.user_edit, page), _with_note(self.user_edit, role_note)
        )
        self.pass_edit = QLineEdit(page)
        self.pass_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pass_edit.setAccessibleName("Passphrase")
        self.meter = QProgressBar(page)
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)
        self.meter.setMaximumHeight(8)
        self.meter.setAccessibleName("Passphrase strength meter")
        self.strength_label = plain_label("", page)
        self.strength_label.setAccessibleName("Passphrase strength")
        meter_box = _with_note(self.pass_edit, self.meter)
        meter_box.addWidget(self.strength_label)
        form.addRow(buddy_label("&Passphrase:", self.pass_edit, page), meter_box)
        self.confirm_edit = QLineEdit(page)
        self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_edit.setAccessibleName("Confirm passphrase")
        self.match_label = plain_label("", page)
        self.match_label.setAccessibleName("Whether the passphrases match")
        form.addRow(
            buddy_label("Co&nfirm:", self.confirm_edit, page),
            _with_note(self.confirm_edit, self.match_label),
        )
        layout.addLayout(form)
        layout.addStretch(1)
        self.user_edit.textChanged.connect(self._update_strength)
        self.pass_edit.textChanged.connect(self._update_strength)
        self.confirm_edit.textChanged.connect(self._update_match)
        self.pass_edit.textChanged.connect(self._update_match)
        self._update_strength()
        return page

    def _key_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.created_label = plain_label("", page)
        self.created_label.setAccessibleName("Vault created")
        layout.addWidget(self.created_label)
        layout.addWidget(
            plain_label(
                "This is the vault's recovery key. It is shown only now: write it down or "
                "print it, and keep it offline, apart from this computer. It opens the vault "
                "if the passphrase is lost, so guard it like the passphrase.",
                page,
            )
        )
        self.key_label = QLabel(page)
        self.key_label.setTextFormat(Qt.TextFormat.PlainText)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.key_label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.key_label.setAccessibleName("Recovery key")
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setPointSizeF(fixed.pointSizeF() * 1.25)
        self.key_label.setFont(fixed)
        self.key_label.setStyleSheet(
            "QLabel { border: 1px solid palette(mid); border-radius: 4px; padding: 10px; }"
        )
        layout.addWidget(self.key_label)
        copy_row = QHBoxLayout()
        self.copy_button = QPushButton("&Copy key", page)
        self.copy_button.setAccessibleName("Copy the recovery key")
        self.copy_button.setToolTip("The clipboard is cleared again after 30 seconds.")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self._on_copy)
        copy_row.addWidget(self.copy_button)
        copy_row.addStretch(1)
        layout.addLayout(copy_row)
        self.stored_check = QCheckBox("&I have stored the recovery key somewhere safe", page)
        self.stored_check.setAccessibleName("I have stored the recovery key")
        self.stored_check.toggled.connect(self._on_stored_toggled)
        layout.addWidget(self.stored_check)
        layout.addStretch(1)
        layout.addWidget(
            plain_label("Finish returns to the unlock window with the new vault chosen.", page)
        )
        return page

    def _busy_row(self) -> QWidget:
        self.busy_row = QWidget(self)
        row = QHBoxLayout(self.busy_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Creating the vault…", self.busy_row))
        bar = QProgressBar(self.busy_row)
        bar.setRange(0, 0)
        bar.setTextVisible(False)
        bar.setAccessibleName("Creating the vault")
        row.addWidget(bar, 1)
        policy = self.busy_row.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # no jump when it appears
        self.busy_row.setSizePolicy(policy)
        self.busy_row.hide()
        return self.busy_row

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel: create no vault")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.back_button = QPushButton("< &Back", self)
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self._on_back)
        self.next_button = QPushButton("&Next >", self)
        self.next_button.clicked.connect(self._on_next)
        self.create_button = QPushButton("&Create vault", self)
        self.create_button.clicked.connect(self._on_create)
        self.finish_button = QPushButton("&Finish", self)
        self.finish_button.setEnabled(False)
        self.finish_button.clicked.connect(self.accept)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        for button in (self.back_button, self.next_button, self.create_button, self.finish_button):
            row.addWidget(button)
        return row

    # -- what the unlock dialog calls ------------------------------------------------------

    def page_index(self) -> int:
        return self.pages.currentIndex()

    def marking(self) -> str:
        return self.top_banner.marking

    def recovery_key(self) -> str:
        """The key as shown (for the test of "shown once"); empty once the dialog closed."""
        return self._recovery

    # -- navigation ------------------------------------------------------------------------

    def _show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        self.heading.setText(f"Step {index + 1} of {len(STEPS)} — {STEPS[index]}")
        self.back_button.setVisible(index == 1)
        self.next_button.setVisible(index == 0)
        self.create_button.setVisible(index == 1)
        self.finish_button.setVisible(index == 2)
        self.cancel_button.setVisible(index < 2)  # once created, there is nothing to cancel
        for button, page in ((self.next_button, 0), (self.create_button, 1)):
            button.setDefault(index == page)
        self.finish_button.setDefault(index == 2)
        self.show_error("")
        first = {0: self.folder_edit, 1: self.user_edit, 2: self.key_label}[index]
        if index == 0 and self.folder_edit.text():
            first = self.name_edit
        first.setFocus()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def _on_back(self) -> None:
        if not self._busy:
            self._show_page(0)

    def _on_next(self) -> None:
        problem = self._location_problem()
        if problem:
            self.show_error(problem)
            return
        self._show_page(1)

    def _location_problem(self) -> str:
        try:
            path = vault_path(self.folder_edit.text(), self.name_edit.text())
        except InputError as exc:
            return str(exc)
        if not path.parent.is_dir():
            return f"The folder {path.parent} does not exist; choose another location."
        if path.exists():
            return f"{path.name} already exists there; choose another name."
        if not self.marking_combo.currentText().strip():
            return "Choose the vault's marking, or type it."
        try:
            markings.parse(self.marking_combo.currentText())
        except InputError as exc:
            return str(exc)
        return ""

    def _on_browse(self) -> None:
        dialog = private_file_dialog(
            self, "Choose the folder the vault goes in", QFileDialog.FileMode.Directory
        )
        dialog.setOption(QFileDialog.Option.ShowDirsOnly)
        if self.folder_edit.text():
            dialog.setDirectory(self.folder_edit.text())
        dialog.fileSelected.connect(self._on_folder_chosen)
        dialog.open()

    def _on_folder_chosen(self, folder: str) -> None:
        if folder:
            self.folder_edit.setText(folder)
            self.name_edit.setFocus()

    def _update_path_preview(self) -> None:
        try:
            path = vault_path(self.folder_edit.text(), self.name_edit.text() or "NAME")
        except InputError as exc:
            self.path_preview.setText(str(exc))
            return
        self.path_preview.setText(f"Will be created as {path}")

    def _on_marking_changed(self, text: str) -> None:
        # The banners show the marking as the vault will store it: in full (S is SECRET).
        typed = text.strip()
        shown = markings.display(typed) or NOT_CHOSEN
        self.top_banner.set_marking(shown)
        self.bottom_banner.set_marking(shown)
        refused = False
        if not typed:
            note = "Every window of this vault will show its marking in banners like these."
        else:
            try:
                marking = markings.parse(typed)
            except InputError as exc:
                note, refused = str(exc), True
            else:
                note = "Every window of this vault will show these banners."
                if marking.text != typed:
                    note = f"Written in full as {marking.text}. {note}"
        self.marking_note.setText(note)
        mark_error(self.marking_note, refused)

    # -- first user and passphrase ---------------------------------------------------------

    def _strength(self) -> Strength:
        context = [self.user_edit.text(), self.name_edit.text().removesuffix(SUFFIX)]
        return estimate(self.pass_edit.text(), context=[c for c in context if c])

    def _update_strength(self) -> None:
        if not self.pass_edit.text():
            self.meter.setValue(0)
            self.strength_label.setText("Four or five unrelated words make a strong passphrase.")
            return
        strength = self._strength()
        self.meter.setValue(max(3, round(strength.fraction * 100)))
        colour = _METER_COLOURS.get(strength.label, "#b00020")
        self.meter.setStyleSheet(f"QProgressBar::chunk {{ background-color: {colour}; }}")
        text = f"Strength: {strength.label}."
        if strength.advice:
            text += f" {strength.advice}"
        self.strength_label.setText(text)

    def _update_match(self) -> None:
        confirm = self.confirm_edit.text()
        if not confirm:
            self.match_label.setText("")
            mark(self.match_label, "")
        elif confirm == self.pass_edit.text():
            self.match_label.setText("The passphrases match.")
            mark(self.match_label, "ok")
        else:
            self.match_label.setText("The passphrases differ.")
            mark(self.match_label, "warning")

    def _user_problem(self) -> str:
        try:
            check_name(self.user_edit.text())
        except InputError as exc:
            return str(exc)
        strength = self._strength()
        if not strength.acceptable:
            return "The passphrase is too weak to protect the vault; follow the advice under it."
        if self.confirm_edit.text() != self.pass_edit.text():
            return "The two passphrases differ; type the same passphrase in both fields."
        return ""

    def _on_create(self) -> None:
        if self._busy:
            return
        problem = self._location_problem() or self._user_problem()
        if problem:
            self.show_error(problem)
            return
        path = vault_path(self.folder_edit.text(), self.name_edit.text())
        user = self.user_edit.text()
        passphrase = self.pass_edit.text()
        marking = self.marking_combo.currentText().strip()

        def work() -> CreatedVault:
            _, recovery = create_vault(path, user, passphrase, role=FIRST_ROLE, marking=marking)
            return CreatedVault(path, user, recovery)

        self._set_busy(True)
        run_in_background(work, self._on_created, self._on_create_failed, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_row.setVisible(busy)
        for widget in (
            self.user_edit,
            self.pass_edit,
            self.confirm_edit,
            self.back_button,
            self.create_button,
            self.cancel_button,
        ):
            widget.setEnabled(not busy)
        if busy:
            self.show_error("")

    def _on_created(self, result: CreatedVault) -> None:
        self._set_busy(False)
        self._created = result.path
        self._recovery = result.recovery_key
        self.pass_edit.clear()
        self.confirm_edit.clear()
        self.created_label.setText(f"The vault {result.path} was created.")
        self.key_label.setText(key_lines(result.recovery_key))
        # Its only showing: nothing that appears later (the "store it first" message) may take
        # its room, so the label keeps the height of both lines and the window grows instead.
        self.key_label.setMinimumHeight(self.key_label.sizeHint().height())
        self._show_page(2)
        self.created.emit(CreatedVault(result.path, result.user, ""))

    def _on_create_failed(self, message: str) -> None:
        self._set_busy(False)
        self.show_error(message)

    # -- recovery key ----------------------------------------------------------------------

    def _on_copy(self) -> None:
        if self._recovery:
            self._clipboard.copy(self._recovery)

    def _on_stored_toggled(self, stored: bool) -> None:
        self.finish_button.setEnabled(stored)
        if stored:
            self.show_error("")

    # -- closing ---------------------------------------------------------------------------

    def reject(self) -> None:
        if self._busy:
            return  # the vault is being written; it cannot be stopped half-way
        if self._created is not None and not self.stored_check.isChecked():
            self.show_error(
                "Store the recovery key first and tick the box: it will not be shown again."
            )
            return
        super().reject()

    def done(self, result: int) -> None:
        if self._busy:
            # Closing now would drop the only display of the recovery key being made.
            return
        # Whatever way it closes (Finish, Cancel, the app locking or quitting): no secret stays.
        self._recovery = ""
        for edit in (self.pass_edit, self.confirm_edit):
            edit.clear()
        self.key_label.clear()
        super().done(result)
