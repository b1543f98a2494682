"""Printing: stable JSON for scripts, plain lines for people."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def line(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def table(rows: list[list[str]], headings: list[str]) -> None:
    widths = [max(len(str(c)) for c in col) for col in zip(headings, *rows, strict=False)]
    for row in [headings, *rows]:
        line("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
