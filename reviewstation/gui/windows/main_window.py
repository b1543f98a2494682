"""The main window: the reviews list on the left, the review workspace on the right."""

from __future__ import annotations

from dataclasses import dataclass

from reviewstation.app import changes
from reviewstation.gui.forms.ui_main_window import Ui_MainWindow
from reviewstation.gui.pages.packages.disclosure_dialogs import RecipientsDialog
from reviewstation.gui.pages.reviews.review_dialog import NewReviewDialog
from reviewstation.gui.pages.reviews.reviews_list import ReviewsList
from reviewstation.gui.qt import (
    QAction,
    QCloseEvent,
    QLabel,
    QMainWindow,
    QObject,
    QPushButton,
    QSplitter,
    QStackedWidget,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
    Slot,
)
from reviewstation.gui.runtime.context import Context
from reviewstation.gui.runtime.vault_thread import SessionInfo
from reviewstation.gui.widgets import theme
from reviewstation.gui.windows.identity_card import CardExport
from reviewstation.gui.windows.users_dialog import UsersDialog
from reviewstation.gui.windows.vault_settings_dialog import VaultSettingsDialog
from reviewstation.gui.windows.workspace import Workspace
from reviewstation.reviews.service import Review, list_reviews
from reviewstation.text import visible
from reviewstation.vault.session import Session

MINIMUM_SIZE = (1000, 640)


def vault_name(info: SessionInfo) -> str:
    name = info.path.name
    return name.removesuffix(".rsvault") or name


def window_title(info: SessionInfo) -> str:
    access = ", read-only" if info.permissions.read_only else ""
    # The folder's name and the user's come from the disk: shown, never obeyed.
    return visible(f"ReviewStation — {vault_name(info)} — {info.user} ({info.role}{access})")


def _reviews(session: Session) -> list[Review]:
    return list_reviews(session.conn)


@dataclass(frozen=True)
class Place:
    size: tuple[int, int]  # the normal (not maximised) size
    maximized: bool
    review_id: int
    tab: int


