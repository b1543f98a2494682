"""The layering rules of docs/architecture.md, enforced."""

from __future__ import annotations

import pkgutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import reviewstation

ROOT = Path(reviewstation.__file__).parent


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages([str(ROOT)], prefix="reviewstation."):
        if not info.name.startswith("reviewstation.gui"):
            names.append(info.name)
    return names


def test_core_never_imports_qt() -> None:
    modules = core_modules()
    assert "reviewstation.vault.session" in modules and "reviewstation.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    if name != 'reviewstation.__main__':\n"
        "        importlib.import_module(name)\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print(','.join(qt))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_qt_is_imported_in_one_module() -> None:
    """``gui/qt.py`` is the GUI's one door to Qt (the generated forms aside)."""
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "PySide6" in path.read_text(encoding="utf-8") and path.parent.name != "forms"
    )
    assert importers == ["gui/qt.py"]
    qt = (ROOT / "gui" / "qt.py").read_text(encoding="utf-8")
    used = {line.split()[1] for line in qt.splitlines() if line.startswith("from PySide6.")}
    assert used == {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"}


def test_nothing_imports_qtnetwork() -> None:
    for path in ROOT.rglob("*.py"):
        assert "QtNetwork" not in path.read_text(encoding="utf-8"), path
    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "import reviewstation.gui.app\n"
        "print('PySide6.QtNetwork' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_suite_runs_with_network_sockets_disabled() -> None:
    for family in (socket.AF_INET, socket.AF_INET6):
        with pytest.raises(OSError, match="disabled"):
            socket.socket(family, socket.SOCK_STREAM)
    child = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 9))"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "disabled" in child.stderr
