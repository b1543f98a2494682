"""The screenshot script still walks every main screen (it renders the README's pictures)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tools.screenshots import SIZE, render


def test_renders_every_main_screen(qapp: QApplication, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    out.mkdir()
    written = render(qapp, out, "light", tmp_path)
    names = [p.stem for p in written]
    assert names[:2] == ["01-unlock", "02-overview"]
    assert {"03-artifacts", "05-findings", "06-finding-editor", "07-audit"} <= set(names)
    overview = QImage(str(out / "02-overview.png"))
    assert (overview.width(), overview.height()) == SIZE
    # The marking's banner is painted at the top of the window.
    assert overview.pixelColor(4, 4).name() == "#007a33"
