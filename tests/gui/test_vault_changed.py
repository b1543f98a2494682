"""One "vault changed" signal after every write: every page shows the change without F5."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from reviewstation.app import changes
from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.artifacts.intake import add_artifacts
from reviewstation.checklists.runs import list_runs, set_answer
from reviewstation.findings.service import add_finding
from reviewstation.gui.pages.checklists.checklist_walkthrough import STATUS_WORDS
from reviewstation.gui.shell import Shell
from reviewstation.gui.widgets.custody_fields import CustodyDialog
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.gui.windows.workspace import SHOWS, Workspace
from reviewstation.packages.export import export_package
from reviewstation.reviews.service import set_status
from reviewstation.vault.policy import set_export_approval
from reviewstation.vault.session import Session, open_vault

from .conftest import SampleVault, open_main_window
from .test_artifacts import visible
from .test_packages_tab import demo_card

TIMEOUT = 10_000


def audit_count(window: MainWindow) -> int:
    model = window.workspace.audit.model
    return model.rowCount() if model.complete() else -1


def test_a_package_imported_in_the_gui_is_in_the_reviews_list_at_once(
    qtbot: QtBot, shell: Shell, demo_vault: Path, vault: SampleVault, tmp_path: Path
) -> None:
    card = demo_card(demo_vault, tmp_path / "demo.card")
    package = tmp_path / "review.rspkg"
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        export_package(session, 1, package, evidence=["1"])
    window = open_main_window(qtbot, shell, vault.path, vault.user, vault.passphrase)
    assert window.reviews.topLevelItemCount() == 0
    page = window.workspace.packages
    page.package_edit.setText(str(package))
    page.add_trust([card])
    page.import_button.click()  # verified first, then confirmed: nothing written before
    qtbot.waitUntil(lambda: len(visible(CustodyDialog)) == 1, timeout=TIMEOUT)
    (confirm,) = visible(CustodyDialog)
    assert isinstance(confirm, CustodyDialog)
    with qtbot.waitSignal(window.ctx.vault.changed, timeout=TIMEOUT) as signal:
        confirm.ok_button.click()
    changed, origin = signal.args
    assert changes.REVIEWS in changed and changes.FINDINGS in changed
    assert origin is page
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    item = window.reviews.topLevelItem(0)
    assert item is not None and "Orion-2" in item.text(0)
    overview = window.workspace.overview
    qtbot.waitUntil(lambda: overview.review is not None, timeout=TIMEOUT)
    assert "Orion-2" in overview.review.title  # type: ignore[union-attr]


def test_overview_and_audit_follow_writes_made_elsewhere(qtbot: QtBot, window: MainWindow) -> None:
    ws = window.workspace
    overview, audit = ws.overview, ws.audit
    qtbot.waitUntil(lambda: overview.findings.text().startswith("3 in all"), timeout=TIMEOUT)
    ws.setCurrentWidget(audit)
    qtbot.waitUntil(lambda: audit_count(window) > 0, timeout=TIMEOUT)
    before = audit_count(window)

    def write(session: Session) -> None:
        add_finding(session, 1, title="Found while the audit tab was open", severity="low")

    # The Audit tab is in view: it reads the trail again at once.
    window.ctx.vault.submit(write, lambda _none: None, window.show_status)
    qtbot.waitUntil(lambda: audit_count(window) == before + 1, timeout=TIMEOUT)
    # The Overview was read before the write: it is read again when shown.
    ws.setCurrentWidget(overview)
    qtbot.waitUntil(lambda: overview.findings.text().startswith("4 in all"), timeout=TIMEOUT)
    # A status change on the Overview reaches the reviews list and the trail.
    overview.status_button.click()

    def listed_status() -> str:
        item = window.reviews.topLevelItem(0)
        return item.toolTip(0) if item is not None else ""

    qtbot.waitUntil(lambda: "findings_drafted" in listed_status(), timeout=TIMEOUT)
    ws.setCurrentWidget(audit)
    qtbot.waitUntil(lambda: audit_count(window) == before + 2, timeout=TIMEOUT)


def _review_status(session: Session, _tmp: Path) -> None:
    set_status(session, 1, "findings_drafted")


def _answer(session: Session, _tmp: Path) -> None:
    run = list_runs(session.conn, 1)[0]
    set_answer(session, run.id, run.answers[2].item_id, status="not_applicable")


def _artifact(session: Session, tmp: Path) -> None:
    note = tmp / "late-note.txt"
    note.write_text("An invented note for the test.\n", encoding="utf-8")
    add_artifacts(session, 1, [note])


def _finding(session: Session, _tmp: Path) -> None:
    add_finding(session, 1, title="Written by another window", severity="low")


def _policy(session: Session, _tmp: Path) -> None:
    set_export_approval(session, "required")


Shown = Callable[[Workspace], bool]

# Each page, a write it shows made elsewhere (a job with no owner), what it shows before and
# after. A page added to the workspace gets a row here.
PAGES: list[tuple[str, Callable[[Session, Path], None], Shown, Shown]] = [
    (
        "overview",
        _review_status,
        lambda ws: ws.overview.values["status"].text() == "in review",
        lambda ws: ws.overview.values["status"].text() == "findings drafted",
    ),
    (
        "checklists",
        _answer,
        lambda ws: ws.checklists.table.rowCount() > 2,
        lambda ws: (
            (cell := ws.checklists.table.item(2, 3)) is not None
            and cell.text() == STATUS_WORDS["not_applicable"]
        ),
    ),
    (
        "artifacts",
        _artifact,
        lambda ws: len(ws.artifacts.artifacts) == 3,
        lambda ws: len(ws.artifacts.artifacts) == 4,
    ),
    (
        "findings",
        _finding,
        lambda ws: ws.findings.model.rowCount() == 3,
        lambda ws: ws.findings.model.rowCount() == 4,
    ),
    (
        "packages",
        _policy,
        lambda ws: "does not require" in ws.packages.approvals.policy_label.text(),
        lambda ws: "requires a second lead" in ws.packages.approvals.policy_label.text(),
    ),
]


def test_every_page_is_listed() -> None:
    assert {name for name, *_ in PAGES} | {"audit"} == {
        page.__name__.removesuffix("Page").lower() for page in SHOWS
    }


@pytest.mark.parametrize(("name", "write", "before", "after"), PAGES, ids=[p[0] for p in PAGES])
def test_the_visible_page_shows_a_write_made_elsewhere_at_once(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    name: str,
    write: Callable[[Session, Path], None],
    before: Shown,
    after: Shown,
) -> None:
    ws = window.workspace
    ws.setCurrentWidget(getattr(ws, name))
    qtbot.waitUntil(lambda: before(ws), timeout=TIMEOUT)
    window.ctx.vault.submit(lambda s: write(s, tmp_path), lambda _none: None, window.show_status)
    qtbot.waitUntil(lambda: after(ws), timeout=TIMEOUT)
    assert window.message_label.text() == ""
