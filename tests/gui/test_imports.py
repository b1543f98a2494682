"""``import reviewstation.gui`` stays light; the CLI's entry point is where it expects it."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import inspect, sys
import reviewstation.gui
light = "PySide6" not in sys.modules
from reviewstation.gui.app import run
print(light, list(inspect.signature(run).parameters))
"""


def test_gui_package_is_light_and_exposes_run() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
    )
    assert result.stdout.split(maxsplit=1) == ["True", "['vault']\n"]