class MainWindow(QMainWindow):
    """Shows one unlocked session. It holds plain facts about it, never the session itself.

    The menu bar and status bar are the form's own widgets inside the central layout (so the
    banners can be the window's outer edges); never call ``menuBar()``/``statusBar()`` here,
    which would create second ones.
    """

    lock_requested = Signal()
    quit_requested = Signal()
    settings_requested = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)  # type: ignore[no-untyped-call]
        self.ctx = ctx
        info = ctx.info
        self.info = info
        self.setWindowTitle(window_title(info))
        self.ui.topBanner.set_marking(info.marking)
        self.ui.bottomBanner.set_marking(info.marking)

        split = QSplitter(Qt.Orientation.Horizontal, self.ui.contentArea)
        left = QWidget(split)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Revie&ws", left)
        self.reviews = ReviewsList(left)
        heading.setBuddy(self.reviews)
        self.new_button = QPushButton("&New review…", left)
        self.new_button.setToolTip("New review (Ctrl+N)")
        left_layout.addWidget(heading)
        left_layout.addWidget(self.reviews, 1)
        left_layout.addWidget(self.new_button)

        self.stack = QStackedWidget(split)
        self.empty_label = QLabel("No reviews yet", self.stack)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setAccessibleName("No reviews yet")
        self.empty_label.setWordWrap(True)
        font = self.empty_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.empty_label.setFont(font)
        self.empty_label.setForegroundRole(self.palette().ColorRole.PlaceholderText)
        self.workspace = Workspace(ctx, self.stack)
        self.stack.addWidget(self.empty_label)
        self.stack.addWidget(self.workspace)
        split.addWidget(left)
        split.addWidget(self.stack)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([260, 1020])  # the workspace gets what the findings titles need
        self.ui.contentLayout.addWidget(split)

        # Names come from the vault's header: plain text, control characters shown.
        self.user_label = QLabel()
        self.user_label.setTextFormat(Qt.TextFormat.PlainText)
        self.user_label.setText(visible(f"{info.user} ({info.role}), {ctx.permissions.access}"))
        self.user_label.setAccessibleName("Unlocked user")
        # Said once, where it stays in view, instead of a refusal after each click.
        self.access_label = QLabel(ctx.permissions.reason or "")
        self.access_label.setTextFormat(Qt.TextFormat.PlainText)
        self.access_label.setAccessibleName("Why this session is read-only")
        self.access_label.setVisible(ctx.permissions.reason is not None)
        theme.mark(self.access_label, "warning")
        self.vault_label = QLabel()
        self.vault_label.setTextFormat(Qt.TextFormat.PlainText)
        self.vault_label.setText(visible(f"Vault {info.vault_id}"))
        self.vault_label.setAccessibleName("Vault id")
        self.message_label = QLabel()
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setAccessibleName("Status message")
        for label in (self.user_label, self.access_label, self.vault_label, self.message_label):
            label.setContentsMargins(6, 0, 6, 0)
        self.ui.appStatusBar.addWidget(self.user_label)
        self.ui.appStatusBar.addWidget(self.access_label)
        self.ui.appStatusBar.addWidget(self.message_label, 1)
        self.ui.appStatusBar.addPermanentWidget(self.vault_label)
        if ctx.permissions.reason:  # the access label says it; the user label's tip too
            self.user_label.setToolTip(ctx.permissions.reason)

        self.ui.actionLock.triggered.connect(self.lock_requested)
        self.ui.actionQuit.triggered.connect(self.quit_requested)
        self.ui.actionSettings.triggered.connect(self.settings_requested)
        # Beside Settings (this computer's); the vault's own settings apply to all its users.
        self.vault_settings_action = self.ui.menuFile.addAction("&Vault settings…")
        self.ui.menuFile.removeAction(self.vault_settings_action)
        self.ui.menuFile.insertAction(self.ui.actionExportCard, self.vault_settings_action)
        self.vault_settings_action.setToolTip("The publisher of this vault's advisories")
        self.vault_settings_action.triggered.connect(self.open_vault_settings)
        self.card_export = CardExport(ctx, self)
        self.ui.actionExportCard.triggered.connect(self.card_export.choose)
        self.action_users = QAction("&Users and passphrases…", self)
        self.action_users.setObjectName("actionUsers")
        self.action_users.setToolTip(
            "People in this vault; add, remove or reset them (leads); change your passphrase"
            " or keep it in the system keyring"
        )
        self.action_users.triggered.connect(self.open_users)
        self.ui.menuFile.insertAction(self.ui.actionExportCard, self.action_users)
        self.action_recipients = QAction("&Disclosure recipients…", self)
        self.action_recipients.setObjectName("actionDisclosureRecipients")
        self.action_recipients.setToolTip(
            "Who may receive a selective disclosure, and the highest marking each is cleared"
            " for (leads record them)"
        )
        self.action_recipients.triggered.connect(self.open_recipients)
        self.ui.menuFile.insertAction(self.ui.actionExportCard, self.action_recipients)
        self.ui.actionNewReview.triggered.connect(self.new_review)
        self.ui.actionRefresh.triggered.connect(self.refresh)
        self.new_button.clicked.connect(self.new_review)
        self.reviews.review_selected.connect(self._on_review_selected)
        self.workspace.review_chosen.connect(lambda review_id: self.refresh(review_id))
        ctx.vault.changed.connect(self._on_vault_changed)
        for widget in (self.new_button,):
            widget.setEnabled(ctx.writable)
        self.ui.actionNewReview.setEnabled(ctx.writable)
        self.ui.actionExportCard.setEnabled(ctx.permissions.can_sign)
        if not ctx.writable:
            self.empty_label.setText("No reviews yet (this session is read-only)")
        # Below this the checklist prompt and the inspector panels collapse to nothing, and a
        # reviewer could answer items without seeing them.
        self.setMinimumSize(MINIMUM_SIZE[0], MINIMUM_SIZE[1])
        self.resize(1280, 800)
        self._wanted_review = 0  # the review to choose when the list is first read
        self.refresh()

    # -- reviews ---------------------------------------------------------------------------

    def place(self) -> Place:
        """Where the reviewer is: kept in memory across a lock (``Shell.places``)."""
        normal = self.normalGeometry() if self.isMaximized() else self.geometry()
        return Place(
            (normal.width(), normal.height()),
            self.isMaximized(),
            self.reviews.current_id(),
            self.workspace.currentIndex(),
        )

    def restore(self, place: Place) -> None:
        """Back where ``place`` was: size and position, the review (once the list is read),
        the tab."""
        self.resize(*place.size)
        if place.maximized:
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        self._wanted_review = place.review_id
        self.workspace.setCurrentIndex(place.tab)

    def refresh(self, select: int = 0, pages: bool = True) -> None:
        """Read the reviews again; ``pages``: and the chosen review's pages (F5)."""
        self.ctx.vault.submit(
            _reviews,
            lambda reviews: self._show_reviews(reviews, select, pages),
            self.show_status,
            owner=self,
        )

    def _show_reviews(self, reviews: list[Review], select: int, pages: bool) -> None:
        before = self.reviews.current_id()
        select, self._wanted_review = select or self._wanted_review, 0
        self.reviews.set_reviews(reviews, select)
        if pages and self.reviews.current_id() == before:
            # The same review stays chosen: read its page again. A newly chosen review has
            # already been shown (loading it twice doubled the wait on a large review).
            self.workspace.refresh()

    @Slot(object, object)
    def _on_vault_changed(self, changed: frozenset[str], origin: QObject | None) -> None:
        """Any write, from any page or dialog: the list and the pages show it at once."""
        if changes.REVIEWS in changed:
            self.refresh(pages=False)
        self.workspace.vault_changed(changed, origin)

    def _on_review_selected(self, review_id: int) -> None:
        self.stack.setCurrentWidget(self.workspace if review_id else self.empty_label)
        if review_id:
            self.workspace.show_review(review_id)

    def open_vault_settings(self) -> None:
        dialog = VaultSettingsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def new_review(self) -> None:
        if not self.ctx.writable:
            return
        dialog = NewReviewDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(lambda review: self.refresh(review.id))
        dialog.open()

    def open_users(self) -> UsersDialog:
        dialog = UsersDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def open_recipients(self) -> RecipientsDialog:
        dialog = RecipientsDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_status(self, message: str) -> None:
        self.message_label.setText(message)

    def closeEvent(self, event: QCloseEvent) -> None:
        # The window manager's close button means quit; the shell hides the window itself
        # when locking, which does not come through here.
        event.ignore()
        self.quit_requested.emit()
