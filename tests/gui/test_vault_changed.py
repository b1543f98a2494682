"""One "vault changed" signal after every write: every page shows the change without F5."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from reviewstation.app import changes
from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.findings.service import add_finding
from reviewstation.gui.main_window import MainWindow
from reviewstation.gui.shell import Shell
from reviewstation.packages.export import export_package
from reviewstation.vault.session import Session, open_vault

from .conftest import SampleVault, open_main_window
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
    with qtbot.waitSignal(window.ctx.vault.changed, timeout=TIMEOUT) as signal:
        page.import_button.click()
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
