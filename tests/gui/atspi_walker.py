"""The assistive-technology side of the AT-SPI walk (``test_atspi.py``): run by the system
python3 (Debian's python3-pyatspi), it walks the window titled TITLE of the application
with process id PID through the AT-SPI registry, as a screen reader would, and prints one
JSON line: every showing object (role, name, states), not descending into the cells of
tables, lists and trees. One process per window: the registry's view of the desktop is read
once per process (no main loop here to follow its changes).

    /usr/bin/python3 tests/gui/atspi_walker.py PID TITLE
"""

from __future__ import annotations

import json
import sys
import time

import pyatspi  # type: ignore[import-not-found]

LEAVES = {"table", "tree table", "list", "tree", "list box"}  # their cells are data
STATES = {
    "enabled": pyatspi.STATE_ENABLED,
    "focusable": pyatspi.STATE_FOCUSABLE,
    "editable": pyatspi.STATE_EDITABLE,
    "checked": pyatspi.STATE_CHECKED,
}


def application(pid: int):  # type: ignore[no-untyped-def]
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def walk(node, out: list[dict[str, object]], depth: int = 0) -> None:  # type: ignore[no-untyped-def]
    state = node.getState()
    if not state.contains(pyatspi.STATE_SHOWING) or depth > 60:
        return
    role = node.getRoleName()
    out.append(
        {
            "role": role,
            "name": node.name or "",
            "states": [k for k, v in STATES.items() if state.contains(v)],
            "depth": depth,
        }
    )
    if role in LEAVES:
        return
    for child in node:
        if child is not None:
            walk(child, out, depth + 1)


def answer(pid: int, title: str) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while True:
        app = application(pid)
        windows = [w for w in app or () if w is not None and w.name == title]
        showing = [w for w in windows if w.getState().contains(pyatspi.STATE_SHOWING)]
        if showing or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if not showing:
        names = [w.name for w in app or () if w is not None]
        where = "no such application" if app is None else f"windows: {names}"
        return {"error": f"no showing window {title!r} ({where})"}
    nodes: list[dict[str, object]] = []
    walk(showing[0], nodes)
    return {"window": showing[0].getRoleName(), "nodes": nodes}


def main() -> int:
    print(json.dumps(answer(int(sys.argv[1]), sys.argv[2])), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
