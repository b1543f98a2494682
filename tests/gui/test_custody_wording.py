"""The custody panel of an artifact nobody has viewed since import does not seem to deny the
preview shown beside it (that preview comes from the import-time inspection)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from reviewstation.gui.pages.artifacts.custody_panel import NO_EVENTS
from reviewstation.gui.shell import Shell

from .test_inspector_panel import page_of, select, texts


def test_no_events_since_import_names_the_import_time_inspection(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "model-card.md")
    custody = page.details.custody
    qtbot.waitUntil(lambda: "No custody events" in texts(custody), timeout=10_000)  # queued show
    shown = texts(custody)
    assert "No custody events since import" in shown
    assert "import-time inspection" in shown
    assert "not viewed" not in shown
    assert NO_EVENTS in custody.plain_text()
    assert page.details.inspector.preview is not None  # the preview it speaks of is there
