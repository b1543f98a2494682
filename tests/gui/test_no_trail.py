"""Qt's file dialog keeps no trail of the folders a reviewer visited (issue: QtProject.conf).

Run in a child process: QSettings' default locations are process-wide, and the test suite
points them at its own folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication, QEvent
from reviewstation.gui.app import application, leave_no_trail, own_settings
from reviewstation.gui.qt import QFileDialog

app = application()
settings = own_settings()
leave_no_trail()
settings.setValue("appearance/theme", "dark")
settings.sync()
folder = Path(sys.argv[1])
for _ in range(2):
    dialog = QFileDialog(None, "Import", str(folder))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setDirectory(str(folder))
    dialog.show()
    app.processEvents()
    dialog.accept()
    dialog.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
print(settings.fileName())
"""


def test_the_file_dialog_leaves_no_folder_name_on_disk(tmp_path: Path) -> None:
    home = tmp_path / "home"
    media = tmp_path / "media" / "CANARY-SECRET-MEDIA-7f3a"
    media.mkdir(parents=True)
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "QT_QPA_PLATFORM": "offscreen",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(media)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    own = Path(done.stdout.strip().splitlines()[-1])
    assert own == home / ".config" / "ReviewStation" / "ReviewStation.conf"
    assert "dark" in own.read_text()  # the app's own settings are still kept
    written = [p for p in home.rglob("*") if p.is_file()]
    assert not (home / ".config" / "QtProject.conf").exists()
    for path in written:
        assert b"CANARY-SECRET-MEDIA" not in path.read_bytes(), path
