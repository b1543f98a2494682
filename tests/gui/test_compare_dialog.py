"""The Compare runs dialog: logs from the vault, the figures the core computes, a sample's
transcripts side by side with where they diverge."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot
from support.inspect_logs import sample, write_eval

from reviewstation.analysis import stats
from reviewstation.gui.pages.artifacts.compare_dialog import CompareDialog
from reviewstation.gui.qt import Qt
from reviewstation.gui.shell import Shell

from .test_inspector_panel import TIMEOUT, add, page_of, select

A_VALUES = ["C", "C", "C", "I", "I", "I", "C", "I"]
B_VALUES = ["C", "I", "C", "C", "I", "C", "C", "I"]


def _logs(tmp_path: Path) -> tuple[Path, Path]:
    chat = [{"role": "user", "content": "find the flag"}]

    def run(name: str, values: list[str]) -> Path:
        records = [
            sample(
                i + 1,
                v,
                messages=[*chat, {"role": "assistant", "content": f"{name} try {i}"}],
                limit="token" if name == "b" and i == 7 else None,
            )
            for i, v in enumerate(values)
        ]
        return write_eval(tmp_path / f"run-{name}.eval", records, model=f"mockllm/{name}")

    return run("a", A_VALUES), run("b", B_VALUES)


def cell(dialog: CompareDialog, row: int, column: int) -> str:
    item = dialog.table.item(row, column)
    assert item is not None
    return item.text()


def _ids(dialog: CompareDialog) -> dict[str, int]:
    out = {}
    for row in range(dialog.logs.count()):
        item = dialog.logs.item(row)
        out[item.text().split()[1]] = int(item.data(Qt.ItemDataRole.UserRole))
    return out


def test_compare_two_runs_and_open_a_sample(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    log_a, log_b = _logs(tmp_path)
    add(demo_vault, log_a, log_b)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "run-a.eval")
    dialog = page.open_compare()
    qtbot.waitUntil(lambda: dialog.logs.count() >= 2, timeout=TIMEOUT)
    ids = _ids(dialog)
    assert dialog.order == [ids["run-a.eval"]]  # the selected log is run A
    assert not dialog.compare_button.isEnabled()
    dialog.tick(ids["run-b.eval"])
    assert dialog.compare_button.isEnabled()
    assert (
        dialog.status.text()
        == f"Runs: A = #{ids['run-a.eval']}, B = #{ids['run-b.eval']}. Press Compare."
    )

    dialog.compare_button.click()
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=TIMEOUT)
    result = dialog.comparison
    assert result is not None and result.aligned == 8
    test = result.tests[0]
    assert (test.base_only, test.other_only) == (1, 2)
    summary = dialog.summary.toPlainText()
    assert f"exact McNemar p = {stats.mcnemar_exact(1, 2):.4g}" in summary
    assert "solved 4/8 = 50.0%" in summary and "solved 5/8 = 62.5%" in summary
    assert dialog.table.rowCount() == 8

    dialog.filter.setCurrentIndex(dialog.filter.findData("b-only"))
    assert [cell(dialog, r, 0) for r in range(dialog.table.rowCount())] == ["4@1", "6@1"]
    dialog.filter.setCurrentIndex(dialog.filter.findData("limits"))
    assert dialog.table.rowCount() == 1
    assert cell(dialog, 0, 4) == "B: token limit"

    dialog.filter.setCurrentIndex(dialog.filter.findData("all"))
    dialog.table.setCurrentCell(1, 0)
    qtbot.waitUntil(lambda: dialog.pair is not None, timeout=TIMEOUT)
    assert dialog.divergence.text() == "Sample 2@1: messages first differ at #1."
    assert "▶ #1 [assistant]\na try 1" in dialog.transcript_a.toPlainText()
    assert "▶ #1 [assistant]\nb try 1" in dialog.transcript_b.toPlainText()
    dialog.close()


def test_a_bad_threshold_is_refused_in_the_dialog(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    log_a, log_b = _logs(tmp_path)
    add(demo_vault, log_a, log_b)
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "run-a.eval")
    dialog = page.open_compare()
    qtbot.waitUntil(lambda: dialog.logs.count() >= 2, timeout=TIMEOUT)
    dialog.tick(_ids(dialog)["run-b.eval"])
    dialog.threshold.setText("lots")
    dialog.compare_button.click()
    assert dialog.status.text() == "The threshold must be a number, for example 1.0 or 0.5."
    assert dialog.comparison is None
    # The demo's own log shares nothing with these runs: the core's sentence, in the dialog.
    dialog.threshold.setText("1.0")
    dialog.tick(_ids(dialog)["orion-2-submission/demo-ctf.json"])
    dialog.compare_button.click()
    qtbot.waitUntil(lambda: "share no" in dialog.status.text(), timeout=TIMEOUT)
    assert dialog.comparison is None and dialog.compare_button.isEnabled()
    dialog.close()


def test_triage_a_sample_in_the_dialog(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    """Label the open sample's message in run B; the author cannot confirm it (the core's
    sentence names who can); a label by another lead is confirmed here, and the comparison is
    shown again with the triaged figures beside the raw ones."""
    from reviewstation.app.demo import DEMO_PASSPHRASE
    from reviewstation.crypto.kdf import floor_params
    from reviewstation.findings import triage
    from reviewstation.vault import accounts
    from reviewstation.vault.session import open_vault

    log_a, log_b = _logs(tmp_path)
    add(demo_vault, log_a, log_b)
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        accounts.add_user(session, "lena", "lead", "lena passphrase", kdf=floor_params())
        run_b = session.conn.execute(
            "SELECT id FROM artifacts WHERE path = 'run-b.eval'"
        ).fetchone()[0]
    with open_vault(demo_vault, "lena passphrase", user="lena") as lena:
        theirs = triage.add_label(lena, run_b, "6@1", "reward-hacking", "patched the checker")
    page = page_of(qtbot, shell, demo_vault)
    select(qtbot, page, "run-a.eval")
    dialog = page.open_compare()
    qtbot.waitUntil(lambda: dialog.logs.count() >= 2, timeout=TIMEOUT)
    dialog.tick(_ids(dialog)["run-b.eval"])
    dialog.compare_button.click()
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=TIMEOUT)
    assert dialog.comparison is not None and dialog.comparison.triaged is None

    panel = dialog.triage
    dialog.table.setCurrentCell(3, 0)  # 4@1: solved by B only
    qtbot.waitUntil(lambda: dialog.pair is not None and panel.part.count() == 3, timeout=TIMEOUT)
    panel.run.setCurrentIndex(1)
    panel.part.setCurrentIndex(panel.part.findData("message:1"))
    panel.kind.setCurrentIndex(panel.kind.findData("out-of-scope"))
    panel.note.setText("read the flag from the environment")
    panel.add_button.click()
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=TIMEOUT)
    assert "B 4@1 message:1  out-of-scope  [open]  (demo)" in panel.list.item(0).text()
    panel.list.setCurrentRow(0)
    panel.confirm_button.click()
    qtbot.waitUntil(lambda: "you wrote it" in panel.status.text(), timeout=TIMEOUT)
    assert "this lead can: lena" in panel.status.text()

    before = dialog.comparison
    dialog.table.setCurrentCell(5, 0)  # 6@1: lena's label
    qtbot.waitUntil(
        lambda: panel.list.count() == 1 and "6@1" in panel.list.item(0).text(), timeout=TIMEOUT
    )
    assert f"#{theirs.id} B 6@1  reward-hacking  [open]  (lena)" in panel.list.item(0).text()
    panel.list.setCurrentRow(0)
    panel.note.setText("seen in the tool calls")
    panel.confirm_button.click()
    qtbot.waitUntil(lambda: dialog.comparison is not before, timeout=TIMEOUT)
    result = dialog.comparison
    assert result is not None and result.invalidated == {"B": ["6@1"]}
    assert result.triaged is not None and result.triaged.runs[1].solved == 4
    summary = dialog.summary.toPlainText()
    assert "solved 5/8 = 62.5%" in summary and "   triaged: solved 4/8 = 50.0%" in summary
    assert "invalidate 1 sample(s)" in dialog.status.text()
    row = [cell(dialog, r, 0) for r in range(dialog.table.rowCount())].index("6@1")
    assert cell(dialog, row, 4) == "B: solve invalidated by triage"
    qtbot.waitUntil(lambda: "[confirmed by demo]" in panel.list.item(0).text(), timeout=TIMEOUT)
    dialog.close()


def test_an_auditor_sees_labels_but_cannot_label(
    qtbot: QtBot, shell: Shell, demo_vault: Path, tmp_path: Path
) -> None:
    from reviewstation.app.demo import DEMO_PASSPHRASE
    from reviewstation.findings import triage
    from reviewstation.vault.session import open_vault

    from .conftest import AUDITOR, AUDITOR_PASSPHRASE

    log_a, log_b = _logs(tmp_path)
    add(demo_vault, log_a, log_b)
    with open_vault(demo_vault, DEMO_PASSPHRASE, user="demo") as session:
        run_a = session.conn.execute(
            "SELECT id FROM artifacts WHERE path = 'run-a.eval'"
        ).fetchone()[0]
        triage.add_label(session, run_a, "1@1", "needs-discussion", "unclear")
    page = page_of(qtbot, shell, demo_vault, AUDITOR, AUDITOR_PASSPHRASE)
    select(qtbot, page, "run-a.eval")
    dialog = page.open_compare()
    qtbot.waitUntil(lambda: dialog.logs.count() >= 2, timeout=TIMEOUT)
    dialog.tick(_ids(dialog)["run-b.eval"])
    dialog.compare_button.click()
    qtbot.waitUntil(lambda: dialog.comparison is not None, timeout=TIMEOUT)
    dialog.table.setCurrentCell(0, 0)
    panel = dialog.triage
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=TIMEOUT)
    assert "needs-discussion  [open]  (demo)" in panel.list.item(0).text()
    panel.list.setCurrentRow(0)
    assert not panel.add_button.isEnabled()
    assert not panel.confirm_button.isEnabled() and not panel.dispute_button.isEnabled()
    dialog.close()
