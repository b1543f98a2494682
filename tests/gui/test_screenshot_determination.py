"""The capability areas screenshot still renders (tools/screenshot_determination.py, for docs/)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tools.screenshot_determination import render


def test_renders_the_capability_areas(qapp: QApplication, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    out.mkdir()
    (written,) = render(qapp, out, "light", tmp_path)
    assert written.name == "11-determination-areas.png"
    image = QImage(str(written))
    assert image.width() > 1000 and image.height() > 700
