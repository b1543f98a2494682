"""The Overview's capability areas over two runs inspect_ai wrote: the figures shown are the
comparison's (which equal SciPy's), an area is chosen in its dialog, and the evidence picker
cites the saved comparison."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from support.triaged import triaged_item

from reviewstation import determination
from reviewstation.app import determination as app_determination
from reviewstation.app.demo import DEMO_PASSPHRASE
from reviewstation.determination import AreaResult
from reviewstation.evidence import EvidenceRef
from reviewstation.gui.pages.checklists.evidence_picker import EvidencePicker
from reviewstation.gui.pages.reviews.capability_areas import COLUMNS, AreaDialog, table_rows
from reviewstation.gui.qt import QApplication, Qt
from reviewstation.gui.shell import Shell
from reviewstation.gui.windows.main_window import MainWindow
from reviewstation.vault.session import open_vault

from .conftest import open_main_window
from .test_inspector_panel import TIMEOUT, add

LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "compare-logs"
SCIPY: dict[str, Any] = json.loads((LOGS / "expected.json").read_text())["scipy"]


def _prepared(vault: Path) -> list[AreaResult]:
    """The two logs in the demo review, and the exploitation area (B against A) chosen."""
    add(vault, LOGS / "model-a.eval", LOGS / "model-b.eval")
    with open_vault(vault, DEMO_PASSPHRASE, user="demo") as session:
        ids = {
            r[1]: r[0]
            for r in session.conn.execute("SELECT id, path FROM artifacts WHERE review_id = 1")
        }
        app_determination.set_area(
            session, 1, "exploitation", baseline=ids["model-a.eval"], runs=[ids["model-b.eval"]]
        )
        return app_determination.area_results(session, 1)


def _window(qtbot: QtBot, shell: Shell, vault: Path) -> MainWindow:
    window = open_main_window(qtbot, shell, vault)
    window.resize(1500, 950)
    qtbot.waitUntil(lambda: window.reviews.topLevelItemCount() == 1, timeout=TIMEOUT)
    return window


def cells(window: MainWindow) -> list[list[str]]:
    table = window.workspace.overview.areas.table
    out = []
    for r in range(table.rowCount()):
        row = []
        for c in range(len(COLUMNS)):
            item = table.item(r, c)
            row.append(item.text() if item is not None else "")
        out.append(row)
    return out


def test_the_overview_shows_the_comparisons_figures(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    items = _prepared(demo_vault)
    [item] = items
    assert item.result is not None
    a, b = item.result.runs
    assert (a.solved, a.scored, b.solved, b.scored) == (24, 60, 35, 59)  # as SciPy counted
    assert item.result.tests[0].mcnemar_p == pytest.approx(SCIPY["mcnemar_p"], rel=1e-12)
    window = _window(qtbot, shell, demo_vault)
    panel = window.workspace.overview.areas
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=TIMEOUT)
    shown = cells(window)
    assert shown == [row for _uid, row in table_rows(items)]
    assert shown[0][:3] == ["Exploitation", "raw", "A"] and shown[0][5] == "baseline"
    assert shown[0][4] == determination.run_line(a) and "24/60 = 40.0%" in shown[0][4]
    assert shown[1][4] == determination.run_line(b) and "35/59 = 59.3%" in shown[1][4]
    assert f"exact McNemar p = {SCIPY['mcnemar_p']:.4g}" in shown[1][5]
    assert "+18.6 points over 59 pairs" in shown[1][5]
    assert f"seed {item.result.seed}" in panel.settings.text()
    assert item.area.citation in panel.settings.text()
    assert panel.choose_button.isEnabled() and not panel.remove_button.isEnabled()


def test_an_area_is_chosen_in_its_dialog_and_cited_in_the_picker(
    qtbot: QtBot, shell: Shell, demo_vault: Path
) -> None:
    _prepared(demo_vault)
    window = _window(qtbot, shell, demo_vault)
    panel = window.workspace.overview.areas
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=TIMEOUT)
    panel.choose_button.click()
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, AreaDialog) and w.isVisible() for w in QApplication.topLevelWidgets()
        ),
        timeout=TIMEOUT,
    )
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AreaDialog))
    assert dialog.top_banner.text() == "UNCLASSIFIED"
    qtbot.waitUntil(lambda: dialog.save_button.isEnabled(), timeout=TIMEOUT)
    dialog.area.setCurrentIndex(dialog.area.findData("vulnerability-discovery"))
    dialog.baseline.setCurrentIndex(
        next(
            i
            for i in range(dialog.baseline.count())
            if "model-b.eval" in dialog.baseline.itemText(i)
        )
    )
    # The same log as baseline and run is refused inside the dialog, naming why.
    for row in range(dialog.runs.count()):
        item = dialog.runs.item(row)
        assert item is not None
        if "model-b.eval" in item.text():
            item.setCheckState(Qt.CheckState.Checked)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: "baseline cannot also" in dialog.error.text(), timeout=TIMEOUT)
    for row in range(dialog.runs.count()):
        item = dialog.runs.item(row)
        assert item is not None
        checked = "model-a.eval" in item.text()
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
    dialog.seed.setText("7")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 4, timeout=TIMEOUT)
    rows = cells(window)
    assert [r[0] for r in rows] == ["Vulnerability discovery"] * 2 + ["Exploitation"] * 2
    assert "model-b.eval" in rows[0][3] and rows[0][5] == "baseline"
    assert "seed 7" in panel.settings.text()
    # The evidence picker offers both comparisons and cites the chosen one.
    picker = EvidencePicker(window.ctx, 1, window)
    picked: list[EvidenceRef] = []
    picker.picked.connect(lambda ref, _path: picked.append(ref))
    picker.open()
    qtbot.waitExposed(picker)
    qtbot.waitUntil(lambda: any(c.kind == "comparison" for c in picker.candidates), timeout=TIMEOUT)
    row = next(
        i
        for i, c in enumerate(picker.candidates)
        if c.path == "Comparison: Vulnerability discovery"
    )
    picker.list.setCurrentRow(row)
    assert not picker.sample_combo.isEnabled()
    picker.add_button.click()
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=TIMEOUT)
    vuln = next(i for i in panel.items if i.area.area == "vulnerability-discovery")
    assert [r.artifact_uid for r in picked] == [vuln.area.citation]
    # Removing the selected area.
    panel.table.selectRow(0)
    assert panel.remove_button.isEnabled()
    panel.remove_button.click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=TIMEOUT)
    assert cells(window)[0][0] == "Exploitation"


def test_triaged_figures_follow_the_raw_ones(qtbot: QtBot, shell: Shell, demo_vault: Path) -> None:
    """Where confirmed triage labels invalidated solves, each run has a triaged row too."""
    window = _window(qtbot, shell, demo_vault)
    panel = window.workspace.overview.areas
    qtbot.waitUntil(lambda: "No capability area" in panel.status.text(), timeout=TIMEOUT)
    item = triaged_item()
    assert item.result is not None and item.result.triaged is not None
    panel._show(panel.review_id, [item])
    rows = cells(window)
    assert [r[1:3] for r in rows] == [
        ["raw", "A"],
        ["raw", "B"],
        ["triaged", "A"],
        ["triaged", "B"],
    ]
    assert rows == [row for _uid, row in table_rows([item])]
    triaged_b = item.result.triaged.runs[1]
    assert rows[3][4].startswith(determination.run_line(triaged_b)) and "32/59" in rows[3][4]
    assert "3 solve(s) invalidated (10@1, 10@2, 11@2)" in rows[3][4]
    assert rows[1][4] == determination.run_line(item.result.runs[1])  # raw: 35/59
    assert determination.test_line(item.result.triaged.tests[0], item.result.triaged) == rows[3][5]
