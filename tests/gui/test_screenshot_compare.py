"""The Compare runs and triage screenshots still render (tools/screenshot_compare.py, for docs/)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tools.screenshot_compare import render


def test_renders_the_comparison(qapp: QApplication, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    out.mkdir()
    written = render(qapp, out, "light", tmp_path)
    assert [p.name for p in written] == ["10-compare-runs.png", "10b-triage.png"]
    for path in written:
        image = QImage(str(path))
        assert image.width() > 1000 and image.height() > 700
