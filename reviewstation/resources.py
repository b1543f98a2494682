"""Where the shipped resources (checklist templates, schemas) are: checkout, frozen app or wheel."""

from __future__ import annotations

import sys
from pathlib import Path

from reviewstation.errors import ReviewStationError


def resources_dir() -> Path:
    candidates = [
        Path(__file__).resolve().parent.parent / "resources",  # a checkout or editable install
        Path(getattr(sys, "_MEIPASS", "/nonexistent")) / "resources",  # the PyInstaller bundle
        Path(sys.prefix) / "share" / "reviewstation" / "resources",  # a wheel's data files
    ]
    for candidate in candidates:
        if (candidate / "checklists").is_dir():
            return candidate
    raise ReviewStationError("ReviewStation's resources folder is missing; reinstall it.")
