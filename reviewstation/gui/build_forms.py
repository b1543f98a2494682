"""Regenerate the compiled forms from ``ui/*.ui`` (run from a source checkout).

    .venv/bin/python -m reviewstation.gui.build_forms          # rewrite ui_*.py
    .venv/bin/python -m reviewstation.gui.build_forms --check  # exit 1 if any is stale

``tests/gui/test_forms.py`` runs the same comparison, so a form edited in Designer but not
recompiled fails the test suite.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent / "forms"
UI_DIR = FORMS_DIR.parents[2] / "ui"


def find_uic() -> str | None:
    """The ``pyside6-uic`` of this interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).parent / "pyside6-uic"
    if beside.is_file():
        return str(beside)
    return shutil.which("pyside6-uic")


def module_for(form: Path) -> Path:
    return FORMS_DIR / f"ui_{form.stem}.py"


def forms() -> list[Path]:
    return sorted(UI_DIR.glob("*.ui"))


def compile_form(uic: str, form: Path) -> str:
    """What ``pyside6-uic`` makes of ``form`` (it names only the file's base name inside)."""
    result = subprocess.run(
        [uic, "--generator", "python", str(form)],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="report stale modules, write nothing")
    args = parser.parse_args(argv)
    uic = find_uic()
    if uic is None:
        print("pyside6-uic was not found; install the dev dependencies.", file=sys.stderr)
        return 2
    stale = []
    for form in forms():
        target = module_for(form)
        text = compile_form(uic, form)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if text == current:
            continue
        stale.append(target.name)
        if not args.check:
            target.write_text(text, encoding="utf-8")
    verb = "stale" if args.check else "regenerated"
    for name in stale:
        print(f"{verb}: {name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
